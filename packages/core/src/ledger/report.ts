import { LastswitchError } from '../errors.js';
import type {
  AccessStatus,
  Assessment,
  PairAssessment,
  PrincipalAssessment,
  PrincipalRef,
  RoleRef,
  SwitchMethod,
} from '../model.js';
import { isoTime, renderJsonReportBytes } from './jsonReportBytes.js';

/** The formats `renderReport` writes. */
export type ReportFormat = 'table' | 'markdown' | 'csv' | 'json';

/** The formats `renderReport` writes, for validating user input. */
export const REPORT_FORMATS: readonly ReportFormat[] = ['table', 'markdown', 'csv', 'json'];

/** Options of `renderReport`. */
export interface RenderOptions {
  /** One row per (principal, role) pair (default) or per principal. JSON always has both. */
  by?: 'pair' | 'principal';
  /** Table only: the terminal width to fit, in characters (default 100; narrower terminals get 40). */
  width?: number;
}

/** Options of `renderReportBytes`. */
export interface RenderBytesOptions extends RenderOptions {
  /**
   * Write every chunk into the same memory: a chunk is valid only until the next one is asked for.
   * For a consumer that writes each chunk out before taking the next (`fs.writeSync`); it spares a
   * large report from touching fresh memory for every megabyte (a million pairs is 660 MB of JSON).
   * Default false: chunks stay valid, so they may be collected or queued.
   */
  reuseBuffer?: boolean;
}

/** A report option that is not valid (unknown format, bad width). */
export class ReportOptionsError extends LastswitchError {
  override name = 'ReportOptionsError';
}

/** The roster entry that allowed a pair, in the JSON report. */
export interface ReportAllowedByJson {
  /** The roster's role ARN or pattern; null when the entry allows any role. */
  role: string | null;
  since: string | null;
  source: string | null;
}

/** One (principal, role) pair in the JSON report. */
export interface ReportPairJson {
  /** Principal key: a path-free ARN, or `unresolved:<accountId>:<principalId>`. */
  principal: string;
  /** The full principal ARN as CloudTrail showed it (with path), null when unknown. */
  principalArn: string | null;
  principalName: string;
  principalAccount: string;
  /** Role key `arn:aws:iam::ACCOUNT:role/NAME` (path dropped), or a roster pattern for `never` pairs. */
  role: string;
  /** The full role ARN with its path when known. */
  roleArn: string;
  roleName: string;
  roleAccount: string;
  status: AccessStatus;
  /** ISO 8601 UTC, null when never seen. */
  lastSeen: string | null;
  firstSeen: string | null;
  daysSince: number | null;
  via: SwitchMethod[];
  allowedBy: ReportAllowedByJson | null;
}

/** One principal in the JSON report. */
export interface ReportPrincipalJson {
  principal: string;
  principalArn: string | null;
  principalName: string;
  principalAccount: string;
  status: AccessStatus;
  lastSeen: string | null;
  daysSince: number | null;
  /** Role keys (or roster patterns), stalest first. */
  roles: string[];
}

/** The stable JSON report (version 1 of the schema). */
export interface ReportJson {
  generatedAt: string;
  staleAfterDays: number;
  summary: { principals: number; pairs: number; active: number; stale: number; never: number };
  pairs: ReportPairJson[];
  principals: ReportPrincipalJson[];
}

function _pairJson(p: PairAssessment): ReportPairJson {
  const allowed = p.allowedBy;
  return {
    principal: p.principal.key,
    principalArn: p.principal.arn ?? null,
    principalName: p.principal.name,
    principalAccount: p.principal.account,
    role: p.role.key,
    roleArn: p.role.arn,
    roleName: p.role.name,
    roleAccount: p.role.account,
    status: p.status,
    lastSeen: isoTime(p.lastSeen),
    firstSeen: isoTime(p.firstSeen),
    daysSince: p.daysSince ?? null,
    via: [...p.via],
    allowedBy:
      allowed === undefined
        ? null
        : { role: allowed.role ?? null, since: isoTime(allowed.since), source: allowed.source ?? null },
  };
}

