import type {
  AccessStatus,
  Assessment,
  PairAssessment,
  PrincipalAssessment,
  PrincipalKind,
  PrincipalRef,
  RoleRef,
} from '@lastswitch/core';

/** 2026-11-29T00:00:00Z: "now" in every test assessment. */
export const NOW = Date.UTC(2026, 10, 29);
export const DAY = 86_400_000;

/** A principal: an IAM user by default. */
export function principal(name: string, account = '111122223333', kind: PrincipalKind = 'iam-user'): PrincipalRef {
  const key =
    kind === 'iam-user' ? `arn:aws:iam::${account}:user/${name}` : `arn:aws:sts::${account}:assumed-role/Sso/${name}`;
  return { key, kind, account, name, arn: key };
}

/** A role in an account. */
export function role(name: string, account = '444455556666'): RoleRef {
  const key = `arn:aws:iam::${account}:role/${name}`;
  return { key, account, name, arn: key };
}

/** One role of a principal: its status and, unless never used, how many days ago it was last switched into. */
export interface RoleSpec {
  role: RoleRef;
  status: AccessStatus;
  daysAgo?: number;
  source?: string;
}

/** A principal with roles; its own status follows the rules of `assessLedger`. */
export function assessed(who: PrincipalRef, roles: RoleSpec[]): PrincipalAssessment {
  const pairs: PairAssessment[] = roles.map((spec) => {
    const pair: PairAssessment = { principal: who, role: spec.role, status: spec.status, via: [] };
    if (spec.daysAgo !== undefined) {
      pair.lastSeen = NOW - spec.daysAgo * DAY - 3_600_000;
      pair.firstSeen = pair.lastSeen - 30 * DAY;
      pair.daysSince = spec.daysAgo;
      pair.via = ['AssumeRole'];
    }
    if (spec.status === 'never') {
      pair.allowedBy = { principal: who.key, role: spec.role.key, ...(spec.source ? { source: spec.source } : {}) };
    }
    return pair;
  });
  const seen = pairs.filter((pair) => pair.lastSeen !== undefined);
  const status: AccessStatus = pairs.some((pair) => pair.status === 'active')
    ? 'active'
    : seen.length > 0
      ? 'stale'
      : 'never';
  const latest = seen.reduce<PairAssessment | undefined>(
    (best, pair) => (best === undefined || (pair.lastSeen ?? 0) > (best.lastSeen ?? 0) ? pair : best),
    undefined,
  );
  const result: PrincipalAssessment = { principal: who, status, roles: pairs };
  if (latest?.lastSeen !== undefined) {
    result.lastSeen = latest.lastSeen;
    if (latest.daysSince !== undefined) result.daysSince = latest.daysSince;
  }
  return result;
}

/** An assessment of the given principals, with a summary computed from them. */
export function assessment(principals: PrincipalAssessment[], staleAfterDays = 90): Assessment {
  const pairs = principals.flatMap((p) => p.roles);
  return {
    generatedAt: NOW,
    staleAfterDays,
    summary: {
      principals: principals.length,
      pairs: pairs.length,
      active: pairs.filter((pair) => pair.status === 'active').length,
      stale: pairs.filter((pair) => pair.status === 'stale').length,
      never: pairs.filter((pair) => pair.status === 'never').length,
    },
    pairs,
    principals,
  };
}

/** A realistic small organisation: two users stale everywhere, two partly stale, one never used, one active. */
export function realisticAssessment(): Assessment {
  return assessment([
    assessed(principal('erin'), [
      { role: role('OrganizationAccountAccessRole', '210987654321'), status: 'stale', daysAgo: 212 },
      { role: role('ReadOnly', '210987654321'), status: 'stale', daysAgo: 143 },
    ]),
    assessed(principal('deploy-bot', '111122223333'), [
      { role: role('Deploy', '444455556666'), status: 'stale', daysAgo: 97 },
    ]),
    assessed(principal('alice'), [
      { role: role('Admin', '444455556666'), status: 'stale', daysAgo: 180 },
      { role: role('ReadOnly', '444455556666'), status: 'active', daysAgo: 2 },
    ]),
    assessed(principal('bob'), [
      { role: role('BillingAdmin', '999900001111'), status: 'stale', daysAgo: 120 },
      { role: role('Developer', '444455556666'), status: 'active', daysAgo: 0 },
      { role: role('Developer', '210987654321'), status: 'active', daysAgo: 5 },
    ]),
    assessed(principal('carol'), [
      { role: role('SecurityAudit', '444455556666'), status: 'never', source: 'iam: group auditors / AssumeAudit' },
    ]),
    assessed(principal('dave'), [{ role: role('Developer', '444455556666'), status: 'active', daysAgo: 1 }]),
  ]);
}

/** 300 principals holding 4 stale roles each, named user-000 … user-299. */
export function bigReport(): Assessment {
  const principals = Array.from({ length: 300 }, (_, i) =>
    assessed(
      principal(`user-${String(i).padStart(3, '0')}`),
      [0, 1, 2, 3].map((r) => ({
        role: role(`Role${r}-OrganizationAccountAccess`, String(100000000000 + r)),
        status: 'stale' as const,
        daysAgo: 400 - i,
      })),
    ),
  );
  return assessment(principals);
}
