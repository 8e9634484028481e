import {
  type Assessment,
  type PairAssessment,
  type PrincipalAssessment,
  type PrincipalKind,
  type PrincipalRef,
  principalProvider,
  type RoleRef,
} from '@lastswitch/core';
import { SlackConfigError } from './errors.js';
import type { SlackBlock, SlackMessage, SlackMessageOptions } from './types.js';

/** The Slack limits `toSlackMessages` keeps every message within. */
export const SLACK_LIMITS = {
  /** Blocks per message (documented). */
  blocksPerMessage: 50,
  /** Characters in one section's text (documented). */
  sectionText: 3000,
  /** Characters in a header's text (documented). */
  headerText: 150,
  /** Default budget of text characters per message: Slack's real limit is undocumented (reported between 11k and 13k). */
  charsPerMessage: 10_000,
} as const;

const DEFAULT_TITLE = 'lastswitch: unused AWS role access';
const MIN_BLOCKS = 3;
const MIN_CHARS = 4000;
const MAX_CHARS = 40_000;
/** Room kept at the end of the header for " (12/34)". */
const NUMBERING_RESERVE = ' (999/999)'.length;
/** No single rendered line is longer than this, so a principal line plus one role line always fit a section. */
const MAX_LINE = 1400;
const DAY_MS = 86_400_000;
/** Longest accepted mention markup and link URL, so the summary and context stay within one text object. */
const MAX_MENTION = 1000;
const MAX_LINK_URL = 2000;

type GroupId = 'stale' | 'partly-stale' | 'never';

interface Group {
  id: GroupId;
  heading: (continued: boolean) => string;
  /** Section-sized chunks of principal entries, in order. */
  units: string[];
}

interface Page {
  blocks: SlackBlock[];
  chars: number;
}

/**
 * Renders an assessment as Slack Incoming Webhook messages (Block Kit): a summary, then every
 * principal holding a stale role, then roles allowed but never used; split to stay within Slack's
 * limits and numbered "(1/N)" when it takes more than one message. Pure.
 */
export function toSlackMessages(assessment: Assessment, options: SlackMessageOptions = {}): SlackMessage[] {
  const settings = readOptions(options);
  const days = assessment.staleAfterDays;
  const generatedAt = assessment.generatedAt;

  const qualify = qualifiers(assessment);
  const staleAll: PrincipalAssessment[] = [];
  const partlyStale: PrincipalAssessment[] = [];
  const neverUsed: PrincipalAssessment[] = [];
  for (const principal of assessment.principals) {
    const roles = principal.roles;
    const hasStale = roles.some((role) => role.status === 'stale');
    const hasActive = principal.status === 'active' || roles.some((role) => role.status === 'active');
    if (hasStale && hasActive) partlyStale.push(principal);
    else if (hasStale || principal.status === 'stale') staleAll.push(principal);
    if (roles.some((role) => role.status === 'never')) neverUsed.push(principal);
  }

  if (staleAll.length + partlyStale.length + neverUsed.length === 0) {
    return [allClearMessage(assessment, settings)];
  }

  const groups: Group[] = [
    {
      id: 'stale',
      heading: (continued) =>
        `*Not switched into any role in ${days} days* (${countOf(staleAll.length, 'principal')})${more(continued)}`,
      units: staleAll.flatMap((principal) => toUnits(staleEntry(principal, generatedAt, false, qualify))),
    },
    {
      id: 'partly-stale',
      heading: (continued) =>
        `*Still switching, but holding roles unused for ${days} days* (${countOf(partlyStale.length, 'principal')})${more(continued)}`,
      units: partlyStale.flatMap((principal) => toUnits(staleEntry(principal, generatedAt, true, qualify))),
    },
    {
      id: 'never',
      heading: (continued) =>
        `*Allowed, but never switched* (${countOf(neverUsed.length, 'principal')})${more(continued)}`,
      units: neverUsed.flatMap((principal) => toUnits(neverEntry(principal, qualify))),
    },
  ];

  const summary = summarise(staleAll.length, partlyStale.length, neverUsed.length, days);
  const intro: SlackBlock[] = [
    section(settings.mention ? `${settings.mention} ${summary.mrkdwn}` : summary.mrkdwn),
    context(assessedLine(assessment), settings.link),
  ];
  const pages = layOut(groups, intro, settings);
  const total = pages.length;
  return pages.map((page, index) => {
    const numbering = total > 1 ? ` (${index + 1}/${total})` : '';
    const header = page.blocks[0];
    if (header?.type === 'header') header.text.text = `${settings.title}${numbering}`;
    const fallback =
      index === 0
        ? `${settings.mention ? `${settings.mention} ` : ''}${escapeText(settings.title)}${numbering}: ${summary.plain}`
        : `${escapeText(settings.title)}${numbering}, continued`;
    return { text: fallback, blocks: page.blocks, unfurl_links: false, unfurl_media: false };
  });
}

