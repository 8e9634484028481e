import type { Assessment, PrincipalRef } from '../model.js';
import type { GrantProblem } from './grants-from-snapshot.js';
import {
  type AssignmentGrant,
  type AssignmentUsage,
  type AssignmentVia,
  assessAssignmentGrants,
  describeAssignmentGrant,
  type IdentityCenterEvaluation,
  unknownIdentityCenterPrincipals,
} from './identityCenterGrants.js';
import {
  type AffectedPrincipal,
  ALSO_AFFECTS_LIMIT,
  type PlanAction,
  type PlanGrant,
  type PlanSkip,
  type RemovalPlan,
} from './plan-removals.js';

/** The Identity Center part of a removal plan. */
export interface AssignmentPlan {
  actions: PlanAction[];
  skipped: PlanSkip[];
  problems: GrantProblem[];
  usages: AssignmentUsage[];
}

const RANK = { never: 0, stale: 1, active: 2 } as const;

function _removable(u: AssignmentUsage): boolean {
  return (u.status === 'never' && !u.inGrace) || u.status === 'stale';
}

function _use(u: AssignmentUsage): string {
  return u.status === 'never' ? 'never used' : `last used ${u.daysSince ?? 0} days ago`;
}

function _planGrant(u: AssignmentUsage): PlanGrant {
  return {
    id: u.grant.id,
    resource: u.grant.rolePattern,
    status: u.status,
    ...(u.lastSeen === undefined ? {} : { lastSeen: u.lastSeen, daysSince: u.daysSince ?? 0 }),
    usedRoles: u.usedRoles.map((r) => r.role.arn),
    source: describeAssignmentGrant(u.grant),
  };
}

function _cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Who a list of usages belongs to, each with their best status, most active first, then by name. */
function _affected(usages: AssignmentUsage[]): { list: AffectedPrincipal[]; count: number } {
  const statuses = new Map<string, Set<AssignmentUsage['status']>>();
  for (const u of usages) {
    const name = u.grant.user.userName;
    statuses.set(name, (statuses.get(name) ?? new Set()).add(u.status));
  }
  const sorted = [...statuses]
    .map(([principal, s]) => ({
      principal,
      status: s.has('active') ? ('active' as const) : s.has('stale') ? ('stale' as const) : ('never' as const),
    }))
    .sort((a, b) => RANK[b.status] - RANK[a.status] || _cmp(a.principal, b.principal));
  return { list: sorted.slice(0, ALSO_AFFECTS_LIMIT), count: sorted.length };
}

/** Never empty: a group step's assignment is held by its members, and one not deleted by someone who keeps it. */
function _affects(o: { list: AffectedPrincipal[]; count: number }) {
  return { alsoAffects: o.list, alsoAffectsCount: o.count };
}

type GroupVia = Extract<AssignmentVia, { kind: 'group' }>;

/** The usages of one group assignment, or of one member's assignments through a group, with the first grant. */
interface GroupUsages {
  grant: AssignmentGrant;
  via: GroupVia;
  usages: AssignmentUsage[];
}

function _add(map: Map<string, GroupUsages>, key: string, u: AssignmentUsage, via: GroupVia): void {
  const entry = map.get(key);
  if (entry) entry.usages.push(u);
  else map.set(key, { grant: u.grant, via, usages: [u] });
}

/**
 * Plans the removal of unused Identity Center access: a direct assignment nobody uses is deleted
 * (`delete-account-assignment`); a group's assignment is deleted only when no member uses it;
 * a member who uses none of the group's assignments is removed from the group
 * (`remove-from-group` with `identityStoreGroup`, naming what the group gives and to whom);
 * anything else that would change others' access is a `review`.
 */
export function planAssignmentRemovals(
  assessment: Assessment,
  evaluations: IdentityCenterEvaluation | readonly IdentityCenterEvaluation[],
  options: { graceDays?: number } = {},
): AssignmentPlan {
  const list: readonly IdentityCenterEvaluation[] = Array.isArray(evaluations)
    ? evaluations
    : [evaluations as IdentityCenterEvaluation];
  const plan: AssignmentPlan = { actions: [], skipped: [], problems: [], usages: [] };
  for (const evaluation of list) _plan(assessment, evaluation, options, plan);
  return plan;
}

