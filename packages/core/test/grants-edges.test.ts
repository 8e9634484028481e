import { describe, expect, it } from 'vitest';
import { grantMatchesRole, grantsFromSnapshot } from '../src/grants/index.js';
import { matchesGlob, rosterCoversRole } from '../src/ledger/index.js';
import { allowAssume, IDENTITY, managedPolicy, role, snapshot, TARGET, user } from './grants-fixtures.js';

// Edges a mutation run found unpinned (#19): each case fails on the plausible wrong code.
const ADMIN = `arn:aws:iam::${TARGET}:role/Admin`;
const ALICE = `arn:aws:iam::${IDENTITY}:user/alice`;

describe('role-name globs are case-sensitive, as IAM role names are in ARN matching', () => {
  const grant = (resource: string) => ({ resource, excludes: [], within: [] });
  it.each([
    [`arn:aws:iam::${TARGET}:role/Dev-*`, `arn:aws:iam::${TARGET}:role/Dev-a`, true],
    [`arn:aws:iam::${TARGET}:role/Dev-*`, `arn:aws:iam::${TARGET}:role/dev-a`, false],
    [`arn:aws:iam::${TARGET}:role/dev-*`, `arn:aws:iam::${TARGET}:role/DEV-A`, false],
    [`arn:aws:iam::${TARGET}:role/*Admin`, `arn:aws:iam::${TARGET}:role/OpsAdmin`, true],
    [`arn:aws:iam::${TARGET}:role/*Admin`, `arn:aws:iam::${TARGET}:role/Opsadmin`, false],
  ])('grant %s reaches %s → %s', (pattern, arn, expected) => {
    expect(grantMatchesRole(grant(pattern), arn)).toBe(expected);
  });

  it.each([
    ['Dev-*', 'Dev-a', true],
    ['Dev-*', 'dev-a', false],
    ['*-Prod', 'app-prod', false],
    ['*-Prod', 'app-Prod', true],
  ])('matchesGlob(%s, %s) → %s', (pattern, text, expected) => {
    expect(matchesGlob(pattern, text)).toBe(expected);
  });

  it('a roster role pattern keeps the case of role names', () => {
    const ref = (name: string) => {
      const arn = `arn:aws:iam::${TARGET}:role/${name}`;
      return { key: arn, account: TARGET, name, arn };
    };
    expect(rosterCoversRole(`arn:aws:iam::${TARGET}:role/Read*`, ref('ReadOnly'))).toBe(true);
    expect(rosterCoversRole(`arn:aws:iam::${TARGET}:role/Read*`, ref('readonly'))).toBe(false);
  });
});

describe('trust policies', () => {
  const identity = snapshot(IDENTITY, { users: [user('alice', { inline: [[allowAssume(ADMIN)]] })] });
  const target = (trust: object[]) => snapshot(TARGET, { roles: [role('Admin', { trust })] });
  const rootAllow = { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${IDENTITY}:root` }, Action: 'sts:AssumeRole' };

  it.each([
    [
      'a Deny with NotPrincipal naming someone else denies alice',
      [
        rootAllow,
        { Effect: 'Deny', NotPrincipal: { AWS: `arn:aws:iam::${IDENTITY}:user/bob` }, Action: 'sts:AssumeRole' },
      ],
      false,
    ],
    [
      'a Deny with NotPrincipal naming alice leaves her trusted',
      [rootAllow, { Effect: 'Deny', NotPrincipal: { AWS: ALICE }, Action: 'sts:AssumeRole' }],
      true,
    ],
    // IAM refuses NotPrincipal with Allow in a trust policy: such a statement trusts nobody.
    [
      'an Allow with NotPrincipal (which IAM does not support) trusts nobody',
      [{ Effect: 'Allow', NotPrincipal: { AWS: `arn:aws:iam::${IDENTITY}:user/bob` }, Action: 'sts:AssumeRole' }],
      false,
    ],
  ])('%s', (_name, trust, trusted) => {
    const result = grantsFromSnapshot([identity, target(trust)]);
    expect(result.grants.map((g) => g.resource)).toEqual(trusted ? [ADMIN] : []);
    if (!trusted) expect(result.dropped.map((d) => d.reason)).toEqual(['trust']);
  });

  it('a later unconditional Allow replaces a conditional one, in either order', () => {
    const conditional = { ...rootAllow, Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } };
    for (const trust of [
      [conditional, rootAllow],
      [rootAllow, conditional],
    ]) {
      const [grant, ...rest] = grantsFromSnapshot([identity, target(trust)]).grants;
      expect(rest).toEqual([]);
      expect(grant?.resource).toBe(ADMIN);
      expect(grant?.notes.some((n) => n.includes('only under a condition'))).toBe(false);
    }
    const [onlyConditional] = grantsFromSnapshot([identity, target([conditional])]).grants;
    expect(onlyConditional?.notes).toContain(
      'a trust policy accepts the principal only under a condition (not evaluated)',
    );
  });
});

describe('permissions boundaries', () => {
  const boundary = managedPolicy('boundary', [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }]);

  it('limit what identity policies grant', () => {
    const s = snapshot(IDENTITY, {
      users: [
        user('alice', { inline: [[allowAssume(`arn:aws:iam::${IDENTITY}:role/Local`)]], boundary: boundary.arn }),
      ],
      roles: [role('Local', { account: IDENTITY })],
      policies: [boundary],
    });
    const result = grantsFromSnapshot(s);
    expect(result.grants).toEqual([]);
    expect(result.dropped.map((d) => d.reason)).toEqual(['boundary']);
  });

  it('do not limit a same-account trust policy that names the user', () => {
    const s = snapshot(IDENTITY, {
      users: [user('alice', { boundary: boundary.arn })],
      roles: [role('Local', { account: IDENTITY, trusted: ALICE })],
      policies: [boundary],
    });
    const grants = grantsFromSnapshot(s).grants;
    expect(grants.map((g) => [g.resource, g.source.kind])).toEqual([
      [`arn:aws:iam::${IDENTITY}:role/Local`, 'trust-policy'],
    ]);
  });
});
