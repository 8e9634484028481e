import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LastswitchError } from '@lastswitch/core';
import {
  createLedgerTable,
  DynamoDBLedgerError,
  DynamoDBLedgerStore,
  DynamoDBLedgerWriteError,
} from '@lastswitch/store-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoDBLocal, startDynamoDBLocal } from '../../../test/servers/dynamodb-local.js';
import { findFreePort } from '../../../test/servers/free-port.js';
import { collect, expectedLedger, localClient, sortEntries, update } from './_helpers.js';

describe('a store pointed at a port where nothing listens', () => {
  it('rejects apply, entries and aliases with the typed error naming the table', async () => {
    const port = await findFreePort();
    const client = localClient(`http://127.0.0.1:${port}`, { maxAttempts: 2 });
    const store = new DynamoDBLedgerStore({ client, tableName: 'nowhere-ledger' });
    try {
      for (const [operation, attempt] of [
        ['apply', () => store.apply([update('erin', 'Admin', 1, 2)])],
        ['entries', () => collect(store.entries())],
        ['aliases', () => collect(store.aliases({ segments: 2 }))],
      ] as const) {
        const error = await attempt().catch((e: unknown) => e);
        expect(error, operation).toBeInstanceOf(DynamoDBLedgerError);
        expect(error).toBeInstanceOf(LastswitchError);
        expect(error).toMatchObject({
          name: operation === 'apply' ? 'DynamoDBLedgerWriteError' : 'DynamoDBLedgerError',
          tableName: 'nowhere-ledger',
          operation,
        });
        expect((error as Error).message).toContain('DynamoDB ledger table "nowhere-ledger"');
        expect((error as Error).cause).toBeDefined();
      }
      await expect(createLedgerTable(client, 'nowhere-ledger')).rejects.toMatchObject({ operation: 'createTable' });
    } finally {
      client.destroy();
    }
  });
});

describe('DynamoDB Local frozen (SIGSTOP): every request has a deadline', () => {
  let server: DynamoDBLocal;

  beforeAll(async () => {
    server = await startDynamoDBLocal();
  });

  afterAll(async () => {
    await server?.signal('SIGCONT');
    await server?.stop();
  });

  it('apply and entries fail with one line naming the deadline; after SIGCONT the same store works', async () => {
    const tableName = 'frozen-ledger';
    const client = localClient(server.endpoint, { maxAttempts: 2 });
    try {
      await createLedgerTable(client, tableName, { pollIntervalMs: 50 });
      const retries: unknown[] = [];
      const store = new DynamoDBLedgerStore({
        client,
        tableName,
        requestTimeoutMs: 1_500,
        retryDelayMs: 0,
        onRetry: (event) => retries.push(event),
      });
      const updates = Array.from({ length: 5 }, (_, i) => update(`user${i}`, 'Admin', 1, 2));
      await server.signal('SIGSTOP');
      try {
        const failed = await store.apply(updates).catch((e: unknown) => e);
        expect(failed).toBeInstanceOf(DynamoDBLedgerWriteError);
        const message = (failed as Error).message;
        expect(message).not.toContain('\n');
        expect(message).toContain('no answer from DynamoDB within 1500 ms');
        expect(message).toContain('5 of 5 item writes did not land after 1 round');
        expect((failed as DynamoDBLedgerWriteError).notLanded).toHaveLength(5);
        expect((failed as DynamoDBLedgerWriteError).cause).toMatchObject({ operation: 'apply', tableName });
        // Nothing landed in the first round, so no retry round was started.
        expect(retries).toEqual([]);

        const read = await collect(store.entries()).catch((e: unknown) => e);
        expect(read).toBeInstanceOf(DynamoDBLedgerError);
        expect(read).toMatchObject({ operation: 'entries' });
        expect((read as Error).message).toContain('no answer from DynamoDB within 1500 ms');
      } finally {
        await server.signal('SIGCONT');
      }
      // Resumed: the same table, through a store with the default deadline (a loaded machine is slow).
      const resumed = new DynamoDBLedgerStore({ client, tableName });
      await resumed.apply(updates);
      expect(sortEntries(await collect(resumed.entries()))).toEqual(sortEntries(updates));
    } finally {
      client.destroy();
    }
  }, 60_000);
});

