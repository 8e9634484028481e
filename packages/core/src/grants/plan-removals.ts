import type { Assessment, PrincipalRef } from '../model.js';
import { type AssessGrantsOptions, assessGrants, describeGrantSource, type GrantUsage } from './assess-grants.js';
import type { DropReason, Grant, GrantEvaluation, GrantProblem, GrantSourceKind } from './grants-from-snapshot.js';
import type { AssignmentRef } from './identityCenterGrants.js';

/** What a plan step changes. Nothing is ever applied by lastswitch. */
export type PlanActionKind =
  /** Remove some ARNs/patterns from a statement's `Resource` list (and maybe add the roles actually used). */
  | 'edit-statement'
  /** Remove a whole statement: none of its resources is used. */
  | 'remove-statement'
  /** Remove the user from a group (IAM, or an identity-store group: `identityStoreGroup`): none of the group's grants is used by them. */
  | 'remove-from-group'
  /** Detach a managed policy from the user: none of its grants is used by them. */
  | 'detach-policy'
  /** Remove the user from a role's trust policy statement. */
  | 'remove-trust-principal'
  /** Delete an IAM Identity Center account assignment (a user's, or a group's nobody in it uses). */
  | 'delete-account-assignment'
  /** A change would touch more than role switching (or other principals): a human must decide. */
  | 'review';

/** One grant covered by a plan step, with how it has been used. */
export interface PlanGrant {
  id: string;
  resource: string;
  status: GrantUsage['status'];
  lastSeen?: number;
  daysSince?: number;
  /** Concrete roles switched into under this grant (ARN), most recent first. */
  usedRoles: string[];
  source: string;
}

/** Another principal a shared group or policy serves, and whether it still uses it. */
export interface AffectedPrincipal {
  principal: string;
  status: GrantUsage['status'];
}

/** One dry-run change. */
export interface PlanAction {
  kind: PlanActionKind;
  account: string;
  /** The user whose unused access this removes. */
  principal: PrincipalRef;
  /** One sentence saying exactly what to change. */
  summary: string;
  /** The policy to change. */
  policy?: {
    kind: GrantSourceKind;
    name: string;
    arn?: string;
    versionId?: string;
    /** The user, group or role holding the inline / trust policy. */
    owner?: string;
  };
  statementIndex?: number;
  sid?: string;
  group?: string;
  /** Resource ARNs/patterns to take out of the statement. */
  removeResources?: string[];
  /** Role ARNs to put in instead (the ones actually used under a wildcard). */
  addResources?: string[];
  /** `delete-account-assignment`: the Identity Center account assignment to delete. */
  assignment?: AssignmentRef;
  /** `remove-from-group` for an identity-store group (IAM groups use `group`). */
  identityStoreGroup?: IdentityStoreGroupRef;
  grants: PlanGrant[];
  /**
   * Others served by the same group or managed policy (a change there affects them too): those
   * still using it first, then by name, at most `ALSO_AFFECTS_LIMIT`; `alsoAffectsCount` has the total.
   */
  alsoAffects?: AffectedPrincipal[];
  alsoAffectsCount?: number;
  notes: string[];
}

/** An identity-store group membership to remove: the group, the user, and the membership id. */
export interface IdentityStoreGroupRef {
  identityStoreId: string;
  groupId: string;
  groupName: string;
  userId: string;
  membershipId: string;
  userName: string;
}

/** How many other principals a plan step lists by name (`alsoAffectsCount` has the total). */
export const ALSO_AFFECTS_LIMIT = 20;

/** A grant left alone, and why. */
export interface PlanSkip {
  grantId: string;
  principal: string;
  resource: string;
  reason: string;
}

/** A dry-run removal plan: what to change to take away stale and never-used switch-role grants. */
export interface RemovalPlan {
  dryRun: true;
  generatedAt: number;
  staleAfterDays: number;
  graceDays: number;
  summary: { grants: number; active: number; stale: number; never: number; inGrace: number; actions: number };
  actions: PlanAction[];
  skipped: PlanSkip[];
  /** Grants a policy writes that never take effect (denied, outside a boundary, untrusted, no such role): clean-up candidates. */
  ineffective: IneffectiveGrant[];
  problems: GrantProblem[];
}

/** A grant written in a policy that does not take effect, and where it is written. */
export interface IneffectiveGrant {
  principal: string;
  resource: string;
  reason: DropReason;
  detail: string;
  source: string;
}