interface Settings {
  title: string;
  mention?: string;
  /** The link already rendered as mrkdwn `<url|text>`. */
  link?: string;
  maxBlocks: number;
  maxChars: number;
}

function readOptions(options: SlackMessageOptions): Settings {
  const maxBlocks = options.maxBlocksPerMessage ?? SLACK_LIMITS.blocksPerMessage;
  if (!Number.isInteger(maxBlocks) || maxBlocks < MIN_BLOCKS || maxBlocks > SLACK_LIMITS.blocksPerMessage) {
    throw new SlackConfigError(
      `maxBlocksPerMessage must be a whole number from ${MIN_BLOCKS} to ${SLACK_LIMITS.blocksPerMessage}, got ${String(maxBlocks)}`,
    );
  }
  const maxChars = options.maxCharsPerMessage ?? SLACK_LIMITS.charsPerMessage;
  if (!Number.isInteger(maxChars) || maxChars < MIN_CHARS || maxChars > MAX_CHARS) {
    throw new SlackConfigError(
      `maxCharsPerMessage must be a whole number from ${MIN_CHARS} to ${MAX_CHARS}, got ${String(maxChars)}`,
    );
  }
  const rawTitle = options.title === undefined ? DEFAULT_TITLE : oneLine(options.title).trim();
  if (rawTitle === '') throw new SlackConfigError('title must not be empty');
  const settings: Settings = {
    title: clip(rawTitle, SLACK_LIMITS.headerText - NUMBERING_RESERVE),
    maxBlocks,
    maxChars,
  };
  if (options.mention !== undefined) settings.mention = checkMention(options.mention);
  if (options.link !== undefined) settings.link = renderLink(options.link);
  return settings;
}

/** One mention: `<!here>`, `<!channel>`, `<!everyone>`, `<@U…>`/`<@W…>`, `<!subteam^S…>`, optionally with `|label`. */
const MENTION = /^<(?:!here|!channel|!everyone|@[UW][A-Z0-9]+|!subteam\^[A-Z0-9]+)(?:\|[^<>|]{0,80})?>$/;

function checkMention(mention: string): string | undefined {
  const parts = mention.split(/\s+/).filter((part) => part !== '');
  if (parts.length === 0) return undefined;
  for (const part of parts) {
    if (part.length > 120 || !MENTION.test(part)) {
      throw new SlackConfigError(
        `mention must be Slack mention markup such as <!here>, <!channel>, <@U0123ABCD> or <!subteam^S0123ABCD>, got ${JSON.stringify(clip(part, 40))}`,
      );
    }
  }
  const joined = parts.join(' ');
  if (joined.length > MAX_MENTION) {
    throw new SlackConfigError(`mention must be at most ${MAX_MENTION} characters, got ${joined.length}`);
  }
  return joined;
}

function renderLink(link: { url: string; text: string }): string {
  let url: URL;
  try {
    url = new URL(link.url);
  } catch (error) {
    throw new SlackConfigError('link.url is not a valid URL', { cause: error });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new SlackConfigError(`link.url must be http or https, got ${url.protocol}`);
  }
  if (url.href.length > MAX_LINK_URL) {
    throw new SlackConfigError(`link.url must be at most ${MAX_LINK_URL} characters, got ${url.href.length}`);
  }
  const text = oneLine(link.text).trim();
  if (text === '') throw new SlackConfigError('link.text must not be empty');
  // URL#href percent-encodes < > | and spaces; & is the one control character left to escape.
  return `<${url.href.replaceAll('&', '&amp;').replaceAll('|', '%7C')}|${escapeText(clip(text, 200))}>`;
}

