import { DeleteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LedgerUpdate } from '@lastswitch/core';
import { DynamoDBLedgerError, DynamoDBLedgerStore, DynamoDBLedgerWriteError } from '@lastswitch/store-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type FlakyProxy, startFlakyProxy } from './_flakyProxy.js';
import {
  alias,
  collect,
  expectedLedger,
  freshStore as freshStoreOn,
  freshTableName,
  localClient,
  rawItems,
  sortEntries,
  update,
} from './_helpers.js';

/**
 * The write path on a few items: what each `apply` costs and leaves in the table. `scale.test.ts`
 * checks the same counts on thousands of switches; these run in seconds (and in `pnpm mutate:adapters`).
 */

const endpoint = inject('dynamodbEndpoint');
const client = localClient(endpoint);
const hooked: DynamoDBDocumentClient[] = [];
const proxies: FlakyProxy[] = [];
afterAll(async () => {
  client.destroy();
  for (const c of hooked) c.destroy();
  await Promise.all(proxies.map((p) => p.close()));
});

/**
 * A client through a proxy that answers attempt n at a user's item writes with a 500 while
 * n <= `failures(user, n)`, with no SDK retries: every failure reaches the store's own retry rounds.
 */
async function failingClient(
  failures: (user: string, attempt: number) => number,
  onAttempt: (user: string, attempt: number) => void = () => {},
): Promise<DynamoDBDocumentClient> {
  const attempts = new Map<string, number>();
  const proxy = await startFlakyProxy(endpoint, (operation, _seen, body) => {
    const user = /user\/(\w+)/.exec(body)?.[1];
    if (operation !== 'UpdateItem' || user === undefined) return undefined;
    const n = (attempts.get(user) ?? 0) + 1;
    attempts.set(user, n);
    onAttempt(user, n);
    return n <= failures(user, n) ? { type: 'InternalServerError', status: 500 } : undefined;
  });
  proxies.push(proxy);
  const c = localClient(proxy.endpoint, { maxAttempts: 1 });
  hooked.push(c);
  return c;
}

/** What a hooked client is about to send: the item write's update expression. */
interface WriteSeen {
  expression: string;
  /** 1 for the first item write the client sends. */
  n: number;
}

/**
 * A client that awaits `before` ahead of every item write it sends: another writer's turn between
 * two writes of one `apply`, made with the plain client on the same DynamoDB Local.
 */
function hookedClient(before: (write: WriteSeen) => Promise<void> | void): DynamoDBDocumentClient {
  const c = localClient(endpoint);
  let n = 0;
  c.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'UpdateItemCommand') {
        n += 1;
        await before({ expression: String((args.input as { UpdateExpression?: unknown }).UpdateExpression), n });
      }
      return await next(args);
    },
    { step: 'initialize', name: 'concurrentWriter' },
  );
  hooked.push(c);
  return c;
}

/** The newest-wins write starts with `SET #lastSeen`; the follow-up write of an older event does not. */
const isNewestWrite = (w: WriteSeen) => w.expression.startsWith('SET #lastSeen');

const freshStore = (label: string) => freshStoreOn(client, label, { retryDelayMs: 0 });

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
      'an older update with a known and a new method: a second write adds the new one',
      [
        [update('erin', 'Admin', T, T + 30, ['AssumeRole'])],
        [update('erin', 'Admin', T + 10, T + 20, ['AssumeRole', 'SwitchRole'])],
      ],
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