function _planGrant(usage: GrantUsage): PlanGrant {
  return {
    id: usage.grant.id,
    resource: usage.grant.resource,
    status: usage.status,
    ...(usage.lastSeen === undefined ? {} : { lastSeen: usage.lastSeen, daysSince: usage.daysSince ?? 0 }),
    usedRoles: usage.usedRoles.map((u) => u.role.arn),
    source: describeGrantSource(usage.grant),
  };
}

/** True when every action the statement allows is an STS action (so editing it changes nothing else). */
function _onlySts(grant: Grant): boolean {
  const actions = grant.statement.actions;
  if (!actions) return false;
  return actions.every((a) => a.toLowerCase().startsWith('sts:'));
}

function _removable(u: GrantUsage): boolean {
  return (u.status === 'never' && !u.inGrace) || u.status === 'stale';
}

function _describeUse(u: GrantUsage): string {
  if (u.status === 'never') return 'never used';
  return `last used ${u.daysSince ?? 0} days ago`;
}

function _name(p: PrincipalRef): string {
  return p.arn ?? p.key;
}

/**
 * Builds a **dry-run** plan that removes stale and never-used switch-role grants: per statement
 * the exact edit (remove these ARNs; replace a wildcard by the roles actually used), or removing
 * the user from a group / detaching a policy when none of its grants is used, naming who else a
 * shared group or policy serves. Nothing is applied.
 */
