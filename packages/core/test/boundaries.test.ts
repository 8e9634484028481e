import { describe, expect, it } from 'vitest';
import { principalRefFromArn, roleRefFromArn } from '../src/arn.js';
import { assessGrants, grantsFromSnapshot } from '../src/grants/index.js';
import { assessLedger, DAY_MS } from '../src/ledger/index.js';
import type { LedgerEntry } from '../src/model.js';
import { toRoleSwitch } from '../src/trail/index.js';
import * as f from './fixtures/trail/records.js';
import { allowAssume, IDENTITY, role, snapshot, TARGET, user } from './grants-fixtures.js';

const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
const NOW = Date.UTC(2025, 5, 1);

describe('attribution edges (issue #19)', () => {
  it.each([
    ['a missing SwitchRole result', { SwitchRole: undefined }],
    ['a null responseElements', null],
    ['"Failure"', { SwitchRole: 'Failure' }],
    ['an unknown result', { SwitchRole: 'Pending' }],
  ])('a console SwitchRole with %s is never a switch', (_name, responseElements) => {
    const outcome = toRoleSwitch(json({ ...f.switchRole, responseElements }));
    expect(outcome.kind).toBe('denied');
    expect(outcome.kind === 'denied' ? outcome.denied.errorCode : '').not.toBe('');
  });

  it('a console SwitchRole with "Success" is a switch', () => {
    expect(toRoleSwitch(json(f.switchRole)).kind).toBe('switch');
  });

  it.each([
    '2025-03-01T09:00:00',
    '2025-03-01T09:00:00.000',
    '2025-03-01T09:00:00.000000',
    '2025-03-01T09:00:00+01:00',
    '2025-03-01 09:00:00Z',
  ])('an eventTime without a UTC zone (%s) is malformed, never parsed as local time', (eventTime) => {
    expect(toRoleSwitch(json({ ...f.assumeRoleByUser, eventTime }))).toMatchObject({
      kind: 'skipped',
      reason: 'malformed',
    });
  });

  it('an Identity Center provider name with a "/" inside it is not Identity Center', () => {
    const record = json(f.assumeRoleWithSaml);
    // Starts with AWSSSO_ and ends with _DO_NOT_DELETE: only the "/" makes it a different provider.
    const spoof = `arn:aws:iam::${f.WORK_ACCOUNT}:saml-provider/AWSSSO_0123456789abcdef/x_DO_NOT_DELETE`;
    (record.requestParameters as Record<string, unknown>).principalArn = spoof;
    (record.responseElements as Record<string, unknown>).provider = spoof;
    const outcome = toRoleSwitch(record);
    expect(outcome.kind).toBe('switch');
    if (outcome.kind !== 'switch') return;
    expect(outcome.switch.principal.key).toBe(`saml:${spoof}:peggy@example.com`);
    expect(outcome.switch.principal.account).toBe(f.WORK_ACCOUNT);
  });

  const n64 = 'r'.repeat(64);
  const n65 = 'r'.repeat(65);
  it.each([
    ['role', `arn:aws:iam::${TARGET}:role/${n64}`, true],
    ['role', `arn:aws:iam::${TARGET}:role/${n65}`, false],
    ['role', `arn:aws:sts::${TARGET}:assumed-role/${n64}/s`, true],
    ['role', `arn:aws:sts::${TARGET}:assumed-role/${n65}/s`, false],
    ['user', `arn:aws:iam::${IDENTITY}:user/${n64}`, true],
    ['user', `arn:aws:iam::${IDENTITY}:user/${n65}`, false],
  ])('a %s name of its length: %s valid=%s', (kind, arn, valid) => {
    const parse = () => (kind === 'role' ? roleRefFromArn(arn) : principalRefFromArn(arn));
    if (valid) expect(parse().name).toHaveLength(64);
    else expect(parse).toThrow(/valid/);
  });

  it.each([
    [
      'a session name with a space',
      { ...f.switchRole.userIdentity, arn: `arn:aws:sts::${f.WORK_ACCOUNT}:assumed-role/OpsAdmin/erin smith` },
      'userIdentity',
    ],
    ['a role ARN with an empty path segment', undefined, 'role/a//b'],
  ])('%s is malformed', (_name, identity, marker) => {
    const record =
      identity === undefined
        ? json({
            ...f.assumeRoleByUser,
            requestParameters: { roleArn: `arn:aws:iam::${f.WORK_ACCOUNT}:role/a//b`, roleSessionName: 'x' },
          })
        : json({ ...f.assumeRoleBySession, userIdentity: identity });
    const outcome = toRoleSwitch(record);
    expect(outcome).toMatchObject({ kind: 'skipped', reason: 'malformed' });
    expect(outcome.kind === 'skipped' ? outcome.detail : '').toContain(
      marker === 'role/a//b' ? 'role/a//b' : 'session',
    );
  });

  it('a user ARN with an empty path segment is malformed', () => {
    expect(() => principalRefFromArn(`arn:aws:iam::${IDENTITY}:user/ops//erin`)).toThrow(/valid user name/);
  });
});

describe('grace and staleness boundaries: exactly graceDays old', () => {
  const principal = `arn:aws:iam::${IDENTITY}:user/gina`;
  it.each([
    ['exactly graceDays old is never', 0, ['never']],
    ['one millisecond younger is in grace', 1, []],
  ])('assessment: a roster grant %s', async (_name, plus, statuses) => {
    const a = await assessLedger([], {
      now: NOW,
      staleAfterDays: 90,
      graceDays: 30,
      roster: [{ principal, since: NOW - 30 * DAY_MS + plus }],
    });
    expect(a.pairs.map((p) => p.status)).toEqual(statuses);
  });

  it.each([
    ['exactly graceDays old is not in grace', 0, false],
    ['one millisecond younger is in grace', 1, true],
  ])('grants: a never-used grant of a user %s', async (_name, plus, inGrace) => {
    const identity = snapshot(IDENTITY, {
      users: [
        user('gina', {
          inline: [[allowAssume(`arn:aws:iam::${TARGET}:role/Admin`)]],
          createdAt: NOW - 30 * DAY_MS + plus,
        }),
      ],
    });
    const { grants } = grantsFromSnapshot([identity, snapshot(TARGET, { roles: [role('Admin')] })]);
    const assessment = await assessLedger([] as LedgerEntry[], { now: NOW, staleAfterDays: 90 });
    const [usage] = assessGrants(assessment, grants, { graceDays: 30 });
    expect(usage).toMatchObject({ status: 'never', inGrace });
  });

  it.each([
    ['exactly staleAfterDays old is stale', 0, 'stale'],
    ['one millisecond younger is active', 1, 'active'],
  ])('assessment: a switch %s', async (_name, plus, status) => {
    const entry: LedgerEntry = {
      principal: principalRefFromArn(principal),
      role: roleRefFromArn(`arn:aws:iam::${TARGET}:role/Admin`),
      firstSeen: NOW - 400 * DAY_MS,
      lastSeen: NOW - 90 * DAY_MS + plus,
      methods: ['AssumeRole'],
      lastEventId: 'e',
    };
    const a = await assessLedger([entry], { now: NOW, staleAfterDays: 90 });
    expect(a.pairs.map((p) => p.status)).toEqual([status]);
  });
});
