import type { PlanAction, RemovalPlan } from '../grants/plan-removals.js';
import { PLAN_STEP_TITLES } from '../grants/render-plan.js';
import type { AccessStatus, Assessment, PairAssessment, PrincipalRef, RoleRef, SwitchMethod } from '../model.js';
import { HTML_REPORT_CLIENT, HTML_REPORT_CSS } from './htmlReportClient.js';
import { ReportOptionsError } from './report.js';

/** Options of `renderHtmlReport`. */
export interface HtmlReportOptions {
  /** The page title (default "lastswitch access review"). */
  title?: string;
  /** Days a new grant stays out of `never`, shown in the summary when given. */
  graceDays?: number;
  /** Where the grants or roster came from (e.g. the snapshot file names), shown in the summary. */
  grantsFrom?: string;
  /** Show the grant column even when no pair has one (default: shown when any pair has `allowedBy`). */
  showGrants?: boolean;
  /** A removal plan: each principal's detail lists the changes it proposes for them. */
  plan?: RemovalPlan;
}

const STATUS_CODE: Record<AccessStatus, number> = { active: 0, stale: 1, never: 2 };
const METHODS: readonly SwitchMethod[] = [
  'AssumeRole',
  'SwitchRole',
  'AssumeRoleWithSAML',
  'AssumeRoleWithWebIdentity',
];
const METHOD_BIT = new Map(METHODS.map((m, i) => [m, 1 << i]));

/** Escapes text for HTML element content and quoted attributes (line separators as references too). */
function _escapeHtml(text: string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let rep: string | undefined;
    if (c === 38) rep = '&amp;';
    else if (c === 60) rep = '&lt;';
    else if (c === 62) rep = '&gt;';
    else if (c === 34) rep = '&quot;';
    else if (c === 39) rep = '&#39;';
    else if (c === 0x2028 || c === 0x2029) rep = `&#${c};`;
    if (rep !== undefined) {
      out += text.slice(start, i) + rep;
      start = i + 1;
    }
  }
  return start === 0 ? text : out + text.slice(start);
}

const JSON_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * JSON that is safe inside `<script type="application/json">`: `<`, `>`, `&`, U+2028 and U+2029
 * become `\u` escapes, so no value can close the element or open a comment.
 */
export function toScriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => JSON_ESCAPES[c] ?? c);
}

interface Interner<T> {
  index(key: string, make: () => T): number;
  seen: Map<string, number>;
  rows: T[];
}

function _interner<T>(): Interner<T> {
  const seen = new Map<string, number>();
  const rows: T[] = [];
  return {
    rows,
    seen,
    index(key, make) {
      let i = seen.get(key);
      if (i === undefined) {
        i = rows.length;
        rows.push(make());
        seen.set(key, i);
      }
      return i;
    },
  };
}

type PrincipalRow = [key: string, name: string, account: string, kind: string, arn: string | null];
type RoleRow = [key: string, name: string, account: string, arn: string];
/** principal, role, status, lastSeen, firstSeen, daysSince, via bits, grant source index (-1 none). */
type PairRow = [number, number, number, number | null, number | null, number | null, number, number];

interface PlanItemJson {
  title: string;
  account: string;
  summary: string;
  where: string[];
  notes: string[];
  grants: [resource: string, status: string, lastSeen: number | null, source: string][];
}

function _principalRow(p: PrincipalRef): PrincipalRow {
  return [p.key, p.name, p.account, p.kind, p.arn ?? null];
}

function _roleRow(r: RoleRef): RoleRow {
  return [r.key, r.name, r.account, r.arn];
}

function _planItem(a: PlanAction): PlanItemJson {
  const where: string[] = [];
  if (a.policy) {
    const policy = a.policy.arn ?? `inline policy ${a.policy.name}${a.policy.owner ? ` of ${a.policy.owner}` : ''}`;
    const statement =
      a.statementIndex === undefined ? '' : `, statement ${a.sid ? `${a.sid} ` : ''}#${a.statementIndex}`;
    where.push(`policy: ${policy}${a.policy.versionId ? ` (${a.policy.versionId})` : ''}${statement}`);
  }
  if (a.group) where.push(`group: ${a.group}`);
  if (a.removeResources?.length) where.push(`remove from Resource: ${a.removeResources.join(', ')}`);
  if (a.addResources?.length) where.push(`add to Resource: ${a.addResources.join(', ')}`);
  if (a.alsoAffects?.length) {
    const more = (a.alsoAffectsCount ?? 0) - a.alsoAffects.length;
    const listed = a.alsoAffects.map((o) => `${o.principal} (${o.status})`).join(', ');
    where.push(`also serves: ${listed}${more > 0 ? ` and ${more} more` : ''}`);
  }
  return {
    title: PLAN_STEP_TITLES[a.kind] ?? a.kind,
    account: a.account,
    summary: a.summary,
    where,
    notes: [...a.notes],
    grants: a.grants.map((g) => [g.resource, g.status, g.lastSeen ?? null, g.source]),
  };
}