function _principalJson(p: PrincipalAssessment): ReportPrincipalJson {
  return {
    principal: p.principal.key,
    principalArn: p.principal.arn ?? null,
    principalName: p.principal.name,
    principalAccount: p.principal.account,
    status: p.status,
    lastSeen: isoTime(p.lastSeen),
    daysSince: p.daysSince ?? null,
    roles: p.roles.map((r) => r.role.key),
  };
}

/**
 * The assessment as the stable JSON report: ARNs as strings, times as ISO 8601 UTC, a
 * never-resolved role-owner-side caller as `unresolved:<accountId>:<principalId>`.
 */
export function toReportJson(assessment: Assessment): ReportJson {
  return {
    generatedAt: new Date(assessment.generatedAt).toISOString(),
    staleAfterDays: assessment.staleAfterDays,
    summary: { ...assessment.summary },
    pairs: assessment.pairs.map(_pairJson),
    principals: assessment.principals.map(_principalJson),
  };
}

/** Replaces control, bidi-override and line characters so data cannot move a terminal cursor or break a row. */
function _clean(text: string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const bad =
      c < 0x20 ||
      (c >= 0x7f && c <= 0x9f) ||
      (c >= 0x202a && c <= 0x202e) ||
      (c >= 0x2066 && c <= 0x2069) ||
      c === 0x2028 ||
      c === 0x2029;
    if (bad) {
      out += `${text.slice(start, i)}${c === 0x09 || c === 0x0a || c === 0x0d ? ' ' : '?'}`;
      start = i + 1;
    }
  }
  return start === 0 ? text : out + text.slice(start);
}

/** "211 days", "1 day", or "-" when never seen. */
export function formatAge(daysSince: number | undefined): string {
  if (daysSince === undefined) return '-';
  return daysSince === 1 ? '1 day' : `${daysSince} days`;
}

function _date(at: number | undefined): string {
  return at === undefined ? '-' : new Date(at).toISOString().slice(0, 10);
}

/** The resource part of an ARN key (after its fifth colon), e.g. `assumed-role/ReadOnly/erin`. */
function _resource(key: string): string | undefined {
  if (!key.startsWith('arn:')) return undefined;
  let at = -1;
  for (let n = 0; n < 5; n++) {
    at = key.indexOf(':', at + 1);
    if (at < 0) return undefined;
  }
  return key.slice(at + 1);
}

/**
 * How tables and Markdown name a principal: an IAM user `erin (A)`, a role session
 * `assumed-role/ReadOnly/erin (A)` (never just `erin`), a source identity `source-identity erin`,
 * a federated user `federated-user/erin (A)`, an unresolved one `unresolved ID (A)`.
 */
export function principalLabel(p: PrincipalRef): string {
  if (p.kind === 'unresolved') return `unresolved ${p.name} (${p.account})`;
  if (p.kind === 'role-session' && p.key.startsWith('source-identity:')) return `source-identity ${p.name}`;
  if (p.kind === 'role-session' || p.kind === 'federated-user') {
    const resource = _resource(p.key);
    if (resource !== undefined) return `${resource} (${p.account})`;
  }
  return p.account === '' ? p.name : `${p.name} (${p.account})`;
}

/**
 * The identity provider of a `saml:PROVIDER:NAME` / `web-identity:PROVIDER:NAME` principal, for telling
 * apart one user name under two providers (`Identity Center <instance>` for an Identity Center user).
 */
export function principalProvider(p: PrincipalRef): string | undefined {
  const prefix = p.kind === 'saml' ? 'saml:' : p.kind === 'web-identity' ? 'web-identity:' : undefined;
  if (prefix === undefined || !p.key.startsWith(prefix) || !p.key.endsWith(`:${p.name}`)) return undefined;
  const provider = p.key.slice(prefix.length, p.key.length - p.name.length - 1);
  return provider.startsWith('AWSSSO_') && provider.endsWith('_DO_NOT_DELETE')
    ? `Identity Center ${provider.slice('AWSSSO_'.length, -'_DO_NOT_DELETE'.length)}`
    : provider;
}

/**
 * Labels for the principals of an assessment: `principalLabel`, and where two different principals
 * would look alike (one user name in two Identity Center instances), each qualified by its provider.
 */