describe('apply: another writer between the two writes of a pair', () => {
  const erin = (first: number, last: number, methods: LedgerUpdate['methods'], id: string) =>
    update('erin', 'Admin', first, last, methods, id);

  it('an older firstSeen written in between is kept: the follow-up write only adds the method', async () => {
    const tableName = (await freshStore('race-lower')).tableName;
    const other = new DynamoDBLedgerStore({ client, tableName });
    const stored = erin(500, 900, ['AssumeRole'], 'ev-new');
    const between = erin(50, 60, ['AssumeRole'], 'ev-between');
    const late = erin(100, 200, ['SwitchRole'], 'ev-late');
    await other.apply([stored]);
    const store = new DynamoDBLedgerStore({
      client: hookedClient(async (w) => {
        if (w.n === 2) await other.apply([between]);
      }),
      tableName,
      consistentRead: true,
    });
    expect(await store.apply([late])).toMatchObject({ writes: 3, heldBack: 2 });
    expect(sortEntries(await collect(store.entries()))).toEqual(
      (await expectedLedger([[stored], [between], [late]])).entries,
    );
  });

  it('an item deleted in between is written again from the update alone', async () => {
    const tableName = (await freshStore('race-gone')).tableName;
    const other = new DynamoDBLedgerStore({ client, tableName });
    const late = erin(100, 200, ['SwitchRole'], 'ev-late');
    await other.apply([erin(500, 900, ['AssumeRole'], 'ev-new')]);
    const [item] = await rawItems(client, tableName);
    const store = new DynamoDBLedgerStore({
      client: hookedClient(async (w) => {
        if (w.n === 2)
          await client.send(new DeleteCommand({ TableName: tableName, Key: { pk: item!.pk, sk: item!.sk } }));
      }),
      tableName,
      consistentRead: true,
    });
    expect(await store.apply([late])).toMatchObject({ writes: 3, heldBack: 2 });
    expect(sortEntries(await collect(store.entries()))).toEqual(sortEntries([late]));
  });

  it('gives up on a pair after 8 follow-up writes that another writer keeps undoing, naming the pair', async () => {
    const tableName = (await freshStore('race-forever')).tableName;
    const other = new DynamoDBLedgerStore({ client, tableName });
    const late = erin(100, 200, ['SwitchRole'], 'ev-late');
    let newer = 0;
    let older = 0;
    // Before each newest-wins write, a newer event lands; before each follow-up, the item is deleted.
    const store = new DynamoDBLedgerStore({
      client: hookedClient(async (w) => {
        if (isNewestWrite(w)) {
          newer += 1;
          await other.apply([erin(500, 900 + newer, ['AssumeRole'], `ev-${newer}`)]);
        } else {
          older += 1;
          const [item] = await rawItems(client, tableName);
          await client.send(new DeleteCommand({ TableName: tableName, Key: { pk: item!.pk, sk: item!.sk } }));
        }
      }),
      tableName,
      retryRounds: 0,
    });
    const error = await store.apply([late]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DynamoDBLedgerWriteError);
    expect((error as DynamoDBLedgerWriteError).cause).toBeInstanceOf(DynamoDBLedgerError);
    expect((error as DynamoDBLedgerWriteError).cause).toMatchObject({ tableName, operation: 'apply' });
    expect((error as Error).message).toContain(
      'the item of (arn:aws:iam::111111111111:user/erin → arn:aws:iam::222222222222:role/Admin) kept changing under concurrent writers',
    );
    expect({ newer, older }).toEqual({ newer: 9, older: 8 });
  });
});

