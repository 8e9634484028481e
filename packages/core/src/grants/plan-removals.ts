import type { Assessment, PrincipalRef } from '../model.js';
import { type AssessGrantsOptions, assessGrants, describeGrantSource, type GrantUsage } from './assess-grants.js';
import { editStatementResources, hasStatements, removeTrustPrincipals } from './editPolicy.js';
import type { DropReason, Grant, GrantEvaluation, GrantProblem, GrantSourceKind } from './grants-from-snapshot.js';
import { readStatements } from './policy.js';
import type { AuthorizationSnapshot, PolicyDocument } from './snapshot.js';

/** What a plan step changes; `lastswitch apply` carries out every kind but `review`. */
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

/** An IAM Identity Center account assignment (permission set → principal in an account). */
export interface AccountAssignmentRef {
  instanceArn: string;
  identityStoreId: string;
  accountId: string;
  permissionSetArn: string;
  permissionSetName: string;
  principalType: 'USER' | 'GROUP';
  principalId: string;
}

/** A user's membership in an IAM Identity Center (identity store) group. */
export interface IdentityStoreMembershipRef {
  identityStoreId: string;
  groupId: string;
  groupName: string;
  userId: string;
  membershipId: string;
  userName: string;
}

/** The exact state a step changes, as the snapshots showed it: `apply` refuses the step when the live state differs. */
export interface PriorState {
  /** The inline policy, trust policy, or managed policy default-version document. */
  document?: PolicyDocument;
  /** The managed policy's default version id. */
  versionId?: string;
  /** This step's prior state is what step `afterStep` leaves (several steps change one document, in plan order). */
  afterStep?: number;
  /** `remove-from-group`: the IAM user is in the group. */
  membership?: { user: string; group: string };
  /** `detach-policy`: the managed policy is attached to the user. */
  attachment?: { user: string; policyArn: string };
}

/** The state a step leaves. */
export interface PlannedChange {
  /** The new inline or trust policy document, or the new default version of the managed policy. */
  document?: PolicyDocument;
  /** The inline policy is deleted (the step removes its last statement). */
  deletePolicy?: true;
}

/** One dry-run change. */
export interface PlanAction {
  /** The step number (1-based, in plan order), for `apply --only`. */
  step?: number;
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
  grants: PlanGrant[];
  /**
   * Others served by the same group or managed policy (a change there affects them too): those
   * still using it first, then by name, at most `ALSO_AFFECTS_LIMIT`; `alsoAffectsCount` has the total.
   */
  alsoAffects?: AffectedPrincipal[];
  alsoAffectsCount?: number;
  notes: string[];
  /** `remove-trust-principal`: the principal ARNs / unique ids taken out of the statement. */
  removePrincipals?: string[];
  /** The live state the step changes (absent when the snapshots given did not show it: `apply` then refuses the step). */
  prior?: PriorState;
  /** What the step leaves. */
  change?: PlannedChange;
  /** `delete-account-assignment`: the Identity Center assignment to delete. */
  assignment?: AccountAssignmentRef;
  /** `remove-from-group` of an Identity Center group: the membership to delete. */
  identityStoreGroup?: IdentityStoreMembershipRef;
}

/** An identity-store group membership to remove (the same as {@link IdentityStoreMembershipRef}). */
export type IdentityStoreGroupRef = IdentityStoreMembershipRef;

/** How many other principals a plan step lists by name (`alsoAffectsCount` has the total). */
export const ALSO_AFFECTS_LIMIT = 20;

/** A grant left alone, and why. */
export interface PlanSkip {
  grantId: string;
  principal: string;
  resource: string;
  reason: string;
}

/** A file a plan was made from, and its SHA-256 digest. */
export interface PlanSource {
  file: string;
  sha256: string;
  account?: string;
  /** The snapshot time, epoch ms. */
  takenAt?: number;
}

/** The format version of plans written by this lastswitch (1: no `version` field, no prior states). */
export const PLAN_VERSION = 2;

