import { describe, expect, it } from 'vitest';
import { principalRefFromArn, roleRefFromArn } from '../src/arn.js';
import {
  assessGrants,
  describeGrantSource,
  type Grant,
  type GrantSource,
  grantCoversRole,
  grantsToRoster,
} from '../src/grants/index.js';
import { DAY_MS } from '../src/ledger/index.js';
import type { Assessment, PairAssessment } from '../src/model.js';

const NOW = Date.UTC(2025, 5, 1);
const IDENTITY = '111111111111';
const TARGET = '222222222222';
const R = (resource: string) => `arn:aws:iam::${TARGET}:role/${resource}`;
const U = (name: string) => `arn:aws:iam::${IDENTITY}:user/${name}`;

/** A grant as `grantsFromSnapshot` makes it, for user `who` (created a year before NOW) to `resource`. */
function grant(resource: string, overrides: Partial<Grant> = {}, who = 'alice'): Grant {
  return {
    id: `${who}|${resource}`,
    principal: principalRefFromArn(U(who)),
    principalId: `AIDA${who.toUpperCase()}`,
    principalCreatedAt: NOW - 365 * DAY_MS,
    resource,
    wildcard: resource.includes('*') || resource.includes('?'),
    excludes: [],
    within: [],
    conditional: false,
    notes: [],
    source: { kind: 'user-inline', account: IDENTITY, policyName: `${who}-inline`, owner: who, statementIndex: 0 },
    statement: { actions: ['sts:AssumeRole'], resources: [resource] },
    ...overrides,
  };
}

/** One assessed (principal, role) pair that switched `daysAgo` days before NOW. */
function used(who: string, roleArn: string, daysAgo: number, status: 'active' | 'stale'): PairAssessment {
  return {
    principal: principalRefFromArn(U(who)),
    role: roleRefFromArn(roleArn),
    status,
    lastSeen: NOW - daysAgo * DAY_MS,
    firstSeen: NOW - 400 * DAY_MS,
    daysSince: daysAgo,
    via: ['AssumeRole'],
  };
}

function assessment(pairs: PairAssessment[], staleAfterDays = 90): Assessment {
  return {
    generatedAt: NOW,
    staleAfterDays,
    summary: { principals: 0, pairs: pairs.length, active: 0, stale: 0, never: 0 },
    pairs,
    principals: [],
  };
}

describe('grantCoversRole', () => {
  it('covers a role the grant lists among its reachable roles, even where its pattern names a path the switch does not show', () => {
    // Assumed-role ARNs drop the path, so `role/team/*` cannot match the switch's `role/Admin`; the
    // snapshot's role list (Admin lives at /team/) is what ties the switch to the grant.
    const teamAdmin = roleRefFromArn(R('team/Admin'));
    const g = grant(R('team/*'), { roles: [roleRefFromArn(R('team/Other')), teamAdmin] });
    expect(grantCoversRole(g, roleRefFromArn(R('Admin')))).toBe(true);
    expect(grantCoversRole(g, roleRefFromArn(R('Else')))).toBe(false);
  });

  it('matches an exact role ARN path-insensitively, and only that role', () => {
    const g = grant(R('team/Admin'));
    expect(grantCoversRole(g, roleRefFromArn(R('Admin')))).toBe(true);
    expect(grantCoversRole(g, roleRefFromArn(R('ops/Admin')))).toBe(true);
    expect(grantCoversRole(g, roleRefFromArn(R('Admins')))).toBe(false);
    expect(grantCoversRole(g, roleRefFromArn(`arn:aws:iam::${IDENTITY}:role/Admin`))).toBe(false);
  });

  it('covers nothing through an exact resource that is not a role ARN, without throwing', () => {
    const g = grant(`arn:aws:iam::${TARGET}:user/Admin`);
    expect(grantCoversRole(g, roleRefFromArn(R('Admin')))).toBe(false);
  });

  it('matches a pattern against the role ARN with its path or, failing that, without it', () => {
    const onPath = grant(R('team/*'));
    expect(grantCoversRole(onPath, roleRefFromArn(R('team/dev-a')))).toBe(true);
    expect(grantCoversRole(onPath, roleRefFromArn(R('dev-a')))).toBe(false);
    const noPath = grant(R('dev-*'));
    expect(grantCoversRole(noPath, roleRefFromArn(R('team/dev-a')))).toBe(true);
    expect(grantCoversRole(noPath, roleRefFromArn(R('team/ops')))).toBe(false);
  });
});