describe('apply: the write pool', () => {
  it('never has more than `concurrency` item writes in flight', async () => {
    const tableName = (await freshStore('pool')).tableName;
    let inFlight = 0;
    let most = 0;
    const c = localClient(endpoint);
    hooked.push(c);
    c.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'UpdateItemCommand') return await next(args);
        inFlight += 1;
        most = Math.max(most, inFlight);
        try {
          return await next(args);
        } finally {
          inFlight -= 1;
        }
      },
      { step: 'initialize', name: 'inFlight' },
    );
    const store = new DynamoDBLedgerStore({ client: c, tableName, concurrency: 3 });
    const updates = Array.from({ length: 12 }, (_, i) => update(`user${i}`, 'Admin', 1, 2));
    expect(await store.apply(updates)).toMatchObject({ pairs: 12, writes: 12 });
    expect(most).toBe(3);
  });

  it('stops at a missing table: one write sent, every item named as not landed, no retry round', async () => {
    let sent = 0;
    const tableName = freshTableName('missing');
    const store = new DynamoDBLedgerStore({
      client: hookedClient(() => {
        sent += 1;
      }),
      tableName,
      concurrency: 1,
    });
    const error = await store
      .apply([update('ana', 'Read', 1, 2), update('bob', 'Read', 1, 2)], [alias('AIDAEXAMPLE1', 'erin', 2)])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DynamoDBLedgerWriteError);
    expect(error).toMatchObject({ awsErrorName: 'ResourceNotFoundException', landed: 0, rounds: 1 });
    expect((error as DynamoDBLedgerWriteError).notLanded).toEqual([
      {
        kind: 'pair',
        principalKey: 'arn:aws:iam::111111111111:user/ana',
        roleKey: 'arn:aws:iam::222222222222:role/Read',
      },
      {
        kind: 'pair',
        principalKey: 'arn:aws:iam::111111111111:user/bob',
        roleKey: 'arn:aws:iam::222222222222:role/Read',
      },
      { kind: 'alias', account: '111111111111', principalId: 'AIDAEXAMPLE1' },
    ]);
    expect(sent).toBe(1);
  });
  it('stops at an item DynamoDB rejects as invalid: what came before landed, the rest was not started', async () => {
    const store = new DynamoDBLedgerStore({
      client,
      tableName: (await freshStore('too-big')).tableName,
      concurrency: 1,
    });
    // Over DynamoDB's 400 KB item size: a ValidationException, which no retry can cure.
    const big = update('bob', 'Read', 1, 2, ['AssumeRole'], 'ev-big', { roleArn: 'x'.repeat(410_000) });
    const error = await store
      .apply([update('ana', 'Read', 1, 2), big, update('carl', 'Read', 1, 2)])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DynamoDBLedgerWriteError);
    expect(error).toMatchObject({ awsErrorName: 'ValidationException', landed: 1, rounds: 1 });
    expect((error as DynamoDBLedgerWriteError).notLanded.map((i) => i.kind === 'pair' && i.principalKey)).toEqual([
      'arn:aws:iam::111111111111:user/bob',
      'arn:aws:iam::111111111111:user/carl',
    ]);
    expect((await collect(store.entries())).map((e) => e.principal.name)).toEqual(['ana']);
  });
});