describe('DynamoDB Local killed in the middle of apply', () => {
  let server: DynamoDBLocal;
  let dbPath: string;

  beforeAll(async () => {
    dbPath = mkdtempSync(join(tmpdir(), 'lastswitch-ddb-'));
    server = await startDynamoDBLocal({ dbPath });
  });

  afterAll(async () => {
    await server?.stop();
    if (dbPath) rmSync(dbPath, { recursive: true, force: true });
  });

  it('names exactly the pairs that did not land; after a restart, applying the same updates converges to the exact ledger', async () => {
    const tableName = 'fault-ledger';
    const client = localClient(server.endpoint, { maxAttempts: 2 });
    try {
      await createLedgerTable(client, tableName, { pollIntervalMs: 50 });
      const store = new DynamoDBLedgerStore({
        client,
        tableName,
        concurrency: 4,
        consistentRead: true,
        retryDelayMs: 0,
      });

      // An earlier file, fully applied: the late re-apply must neither lose nor double it.
      const earlier = Array.from({ length: 40 }, (_, i) =>
        update(`user${i}`, 'Role0', 5_000, 6_000, ['SwitchRole'], `early-${i}`),
      );
      await store.apply(earlier);

      // The file being applied when the server goes away: 240 pairs, 40 of them already stored, half of
      // those newer than what is stored and half older (a lower firstSeen and a new method).
      const file = Array.from({ length: 240 }, (_, i) =>
        update(
          `user${i % 80}`,
          `Role${Math.floor(i / 80)}`,
          1_000 + i,
          i % 2 === 0 ? 9_000 + i : 5_500,
          ['AssumeRole'],
          `ev-${i}`,
        ),
      );
      // Deterministic: once 60 writes have answered, the server is killed and every later write waits
      // until it is gone, so the rest of the file meets a dead endpoint whatever the load. SIGTERM, not
      // SIGKILL: after SIGKILL DynamoDB Local itself loses writes it has already answered (seen 1 run
      // in 3), which no client can detect; real DynamoDB does not.
      let written = 0;
      let killing: Promise<void> | undefined;
      client.middlewareStack.add(
        (next, context) => async (args) => {
          if (killing) await killing;
          const result = await next(args);
          if (_isUpdate(context.commandName) && ++written === 60) killing = server.signal('SIGTERM');
          return result;
        },
        { step: 'initialize', name: 'killMidway' },
      );
      const error = await store.apply(file).catch((e: unknown) => e);
      client.middlewareStack.remove('killMidway');
      await killing;

      expect(error).toBeInstanceOf(DynamoDBLedgerWriteError);
      expect(error).toMatchObject({ tableName, operation: 'apply' });
      expect((error as Error).message).toContain('applying the same updates again is safe');
      expect(written).toBeGreaterThanOrEqual(60);
      const notLanded = new Set(
        (error as DynamoDBLedgerWriteError).notLanded.map((item) =>
          item.kind === 'pair' ? `${item.principalKey} ${item.roleKey}` : `${item.account} ${item.principalId}`,
        ),
      );
      expect(notLanded.size).toBeGreaterThan(0);
      expect((error as DynamoDBLedgerWriteError).landed + notLanded.size).toBe(file.length);

      await server.restart();
      const partial = await collect(store.entries());
      // The failure really happened midway: some of the file is stored, not all of it.
      expect(partial.length).toBeGreaterThan(earlier.length);
      expect(partial.length).toBeLessThan(file.length);
      // Every pair not named as missing really landed: the stored item holds this file's update.
      const stored = new Map(partial.map((e) => [`${e.principal.key} ${e.role.key}`, e]));
      for (const u of file) {
        const key = `${u.principal.key} ${u.role.key}`;
        if (notLanded.has(key)) continue;
        const entry = stored.get(key);
        expect(entry, key).toBeDefined();
        expect(entry?.lastSeen).toBeGreaterThanOrEqual(u.lastSeen);
        expect(entry?.firstSeen).toBeLessThanOrEqual(u.firstSeen);
        expect(entry?.methods).toContain('AssumeRole');
      }

      await store.apply(file);
      const expected = await expectedLedger([earlier, file]);
      expect(sortEntries(await collect(store.entries()))).toEqual(expected.entries);

      // And a further replay changes nothing.
      const replay = await store.apply(file);
      expect(replay.heldBack).toBe(replay.writes);
      expect(sortEntries(await collect(store.entries()))).toEqual(expected.entries);
    } finally {
      client.destroy();
    }
  }, 240_000);
});

/** The document client's `UpdateCommand` runs as the low-level `UpdateItemCommand`. */
function _isUpdate(commandName: unknown): boolean {
  return commandName === 'UpdateCommand' || commandName === 'UpdateItemCommand';
}