function summarise(
  staleAll: number,
  partlyStale: number,
  neverUsed: number,
  days: number,
): { mrkdwn: string; plain: string } {
  const parts: { bold: string; rest: string }[] = [];
  if (staleAll > 0) {
    parts.push({
      bold: countOf(staleAll, 'principal'),
      rest: `${staleAll === 1 ? 'has' : 'have'} not switched role at all in ${days} days`,
    });
  }
  if (partlyStale > 0) {
    parts.push({
      bold: staleAll > 0 ? `${partlyStale} more` : countOf(partlyStale, 'principal'),
      rest: `${partlyStale === 1 ? 'holds' : 'hold'} roles they have not used in ${days} days`,
    });
  }
  if (neverUsed > 0) {
    parts.push({
      bold: countOf(neverUsed, 'principal'),
      rest: `${neverUsed === 1 ? 'is' : 'are'} allowed roles they have never switched into`,
    });
  }
  return {
    mrkdwn: `${parts.map((part) => `*${part.bold}* ${part.rest}`).join('; ')}.`,
    plain: `${parts.map((part) => `${part.bold} ${part.rest}`).join('; ')}.`,
  };
}

function assessedLine(assessment: Assessment): string {
  const { summary } = assessment;
  return (
    `Assessed ${countOf(summary.principals, 'principal')} and ${countOf(summary.pairs, 'role grant')} on ` +
    `${formatTime(assessment.generatedAt)}: ${summary.active} active, ${summary.stale} stale, ${summary.never} never used. ` +
    `A role counts as unused once its last switch is ${assessment.staleAfterDays} or more days old.`
  );
}

function allClearMessage(assessment: Assessment, settings: Settings): SlackMessage {
  const days = assessment.staleAfterDays;
  const principals = assessment.summary.principals;
  const body =
    principals === 0
      ? ':information_source: *Nothing to report.* The assessment holds no principals: no role switches have been ' +
        'recorded yet. If you expected some, check that CloudTrail log files are being ingested.'
      : `:white_check_mark: *All clear.* ${principals === 1 ? 'The 1 principal' : `All ${principals} principals`} ` +
        `switched into every role they hold within the last ${days} days.`;
  const plain =
    principals === 0
      ? 'Nothing to report: no role switches have been recorded yet.'
      : `All clear: no role has gone unused for ${days} days.`;
  const blocks: SlackBlock[] = [
    header(settings.title),
    section(body),
    context(assessedLine(assessment), settings.link),
  ];
  return { text: `${escapeText(settings.title)}: ${plain}`, blocks, unfurl_links: false, unfurl_media: false };
}

/** Lays the groups out over pages, never splitting a unit, starting each page with a header. */
function layOut(groups: Group[], intro: SlackBlock[], settings: Settings): Page[] {
  const pages: Page[] = [];
  let page = newPage(settings.title);
  for (const block of intro) {
    if (page.blocks.length >= settings.maxBlocks) {
      pages.push(page);
      page = newPage(settings.title);
    }
    addBlock(page, block);
  }
  let headedGroup: GroupId | undefined;
  let open: { text: { text: string } } | undefined;
  for (const group of groups) {
    let headingShown = false;
    for (const unit of group.units) {
      if (
        open &&
        headedGroup === group.id &&
        open.text.text.length + 2 + unit.length <= SLACK_LIMITS.sectionText &&
        page.chars + 2 + unit.length <= settings.maxChars
      ) {
        open.text.text += `\n\n${unit}`;
        page.chars += 2 + unit.length;
        continue;
      }
      // A new section, preceded by the group's heading (and a divider) unless this page has it already.
      const heading = group.heading(headingShown);
      const needed = blocksNeeded(page, headedGroup !== group.id);
      const chars = unit.length + (headedGroup === group.id ? 0 : heading.length);
      if (page.blocks.length + needed > settings.maxBlocks || page.chars + chars > settings.maxChars) {
        // Always fits on a fresh page: header + heading + one unit ≤ 3 blocks and ≤ MIN_CHARS.
        pages.push(page);
        page = newPage(settings.title);
        headedGroup = undefined;
      }
      if (headedGroup !== group.id) {
        if (page.blocks.length > 1) addBlock(page, { type: 'divider' });
        addBlock(page, section(heading));
        headedGroup = group.id;
        headingShown = true;
      }
      const block = section(unit);
      addBlock(page, block);
      open = block;
    }
  }
  pages.push(page);
  return pages;
}

function blocksNeeded(page: Page, withHeading: boolean): number {
  if (!withHeading) return 1;
  return page.blocks.length > 1 ? 3 : 2;
}

function newPage(title: string): Page {
  // The header is counted at its maximum length: the numbering is only known at the end.
  return { blocks: [header(title)], chars: SLACK_LIMITS.headerText };
}