/** A dry-run removal plan: what to change to take away stale and never-used switch-role grants. */
export interface RemovalPlan {
  format: 'lastswitch.removal-plan';
  /** `PLAN_VERSION`. */
  version: number;
  dryRun: true;
  /** The snapshot files it was made from, with digests. */
  madeFrom: PlanSource[];
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

/** True when every action listed is an STS action (so a change to its statement changes nothing else). */
function _onlySts(actions: readonly string[] | undefined): boolean {
  if (!actions) return false;
  return actions.every((a) => a.toLowerCase().startsWith('sts:'));
}

/** Why removing a whole document's effect (group membership, attachment) does more than remove role switching. */
function _documentReasons(document: PolicyDocument, where: string): string[] {
  const reasons: string[] = [];
  const read = readStatements(document);
  const others = new Set<string>();
  let denies = false;
  for (const s of read.statements) {
    if (s.effect === 'Deny') denies = true;
    else if (!_onlySts(s.actions)) for (const a of s.actions ?? ['NotAction']) others.add(a);
  }
  if (others.size > 0) reasons.push(`${where} also allows ${[...others].join(', ')}`);
  if (denies) reasons.push(`${where} has Deny statements, which would no longer apply`);
  if (read.problems.length > 0) reasons.push(`${where} has statements lastswitch cannot read`);
  return reasons;
}

/** Options of `planRemovals`. */
export interface PlanRemovalsOptions extends AssessGrantsOptions {
  /**
   * The snapshots the grants came from: with them, each step records the exact state it changes
   * (so `apply` can check it), and every holder of a group or managed policy is known.
   */
  snapshots?: readonly AuthorizationSnapshot[];
  /** The files the plan is made from, with digests (recorded in the plan). */
  madeFrom?: PlanSource[];
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
  options: PlanRemovalsOptions = {},
): RemovalPlan {
  const lookup = _lookup(options.snapshots ?? []);
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
  // A grant written but not in effect still makes its user a holder of the group or policy (never using it).
  const droppedUsages: Pick<GrantUsage, 'grant' | 'status'>[] = Array.isArray(grants)
    ? []
    : (grants as GrantEvaluation).dropped.map((d) => ({ grant: d.grant, status: 'never' }));
  for (const u of [...usages, ...droppedUsages]) {
    const keys = [
      u.grant.source.group ? `group:${u.grant.source.account}:${u.grant.source.group}` : undefined,
      u.grant.source.policyArn ? `policy:${u.grant.source.policyArn}` : undefined,
    ];
    for (const key of keys) {
      // Stryker disable next-line ConditionalExpression: without it, an entry under `undefined` that no lookup asks for
      if (!key) continue;
      const map = served.get(key) ?? new Map<string, GrantUsage['status']>();
      const name = _name(u.grant.principal);
      const before = map.get(name);
      // Stryker disable next-line EqualityOperator: `>=` only sets the same status again
      if (before === undefined || rank[u.status] > rank[before]) map.set(name, u.status);
      served.set(key, map);
    }
  }
  // Sorted once per group / policy: still-active users first, then stale, then never; then by name.
  const sortedServed = new Map<string, AffectedPrincipal[]>();
  const others = (key: string, self: PrincipalRef): Shared => {
    // Every group / policy asked about holds the grant of `self`, so it is in `served`.
    const holders = served.get(key) ?? new Map<string, GrantUsage['status']>();
    let sorted = sortedServed.get(key);
    // Stryker disable next-line ConditionalExpression: a cache only; sorting again gives the same list
    if (!sorted) {
      sorted = [...holders]
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
    // Stryker disable next-line StringLiteral: a group key read as a policy ARN matches no attached policy
    const extra = key.startsWith('policy:') ? lookup.holders(key.slice('policy:'.length), holders) : [];
    const count = sorted.length - (holders.has(me) ? 1 : 0) + extra.length;
    return { list, count, extra };
  };
  const affects = (o: Shared) => (o.count > 0 ? { alsoAffects: o.list, alsoAffectsCount: o.count } : {});

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
    // Stryker disable next-line ConditionalExpression: a bucket is made with its first grant
    if (!first) continue;
    const { principal, source } = first.grant;
    const kind = key.slice(0, key.indexOf('|'));
    const unused = bucket.filter(_removable);
    for (const u of bucket) {
      // Stryker disable next-line ConditionalExpression: only a `never` grant is ever in grace
      if (u.status === 'never' && u.inGrace) skip(u, 'never used, but the user is within the grace period');
    }

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
      // Stryker disable next-line StringLiteral: a group grant always names its group
      const group = source.group ?? '';
      const documents = lookup.groupDocuments(source.account, group);
      const reasons = documents
        ? documents.flatMap((d) => _documentReasons(d.document, d.where))
        : bucket.some((u) => !_onlySts(u.grant.statement.actions))
          ? ["the group's policies allow more than role switching"]
          : [];
      const summary = `Remove ${principal.name} from group ${group} in account ${source.account}: none of the group's switch-role grants is in use by them`;
      actions.push({
        kind: reasons.length > 0 ? 'review' : 'remove-from-group',
        account: source.account,
        principal,
        summary:
          reasons.length > 0
            ? `Review: ${summary} — not proposed automatically because ${reasons.join('; ')}`
            : summary,
        group,
        grants: unused.map(_planGrant),
        ...affects(served),
        notes: [
          `the group stays as it is for its ${served.count} other member(s) with switch-role grants`,
          ...(reasons.length > 0
            ? reasons
            : documents
              ? []
              : ["the group's policies may grant other permissions too; check them before removing the user"]),
        ],
        ...(documents ? { prior: { membership: { user: principal.name, group } } } : {}),
      });
      continue;
    }

    if (kind === 'policy') {
      const policyKey = `policy:${source.policyArn}`;
      if (!bucket.some((u) => u.status === 'active')) {
        if (unused.length === 0) continue;
        // Stryker disable next-line StringLiteral: a managed-policy grant always names its ARN
        const arn = source.policyArn ?? '';
        const managed = lookup.policy(source.account, arn);
        const reasons = managed
          ? _documentReasons(managed.document, 'the policy')
          : bucket.some((u) => !_onlySts(u.grant.statement.actions))
            ? ['the policy allows more than role switching']
            : [];
        const summary = `Detach managed policy ${arn} from user ${principal.name}: none of its switch-role grants is in use by them`;
        actions.push({
          kind: reasons.length > 0 ? 'review' : 'detach-policy',
          account: source.account,
          principal,
          summary:
            reasons.length > 0
              ? `Review: ${summary} — not proposed automatically because ${reasons.join('; ')}`
              : summary,
          policy: _policy(first.grant),
          grants: unused.map(_planGrant),
          ...affects(others(policyKey, principal)),
          notes:
            reasons.length > 0
              ? reasons
              : managed
                ? []
                : ['the policy may grant other permissions too; check it before detaching'],
          ...(managed
            ? {
                prior: {
                  document: managed.document,
                  versionId: managed.defaultVersionId,
                  attachment: { user: principal.name, policyArn: arn },
                },
              }
            : {}),
        });
        continue;
      }
      // The user uses part of this managed policy: edit statements only if nobody else is attached.
      const shared = others(policyKey, principal);
      for (const [statementIndex, group] of _byStatement(bucket)) {
        _statementActions(group, statementIndex, actions, shared);
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
          removePrincipals: [...new Set([principal.arn ?? principal.key, principal.key, u.grant.principalId])].filter(
            (p) => p !== '',
          ),
        });
      }
      continue;
    }
    _statementActions(bucket, source.statementIndex, actions);
  }

  actions.sort(
    (a, b) => _cmp(a.account, b.account) || _cmp(a.principal.key, b.principal.key) || _cmp(a.summary, b.summary),
  );
  actions.forEach((a, i) => {
    a.step = i + 1;
  });
  _recordDocumentChanges(actions, lookup);
  const summary = { grants: usages.length, active: 0, stale: 0, never: 0, inGrace: 0, actions: actions.length };
  for (const u of usages) {
    summary[u.status] += 1;
    if (u.inGrace) summary.inGrace += 1;
  }
  return {
    format: 'lastswitch.removal-plan',
    version: PLAN_VERSION,
    dryRun: true,
    madeFrom: options.madeFrom ?? [],
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
function _statementActions(group: GrantUsage[], statementIndex: number, actions: PlanAction[], shared?: Shared): void {
  const first = group[0];
  // Stryker disable next-line ConditionalExpression: a statement's group is made with its first grant
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
  if (!_onlySts(first.grant.statement.actions)) {
    // Stryker disable next-line ArrayDeclaration: a statement read has Action or NotAction
    const actions = (first.grant.statement.actions ?? first.grant.statement.notActions ?? []).join(', ');
    reviewReasons.push(
      first.grant.statement.notActions
        ? `the statement uses NotAction (${actions}), so its Resource governs far more than role switching`
        : `the statement also allows ${actions}; changing its Resource changes those permissions too`,
    );
  }
  if (first.grant.statement.notResources) reviewReasons.push('the statement uses NotResource');
  if (shared && shared.count > 0) {
    const listed = [...shared.list.map((a) => a.principal), ...shared.extra];
    const names = listed.join(', ');
    const more = shared.count > listed.length ? ` and ${shared.count - listed.length} more` : '';
    reviewReasons.push(`the policy is also attached for ${names}${more}`);
  }

  const removeResources = [...new Set(touched.map((u) => u.grant.resource))];
  const addResources = [
    ...new Set(narrow.flatMap((u) => u.usedRoles.filter((r) => r.status === 'active').map((r) => r.role.arn))),
  ].sort();
  // A statement without Resource (NotResource) is a review step, above.
  // Stryker disable next-line ArrayDeclaration: a statement without Resource (NotResource) is always a review step
  const remaining = (first.grant.statement.resources ?? []).filter((r) => !removeResources.includes(r));
  const removesAll = remaining.length === 0 && addResources.length === 0;

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
    ...(shared && shared.count > 0 ? { alsoAffects: shared.list, alsoAffectsCount: shared.count } : {}),
  };
  const what = parts.join('; ');
  if (reviewReasons.length > 0) {
    actions.push({
      ...base,
      kind: 'review',
      summary: `Review statement ${stmt} of ${where}: ${what} — not proposed automatically because ${reviewReasons.join('; ')}`,
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
      summary: `Remove statement ${stmt} from ${where}: ${what}`,
      removeResources,
      notes: [],
    });
    return;
  }
  actions.push({
    ...base,
    kind: 'edit-statement',
    summary: `In statement ${stmt} of ${where}: ${what}`,
    removeResources,
    ...(addResources.length > 0 ? { addResources } : {}),
    notes: [],
  });
}