/** The plan's items per principal index; items for principals not in the report are counted apart. */
function _planData(plan: RemovalPlan, principals: Interner<PrincipalRow>, lookup: Map<string, number>) {
  const actions: Record<number, PlanItemJson[]> = {};
  const skipped: Record<number, [resource: string, reason: string][]> = {};
  let elsewhere = 0;
  for (const a of plan.actions) {
    const i = lookup.get(a.principal.key) ?? (a.principal.arn === undefined ? undefined : lookup.get(a.principal.arn));
    const index = i ?? principals.index(a.principal.key, () => _principalRow(a.principal));
    if (i === undefined) {
      lookup.set(a.principal.key, index);
      elsewhere += 1;
    }
    const list = actions[index] ?? [];
    list.push(_planItem(a));
    actions[index] = list;
  }
  for (const k of plan.skipped) {
    const i = lookup.get(k.principal);
    if (i === undefined) continue;
    const list = skipped[i] ?? [];
    list.push([k.resource, k.reason]);
    skipped[i] = list;
  }
  return {
    generatedAt: new Date(plan.generatedAt).toISOString(),
    summary: { ...plan.summary },
    actions,
    skipped,
    elsewhere,
  };
}

/**
 * Renders an assessment as one self-contained HTML page for an access review: a summary, a
 * principal × account matrix coloured by the worst status, a filterable and sortable table of
 * every pair, and per-principal details (with a plan's proposed changes). Inline CSS and script,
 * no network requests; every value travels as escaped JSON and is shown through `textContent`.
 */
export function renderHtmlReport(assessment: Assessment, options: HtmlReportOptions = {}): string {
  const title = options.title ?? 'lastswitch access review';
  if (typeof title !== 'string') throw new ReportOptionsError('title must be text');
  const grace = options.graceDays;
  if (grace !== undefined && !(typeof grace === 'number' && Number.isFinite(grace) && grace >= 0)) {
    throw new ReportOptionsError(`graceDays must be a finite number of days ≥ 0, got ${String(grace)}`);
  }
  const principals = _interner<PrincipalRow>();
  const roles = _interner<RoleRow>();
  const sources = _interner<string>();
  // Monomorphic loop, no closures per pair: this is the hot path of a 100,000-pair report.
  /** Principal key or ARN → index, for filing plan items. */
  const lookup = new Map<string, number>();
  const roleIndex = new Map<string, number>();
  const sourceIndex = new Map<string, number>();
  const list = assessment.pairs;
  const pairs: PairRow[] = [];
  let anyGrant = false;
  for (let k = 0; k < list.length; k++) {
    const p = list[k] as PairAssessment;
    const principal = p.principal;
    let pi = principals.seen.get(principal.key);
    if (pi === undefined) {
      pi = principals.rows.length;
      principals.rows.push(_principalRow(principal));
      principals.seen.set(principal.key, pi);
      lookup.set(principal.key, pi);
      if (principal.arn !== undefined && !lookup.has(principal.arn)) lookup.set(principal.arn, pi);
    }
    let ri = roleIndex.get(p.role.key);
    if (ri === undefined) {
      ri = roles.rows.length;
      roles.rows.push(_roleRow(p.role));
      roleIndex.set(p.role.key, ri);
    }
    let via = 0;
    for (const m of p.via) via |= METHOD_BIT.get(m) ?? 0;
    let source = -1;
    const allowed = p.allowedBy;
    if (allowed !== undefined) {
      anyGrant = true;
      const text = allowed.source ?? allowed.role ?? '*';
      let si = sourceIndex.get(text);
      if (si === undefined) {
        si = sources.rows.length;
        sources.rows.push(text);
        sourceIndex.set(text, si);
      }
      source = si;
    }
    pairs.push([
      pi,
      ri,
      STATUS_CODE[p.status],
      p.lastSeen ?? null,
      p.firstSeen ?? null,
      p.daysSince ?? null,
      via,
      source,
    ]);
  }
  const data = {
    v: 1,
    title,
    generatedAt: new Date(assessment.generatedAt).toISOString(),
    staleAfterDays: assessment.staleAfterDays,
    graceDays: grace ?? null,
    grantsFrom: options.grantsFrom ?? null,
    showGrants: options.showGrants ?? anyGrant,
    summary: { ...assessment.summary },
    methods: METHODS,
    principals: principals.rows,
    roles: roles.rows,
    sources: sources.rows,
    pairs,
    plan: options.plan === undefined ? null : _planData(options.plan, principals, lookup),
  };
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="lastswitch">
<title>${_escapeHtml(title)}</title>
<style>${HTML_REPORT_CSS}</style>
</head>
<body>
<noscript><p class="noscript">This report needs JavaScript to show its data: open it in a current browser with scripts allowed. The same data is in <code>lastswitch report --format json</code>.</p></noscript>
<div id="app"></div>
<script type="application/json" id="lastswitch-data">${toScriptJson(data)}</script>
<script>${HTML_REPORT_CLIENT}</script>
</body>
</html>
`;
}