export function planRemovals(
  assessment: Assessment,
  grants: readonly Grant[] | GrantEvaluation,
  options: AssessGrantsOptions = {},
): RemovalPlan {
  const list = Array.isArray(grants) ? (grants as readonly Grant[]) : (grants as GrantEvaluation).grants;
  const problems = Array.isArray(grants) ? [] : [...(grants as GrantEvaluation).problems];
  const ineffective: IneffectiveGrant[] = Array.isArray(grants)
    ? []
    : (grants as GrantEvaluation).dropped.map((d) => ({
        principal: _name(d.grant.principal),
        resource: d.grant.resource,
        reason: d.reason,
        detail: d.detail,
        source: describeGrantSource(d.grant),
      }));
  const graceDays = options.graceDays ?? assessment.staleAfterDays;
  const usages = assessGrants(assessment, list, { graceDays });
  const actions: PlanAction[] = [];
  const skipped: PlanSkip[] = [];
  const skip = (u: GrantUsage, reason: string) =>
    skipped.push({ grantId: u.grant.id, principal: _name(u.grant.principal), resource: u.grant.resource, reason });

  // Who else a group / managed policy serves, and whether they use it.
  const served = new Map<string, Map<string, GrantUsage['status']>>();
  const rank = { never: 0, stale: 1, active: 2 } as const;
  for (const u of usages) {
    const keys = [
      u.grant.source.group ? `group:${u.grant.source.account}:${u.grant.source.group}` : undefined,
      u.grant.source.policyArn ? `policy:${u.grant.source.policyArn}` : undefined,
    ];
    for (const key of keys) {
      if (!key) continue;
      const map = served.get(key) ?? new Map<string, GrantUsage['status']>();
      const name = _name(u.grant.principal);
      const before = map.get(name);
      if (before === undefined || rank[u.status] > rank[before]) map.set(name, u.status);
      served.set(key, map);
    }
  }
  // Sorted once per group / policy: still-active users first, then stale, then never; then by name.
  const sortedServed = new Map<string, AffectedPrincipal[]>();
  const others = (key: string, self: PrincipalRef): { list: AffectedPrincipal[]; count: number } => {
    let sorted = sortedServed.get(key);
    if (!sorted) {
      sorted = [...(served.get(key) ?? new Map<string, GrantUsage['status']>())]
        .map(([principal, status]) => ({ principal, status }))
        .sort((a, b) => rank[b.status] - rank[a.status] || _cmp(a.principal, b.principal));
      sortedServed.set(key, sorted);
    }
    const me = _name(self);
    const list: AffectedPrincipal[] = [];
    for (const other of sorted) {
      if (list.length >= ALSO_AFFECTS_LIMIT) break;
      if (other.principal !== me) list.push(other);
    }
    const count = sorted.length - (served.get(key)?.has(me) ? 1 : 0);
    return { list, count };
  };
  const affects = (o: { list: AffectedPrincipal[]; count: number }) =>
    o.count > 0 ? { alsoAffects: o.list, alsoAffectsCount: o.count } : {};

  // Bucket each user's grants by what holds them: a group, an attached managed policy, an inline statement, a trust policy.
  const buckets = new Map<string, GrantUsage[]>();
  for (const u of usages) {
    const s = u.grant.source;
    const key =
      s.kind === 'group-inline' || s.kind === 'group-managed'
        ? `group|${u.grant.principal.key}|${s.account}|${s.group}`
        : s.kind === 'user-managed'
          ? `policy|${u.grant.principal.key}|${s.policyArn}`
          : `statement|${u.grant.principal.key}|${s.kind}|${s.account}|${s.owner}|${s.policyName}|${s.statementIndex}`;
    const list = buckets.get(key) ?? [];
    list.push(u);
    buckets.set(key, list);
  }

  for (const [key, bucket] of buckets) {
    const first = bucket[0];
    if (!first) continue;
    const { principal, source } = first.grant;
    const kind = key.slice(0, key.indexOf('|'));
    const unused = bucket.filter(_removable);
    for (const u of bucket)
      if (u.status === 'never' && u.inGrace) skip(u, 'never used, but the user is within the grace period');

    if (kind === 'group') {
      const groupKey = `group:${source.account}:${source.group}`;
      if (bucket.some((u) => u.status === 'active')) {
        for (const u of unused) {
          skip(
            u,
            `${_describeUse(u)}, but the user still uses other grants of group ${source.group}; changing the group's policy would affect its other members`,
          );
        }
        continue;
      }
      if (unused.length === 0) continue;
      const served = others(groupKey, principal);
      actions.push({
        kind: 'remove-from-group',
        account: source.account,
        principal,
        summary: `Remove ${principal.name} from group ${source.group} in account ${source.account}: none of the group's switch-role grants is in use by them`,
        group: source.group ?? '',
        grants: unused.map(_planGrant),
        ...affects(served),
        notes: [
          `the group stays as it is for its ${served.count} other member(s) with switch-role grants`,
          "the group's policies may grant other permissions too; check them before removing the user",
        ],
      });
      continue;
    }

    if (kind === 'policy') {
      const policyKey = `policy:${source.policyArn}`;
      if (!bucket.some((u) => u.status === 'active')) {
        if (unused.length === 0) continue;
        actions.push({
          kind: 'detach-policy',
          account: source.account,
          principal,
          summary: `Detach managed policy ${source.policyArn} from user ${principal.name}: none of its switch-role grants is in use by them`,
          policy: _policy(first.grant),
          grants: unused.map(_planGrant),
          ...affects(others(policyKey, principal)),
          notes: ['the policy may grant other permissions too; check it before detaching'],
        });
        continue;
      }
      // The user uses part of this managed policy: edit statements only if nobody else is attached.
      const shared = others(policyKey, principal);
      for (const [statementIndex, group] of _byStatement(bucket)) {
        _statementActions(group, statementIndex, shared, actions);
      }
      continue;
    }

    if (source.kind === 'trust-policy') {
      for (const u of unused) {
        actions.push({
          kind: 'remove-trust-principal',
          account: source.account,
          principal,
          summary: `Remove ${_name(principal)} from statement ${_stmt(source.sid, source.statementIndex)} of the trust policy of role ${source.owner} (${_describeUse(u)})`,
          policy: _policy(u.grant),
          statementIndex: source.statementIndex,
          ...(source.sid ? { sid: source.sid } : {}),
          grants: [_planGrant(u)],
          notes: [],
        });
      }
      continue;
    }
    _statementActions(bucket, source.statementIndex, { list: [], count: 0 }, actions);
  }

  actions.sort(
    (a, b) => _cmp(a.account, b.account) || _cmp(a.principal.key, b.principal.key) || _cmp(a.summary, b.summary),
  );
  const summary = { grants: usages.length, active: 0, stale: 0, never: 0, inGrace: 0, actions: actions.length };
  for (const u of usages) {
    summary[u.status] += 1;
    if (u.inGrace) summary.inGrace += 1;
  }
  return {
    dryRun: true,
    generatedAt: assessment.generatedAt,
    staleAfterDays: assessment.staleAfterDays,
    graceDays,
    summary,
    actions,
    skipped,
    ineffective,
    problems,
  };
}

function _cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function _stmt(sid: string | undefined, index: number): string {
  return sid ? `"${sid}" (#${index})` : `#${index}`;
}