function addBlock(page: Page, block: SlackBlock): void {
  page.blocks.push(block);
  if (block.type === 'section') page.chars += block.text.text.length;
  else if (block.type === 'context')
    page.chars += block.elements.reduce((sum, element) => sum + element.text.length, 0);
}

function header(text: string): SlackBlock {
  return { type: 'header', text: { type: 'plain_text', text, emoji: true } };
}

/** `verbatim`: Slack does not auto-link bare URLs, channel names or `@here` in it; only `<...>` markup acts. */
function section(text: string): SlackBlock & { type: 'section' } {
  return { type: 'section', text: { type: 'mrkdwn', text, verbatim: true } };
}

function context(...texts: (string | undefined)[]): SlackBlock {
  const elements = texts
    .filter((text) => text !== undefined)
    .map((text) => ({ type: 'mrkdwn' as const, text, verbatim: true }));
  return { type: 'context', elements };
}

/** A principal entry: its line, then one line per role; split into section-sized units when long. */
interface Entry {
  head: string;
  lines: string[];
}

function toUnits(entry: Entry): string[] {
  const units: string[] = [];
  let current = entry.head;
  let hasLines = false;
  for (const line of entry.lines) {
    if (hasLines && current.length + 1 + line.length > SLACK_LIMITS.sectionText) {
      units.push(current);
      current = `${entry.head} _(continued)_`;
    }
    current += `\n${line}`;
    hasLines = true;
  }
  units.push(current);
  return units;
}

function staleEntry(principal: PrincipalAssessment, generatedAt: number, partly: boolean, qualify: Qualify): Entry {
  const stale = principal.roles.filter((role) => role.status === 'stale');
  let head = principalLine(principal, qualify);
  if (partly) {
    const active = principal.roles.filter((role) => role.status === 'active').length;
    head += active > 0 ? ` · still active in ${countOf(active, 'other role')}` : ' · still active';
  }
  const lines =
    stale.length > 0
      ? stale.map((role) => limitLine(`• ${roleLabel(role.role)}: ${lastSwitch(role, generatedAt)}`))
      : [limitLine(`• ${lastSwitch(principal, generatedAt)} (no role details in the assessment)`)];
  return { head: limitLine(head), lines };
}

function neverEntry(principal: PrincipalAssessment, qualify: Qualify): Entry {
  const lines = principal.roles
    .filter((role) => role.status === 'never')
    .map((role) => {
      const source = role.allowedBy?.source;
      return limitLine(
        `• ${roleLabel(role.role)}: allowed, never switched${source ? ` (allowed by ${userText(clip(oneLine(source), 200))})` : ''}`,
      );
    });
  return { head: limitLine(principalLine(principal, qualify)), lines };
}

const KIND_LABELS: Record<PrincipalKind, string> = {
  'iam-user': 'IAM user',
  root: 'root user',
  'role-session': 'role session',
  'federated-user': 'federated user',
  saml: 'SAML identity',
  'web-identity': 'web identity',
  unresolved: 'unresolved principal',
};

/** What tells a principal apart from another that would read the same (one user name in two Identity Center instances). */
type Qualify = (principal: PrincipalRef) => string | undefined;

function qualifiers(assessment: Assessment): Qualify {
  const shown = (p: PrincipalRef) => `${p.kind}\u0000${p.name}\u0000${p.account}`;
  const keys = new Map<string, Set<string>>();
  for (const { principal } of assessment.principals) {
    const set = keys.get(shown(principal)) ?? new Set<string>();
    set.add(principal.key);
    keys.set(shown(principal), set);
  }
  return (p) => ((keys.get(shown(p))?.size ?? 0) > 1 ? (principalProvider(p) ?? p.key) : undefined);
}

function principalLine(assessment: PrincipalAssessment, qualify: Qualify): string {
  const principal = assessment.principal;
  const name = principal.name.trim() === '' ? principal.key : principal.name;
  const kind = KIND_LABELS[principal.kind] ?? String(principal.kind);
  const account = principal.account ? ` · account ${code(clip(principal.account, 32))}` : '';
  // Names are bold: `*`, and `_`/`~` where they could open or close italics or strikethrough, are swapped for look-alikes.
  const shown = boldSafe(userText(clip(oneLine(name), 120)));
  const which = qualify(principal);
  const qualifier = which === undefined ? '' : ` · ${userText(clip(oneLine(which), 200))}`;
  return `*${shown}* · ${escapeText(kind)}${account}${qualifier}`;
}