describe('apply: retry rounds', () => {
  const two = () => [update('ana', 'Read', 1, 2), update('bob', 'Read', 1, 2)];

  it('retries a write that failed once when retryRounds is 1, and not at all when it is 0', async () => {
    const tableName = (await freshStore('rounds')).tableName;
    const once = new DynamoDBLedgerStore({
      client: await failingClient((u) => (u === 'bob' ? 1 : 0)),
      tableName,
      retryRounds: 1,
      retryDelayMs: 0,
    });
    expect(await once.apply(two())).toEqual({ pairs: 2, aliases: 0, writes: 3, heldBack: 0 });

    const never = new DynamoDBLedgerStore({
      client: await failingClient((u) => (u === 'bob' ? 1 : 0)),
      tableName: (await freshStore('rounds-0')).tableName,
      retryRounds: 0,
      retryDelayMs: 0,
    });
    const error = await never.apply(two()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DynamoDBLedgerWriteError);
    expect(error).toMatchObject({ landed: 1, rounds: 1, awsErrorName: 'InternalServerError' });
    expect((error as DynamoDBLedgerWriteError).notLanded).toEqual([
      {
        kind: 'pair',
        principalKey: 'arn:aws:iam::111111111111:user/bob',
        roleKey: 'arn:aws:iam::222222222222:role/Read',
      },
    ]);
  });

  it('waits retryDelayMs × (round − 1) before each round and tells onRetry', async () => {
    const events: { round: number }[] = [];
    const told = new Map<number, number>();
    let thirdAttempt = 0;
    const fails: Record<string, number> = { ana: 0, bob: 1, carl: 2 };
    const store = new DynamoDBLedgerStore({
      client: await failingClient(
        (u) => fails[u] ?? 0,
        (u, n) => {
          if (u === 'carl' && n === 3) thirdAttempt = performance.now();
        },
      ),
      tableName: (await freshStore('delay')).tableName,
      retryDelayMs: 500,
      onRetry: (event) => {
        events.push(event);
        told.set(event.round, performance.now());
      },
      consistentRead: true,
    });
    const updates = Object.keys(fails).map((user) => update(user, 'Read', 1, 2));
    expect(await store.apply(updates)).toMatchObject({ writes: 6 });
    // Round 3 starts 2 × 500 ms after onRetry was told about it.
    expect(thirdAttempt - told.get(3)!).toBeGreaterThanOrEqual(1_000);
    const reason = expect.stringContaining('InternalServerError');
    expect(events).toEqual([
      { round: 2, failed: 2, of: 3, reason },
      { round: 3, failed: 1, of: 3, reason },
    ]);
    expect(sortEntries(await collect(store.entries()))).toEqual(sortEntries(updates));
  });

  it('stops retrying when a round lands nothing, before retryRounds runs out', async () => {
    const store = new DynamoDBLedgerStore({
      client: await failingClient((u) => (u === 'bob' ? 100 : 0)),
      tableName: (await freshStore('stuck')).tableName,
      retryRounds: 5,
      retryDelayMs: 0,
    });
    const error = await store.apply(two()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DynamoDBLedgerWriteError);
    // Round 1 landed ana, round 2 landed nothing: no third round.
    expect(error).toMatchObject({ landed: 1, rounds: 2 });
    expect((error as Error).message).toMatch(
      /^DynamoDB ledger table "[^"]+": apply failed: 1 of 2 item writes did not land after 2 rounds \(/,
    );
  });
});

describe('apply: edge cases of the item', () => {
  it('writes an update without methods (no methods attribute), then adds methods to it', async () => {
    const store = await freshStore('no-methods');
    const bare = update('erin', 'Admin', 10, 20, []);
    expect(await store.apply([bare])).toMatchObject({ writes: 1, heldBack: 0 });
    expect((await rawItems(client, store.tableName))[0]).not.toHaveProperty('methods');
    const batches = [[bare], [update('erin', 'Admin', 5, 8, ['SwitchRole'])], [update('erin', 'Admin', 1, 30, [])]];
    for (const batch of batches.slice(1)) await store.apply(batch);
    expect(sortEntries(await collect(store.entries()))).toEqual((await expectedLedger(batches)).entries);
  });

  it.each([
    ['greater key first', ['\uFF5E', '\u{1F600}']],
    ['greater key last', ['\u{1F600}', '\uFF5E']],
  ])(
    'breaks an alias tie on seenAt by the principal key as JavaScript compares it, beyond the BMP (%s)',
    async (_n, names) => {
      const store = await freshStore('alias-tie');
      const batches = names.map((name) => [alias('AIDAEXAMPLE1', name, 100)]);
      for (const batch of batches) await store.apply([], batch);
      expect(await collect(store.aliases())).toEqual((await expectedLedger([], batches)).aliases);
    },
  );

  // JavaScript compares UTF-16 code units, DynamoDB UTF-8 bytes: they disagree from U+D800 up.
  it.each([
    ['a high surrogate above a unit just below it', 'ev-\uD500', 'ev-\u{1F600}'],
    ['the first high surrogate above the last unit before it', 'ev-\uD7FF', 'ev-\u{10000}'],
    ['a unit above the surrogates above a high surrogate', 'ev-\u{1F600}', 'ev-\uFF5E'],
    ['two code points beyond the BMP', 'ev-\u{1F600}', 'ev-\u{1F601}'],
    ['ids with no unit below U+D800', '\u{1F600}', '\uFF5E'],
  ])('breaks a lastSeen tie by event ids as JavaScript orders them: %s', async (_n, lower, greater) => {
    expect(lower < greater).toBe(true);
    for (const order of [
      [lower, greater],
      [greater, lower],
    ]) {
      const store = await freshStore('order-key');
      const batches = order.map((id) => [update('erin', 'Admin', 1, 2, ['AssumeRole'], id)]);
      for (const batch of batches) await store.apply(batch);
      const [entry] = await collect(store.entries());
      expect(entry?.lastEventId, order.join(' then ')).toBe(greater);
    }
  });

  it('works with a document client that wraps numbers', async () => {
    const base = localClient(endpoint);
    const wrapping = DynamoDBDocumentClient.from(base, { unmarshallOptions: { wrapNumbers: true } });
    hooked.push(wrapping);
    const store = new DynamoDBLedgerStore({
      client: wrapping,
      tableName: (await freshStore('wrapped')).tableName,
      consistentRead: true,
    });
    const batches = [[update('erin', 'Admin', 10, 20)], [update('erin', 'Admin', 5, 30, ['SwitchRole'])]];
    const results = [];
    for (const batch of batches) results.push(await store.apply(batch));
    expect(results.map((r) => r.writes)).toEqual([1, 2]);
    expect(sortEntries(await collect(store.entries()))).toEqual((await expectedLedger(batches)).entries);
  });
});

