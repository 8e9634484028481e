import { LastswitchError } from '../errors.js';
import type { PlanAction, RemovalPlan } from './plan-removals.js';

/** The output formats of `renderPlan`. */
export const PLAN_FORMATS = ['json', 'markdown'] as const;

/** One of `PLAN_FORMATS`. */
export type PlanFormat = (typeof PLAN_FORMATS)[number];

/** An unknown plan format was asked for. */
export class PlanFormatError extends LastswitchError {
  override name = 'PlanFormatError';
}

const _iso = (ms: number) => new Date(ms).toISOString();

/** Makes text safe inside Markdown inline text and table cells (no markup, no line breaks). */
function _md(text: string): string {
  let out = '';
  for (const c of text) {
    if (c === '\n' || c === '\r' || c === '\t') out += ' ';
    else if ('\\`*_[]<>|'.includes(c)) out += `\\${c}`;
    else out += c;
  }
  return out;
}

/** Wraps text in a code span that its own backticks cannot break. */
function _code(text: string): string {
  // `|` would end a table cell even inside a code span (GFM), so it is escaped there too.
  const clean = text.replaceAll('\n', ' ').replaceAll('\r', ' ').replaceAll('|', '\\|');
  let longest = 0;
  let run = 0;
  for (const c of clean) {
    run = c === '`' ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  const fence = '`'.repeat(longest + 1);
  return `${fence}${clean.startsWith('`') || clean.endsWith('`') ? ` ${clean} ` : clean}${fence}`;
}

/** The plan as JSON with ISO 8601 times (`lastSeen` → `lastSeenAt`). */
export function toPlanJson(plan: RemovalPlan): unknown {
  return {
    ...plan,
    generatedAt: _iso(plan.generatedAt),
    actions: plan.actions.map((a) => ({
      ...a,
      grants: a.grants.map(({ lastSeen, ...g }) => ({
        ...g,
        ...(lastSeen === undefined ? {} : { lastSeenAt: _iso(lastSeen) }),
      })),
    })),
  };
}

/** The heading of each kind of plan step, in the Markdown plan and the HTML report. */
export const PLAN_STEP_TITLES: Record<PlanAction['kind'], string> = {
  'remove-from-group': 'Remove from group',
  'detach-policy': 'Detach policy',
  'remove-statement': 'Remove statement',
  'edit-statement': 'Edit statement',
  'remove-trust-principal': 'Edit trust policy',
  'delete-account-assignment': 'Delete Identity Center assignment',
  review: 'Review (not proposed automatically)',
};

function _action(a: PlanAction, n: number): string[] {
  const lines = [
    `### ${a.step ?? n}. ${PLAN_STEP_TITLES[a.kind]}: ${_md(a.principal.name)} in ${a.account}`,
    '',
    _md(a.summary),
    '',
  ];
  if (a.policy) {
    const where = a.policy.arn
      ? _code(a.policy.arn)
      : `inline policy ${_md(a.policy.name)} of ${_md(a.policy.owner ?? '')}`;
    const statement =
      a.statementIndex === undefined ? '' : `, statement ${a.sid ? `${_code(a.sid)} ` : ''}#${a.statementIndex}`;
    lines.push(`- policy: ${where}${a.policy.versionId ? ` (${_md(a.policy.versionId)})` : ''}${statement}`);
  }
  if (a.group) lines.push(`- group: ${_code(a.group)}`);
  if (a.assignment) {
    const x = a.assignment;
    lines.push(
      `- assignment: permission set ${_code(x.permissionSetName)} (${_code(x.permissionSetArn)}) in ${_code(x.accountId)} to ${x.principalType === 'USER' ? 'user' : 'group'} ${_code(x.principalId)}`,
    );
  }
  if (a.identityStoreGroup) {
    const g = a.identityStoreGroup;
    lines.push(
      `- identity-store group: ${_code(g.groupName)} (${_code(g.groupId)}), membership ${_code(g.membershipId)} of ${_code(g.userName)}`,
    );
  }
  if (a.removeResources?.length) lines.push(`- remove from \`Resource\`: ${a.removeResources.map(_code).join(', ')}`);
  if (a.addResources?.length) lines.push(`- add to \`Resource\`: ${a.addResources.map(_code).join(', ')}`);
  if (a.alsoAffects?.length) {
    const more = (a.alsoAffectsCount ?? 0) - a.alsoAffects.length;
    const listed = a.alsoAffects.map((o) => `${_code(o.principal)} (${o.status})`).join(', ');
    lines.push(`- also serves: ${listed}${more > 0 ? ` and ${more} more` : ''}`);
  }
  for (const note of a.notes) lines.push(`- note: ${_md(note)}`);
  lines.push('', '| grant | status | last switch | roles used | from |', '|---|---|---|---|---|');
  for (const g of a.grants) {
    const last = g.lastSeen === undefined ? '—' : `${_iso(g.lastSeen).slice(0, 10)} (${g.daysSince ?? 0} d)`;
    const used = g.usedRoles.length ? g.usedRoles.map(_code).join(', ') : '—';
    lines.push(`| ${_code(g.resource)} | ${g.status} | ${last} | ${used} | ${_md(g.source)} |`);
  }
  lines.push('');
  return lines;
}

/** The plan as Markdown: a header saying nothing was applied, then one section per change. */
function _markdown(plan: RemovalPlan): string {
  const s = plan.summary;
  const lines = [
    '# lastswitch removal plan (dry run)',
    '',
    `Generated ${_iso(plan.generatedAt)}; stale after ${plan.staleAfterDays} days; grace ${plan.graceDays} days. **Nothing has been changed**: review each step, then apply it yourself or with \`lastswitch apply\` (the JSON plan).`,
    '',
    ...(plan.madeFrom.length > 0
      ? [
          `Made from: ${plan.madeFrom.map((f) => `${_code(f.file)} (sha256 ${f.sha256.slice(0, 12)}…)`).join(', ')}.`,
          '',
        ]
      : []),
    `Grants: ${s.grants} (active ${s.active}, stale ${s.stale}, never used ${s.never}, of which in grace ${s.inGrace}). Proposed changes: ${s.actions}.`,
    '',
  ];
  if (plan.actions.length === 0) lines.push('No stale or never-used switch-role grants: nothing to remove.', '');
  else {
    lines.push('## Changes', '');
    plan.actions.forEach((a, i) => {
      lines.push(..._action(a, i + 1));
    });
  }
  if (plan.skipped.length > 0) {
    lines.push('## Left alone', '', '| principal | grant | why |', '|---|---|---|');
    for (const k of plan.skipped) lines.push(`| ${_code(k.principal)} | ${_code(k.resource)} | ${_md(k.reason)} |`);
    lines.push('');
  }
  if (plan.ineffective.length > 0) {
    lines.push(
      '## Written but not in effect',
      '',
      'These statements grant a switch that cannot happen; removing them changes nothing but clutter.',
      '',
      '| principal | grant | why | from |',
      '|---|---|---|---|',
    );
    for (const g of plan.ineffective) {
      lines.push(
        `| ${_code(g.principal)} | ${_code(g.resource)} | ${_md(`${g.reason}: ${g.detail}`)} | ${_md(g.source)} |`,
      );
    }
    lines.push('');
  }
  if (plan.problems.length > 0) {
    lines.push('## Not evaluated', '', '| account | what | problem |', '|---|---|---|');
    for (const p of plan.problems) lines.push(`| ${p.account} | ${_md(p.entity)} | ${_md(p.message)} |`);
    lines.push('');
  }
  return lines.join('\n');
}

/** Renders a removal plan as `json` (ISO times) or `markdown`. */
export function renderPlan(plan: RemovalPlan, format: PlanFormat): string {
  if (format === 'json') return `${JSON.stringify(toPlanJson(plan), null, 2)}\n`;
  if (format === 'markdown') return _markdown(plan);
  throw new PlanFormatError(
    `unknown plan format ${JSON.stringify(format)}; expected one of ${PLAN_FORMATS.join(', ')}`,
  );
}
