import { DAY_MS } from '../ledger/assess.js';
import type { AccessStatus, Assessment, PrincipalRef, RoleRef, RosterEntry } from '../model.js';
import type { GrantProblem } from './grants-from-snapshot.js';
import type { IdentityCenterSnapshot } from './identityCenterSnapshot.js';
import type { AccountAssignmentRef } from './plan-removals.js';
import type { AuthorizationSnapshot } from './snapshot.js';

/** The account assignment behind an Identity Center grant, with everything needed to delete it. */
export type AssignmentRef = AccountAssignmentRef;

/** How an Identity Center user holds a permission set in an account: directly, or through a named group. */
export type AssignmentVia =
  | { kind: 'direct' }
  | { kind: 'group'; groupId: string; groupName: string; membershipId: string };

/** One Identity Center user's permission to use one permission set in one account. */
export interface AssignmentGrant {
  /** Stable id: user, permission set, account, and the group when through one. */
  id: string;
  /** The ledger principal: `saml:AWSSSO_<instance>_DO_NOT_DELETE:<UserName>`. */
  principal: PrincipalRef;
  user: { id: string; userName: string; displayName?: string };
  account: string;
  permissionSet: { arn: string; name: string };
  /** The roles it gives, as a pattern: `arn:aws:iam::ACCOUNT:role/AWSReservedSSO_<name>_*` (the suffix is not in the SSO API). */
  rolePattern: string;
  via: AssignmentVia;
  assignment: AssignmentRef;
  /** Start of the grace period (the user's or the group membership's creation), epoch ms, when known. */
  since?: number;
}

/** The result of `identityCenterGrants`. */
export interface IdentityCenterEvaluation {
  grants: AssignmentGrant[];
  problems: GrantProblem[];
  identityStoreId: string;
  instanceArn: string;
  /** The user names in the snapshot, to tell renamed or deleted users in the ledger. */
  userNames: string[];
}

/** Options of `identityCenterGrants`. */
export interface IdentityCenterGrantsOptions {
  /**
   * Principal keys already in the ledger: a user who switched keeps the exact key CloudTrail
   * gave (`saml:AWSSSO_…_DO_NOT_DELETE:NAME`), and the provider name is learned from them.
   */
  principalKeys?: Iterable<string>;
  /** IAM snapshots: the `AWSReservedSSO_*` roles' trust policies name the provider. */
  iamSnapshots?: readonly AuthorizationSnapshot[];
}

const SSO_PATH = 'aws-reserved/sso.amazonaws.com/';
const ROLE_PREFIX = 'AWSReservedSSO_';

/** The Identity Center SAML provider name in a ledger key (`saml:AWSSSO_x_DO_NOT_DELETE:NAME`), and the name. */
export function identityCenterKeyParts(key: string): { provider: string; name: string } | undefined {
  if (!key.startsWith('saml:AWSSSO_')) return undefined;
  const end = key.indexOf('_DO_NOT_DELETE:');
  if (end < 0) return undefined;
  const provider = key.slice(5, end + '_DO_NOT_DELETE'.length);
  const name = key.slice(end + '_DO_NOT_DELETE:'.length);
  if (provider.includes(':') || provider.includes('/') || name === '') return undefined;
  return { provider, name };
}

function _isHex(text: string): boolean {
  if (text === '') return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const hex = (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
    if (!hex) return false;
  }
  return true;
}

/**
 * True when `role` is the role Identity Center made for the permission set in the account:
 * `AWSReservedSSO_<name>_<hex suffix>`, under `aws-reserved/sso.amazonaws.com/` when the path is
 * known. Matched by name pattern; the suffix is never guessed.
 */
export function identityCenterRoleMatches(permissionSetName: string, account: string, role: RoleRef): boolean {
  if (role.account !== account) return false;
  const prefix = `${ROLE_PREFIX}${permissionSetName}_`;
  if (!role.name.startsWith(prefix) || !_isHex(role.name.slice(prefix.length))) return false;
  if (role.arn === role.key) return true;
  const at = role.arn.indexOf(':role/');
  return at >= 0 && role.arn.startsWith(SSO_PATH, at + ':role/'.length);
}

/** Provider names (`AWSSSO_…_DO_NOT_DELETE`) named by the trust policies of `AWSReservedSSO_*` roles. */
function _providersFromIam(snapshots: readonly AuthorizationSnapshot[]): string[] {
  const found: string[] = [];
  for (const snapshot of snapshots) {
    for (const role of snapshot.roles) {
      if (!role.name.startsWith(ROLE_PREFIX)) continue;
      const text = JSON.stringify(role.trustPolicy);
      const marker = ':saml-provider/AWSSSO_';
      let at = text.indexOf(marker);
      while (at >= 0) {
        const start = at + ':saml-provider/'.length;
        let end = start;
        while (end < text.length && text[end] !== '"' && text[end] !== '/') end++;
        const name = text.slice(start, end);
        if (name.endsWith('_DO_NOT_DELETE')) found.push(name);
        at = text.indexOf(marker, end);
      }
    }
  }
  return found;
}

