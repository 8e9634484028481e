import { principalRefFromArn, roleRefFromArn } from '../src/arn.js';
import type {
  AuthorizationSnapshot,
  SnapshotGroup,
  SnapshotPolicy,
  SnapshotRole,
  SnapshotUser,
} from '../src/grants/index.js';
import { DAY_MS } from '../src/ledger/index.js';
import type { LedgerEntry } from '../src/model.js';

/** Builders for hand-written authorization snapshots (the same shape `readAuthorizationSnapshot` produces). */
export const IDENTITY = '111111111111';
export const TARGET = '222222222222';
export const OTHER = '333333333333';
export const CREATED = Date.UTC(2024, 0, 1);

export const doc = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });

export const allowAssume = (Resource: string | string[], extra: object = {}) => ({
  Effect: 'Allow',
  Action: 'sts:AssumeRole',
  Resource,
  ...extra,
});

export function user(
  name: string,
  options: {
    account?: string;
    path?: string;
    groups?: string[];
    inline?: object[][];
    attached?: string[];
    boundary?: string;
    createdAt?: number;
  } = {},
): SnapshotUser {
  const account = options.account ?? IDENTITY;
  const path = options.path ?? '/';
  return {
    name,
    id: `AIDA${name.toUpperCase()}`,
    arn: `arn:aws:iam::${account}:user${path}${name}`,
    path,
    createdAt: options.createdAt ?? CREATED,
    groups: options.groups ?? [],
    inlinePolicies: (options.inline ?? []).map((statements, i) => ({
      name: `${name}-inline-${i}`,
      document: doc(...statements),
    })),
    attachedPolicies: options.attached ?? [],
    ...(options.boundary ? { permissionsBoundary: options.boundary } : {}),
  };
}

export function group(
  name: string,
  options: { account?: string; inline?: object[][]; attached?: string[] } = {},
): SnapshotGroup {
  const account = options.account ?? IDENTITY;
  return {
    name,
    id: `AGPA${name.toUpperCase()}`,
    arn: `arn:aws:iam::${account}:group/${name}`,
    path: '/',
    createdAt: CREATED,
    inlinePolicies: (options.inline ?? []).map((statements, i) => ({
      name: `${name}-inline-${i}`,
      document: doc(...statements),
    })),
    attachedPolicies: options.attached ?? [],
  };
}

export function managedPolicy(name: string, statements: object[], account = IDENTITY): SnapshotPolicy {
  return {
    arn: `arn:aws:iam::${account}:policy/${name}`,
    name,
    path: '/',
    defaultVersionId: 'v3',
    document: doc(...statements),
  };
}

/** A role trusting the given AWS principals (default: the identity account's root). */
export function role(
  name: string,
  options: { account?: string; path?: string; trust?: object[]; trusted?: string | string[] } = {},
): SnapshotRole {
  const account = options.account ?? TARGET;
  const path = options.path ?? '/';
  const trust = options.trust ?? [
    {
      Effect: 'Allow',
      Principal: { AWS: options.trusted ?? `arn:aws:iam::${IDENTITY}:root` },
      Action: 'sts:AssumeRole',
    },
  ];
  return {
    name,
    id: `AROA${name.toUpperCase()}`,
    arn: `arn:aws:iam::${account}:role${path}${name}`,
    path,
    createdAt: CREATED,
    inlinePolicies: [],
    attachedPolicies: [],
    trustPolicy: doc(...trust),
  };
}

export function snapshot(account: string, parts: Partial<AuthorizationSnapshot> = {}): AuthorizationSnapshot {
  return {
    format: 'lastswitch.authorization-snapshot',
    version: 1,
    account,
    takenAt: Date.UTC(2025, 5, 1),
    users: [],
    groups: [],
    roles: [],
    policies: [],
    problems: [],
    ...parts,
  };
}

/** The plan tests' moment: grants and ledger entries are dated relative to it. */
export const NOW = Date.UTC(2025, 5, 1);

/** A ledger entry: `who` (a user in IDENTITY) last switched into `roleName` (in TARGET) `daysAgo` days before NOW. */
export const ledgerEntry = (who: string, roleName: string, daysAgo: number): LedgerEntry => ({
  principal: principalRefFromArn(`arn:aws:iam::${IDENTITY}:user/${who}`),
  role: roleRefFromArn(`arn:aws:iam::${TARGET}:role/${roleName}`),
  firstSeen: NOW - 400 * DAY_MS,
  lastSeen: NOW - daysAgo * DAY_MS,
  methods: ['AssumeRole'],
  lastEventId: `${who}-${roleName}`,
});