describe('assessGrants', () => {
  it('counts only the grant holder’s own switches', () => {
    const [usage] = assessGrants(assessment([used('bob', R('Admin'), 1, 'active')]), [grant(R('Admin'))]);
    expect(usage).toMatchObject({ status: 'never', usedRoles: [] });
  });

  it.each([
    ['as assessed', ['dev-c', 'dev-b', 'dev-a', 'ops']],
    ['in reverse', ['ops', 'dev-a', 'dev-b', 'dev-c']],
  ])(
    'takes its status from the most recent switch and lists roles most recent first, ties by role (pairs %s)',
    (_order, names) => {
      const daysAgo: Record<string, number> = { 'dev-c': 200, 'dev-b': 5, 'dev-a': 5, ops: 1 };
      const pairs = names.map((n) => used('alice', R(n), daysAgo[n] ?? 0, n === 'dev-c' ? 'stale' : 'active'));
      const [usage] = assessGrants(assessment(pairs), [grant(R('dev-*'))]);
      expect(usage).toMatchObject({ status: 'active', inGrace: false, lastSeen: NOW - 5 * DAY_MS, daysSince: 5 });
      expect(usage?.usedRoles.map((r) => [r.role.name, r.status, r.daysSince])).toEqual([
        ['dev-a', 'active', 5],
        ['dev-b', 'active', 5],
        ['dev-c', 'stale', 200],
      ]);
    },
  );

  it('is stale when its latest switch is stale, even if another grant’s role is active', () => {
    const pairs = [used('alice', R('ReadOnly'), 120, 'stale'), used('alice', R('Admin'), 1, 'active')];
    const [usage] = assessGrants(assessment(pairs), [grant(R('ReadOnly'))]);
    expect(usage).toMatchObject({ status: 'stale', inGrace: false, lastSeen: NOW - 120 * DAY_MS, daysSince: 120 });
  });

  it('reads a missing daysSince (a switch at or after `now`) as 0 days', () => {
    const pair = { ...used('alice', R('Admin'), 0, 'active'), daysSince: undefined };
    const [usage] = assessGrants(assessment([pair]), [grant(R('Admin'))]);
    expect(usage?.daysSince).toBe(0);
    expect(usage?.usedRoles[0]?.daysSince).toBe(0);
  });

  it('ignores a `never` pair of the same user and role (a roster entry, not a switch)', () => {
    const never: PairAssessment = {
      principal: principalRefFromArn(U('alice')),
      role: roleRefFromArn(R('Admin')),
      status: 'never',
      via: [],
    };
    const [usage] = assessGrants(assessment([never]), [grant(R('Admin'))]);
    expect(usage).toEqual({ grant: grant(R('Admin')), status: 'never', inGrace: false, usedRoles: [] });
  });

  it.each([
    ['created yesterday, default grace (the window, 90 days)', 1, undefined, true],
    ['created 89 days ago, default grace', 89, undefined, true],
    ['created exactly 90 days ago, default grace', 90, undefined, false],
    ['created 10 days ago, grace 7 days', 10, 7, false],
    ['created exactly 7 days ago, grace 7 days', 7, 7, false],
    ['created 6 days ago, grace 7 days', 6, 7, true],
    ['created 100 days ago, grace 120 days', 100, 120, true],
  ])('a never-used grant of a user %s: inGrace %s', (_name, daysAgo, graceDays, inGrace) => {
    const g = grant(R('Admin'), { principalCreatedAt: NOW - daysAgo * DAY_MS });
    const [usage] = assessGrants(assessment([]), [g], graceDays === undefined ? {} : { graceDays });
    expect(usage).toMatchObject({ status: 'never', inGrace });
  });

  it('never puts a used grant in grace, however new its user', () => {
    const g = grant(R('Admin'), { principalCreatedAt: NOW - DAY_MS });
    const [usage] = assessGrants(assessment([used('alice', R('Admin'), 0, 'active')]), [g]);
    expect(usage).toMatchObject({ status: 'active', inGrace: false });
  });
});

describe('describeGrantSource', () => {
  const source = (kind: GrantSource['kind'], extra: Partial<GrantSource>): GrantSource => ({
    kind,
    account: IDENTITY,
    policyName: 'switch',
    statementIndex: 2,
    ...extra,
  });
  const policyArn = `arn:aws:iam::${IDENTITY}:policy/switch`;

  it.each([
    [source('user-inline', { owner: 'alice', sid: 'Dev' }), 'inline policy switch of user alice statement "Dev" (#2)'],
    [source('user-inline', { owner: 'alice' }), 'inline policy switch of user alice statement #2'],
    [
      source('user-managed', { policyArn, versionId: 'v3', sid: 'Dev' }),
      `managed policy ${policyArn} (v3) statement "Dev" (#2)`,
    ],
    [source('group-inline', { group: 'devs' }), 'group devs → inline policy switch statement #2'],
    [
      source('group-managed', { group: 'devs', policyArn, versionId: 'v1' }),
      `group devs → managed policy ${policyArn} (v1) statement #2`,
    ],
    [source('trust-policy', { owner: 'Admin', sid: 'People' }), 'trust policy of role Admin statement "People" (#2)'],
  ])('%o reads %s', (s, text) => {
    expect(describeGrantSource(grant(R('Admin'), { source: s }))).toBe(text);
  });
});

describe('grantsToRoster', () => {
  it('keys exact roles without their path, keeps patterns and unparsable resources as written', () => {
    const roster = grantsToRoster([
      grant(R('team/Admin')),
      grant(R('team/*')),
      grant('arn:aws:iam::not-an-account:role/Admin'),
    ]);
    expect(roster.map((e) => e.role)).toEqual([R('Admin'), R('team/*'), 'arn:aws:iam::not-an-account:role/Admin']);
    expect(roster[0]).toMatchObject({
      principal: U('alice'),
      since: NOW - 365 * DAY_MS,
      source: 'inline policy alice-inline of user alice statement #0',
    });
  });

  it('names the principal by its ARN with path, or by its key when it has no ARN', () => {
    const onPath = grant(R('Admin'), { principal: principalRefFromArn(`arn:aws:iam::${IDENTITY}:user/ops/erin`) });
    const { arn: _arn, ...keyOnly } = principalRefFromArn(U('frank'));
    const [withArn, withKey] = grantsToRoster([onPath, grant(R('Admin'), { principal: keyOnly })]);
    expect(withArn?.principal).toBe(`arn:aws:iam::${IDENTITY}:user/ops/erin`);
    expect(withKey?.principal).toBe(U('frank'));
  });
});