function roleLabel(role: RoleRef): string {
  // A roster entry without a role allows "any role"; core gives it the key `*`.
  if (role.key === '*') return 'any role';
  const name = role.name.trim() === '' ? role.key : role.name;
  if (role.account && role.account !== '*') return `${code(clip(name, 128))} in ${code(clip(role.account, 32))}`;
  return code(clip(role.arn || role.key, 300));
}

function lastSwitch(item: Pick<PairAssessment, 'lastSeen' | 'daysSince'>, generatedAt: number): string {
  const lastSeen = item.lastSeen;
  let days = item.daysSince;
  if (days === undefined && lastSeen !== undefined && Number.isFinite(lastSeen)) {
    days = Math.floor((generatedAt - lastSeen) / DAY_MS);
  }
  if (days === undefined || !Number.isFinite(days)) return 'last switch unknown';
  const when = lastSeen !== undefined && Number.isFinite(lastSeen) ? ` (${formatDate(lastSeen)})` : '';
  return `last switch ${countOf(days, 'day')} ago${when}`;
}

function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function formatTime(ms: number): string {
  if (!Number.isFinite(ms)) return 'an unknown time';
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function more(continued: boolean): string {
  return continued ? ' _(continued)_' : '';
}

/** Escapes Slack's three control characters, as Slack's formatting guide asks for all user text. */
export function escapeText(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** An inline code span; a backtick inside would end it early, so it becomes `'`. */
function code(text: string): string {
  return `\`${userText(oneLine(text).replaceAll('`', "'"))}\``;
}

/** Text from a name, ARN or policy: Slack's control characters escaped and `@here`/`@channel`/`@everyone` defused. */
function userText(text: string): string {
  return escapeText(text).replace(/@(?=(?:here|channel|everyone)(?![\w-]))/gi, '＠');
}

const BOLD_LOOKALIKES: Record<string, string> = { '*': '∗', _: '＿', '~': '～' };

/** `*` always, `_` and `~` unless between two letters or digits (where Slack never formats), become look-alikes. */
function boldSafe(text: string): string {
  const chars = [...text];
  const wordy = (char: string | undefined) => char !== undefined && /^[\p{L}\p{N}]$/u.test(char);
  return chars
    .map((char, i) => {
      const lookalike = BOLD_LOOKALIKES[char];
      if (lookalike === undefined) return char;
      if (char !== '*' && wordy(chars[i - 1]) && wordy(chars[i + 1])) return char;
      return lookalike;
    })
    .join('');
}

/**
 * Characters that reorder, hide or break text (bidi controls, zero-width and other invisible
 * format characters, line and paragraph separators, C1 controls): shown as `[U+XXXX]` instead.
 */
function isInvisible(point: number): boolean {
  return (
    (point >= 0x80 && point <= 0x9f) ||
    point === 0xad ||
    point === 0x61c ||
    point === 0x180e ||
    (point >= 0x200b && point <= 0x200f) ||
    (point >= 0x2028 && point <= 0x202e) ||
    (point >= 0x2060 && point <= 0x206f) ||
    point === 0x3164 ||
    point === 0xfeff ||
    (point >= 0xfff9 && point <= 0xfffb) ||
    (point >= 0xe0000 && point <= 0xe007f)
  );
}

/** Keeps a value on one visible line: C0 controls become spaces, invisible and bidi characters `[U+XXXX]`. */
function oneLine(text: string): string {
  let out = '';
  for (const char of text) {
    const point = char.codePointAt(0) ?? 0;
    if (point < 0x20 || point === 0x7f) out += ' ';
    else if (isInvisible(point)) out += `[U+${point.toString(16).toUpperCase().padStart(4, '0')}]`;
    else out += char;
  }
  return out;
}

/** Shortens to `max` characters with an ellipsis, never splitting a surrogate pair. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max - 1;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return `${text.slice(0, cut)}…`;
}

/** Keeps a rendered line within MAX_LINE, cutting before an `&…;` entity rather than through it. */
function limitLine(line: string): string {
  if (line.length <= MAX_LINE) return line;
  let cut = MAX_LINE - 1;
  const amp = line.lastIndexOf('&', cut);
  if (amp !== -1 && cut - amp < 5 && line.indexOf(';', amp) >= cut) cut = amp;
  const unit = line.charCodeAt(cut - 1);
  if (unit >= 0xd800 && unit <= 0xdbff) cut -= 1;
  return `${line.slice(0, cut)}…`;
}