/** Others served by a group or managed policy: listed principals with their use, the total, and holders without grants. */
interface Shared {
  list: AffectedPrincipal[];
  count: number;
  /** Holders of a managed policy that hold no switch-role grant through it (groups, roles, other users), by name. */
  extra: string[];
}

interface Lookup {
  /** Every holder of the managed policy not in `served` (which has the step's own user): `user ARN`, `group NAME`, `role NAME`. */
  holders(arn: string, served: Map<string, unknown>): string[];
  policy(account: string, arn: string): AuthorizationSnapshot['policies'][number] | undefined;
  groupDocuments(account: string, group: string): { document: PolicyDocument; where: string }[] | undefined;
  inline(account: string, user: string, name: string): PolicyDocument | undefined;
  trust(account: string, role: string): PolicyDocument | undefined;
}

function _lookup(snapshots: readonly AuthorizationSnapshot[]): Lookup {
  const byAccount = new Map<string, AuthorizationSnapshot>();
  for (const s of snapshots) {
    const before = byAccount.get(s.account);
    if (!before || before.takenAt < s.takenAt) byAccount.set(s.account, s);
  }
  const policy = (account: string, arn: string) => byAccount.get(account)?.policies.find((p) => p.arn === arn);
  return {
    holders(arn, served) {
      const out: string[] = [];
      for (const s of byAccount.values()) {
        for (const u of s.users) {
          if (u.attachedPolicies.includes(arn) && !served.has(u.arn)) out.push(u.arn);
        }
        for (const g of s.groups) if (g.attachedPolicies.includes(arn)) out.push(`group ${g.name}`);
        for (const r of s.roles) if (r.attachedPolicies.includes(arn)) out.push(`role ${r.name}`);
      }
      return out;
    },
    policy,
    groupDocuments(account, name) {
      const group = byAccount.get(account)?.groups.find((g) => g.name === name);
      if (!group) return undefined;
      const documents = group.inlinePolicies.map((p) => ({
        document: p.document,
        where: `inline policy ${p.name} of group ${name}`,
      }));
      for (const arn of group.attachedPolicies) {
        const managed = policy(account, arn);
        if (!managed) return undefined;
        documents.push({ document: managed.document, where: `managed policy ${arn} of group ${name}` });
      }
      return documents;
    },
    inline(account, user, name) {
      const holder = byAccount.get(account)?.users.find((u) => u.name === user);
      return holder?.inlinePolicies.find((p) => p.name === name)?.document;
    },
    trust(account, role) {
      return byAccount.get(account)?.roles.find((r) => r.name === role)?.trustPolicy;
    },
  };
}

