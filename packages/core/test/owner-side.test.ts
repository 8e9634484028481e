import { describe, expect, it } from 'vitest';
import { assessStore } from '../src/ledger/assess.js';
import { foldAliases, foldSwitches } from '../src/ledger/fold.js';
import { MemoryLedgerStore } from '../src/ledger/memory-store.js';
import { collectTrailFile } from '../src/trail/index.js';
import * as f from './fixtures/trail/records.js';

const U = f.USER_ACCOUNT;
const W = f.WORK_ACCOUNT;
const erin = `arn:aws:iam::${U}:user/erin`;
const opsAdmin = `arn:aws:iam::${W}:role/OpsAdmin`;

/** The role owner's trail: the console switch as AssumeRole (AWSAccount caller) and SwitchRole. */
const ownerFile = (order: 'assume-first' | 'switch-first') =>
  Buffer.from(
    JSON.stringify({
      Records:
        order === 'assume-first'
          ? [f.consoleSwitchOwnerSide, f.describeInstances, f.switchRole]
          : [f.switchRole, f.describeInstances, f.consoleSwitchOwnerSide],
    }),
  );
/** The role owner's trail split in two files: the AssumeRole in one, the SwitchRole in the other. */
const ownerAssumeFile = Buffer.from(JSON.stringify({ Records: [f.consoleSwitchOwnerSide] }));
const ownerSwitchFile = Buffer.from(JSON.stringify({ Records: [f.switchRole] }));
/** The user's own account's trail: a CLI AssumeRole by erin (teaches erin's principal id). */
const callerFile = Buffer.from(JSON.stringify({ Records: [f.assumeRoleByUser] }));

async function ledgerAfter(files: Buffer[]) {
  const store = new MemoryLedgerStore();
  for (const bytes of files) {
    const file = await collectTrailFile(bytes);
    await store.apply(foldSwitches(file.switches), foldAliases(file.aliases));
  }
  const assessment = await assessStore(store, { now: Date.parse('2025-03-10T00:00:00Z'), staleAfterDays: 90 });
  return assessment.pairs.map((p) => `${p.principal.key} → ${p.role.key} via ${p.via.join('+')}`);
}

describe('owner-side console switches resolve in the role owner’s trail alone', () => {
  it.each([
    ['owner file alone, AssumeRole first', [ownerFile('assume-first')]],
    ['owner file alone, SwitchRole first', [ownerFile('switch-first')]],
    ['owner trail in two files, AssumeRole file first', [ownerAssumeFile, ownerSwitchFile]],
    ['owner trail in two files, SwitchRole file first', [ownerSwitchFile, ownerAssumeFile]],
    ['owner file replayed', [ownerAssumeFile, ownerSwitchFile, ownerAssumeFile, ownerSwitchFile]],
  ])('%s: one pair, the user, no unresolved principal', async (_name, files) => {
    expect(await ledgerAfter(files)).toEqual([`${erin} → ${opsAdmin} via AssumeRole+SwitchRole`]);
  });

  it.each([
    ['caller file, then owner file', [callerFile, ownerFile('assume-first')]],
    ['owner file, then caller file', [ownerFile('switch-first'), callerFile]],
    ['both, replayed in another order', [ownerSwitchFile, callerFile, ownerAssumeFile, callerFile, ownerSwitchFile]],
  ])('%s: the same one pair', async (_name, files) => {
    expect(await ledgerAfter(files)).toEqual([`${erin} → ${opsAdmin} via AssumeRole+SwitchRole`]);
  });

  it('without the SwitchRole (an API call, not a console switch) the owner side stays unresolved', async () => {
    expect(await ledgerAfter([ownerAssumeFile])).toEqual([
      `unresolved:${U}:AIDAEXAMPLEERIN00001 → ${opsAdmin} via AssumeRole`,
    ]);
  });

  it('a failed SwitchRole links nothing', async () => {
    const failed = Buffer.from(JSON.stringify({ Records: [f.switchRoleFailed, f.consoleSwitchOwnerSide] }));
    expect(await ledgerAfter([failed])).toEqual([`unresolved:${U}:AIDAEXAMPLEERIN00001 → ${opsAdmin} via AssumeRole`]);
  });

  it('a console session’s link never re-attributes role chaining by that session', async () => {
    // The console session AROA…:erin chains into another account's role (its caller side).
    const chained = {
      ...f.assumeRoleBySession,
      userIdentity: { ...f.switchRole.userIdentity, type: 'AssumedRole', accessKeyId: 'ASIAEXAMPLECHAIN0001' },
      eventID: 'e0000000-0000-4000-8000-000000000015',
      eventTime: '2025-03-03T11:00:00Z',
    };
    const chainedOwnerSide = {
      ...f.assumeRoleOwnerSide,
      userIdentity: { type: 'AWSAccount', principalId: 'AROAEXAMPLEOPSADMIN1:erin', accountId: W },
      requestParameters: f.assumeRoleBySession.requestParameters,
      responseElements: f.assumeRoleBySession.responseElements,
      eventID: 'e0000000-0000-4000-8000-000000000016',
      eventTime: '2025-03-03T11:00:00Z',
    };
    const pairs = await ledgerAfter([
      ownerFile('assume-first'),
      Buffer.from(JSON.stringify({ Records: [chained, chainedOwnerSide] })),
    ]);
    expect(pairs).toContain(
      `arn:aws:sts::${W}:assumed-role/OpsAdmin/erin → arn:aws:iam::${W}:role/ReadOnly via AssumeRole`,
    );
    expect(pairs.filter((p) => p.startsWith('unresolved:'))).toEqual([]);
  });
});