function _principalLabels(assessment: Assessment): (p: PrincipalRef) => string {
  const keysByLabel = new Map<string, Set<string>>();
  for (const { principal } of assessment.principals) {
    const label = principalLabel(principal);
    const keys = keysByLabel.get(label) ?? new Set<string>();
    keys.add(principal.key);
    keysByLabel.set(label, keys);
  }
  return (p) => {
    const label = principalLabel(p);
    if ((keysByLabel.get(label)?.size ?? 0) <= 1) return label;
    const provider = principalProvider(p);
    return `${label} [${provider ?? p.key}]`;
  };
}

function _roleLabel(r: RoleRef): string {
  if (r.key === '*') return 'any role';
  if (r.key === r.arn && (r.key.includes('*') || r.key.includes('?'))) return r.key;
  return `${r.name} (${r.account})`;
}

function _roleCounts(p: PrincipalAssessment): string {
  const counts = { active: 0, stale: 0, never: 0 };
  for (const r of p.roles) counts[r.status] += 1;
  const parts = (['active', 'stale', 'never'] as const).filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`);
  return `${p.roles.length} (${parts.join(', ')})`;
}

interface Column {
  header: string;
  /** Shrinkable columns give up width, down to `min`, when the table is too wide. */
  min: number;
  /** Lower drops first when even minimum widths do not fit; undefined never drops. */
  drop?: number;
  /** Columns with a higher weight give up width first (default 1). */
  weight?: number;
}

type Rows = { columns: Column[]; rows: string[][] };

function _rows(assessment: Assessment, by: 'pair' | 'principal'): Rows {
  const _principalLabel = _principalLabels(assessment);
  if (by === 'principal') {
    return {
      columns: [
        { header: 'STATUS', min: 6 },
        { header: 'LAST SWITCH', min: 10, drop: 1 },
        { header: 'AGE', min: 10 },
        { header: 'PRINCIPAL', min: 10 },
        { header: 'ROLES', min: 10, drop: 2, weight: 2 },
      ],
      rows: assessment.principals.map((p) => [
        p.status,
        _date(p.lastSeen),
        formatAge(p.daysSince),
        _principalLabel(p.principal),
        _roleCounts(p),
      ]),
    };
  }
  return {
    columns: [
      { header: 'STATUS', min: 6 },
      { header: 'LAST SWITCH', min: 10, drop: 2 },
      { header: 'AGE', min: 10 },
      { header: 'PRINCIPAL', min: 8 },
      { header: 'ROLE', min: 8 },
      { header: 'VIA', min: 10, drop: 1, weight: 2 },
    ],
    rows: assessment.pairs.map((p) => [
      p.status,
      _date(p.lastSeen),
      formatAge(p.daysSince),
      _principalLabel(p.principal),
      _roleLabel(p.role),
      p.via.join(', ') || '-',
    ]),
  };
}

/** Pads or cuts a cell to `width`; a `name (account)` label is cut in the name so the account stays. */
function _fit(text: string, width: number): string {
  if (text.length <= width) return text.padEnd(width);
  const open = text.lastIndexOf(' (');
  if (open > 0 && text.endsWith(')')) {
    const suffix = text.slice(open);
    if (width - suffix.length >= 4) return `${text.slice(0, width - suffix.length - 1)}…${suffix}`;
  }
  return `${text.slice(0, width - 1)}…`;
}

function _headline(assessment: Assessment): string[] {
  const s = assessment.summary;
  return [
    `lastswitch report at ${new Date(assessment.generatedAt).toISOString()}, stale after ${formatAge(assessment.staleAfterDays)}`,
    `${s.principals} ${s.principals === 1 ? 'principal' : 'principals'}, ${s.pairs} ${s.pairs === 1 ? 'pair' : 'pairs'}: ${s.active} active, ${s.stale} stale, ${s.never} never`,
  ];
}

function _table(assessment: Assessment, by: 'pair' | 'principal', width: number): string {
  const lines = _headline(assessment).map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
  const { columns, rows } = _rows(assessment, by);
  if (rows.length === 0) return `${[...lines, '', 'Nothing to report: the ledger is empty.'].join('\n')}\n`;
  const cells = rows.map((row) => row.map(_clean));
  const natural = columns.map((c) => c.header.length);
  for (const row of cells) {
    row.forEach((cell, i) => {
      natural[i] = Math.max(natural[i] ?? 0, cell.length);
    });
  }
  let shown = columns.map((_, i) => i);
  const gap = 2;
  const total = (idx: number[], widths: number[]) =>
    idx.reduce((sum, i) => sum + (widths[i] ?? 0), 0) + gap * (idx.length - 1);
  const widths = [...natural];
  // Shrink the widest shrinkable column one step at a time until the table fits.
  const mins = columns.map((c, i) => Math.min(c.min, natural[i] ?? c.min));
  const droppable = columns
    .map((c, i) => ({ i, drop: c.drop }))
    .filter((c) => c.drop !== undefined)
    .sort((a, b) => (a.drop ?? 0) - (b.drop ?? 0));
  while (total(shown, mins) > width && droppable.length > 0) {
    const victim = droppable.shift();
    shown = shown.filter((i) => i !== victim?.i);
  }
  let excess = total(shown, widths) - width;
  while (excess > 0) {
    let widest = -1;
    for (const i of shown) {
      const weighted = (k: number) => (widths[k] ?? 0) * (columns[k]?.weight ?? 1);
      if ((widths[i] ?? 0) > (mins[i] ?? 0) && (widest < 0 || weighted(i) > weighted(widest))) widest = i;
    }
    if (widest < 0) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
    excess -= 1;
  }
  const render = (row: string[]) =>
    shown
      .map((i, k) =>
        k === shown.length - 1 ? _fit(row[i] ?? '', widths[i] ?? 0).trimEnd() : _fit(row[i] ?? '', widths[i] ?? 0),
      )
      .join(' '.repeat(gap));
  const out = [...lines, '', render(columns.map((c) => c.header))];
  for (const row of cells) out.push(render(row));
  return `${out.join('\n')}\n`;
}

const MARKDOWN_SPECIAL = new Set(['\\', '`', '*', '_', '[', ']', '<', '>', '|', '~', '&', '!', '#']);

/** Escapes text for a Markdown table cell: backslash before every character Markdown could act on. */
function _md(text: string): string {
  let out = '';
  for (const ch of _clean(text)) out += MARKDOWN_SPECIAL.has(ch) ? `\\${ch}` : ch;
  return out;
}

function _markdown(assessment: Assessment, by: 'pair' | 'principal'): string {
  const [first, second] = _headline(assessment);
  const out = [`## ${_md(first ?? '')}`, '', _md(second ?? ''), ''];
  const { columns, rows } = _rows(assessment, by);
  if (rows.length === 0) {
    out.push('Nothing to report: the ledger is empty.');
    return `${out.join('\n')}\n`;
  }
  const title = (h: string) => h.charAt(0) + h.slice(1).toLowerCase();
  out.push(`| ${columns.map((c) => title(c.header)).join(' | ')} |`);
  out.push(`|${columns.map(() => ' --- ').join('|')}|`);
  for (const row of rows) out.push(`| ${row.map(_md).join(' | ')} |`);
  return `${out.join('\n')}\n`;
}

/**
 * Makes a CSV cell safe: a value starting with `=`, `+`, `-`, `@`, tab or CR gets a leading `'`
 * so spreadsheets show it instead of running it; then RFC 4180 quoting when needed.
 */
export function csvCell(value: string | number | null | undefined): string {
  let text = value === null || value === undefined ? '' : String(value);
  const c = text.charAt(0);
  if (c === '=' || c === '+' || c === '-' || c === '@' || c === '\t' || c === '\r') text = `'${text}`;
  if (text.includes('"') || text.includes(',') || text.includes('\n') || text.includes('\r')) {
    return `"${text.replaceAll('"', '""')}"`;
  }
  return text;
}

function _csv(assessment: Assessment, by: 'pair' | 'principal'): string {
  const json = toReportJson(assessment);
  let header: string[];
  let rows: (string | number | null)[][];
  if (by === 'principal') {
    header = [
      'principal',
      'principalArn',
      'principalName',
      'principalAccount',
      'status',
      'lastSeen',
      'daysSince',
      'roles',
    ];
    rows = json.principals.map((p) => [
      p.principal,
      p.principalArn,
      p.principalName,
      p.principalAccount,
      p.status,
      p.lastSeen,
      p.daysSince,
      p.roles.join(' '),
    ]);
  } else {
    header = [
      'principal',
      'principalArn',
      'principalName',
      'principalAccount',
      'role',
      'roleArn',
      'roleName',
      'roleAccount',
      'status',
      'lastSeen',
      'firstSeen',
      'daysSince',
      'via',
      'allowedBy',
    ];
    rows = json.pairs.map((p) => [
      p.principal,
      p.principalArn,
      p.principalName,
      p.principalAccount,
      p.role,
      p.roleArn,
      p.roleName,
      p.roleAccount,
      p.status,
      p.lastSeen,
      p.firstSeen,
      p.daysSince,
      p.via.join(' '),
      p.allowedBy === null ? null : (p.allowedBy.source ?? p.allowedBy.role ?? '*'),
    ]);
  }
  return [header, ...rows].map((row) => `${row.map(csvCell).join(',')}\r\n`).join('');
}

/** The narrowest table rendered; a narrower `width` gets this many columns. */
const MIN_WIDTH = 40;

/** The report's UTF-8 chunks as text (each chunk ends at a row, so never inside a character). */
function* _jsonChunks(assessment: Assessment): Generator<string> {
  const decoder = new TextDecoder();
  for (const bytes of renderJsonReportBytes(assessment)) yield decoder.decode(bytes);
}

/**
 * The report as chunks of text whose concatenation is `renderReport(...)`: JSON comes row by row,
 * so a report of millions of pairs can be written out without ever being one string.
 */
export function* renderReportChunks(
  assessment: Assessment,
  format: ReportFormat,
  options: RenderOptions = {},
): Generator<string> {
  if (format === 'json') {
    _checkRenderOptions(options);
    yield* _jsonChunks(assessment);
    return;
  }
  yield renderReport(assessment, format, options);
}

/**
 * The report as UTF-8 chunks whose concatenation is `renderReport(...)`, encoded: what a CLI writes
 * to a file or pipe. JSON goes straight to bytes row by row, never through one string; for a
 * million pairs that is a third less time than writing the text chunks.
 */
export function* renderReportBytes(
  assessment: Assessment,
  format: ReportFormat,
  options: RenderBytesOptions = {},
): Generator<Uint8Array> {
  if (format === 'json') {
    _checkRenderOptions(options);
    yield* renderJsonReportBytes(assessment, { reuseBuffer: options.reuseBuffer === true });
    return;
  }
  yield new TextEncoder().encode(renderReport(assessment, format, options));
}

function _checkRenderOptions(options: RenderOptions): { by: 'pair' | 'principal'; width: number } {
  const by = options.by ?? 'pair';
  if (by !== 'pair' && by !== 'principal') {
    throw new ReportOptionsError(`by must be "pair" or "principal", got ${JSON.stringify(String(by))}`);
  }
  const requested = options.width ?? 100;
  if (!Number.isInteger(requested) || requested < 1) {
    throw new ReportOptionsError(`width must be a positive whole number of characters, got ${String(requested)}`);
  }
  return { by, width: Math.max(MIN_WIDTH, requested) };
}

/**
 * Renders an assessment as a terminal `table` (fits `width`, ages as "211 days"), `markdown`,
 * `csv` (RFC 4180, spreadsheet-formula safe) or `json` (the stable schema of `toReportJson`).
 */
export function renderReport(assessment: Assessment, format: ReportFormat, options: RenderOptions = {}): string {
  const { by, width } = _checkRenderOptions(options);
  switch (format) {
    case 'table':
      return _table(assessment, by, width);
    case 'markdown':
      return _markdown(assessment, by);
    case 'csv':
      return _csv(assessment, by);
    case 'json':
      return [..._jsonChunks(assessment)].join('');
    default:
      throw new ReportOptionsError(
        `unknown report format ${JSON.stringify(String(format))} (expected ${REPORT_FORMATS.join(', ')})`,
      );
  }
}
