import { DynamoDBLedgerError, DynamoDBLedgerStore, DynamoDBLedgerWriteError } from '@lastswitch/store-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type FlakyProxy, startFlakyProxy } from './_flakyProxy.js';
import {
  alias,
  collect,
  expectedLedger,
  freshTable as freshTableOn,
  localClient,
  sortAliases,
  sortEntries,
  update,
} from './_helpers.js';

const endpoint = inject('dynamodbEndpoint');
const direct = localClient(endpoint);
const proxies: FlakyProxy[] = [];
afterAll(async () => {
  direct.destroy();
  await Promise.all(proxies.map((p) => p.close()));
});

const freshTable = () => freshTableOn(direct, 'retries');

describe('throttling and 5xx answers are retried by the SDK', () => {
  it('every write throttled or failed once still gives the exact ledger, counting each write once', async () => {
    let n = 0;
    const proxy = await startFlakyProxy(endpoint, (operation, seenBefore) => {
      if (operation !== 'UpdateItem' && operation !== 'Scan') return undefined;
      if (seenBefore) return undefined;
      n += 1;
      return n % 2 === 0
        ? { type: 'InternalServerError', status: 500 }
        : { type: 'ProvisionedThroughputExceededException', status: 400 };
    });
    proxies.push(proxy);
    const client = localClient(proxy.endpoint, { maxAttempts: 3 });
    try {
      const tableName = await freshTable();
      const store = new DynamoDBLedgerStore({ client, tableName, concurrency: 4, consistentRead: true });
      const older = Array.from({ length: 30 }, (_, i) =>
        update(`user${i}`, 'Admin', 100, 200, ['SwitchRole'], `a-${i}`),
      );
      const newer = Array.from({ length: 30 }, (_, i) =>
        update(`user${i}`, 'Admin', 300, 400, ['AssumeRole'], `b-${i}`),
      );

      expect(await store.apply(newer)).toEqual({ pairs: 30, aliases: 0, writes: 30, heldBack: 0 });
      expect(await store.apply(older)).toEqual({ pairs: 30, aliases: 0, writes: 60, heldBack: 30 });
      expect(proxy.faults.get('UpdateItem')).toBe(90);

      const entries = sortEntries(await collect(store.entries()));
      expect(proxy.faults.get('Scan')).toBeGreaterThanOrEqual(1);
      expect(entries).toEqual((await expectedLedger([newer, older])).entries);
    } finally {
      client.destroy();
    }
  });

  it('throttling that outlasts the retries rejects with the typed error saying what to do', async () => {
    const proxy = await startFlakyProxy(endpoint, (operation) =>
      operation === 'UpdateItem' ? { type: 'ThrottlingException', status: 400 } : undefined,
    );
    proxies.push(proxy);
    const client = localClient(proxy.endpoint, { maxAttempts: 2 });
    try {
      const tableName = await freshTable();
      const store = new DynamoDBLedgerStore({ client, tableName, concurrency: 2 });
      const error = await store.apply([update('erin', 'Admin', 1, 2)]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DynamoDBLedgerError);
      expect(error).toMatchObject({ tableName, operation: 'apply', awsErrorName: 'ThrottlingException' });
      expect((error as Error).message).toContain('still throttled after the SDK retries');
      expect(proxy.faults.get('UpdateItem')).toBe(2);
      // Nothing reached the table, and the store still works once the throttling stops.
      const healthy = new DynamoDBLedgerStore({ client: direct, tableName, consistentRead: true });
      expect(await collect(healthy.entries())).toEqual([]);
      await healthy.apply([update('erin', 'Admin', 1, 2)]);
      expect(sortEntries(await collect(healthy.entries()))).toEqual(sortEntries([update('erin', 'Admin', 1, 2)]));
    } finally {
      client.destroy();
    }
  });
});

describe('item writes that fail after the SDK retries are retried in rounds, visibly', () => {
  it('the failed half is retried after the other half was written; onRetry is told; the ledger is exact', async () => {
    const failOnce = new Set<string>();
    const proxy = await startFlakyProxy(endpoint, (operation, seenBefore, body) => {
      if (operation !== 'UpdateItem' || seenBefore) return undefined;
      const user = /user(\d+)/.exec(body)?.[1];
      if (user === undefined || Number(user) % 2 === 1 || failOnce.has(user)) return undefined;
      failOnce.add(user);
      return { type: 'InternalServerError', status: 500 };
    });
    proxies.push(proxy);
    const client = localClient(proxy.endpoint, { maxAttempts: 1 });
    try {
      const tableName = await freshTable();
      const retries: unknown[] = [];
      const store = new DynamoDBLedgerStore({
        client,
        tableName,
        concurrency: 4,
        consistentRead: true,
        retryDelayMs: 0,
        onRetry: (event) => retries.push(event),
      });
      const updates = Array.from({ length: 30 }, (_, i) => update(`user${i}`, 'Admin', 100, 200));
      expect(await store.apply(updates)).toMatchObject({ pairs: 30, writes: 45 });
      expect(retries).toEqual([
        { round: 2, failed: 15, of: 30, reason: expect.stringContaining('InternalServerError') },
      ]);
      expect(sortEntries(await collect(store.entries()))).toEqual((await expectedLedger([updates])).entries);
    } finally {
      client.destroy();
    }
  });
});

describe('a failed alias write fails apply', () => {
  it('an alias write still throttled after the retries rejects apply, naming the alias; a rerun stores it', async () => {
    let throttling = true;
    const proxy = await startFlakyProxy(endpoint, (operation, _seen, body) =>
      throttling && operation === 'UpdateItem' && body.includes('"A#')
        ? { type: 'ThrottlingException', status: 400 }
        : undefined,
    );
    proxies.push(proxy);
    const client = localClient(proxy.endpoint, { maxAttempts: 2 });
    try {
      const tableName = await freshTable();
      const store = new DynamoDBLedgerStore({
        client,
        tableName,
        concurrency: 2,
        consistentRead: true,
        retryDelayMs: 0,
      });
      const updates = [update('erin', 'Admin', 1, 2)];
      const aliases = [alias('AIDAEXAMPLEERIN', 'erin', 2)];
      const error = await store.apply(updates, aliases).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DynamoDBLedgerWriteError);
      expect(error).toMatchObject({ tableName, operation: 'apply', awsErrorName: 'ThrottlingException', landed: 1 });
      expect((error as DynamoDBLedgerWriteError).notLanded).toEqual([
        { kind: 'alias', account: '111111111111', principalId: 'AIDAEXAMPLEERIN' },
      ]);
      expect((error as Error).message).toContain('AIDAEXAMPLEERIN');
      // Two rounds (the pair landed in the first, so the alias was retried), two SDK attempts each.
      expect(proxy.faults.get('UpdateItem')).toBe(4);
      // The pair landed; the alias did not, and a rerun stores it.
      expect(sortEntries(await collect(store.entries()))).toEqual(sortEntries(updates));
      expect(await collect(store.aliases())).toEqual([]);
      throttling = false;
      await store.apply(updates, aliases);
      expect(sortAliases(await collect(store.aliases()))).toEqual(sortAliases(aliases));
    } finally {
      client.destroy();
    }
  });
});