function _policy(grant: Grant): NonNullable<PlanAction['policy']> {
  const s = grant.source;
  return {
    kind: s.kind,
    name: s.policyName,
    ...(s.policyArn ? { arn: s.policyArn } : {}),
    ...(s.versionId ? { versionId: s.versionId } : {}),
    ...(s.owner ? { owner: s.owner } : {}),
  };
}

function _byStatement(bucket: GrantUsage[]): Map<number, GrantUsage[]> {
  const map = new Map<number, GrantUsage[]>();
  for (const u of bucket) {
    const list = map.get(u.grant.source.statementIndex) ?? [];
    list.push(u);
    map.set(u.grant.source.statementIndex, list);
  }
  return map;
}

/** The edit of one statement of a user's inline policy or of an attached managed policy. */
function _statementActions(
  group: GrantUsage[],
  statementIndex: number,
  shared: { list: AffectedPrincipal[]; count: number },
  actions: PlanAction[],
): void {
  const first = group[0];
  if (!first) return;
  const { principal, source } = first.grant;
  const unused = group.filter(_removable);
  // An active wildcard is narrowed to the roles actually in use.
  const narrow = group.filter((u) => u.status === 'active' && u.grant.wildcard);
  if (unused.length === 0 && narrow.length === 0) return;
  const where =
    source.kind === 'user-managed'
      ? `managed policy ${source.policyArn} (${source.versionId})`
      : `inline policy ${source.policyName} of user ${source.owner}`;
  const stmt = _stmt(source.sid, statementIndex);
  const touched = [...unused, ...narrow];
  const reviewReasons: string[] = [];
  if (!_onlySts(first.grant)) {
    const actions = (first.grant.statement.actions ?? first.grant.statement.notActions ?? []).join(', ');
    reviewReasons.push(
      first.grant.statement.notActions
        ? `the statement uses NotAction (${actions}), so its Resource governs far more than role switching`
        : `the statement also allows ${actions}; changing its Resource changes those permissions too`,
    );
  }
  if (first.grant.statement.notResources) reviewReasons.push('the statement uses NotResource');
  if (shared.count > 0) {
    const names = shared.list.map((a) => a.principal).join(', ');
    const more = shared.count > shared.list.length ? ` and ${shared.count - shared.list.length} more` : '';
    reviewReasons.push(`the policy is also attached for ${names}${more}`);
  }

  const removeResources = [...new Set(touched.map((u) => u.grant.resource))];
  const addResources = [
    ...new Set(narrow.flatMap((u) => u.usedRoles.filter((r) => r.status === 'active').map((r) => r.role.arn))),
  ].sort();
  const statementResources = first.grant.statement.resources ?? [];
  const remaining = statementResources.filter((r) => !removeResources.includes(r));
  const removesAll = remaining.length === 0 && addResources.length === 0 && statementResources.length > 0;

  const parts: string[] = [];
  if (unused.length > 0) {
    parts.push(`remove ${unused.map((u) => `${u.grant.resource} (${_describeUse(u)})`).join(', ')}`);
  }
  if (narrow.length > 0) {
    parts.push(
      `replace ${narrow.map((u) => u.grant.resource).join(', ')} with the roles in active use: ${addResources.join(', ')}`,
    );
  }
  const base = {
    account: source.account,
    principal,
    policy: _policy(first.grant),
    statementIndex,
    ...(source.sid ? { sid: source.sid } : {}),
    grants: touched.map(_planGrant),
    ...(shared.count > 0 ? { alsoAffects: shared.list, alsoAffectsCount: shared.count } : {}),
  };
  if (reviewReasons.length > 0) {
    actions.push({
      ...base,
      kind: 'review',
      summary: `Review statement ${stmt} of ${where}: ${parts.join('; ')} — not proposed automatically because ${reviewReasons.join('; ')}`,
      removeResources,
      ...(addResources.length > 0 ? { addResources } : {}),
      notes: reviewReasons,
    });
    return;
  }
  if (removesAll) {
    actions.push({
      ...base,
      kind: 'remove-statement',
      summary: `Remove statement ${stmt} from ${where}: ${parts.join('; ')}`,
      removeResources,
      notes: [],
    });
    return;
  }
  actions.push({
    ...base,
    kind: 'edit-statement',
    summary: `In statement ${stmt} of ${where}: ${parts.join('; ')}`,
    removeResources,
    ...(addResources.length > 0 ? { addResources } : {}),
    notes: [],
  });
}
