import type { LedgerUpdate } from '@lastswitch/core';
import { createLedgerTable, DynamoDBLedgerStore } from '@lastswitch/store-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { collect, expectedLedger, freshTableName, localClient, rawItems, sortEntries, update } from './_helpers.js';

/**
 * The write path on a few items: what each `apply` costs and leaves in the table. `scale.test.ts`
 * checks the same counts on thousands of switches; these run in seconds (and in `pnpm mutate:adapters`).
 */

const client = localClient(inject('dynamodbEndpoint'));
afterAll(() => client.destroy());

async function freshStore(label: string): Promise<DynamoDBLedgerStore> {
  const tableName = freshTableName(label);
  await createLedgerTable(client, tableName, { pollIntervalMs: 50 });
  return new DynamoDBLedgerStore({ client, tableName, consistentRead: true, retryDelayMs: 0 });
}

/** Applies the batches in order and returns each call's result; checks the ledger against core's. */
async function applyAll(store: DynamoDBLedgerStore, batches: LedgerUpdate[][]) {
  const results = [];
  for (const batch of batches) results.push(await store.apply(batch));
  expect(sortEntries(await collect(store.entries()))).toEqual((await expectedLedger(batches)).entries);
  return results.map(({ writes, heldBack }) => ({ writes, heldBack }));
}

describe('apply: what each call costs', () => {
  const T = 1_700_000_000_000;

  it.each([
    ['a new pair: one write', [[update('erin', 'Admin', T, T + 10)]], [{ writes: 1, heldBack: 0 }]],
    [
      'a replay: one write, held back',
      [[update('erin', 'Admin', T, T + 10)], [update('erin', 'Admin', T, T + 10)]],
      [
        { writes: 1, heldBack: 0 },
        { writes: 1, heldBack: 1 },
      ],
    ],
    [
      'a newer update: one write',
      [[update('erin', 'Admin', T, T + 10)], [update('erin', 'Admin', T + 20, T + 30)]],
      [
        { writes: 1, heldBack: 0 },
        { writes: 1, heldBack: 0 },
      ],
    ],
    [
      'a late older update: the newest write holds back, a second one lowers firstSeen',
      [[update('erin', 'Admin', T + 20, T + 30)], [update('erin', 'Admin', T, T + 10)]],
      [
        { writes: 1, heldBack: 0 },
        { writes: 2, heldBack: 1 },
      ],
    ],
    [
      'a newer update reaching further back: the newest write lands, a second one lowers firstSeen',
      [[update('erin', 'Admin', T + 10, T + 20)], [update('erin', 'Admin', T, T + 30)]],
      [
        { writes: 1, heldBack: 0 },
        { writes: 2, heldBack: 0 },
      ],
    ],
    [
      'an older update with a new method only: a second write adds it',
      [[update('erin', 'Admin', T, T + 30)], [update('erin', 'Admin', T + 10, T + 20, ['SwitchRole'])]],
      [
        { writes: 1, heldBack: 0 },
        { writes: 2, heldBack: 1 },
      ],
    ],
    [
      'an older update inside the stored range with known methods: one write, held back',
      [[update('erin', 'Admin', T, T + 30)], [update('erin', 'Admin', T + 10, T + 20)]],
      [
        { writes: 1, heldBack: 0 },
        { writes: 1, heldBack: 1 },
      ],
    ],
    [
      'an older update with the same firstSeen: one write, held back',
      [[update('erin', 'Admin', T, T + 30)], [update('erin', 'Admin', T, T + 20)]],
      [
        { writes: 1, heldBack: 0 },
        { writes: 1, heldBack: 1 },
      ],
    ],
  ] as const)('%s', async (_name, batches, counts) => {
    const store = await freshStore('counts');
    expect(
      await applyAll(
        store,
        batches.map((b) => [...b]),
      ),
    ).toEqual(counts);
  });
});

describe('apply: the items it writes', () => {
  it('a late older update lowers firstSeen and adds its method, and changes nothing else', async () => {
    const store = await freshStore('late');
    await store.apply([update('erin', 'Admin', 500, 900, ['AssumeRole'], 'ev-new')]);
    const [before] = await rawItems(client, store.tableName);
    await store.apply([
      update('erin', 'Admin', 100, 200, ['SwitchRole'], 'ev-old', { principalArn: 'arn:old', roleArn: 'arn:role-old' }),
    ]);
    const [after] = await rawItems(client, store.tableName);
    expect(after).toEqual({ ...before, firstSeen: 100, methods: new Set(['AssumeRole', 'SwitchRole']) });
  });
});