function _mostCommon(names: string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  let best: string | undefined;
  let bestCount = 0;
  for (const [name, count] of counts) {
    if (count > bestCount || (count === bestCount && best !== undefined && name < best)) {
      best = name;
      bestCount = count;
    }
  }
  return best;
}

/**
 * Evaluates an Identity Center snapshot into grants: one per (user, permission set, account),
 * assigned to the user directly or through a group (named). Users are keyed as the ledger keys
 * them (session name = user name). Assignments to users or groups the identity store no longer
 * has are reported in `problems`, not dropped silently.
 */
export function identityCenterGrants(
  snapshot: IdentityCenterSnapshot,
  options: IdentityCenterGrantsOptions = {},
): IdentityCenterEvaluation {
  const problems: GrantProblem[] = snapshot.problems.map((p) => ({ account: '', ...p }));
  const ledgerKeyByName = new Map<string, string>();
  const ledgerProviders: string[] = [];
  for (const key of options.principalKeys ?? []) {
    const parts = identityCenterKeyParts(key);
    if (!parts) continue;
    ledgerProviders.push(parts.provider);
    if (!ledgerKeyByName.has(parts.name)) ledgerKeyByName.set(parts.name, key);
  }
  const provider =
    _mostCommon(_providersFromIam(options.iamSnapshots ?? [])) ??
    _mostCommon(ledgerProviders) ??
    `AWSSSO_${snapshot.instanceArn.slice(snapshot.instanceArn.lastIndexOf('/') + 1).replace('ssoins-', '')}_DO_NOT_DELETE`;
  const knownProvider = ledgerProviders.length > 0 || _providersFromIam(options.iamSnapshots ?? []).length > 0;
  if (!knownProvider && snapshot.assignments.length > 0) {
    problems.push({
      account: '',
      entity: 'Identity Center',
      message: `the instance's SAML provider name is not known (no Identity Center switch in the ledger, no AWSReservedSSO role in the IAM snapshots); users who never switched are keyed as ${provider}`,
    });
  }

  const users = new Map(snapshot.users.map((u) => [u.id, u]));
  const groups = new Map(snapshot.groups.map((g) => [g.id, g]));
  const permissionSets = new Map(snapshot.permissionSets.map((p) => [p.arn, p]));
  const grants: AssignmentGrant[] = [];
  const seen = new Set<string>();

  const principalFor = (userName: string): PrincipalRef => ({
    key: ledgerKeyByName.get(userName) ?? `saml:${provider}:${userName}`,
    kind: 'saml',
    account: '',
    name: userName,
  });

  for (const a of snapshot.assignments) {
    const ps = permissionSets.get(a.permissionSetArn);
    if (!ps) {
      problems.push({
        account: a.accountId,
        entity: `assignment of ${a.permissionSetArn}`,
        message: 'the permission set is not in the snapshot; not evaluated',
      });
      continue;
    }
    const assignment: AssignmentRef = {
      instanceArn: snapshot.instanceArn,
      identityStoreId: snapshot.identityStoreId,
      accountId: a.accountId,
      permissionSetArn: ps.arn,
      permissionSetName: ps.name,
      principalType: a.principalType,
      principalId: a.principalId,
    };
    const holders: { userId: string; via: AssignmentVia; since?: number }[] = [];
    if (a.principalType === 'USER') {
      holders.push({ userId: a.principalId, via: { kind: 'direct' } });
    } else {
      const group = groups.get(a.principalId);
      if (!group) {
        problems.push({
          account: a.accountId,
          entity: `permission set ${ps.name}`,
          message: `assigned to group id ${a.principalId}, which is not in the identity store (deleted?)`,
        });
        continue;
      }
      for (const m of group.members) {
        holders.push({
          userId: m.userId,
          via: { kind: 'group', groupId: group.id, groupName: group.displayName, membershipId: m.membershipId },
          ...(m.createdAt === undefined ? {} : { since: m.createdAt }),
        });
      }
    }
    for (const holder of holders) {
      const user = users.get(holder.userId);
      if (!user) {
        const where = holder.via.kind === 'group' ? ` (member of group ${holder.via.groupName})` : '';
        problems.push({
          account: a.accountId,
          entity: `permission set ${ps.name}`,
          message: `assigned to user id ${holder.userId}${where}, who is not in the identity store (deleted?)`,
        });
        continue;
      }
      const viaKey = holder.via.kind === 'group' ? `group:${holder.via.groupId}` : 'direct';
      const id = `identity-center|${user.id}|${ps.arn}|${a.accountId}|${viaKey}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const starts = [user.createdAt, holder.since].filter((t): t is number => t !== undefined);
      grants.push({
        id,
        principal: principalFor(user.userName),
        user: { id: user.id, userName: user.userName, ...(user.displayName ? { displayName: user.displayName } : {}) },
        account: a.accountId,
        permissionSet: { arn: ps.arn, name: ps.name },
        rolePattern: `arn:aws:iam::${a.accountId}:role/${ROLE_PREFIX}${ps.name}_*`,
        via: holder.via,
        assignment,
        ...(starts.length > 0 ? { since: Math.max(...starts) } : {}),
      });
    }
  }
  return {
    grants,
    problems,
    identityStoreId: snapshot.identityStoreId,
    instanceArn: snapshot.instanceArn,
    userNames: snapshot.users.map((u) => u.userName),
  };
}

/** A one-line description, e.g. `permission set Admin in 111111111111 through group ops`. */
export function describeAssignmentGrant(grant: AssignmentGrant): string {
  const via = grant.via.kind === 'group' ? `through group ${grant.via.groupName}` : 'assigned directly';
  return `Identity Center permission set ${grant.permissionSet.name} in ${grant.account}, ${via}`;
}

/** Roster entries for `assessLedger`: principal key, the `AWSReservedSSO_<name>_*` role pattern, grace start. */
export function assignmentGrantsToRoster(grants: readonly AssignmentGrant[]): RosterEntry[] {
  return grants.map((grant) => ({
    principal: grant.principal.key,
    role: grant.rolePattern,
    ...(grant.since === undefined ? {} : { since: grant.since }),
    source: describeAssignmentGrant(grant),
  }));
}

/** How one Identity Center grant has been used. */
export interface AssignmentUsage {
  grant: AssignmentGrant;
  status: AccessStatus;
  inGrace: boolean;
  lastSeen?: number;
  daysSince?: number;
  /** The concrete roles switched into under it, most recent first. */
  usedRoles: { role: RoleRef; lastSeen: number; daysSince: number; status: 'active' | 'stale' }[];
}

/**
 * Joins Identity Center grants with an assessment. A user's switches are found by user name under
 * any `AWSSSO_…` provider, and count for a grant when the role is the permission set's in that account.
 */
export function assessAssignmentGrants(
  assessment: Assessment,
  grants: readonly AssignmentGrant[],
  options: { graceDays?: number } = {},
): AssignmentUsage[] {
  const graceMs = (options.graceDays ?? assessment.staleAfterDays) * DAY_MS;
  const byName = new Map<string, Assessment['pairs']>();
  for (const pair of assessment.pairs) {
    if (pair.status === 'never' || pair.lastSeen === undefined) continue;
    const parts = identityCenterKeyParts(pair.principal.key);
    if (!parts) continue;
    const list = byName.get(parts.name) ?? [];
    list.push(pair);
    byName.set(parts.name, list);
  }
  return grants.map((grant) => {
    const usedRoles: AssignmentUsage['usedRoles'] = [];
    for (const pair of byName.get(grant.user.userName) ?? []) {
      if (pair.lastSeen === undefined) continue;
      if (!identityCenterRoleMatches(grant.permissionSet.name, grant.account, pair.role)) continue;
      usedRoles.push({
        role: pair.role,
        lastSeen: pair.lastSeen,
        daysSince: pair.daysSince ?? 0,
        status: pair.status === 'active' ? 'active' : 'stale',
      });
    }
    usedRoles.sort((a, b) => b.lastSeen - a.lastSeen);
    const latest = usedRoles[0];
    if (!latest) {
      const inGrace = graceMs > 0 && grant.since !== undefined && assessment.generatedAt - grant.since < graceMs;
      return { grant, status: 'never', inGrace, usedRoles };
    }
    return {
      grant,
      status: latest.status,
      inGrace: false,
      lastSeen: latest.lastSeen,
      daysSince: latest.daysSince,
      usedRoles,
    };
  });
}

/**
 * Identity Center principals in the assessment that are no user of the snapshot: renamed or
 * deleted since they switched. Reported, so they are not silently dropped.
 */
export function unknownIdentityCenterPrincipals(
  assessment: Assessment,
  evaluation: Pick<IdentityCenterEvaluation, 'userNames'>,
): GrantProblem[] {
  const names = new Set(evaluation.userNames);
  const found = new Map<string, { roles: Set<string>; lastSeen: number }>();
  for (const pair of assessment.pairs) {
    if (pair.lastSeen === undefined) continue;
    const parts = identityCenterKeyParts(pair.principal.key);
    if (!parts || names.has(parts.name)) continue;
    const entry = found.get(parts.name) ?? { roles: new Set<string>(), lastSeen: 0 };
    entry.roles.add(pair.role.name);
    entry.lastSeen = Math.max(entry.lastSeen, pair.lastSeen);
    found.set(parts.name, entry);
  }
  return [...found]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, { roles, lastSeen }]) => ({
      account: '',
      entity: `Identity Center user ${name}`,
      message: `switched into ${[...roles].sort().join(', ')} (last ${new Date(lastSeen).toISOString()}) but is not a user in the Identity Center snapshot: renamed or deleted`,
    }));
}