const _countStatements = (document: PolicyDocument): number => {
  const raw = document.Statement;
  // Only a chain's first document can be a single statement object, and a step that removes its one
  // statement ends the chain: how such a document counts changes no step.
  // Stryker disable next-line ConditionalExpression: as above (a statement object's length is undefined)
  if (Array.isArray(raw)) return raw.length;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: as above
  return raw === undefined ? 0 : 1;
};

/** Makes a step a `review` step with one more reason. */
function _toReview(action: PlanAction, reason: string): void {
  action.kind = 'review';
  action.summary = `Review: ${action.summary} — not proposed automatically because ${reason}`;
  action.notes = [...action.notes, reason];
  delete action.change;
}

/**
 * Records, for each step that rewrites a policy document, the document before and after. Steps
 * changing one document are chained in plan order: each starts from what the previous one leaves
 * (statement indexes shift when an earlier step removes a statement).
 */
function _recordDocumentChanges(actions: PlanAction[], lookup: Lookup): void {
  const chains = new Map<string, { document: PolicyDocument; removed: number[]; step?: number; versionId?: string }>();
  for (const action of actions) {
    const policy = action.policy;
    // The steps on one statement: edits, removals, trust edits and their reviews (groups are left, policies detached whole).
    if (!policy || action.statementIndex === undefined) continue;
    let key: string;
    let start: PolicyDocument | undefined;
    // Stryker disable next-line StringLiteral: an inline or trust policy step always names the policy's owner
    const owner = policy.owner ?? '';
    if (policy.kind === 'user-inline') {
      key = `inline|${action.account}|${owner}|${policy.name}`;
      start = lookup.inline(action.account, owner, policy.name);
    } else if (policy.kind === 'trust-policy') {
      key = `trust|${action.account}|${owner}`;
      start = lookup.trust(action.account, owner);
    } else {
      // Stryker disable next-line StringLiteral: a managed policy step always names the policy's ARN
      const arn = policy.arn ?? '';
      key = `managed|${arn}`;
      start = lookup.policy(action.account, arn)?.document;
    }
    const chain =
      chains.get(key) ??
      (start ? { document: start, removed: [] as number[], versionId: policy.versionId } : undefined);
    // Without the document the step records no prior state, and `apply` refuses it.
    if (!chain) continue;
    chains.set(key, chain);
    const prior: PriorState = {
      document: chain.document,
      ...(chain.step === undefined && chain.versionId ? { versionId: chain.versionId } : {}),
      // Stryker disable next-line ConditionalExpression: `afterStep: undefined` reads as no `afterStep` (and JSON drops it)
      ...(chain.step === undefined ? {} : { afterStep: chain.step }),
    };
    action.prior = prior;
    if (action.kind === 'review') continue;
    const original = action.statementIndex;
    // Stryker disable next-line EqualityOperator: a removed statement is never a later step's: its last resource or principal went with it
    const index = original - chain.removed.filter((r) => r < original).length;
    // A statement goes by taking out exactly the resources the plan names: one that holds more than
    // the grants showed (the snapshots are newer) is not removed.
    // Stryker disable ArrayDeclaration: trust steps always list principals, statement steps resources
    const next =
      action.kind === 'remove-trust-principal'
        ? removeTrustPrincipals(chain.document, index, action.removePrincipals ?? [])
        : editStatementResources(chain.document, index, action.removeResources ?? [], action.addResources ?? []);
    // Stryker restore ArrayDeclaration
    const removed = next !== undefined && _countStatements(next) < _countStatements(chain.document);
    if (!next || (action.kind === 'remove-statement' && !removed)) {
      _toReview(action, `statement #${original} is not as the plan expects it`);
      continue;
    }
    if (!hasStatements(next)) {
      if (policy.kind === 'trust-policy') {
        _toReview(action, 'it would leave the trust policy without statements');
        continue;
      }
      if (policy.kind === 'user-managed') {
        _toReview(action, 'it would leave the managed policy without statements (detach it instead)');
        continue;
      }
      action.change = { deletePolicy: true };
    } else {
      action.change = { document: next };
    }
    if (removed) chain.removed.push(original);
    chain.document = next;
    chain.step = action.step;
  }
}
