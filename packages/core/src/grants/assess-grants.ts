import { roleRefFromArn } from '../arn.js';
import { DAY_MS } from '../ledger/assess.js';
import type { AccessStatus, Assessment, RoleRef, RosterEntry } from '../model.js';
import { type Grant, grantMatchesRole } from './grants-from-snapshot.js';

/** A role a grant was actually used for. */
export interface UsedRole {
  role: RoleRef;
  lastSeen: number;
  daysSince: number;
  status: 'active' | 'stale';
}

/** How one grant has been used: `never` (with `inGrace` for new users), `stale` or `active`. */
export interface GrantUsage {
  grant: Grant;
  status: AccessStatus;
  /** A `never` grant whose user is younger than the grace period: not to be removed yet. */
  inGrace: boolean;
  /** The last switch under this grant, epoch ms. */
  lastSeen?: number;
  daysSince?: number;
  /** The concrete roles switched into under this grant, most recent first. */
  usedRoles: UsedRole[];
}

/** Options of `assessGrants`. */
export interface AssessGrantsOptions {
  /** A never-used grant of a user created fewer than this many days ago is in grace. Default: the assessment's `staleAfterDays`. */
  graceDays?: number;
}

/** True when a switch into `role` is covered by the grant (its known roles, else its pattern; exact ARNs path-insensitively). */
export function grantCoversRole(grant: Grant, role: RoleRef): boolean {
  if (grant.roles?.some((r) => r.key === role.key)) return true;
  if (!grant.wildcard) {
    try {
      return roleRefFromArn(grant.resource).key === role.key;
    } catch {
      return false;
    }
  }
  return grantMatchesRole(grant, role.arn) || (role.arn !== role.key && grantMatchesRole(grant, role.key));
}

/**
 * Joins grants with an assessment: for each grant, the switches made under it. A pattern grant
 * is used by any switch into a role it matches, and lists those roles.
 */
export function assessGrants(
  assessment: Assessment,
  grants: readonly Grant[],
  options: AssessGrantsOptions = {},
): GrantUsage[] {
  const graceMs = (options.graceDays ?? assessment.staleAfterDays) * DAY_MS;
  const pairsByPrincipal = new Map<string, Assessment['pairs']>();
  for (const pair of assessment.pairs) {
    if (pair.status === 'never' || pair.lastSeen === undefined) continue;
    const list = pairsByPrincipal.get(pair.principal.key) ?? [];
    list.push(pair);
    pairsByPrincipal.set(pair.principal.key, list);
  }
  return grants.map((grant) => {
    const usedRoles: UsedRole[] = [];
    for (const pair of pairsByPrincipal.get(grant.principal.key) ?? []) {
      if (pair.lastSeen === undefined || !grantCoversRole(grant, pair.role)) continue;
      usedRoles.push({
        role: pair.role,
        lastSeen: pair.lastSeen,
        daysSince: pair.daysSince ?? 0,
        status: pair.status === 'active' ? 'active' : 'stale',
      });
    }
    usedRoles.sort((a, b) => b.lastSeen - a.lastSeen || (a.role.key < b.role.key ? -1 : 1));
    const latest = usedRoles[0];
    if (!latest) {
      // Grace 0 means none (also for a principal created after `now`, e.g. a plan made as of a past date).
      const inGrace = graceMs > 0 && assessment.generatedAt - grant.principalCreatedAt < graceMs;
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

/** A one-line description of where a grant comes from, e.g. `group devs → policy/dev-switch (v3) statement "Dev"`. */
export function describeGrantSource(grant: Grant): string {
  const s = grant.source;
  const statement = s.sid ? `statement "${s.sid}" (#${s.statementIndex})` : `statement #${s.statementIndex}`;
  switch (s.kind) {
    case 'user-inline':
      return `inline policy ${s.policyName} of user ${s.owner} ${statement}`;
    case 'user-managed':
      return `managed policy ${s.policyArn} (${s.versionId}) ${statement}`;
    case 'group-inline':
      return `group ${s.group} → inline policy ${s.policyName} ${statement}`;
    case 'group-managed':
      return `group ${s.group} → managed policy ${s.policyArn} (${s.versionId}) ${statement}`;
    case 'trust-policy':
      return `trust policy of role ${s.owner} ${statement}`;
  }
}

/** An exact role ARN without its path (the ledger keys roles path-insensitively, as assumed-role ARNs drop the path). */
function _roleKey(arn: string): string {
  try {
    return roleRefFromArn(arn).key;
  } catch {
    return arn;
  }
}

/**
 * Turns grants into an `assessLedger` roster: one entry per grant (principal ARN, role ARN without
 * its path or pattern, `since` = the user's creation time for the grace period, `source` = its provenance).
 */
export function grantsToRoster(grants: readonly Grant[]): RosterEntry[] {
  return grants.map((grant) => ({
    principal: grant.principal.arn ?? grant.principal.key,
    role: grant.wildcard ? grant.resource : _roleKey(grant.resource),
    since: grant.principalCreatedAt,
    source: describeGrantSource(grant),
  }));
}