describe('apply: a write that fails for another reason than its condition', () => {
  it('fails apply when the follow-up write of a pair fails, naming the pair', async () => {
    const tableName = (await freshStore('older-fails')).tableName;
    await new DynamoDBLedgerStore({ client, tableName }).apply([update('erin', 'Admin', 500, 900)]);
    // Attempt 1 is the newest-wins write (held back), attempt 2 the follow-up.
    const store = new DynamoDBLedgerStore({
      client: await failingClient((_u, n) => (n === 2 ? 2 : 0)),
      tableName,
      retryRounds: 0,
    });
    const error = await store.apply([update('erin', 'Admin', 100, 200)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DynamoDBLedgerWriteError);
    expect(error).toMatchObject({ awsErrorName: 'InternalServerError', landed: 0 });
    expect((error as DynamoDBLedgerWriteError).notLanded).toEqual([
      {
        kind: 'pair',
        principalKey: 'arn:aws:iam::111111111111:user/erin',
        roleKey: 'arn:aws:iam::222222222222:role/Admin',
      },
    ]);
  });

  it('fails apply when an alias write fails, naming the alias', async () => {
    const store = new DynamoDBLedgerStore({
      client: await failingClient(() => 1),
      tableName: (await freshStore('alias-fails')).tableName,
      retryRounds: 0,
    });
    const error = await store.apply([], [alias('AIDAEXAMPLE1', 'erin', 2)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DynamoDBLedgerWriteError);
    expect((error as DynamoDBLedgerWriteError).notLanded).toEqual([
      { kind: 'alias', account: '111111111111', principalId: 'AIDAEXAMPLE1' },
    ]);
  });
});

describe('apply: aliases without a principal ARN', () => {
  it('a newer alias without an ARN drops the stored one; an older one changes nothing', async () => {
    const store = await freshStore('alias-arn');
    const { arn: _arn, ...bob } = alias('AIDAEXAMPLE1', 'bob', 200).principal;
    const batches = [
      [alias('AIDAEXAMPLE1', 'erin', 100)],
      [{ ...alias('AIDAEXAMPLE1', 'bob', 200), principal: bob }],
      [alias('AIDAEXAMPLE1', 'carl', 150)],
    ];
    for (const batch of batches) await store.apply([], batch);
    const aliases = await collect(store.aliases());
    expect(aliases).toEqual((await expectedLedger([], batches)).aliases);
    expect(aliases[0]?.principal).not.toHaveProperty('arn');
  });
});