function _plan(
  assessment: Assessment,
  evaluation: IdentityCenterEvaluation,
  options: { graceDays?: number },
  plan: AssignmentPlan,
): void {
  const usages = assessAssignmentGrants(assessment, evaluation.grants, options);
  plan.usages.push(...usages);
  plan.problems.push(...evaluation.problems, ...unknownIdentityCenterPrincipals(assessment, evaluation));
  const skip = (u: AssignmentUsage, reason: string) =>
    plan.skipped.push({ grantId: u.grant.id, principal: u.grant.principal.key, resource: u.grant.rolePattern, reason });

  const byAssignment = new Map<string, GroupUsages>();
  const byMember = new Map<string, GroupUsages>();
  for (const u of usages) {
    const g = u.grant;
    // Only a never-used grant can be in grace.
    if (u.inGrace) skip(u, 'never used, but the user or membership is within the grace period');
    if (g.via.kind === 'direct') {
      if (!_removable(u)) continue;
      plan.actions.push({
        kind: 'delete-account-assignment',
        account: g.account,
        principal: g.principal,
        summary: `Delete the assignment of permission set ${g.permissionSet.name} to user ${g.user.userName} in account ${g.account} (${_use(u)})`,
        assignment: g.assignment,
        grants: [_planGrant(u)],
        notes: [],
      });
      continue;
    }
    _add(byAssignment, `${g.via.groupId}|${g.permissionSet.arn}|${g.account}`, u, g.via);
    _add(byMember, `${g.via.groupId}|${g.user.id}`, u, g.via);
  }

  // A group's assignment nobody in the group uses: delete it for the whole group.
  const deleted = new Set<string>();
  for (const [key, { grant: g, via, usages: members }] of byAssignment) {
    if (!members.every(_removable)) continue;
    deleted.add(key);
    const principal: PrincipalRef = {
      key: `identity-store-group:${evaluation.identityStoreId}:${via.groupId}`,
      kind: 'saml',
      account: '',
      name: `group ${via.groupName}`,
    };
    plan.actions.push({
      kind: 'delete-account-assignment',
      account: g.account,
      principal,
      summary: `Delete the assignment of permission set ${g.permissionSet.name} to group ${via.groupName} in account ${g.account}: none of its ${members.length} member(s) uses it`,
      assignment: g.assignment,
      grants: members.map(_planGrant),
      ..._affects(_affected(members)),
      notes: [
        `every member of group ${via.groupName} loses ${g.permissionSet.name} in ${g.account}; none of them has used it`,
      ],
    });
  }

  for (const { grant: g, via, usages: member } of byMember.values()) {
    const remaining = member.filter(
      (u) => !deleted.has(`${via.groupId}|${u.grant.permissionSet.arn}|${u.grant.account}`),
    );
    const unused = remaining.filter(_removable);
    if (unused.length === 0) continue;
    const othersOf = (u: AssignmentUsage) =>
      // Stryker disable next-line ArrayDeclaration,OptionalChaining: the member's own assignment is always in the map
      (byAssignment.get(`${via.groupId}|${u.grant.permissionSet.arn}|${u.grant.account}`)?.usages ?? []).filter(
        (o) => o.grant.user.id !== g.user.id,
      );
    const kept = remaining.filter((u) => !_removable(u));
    if (kept.length > 0) {
      const others = unused.flatMap(othersOf);
      const keeps = kept.map(
        (u) => `${u.grant.permissionSet.name} in ${u.grant.account} (${u.status === 'never' ? 'in grace' : u.status})`,
      );
      plan.actions.push({
        kind: 'review',
        account: g.account,
        principal: g.principal,
        summary: `Review ${g.user.userName}'s access through group ${via.groupName}: ${unused.map((u) => `${u.grant.permissionSet.name} in ${u.grant.account} (${_use(u)})`).join(', ')} — not proposed automatically because the user still needs ${keeps.join(', ')} from the same group, and changing the group's assignment would affect its other members`,
        grants: unused.map(_planGrant),
        ..._affects(_affected(others)),
        notes: [
          'to take this away from this user alone, move them to a group without it (or assign what they use directly)',
        ],
      });
      continue;
    }
    // A group gives each of its assignments to every member, so the member's remaining ones are all the group
    // still gives; each is kept by someone else (or it would have been deleted for the whole group).
    const gives = remaining.map(
      (u) =>
        `${u.grant.permissionSet.name} in ${u.grant.account} (stays for ${othersOf(u)
          .map((o) => o.grant.user.userName)
          .join(', ')})`,
    );
    const others = _affected(remaining.flatMap(othersOf));
    plan.actions.push({
      kind: 'remove-from-group',
      account: evaluation.identityStoreId,
      principal: g.principal,
      summary: `Remove ${g.user.userName} from identity-store group ${via.groupName}: none of the group's assignments is in use by them (${unused.map((u) => `${u.grant.permissionSet.name} in ${u.grant.account}: ${_use(u)}`).join('; ')})`,
      identityStoreGroup: {
        identityStoreId: evaluation.identityStoreId,
        groupId: via.groupId,
        groupName: via.groupName,
        userId: g.user.id,
        membershipId: via.membershipId,
        userName: g.user.userName,
      },
      grants: unused.map(_planGrant),
      ..._affects(others),
      notes: [
        `the group gives ${gives.join(', ')}`,
        `the group stays as it is for its ${others.count} other member(s)`,
      ],
    });
  }
}

/**
 * Adds the Identity Center steps (`planAssignmentRemovals`) to an IAM removal plan
 * (`planRemovals`): one plan, steps sorted by account and principal, summary counting both.
 */
export function withAssignmentRemovals(
  plan: RemovalPlan,
  assessment: Assessment,
  evaluations: IdentityCenterEvaluation | readonly IdentityCenterEvaluation[],
): RemovalPlan {
  const extra = planAssignmentRemovals(assessment, evaluations, { graceDays: plan.graceDays });
  // After the IAM steps, numbered on from them: IAM steps refer to each other by number (`prior.afterStep`).
  const added = [...extra.actions].sort(
    (a, b) => _cmp(a.account, b.account) || _cmp(a.principal.key, b.principal.key) || _cmp(a.summary, b.summary),
  );
  added.forEach((a, i) => {
    a.step = plan.actions.length + i + 1;
  });
  const actions = [...plan.actions, ...added];
  const summary = { ...plan.summary, grants: plan.summary.grants + extra.usages.length, actions: actions.length };
  for (const u of extra.usages) {
    summary[u.status] += 1;
    if (u.inGrace) summary.inGrace += 1;
  }
  return {
    ...plan,
    summary,
    actions,
    skipped: [...plan.skipped, ...extra.skipped],
    problems: [...plan.problems, ...extra.problems],
  };
}
