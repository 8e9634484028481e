import { foldSwitches, type RoleSwitch, type SwitchMethod } from '@lastswitch/core';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { collect, expectedLedger, freshStore as freshStoreOn, localClient, sortEntries, update } from './_helpers.js';

/**
 * The store at scale: thousands of switches and items. Slow on DynamoDB Local (about a minute on a
 * loaded machine), so `pnpm mutate:adapters` leaves this file out; `write-path.test.ts` pins the
 * same write counts on a few pairs.
 */

/** Tests that write or read over a thousand items: DynamoDB Local is slow on a loaded machine. */
const HEAVY_MS = 180_000;

const client = localClient(inject('dynamodbEndpoint'));
afterAll(() => client.destroy());

const freshStore = (label: string, options: { concurrency?: number; segments?: number } = {}) =>
  freshStoreOn(client, label, options);

describe('apply: write counts', () => {
  const T = 1_700_000_000_000;
  const methods: SwitchMethod[] = ['AssumeRole', 'SwitchRole'];
  /** 10,000 switches by 50 users into 10 roles: 500 pairs, every pair switching 20 times. */
  const switches = (offset: number): RoleSwitch[] =>
    Array.from({ length: 10_000 }, (_, i) => {
      const user = `user${i % 50}`;
      const role = `Role${Math.floor(i / 50) % 10}`;
      const principalKey = `arn:aws:iam::111111111111:user/${user}`;
      const roleKey = `arn:aws:iam::222222222222:role/${role}`;
      return {
        principal: { key: principalKey, kind: 'iam-user', account: '111111111111', name: user, arn: principalKey },
        role: { key: roleKey, account: '222222222222', name: role, arn: roleKey },
        at: T + offset + i * 1_000,
        method: methods[i % 2]!,
        eventId: `ev-${offset}-${i}`,
      };
    });

  it(
    '10,000 switches folding to 500 pairs cost 500 writes; replaying them costs writes that all hold back',
    async () => {
      const store = await freshStore('counts', { concurrency: 8 });
      const updates = foldSwitches(switches(0));
      expect(updates).toHaveLength(500);

      const first = await store.apply(updates);
      expect(first).toEqual({ pairs: 500, aliases: 0, writes: 500, heldBack: 0 });
      const after = sortEntries(await collect(store.entries()));
      expect(after).toEqual((await expectedLedger([updates])).entries);

      const replay = await store.apply(updates);
      expect(replay).toEqual({ pairs: 500, aliases: 0, writes: 500, heldBack: 500 });
      expect(sortEntries(await collect(store.entries()))).toEqual(after);
    },
    HEAVY_MS,
  );

  it(
    'a late file of older events costs a second write per pair, only to lower firstSeen',
    async () => {
      const store = await freshStore('late', { concurrency: 8 });
      const newer = foldSwitches(switches(100_000_000));
      const older = foldSwitches(switches(0));
      await store.apply(newer);
      const late = await store.apply(older);
      expect(late).toEqual({ pairs: 500, aliases: 0, writes: 1_000, heldBack: 500 });
      expect(sortEntries(await collect(store.entries()))).toEqual((await expectedLedger([newer, older])).entries);
      // And once more: everything is known now, one held-back write per pair.
      expect(await store.apply(older)).toEqual({ pairs: 500, aliases: 0, writes: 500, heldBack: 500 });
    },
    HEAVY_MS,
  );
});

describe('reading at scale', () => {
  it(
    'reads a ledger larger than one 1 MB Scan page completely, sequentially and in parallel segments',
    async () => {
      const store = await freshStore('pages', { concurrency: 8 });
      // 2,400 pairs of ~700 bytes each: about 1.7 MB, so at least two Scan pages.
      const padding = 'p'.repeat(600);
      const updates = Array.from({ length: 2_400 }, (_, i) =>
        update(`user${i % 60}`, `Role${Math.floor(i / 60)}`, i, i + 1, ['AssumeRole'], `ev-${i}`, {
          roleArn: `arn:aws:iam::222222222222:role/${padding}/Role${Math.floor(i / 60)}`,
        }),
      );
      await store.apply(updates);

      let scans = 0;
      client.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'ScanCommand') scans += 1;
          return next(args);
        },
        { step: 'initialize', name: 'countScans' },
      );
      try {
        const expected = sortEntries(updates);
        expect(sortEntries(await collect(store.entries()))).toEqual(expected);
        expect(scans).toBeGreaterThanOrEqual(2);
        scans = 0;
        expect(sortEntries(await collect(store.entries({ segments: 4 })))).toEqual(expected);
        expect(scans).toBeGreaterThanOrEqual(4);
      } finally {
        client.middlewareStack.remove('countScans');
      }
    },
    HEAVY_MS,
  );
});
