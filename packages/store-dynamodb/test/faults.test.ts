import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LastswitchError } from '@lastswitch/core';
import { createLedgerTable, DynamoDBLedgerError, DynamoDBLedgerStore } from '@lastswitch/store-dynamodb';
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

describe('DynamoDB Local stopped in the middle of apply', () => {
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

  it('rejects with the typed error; after a restart, applying the same updates gives the exact expected ledger', async () => {
    const tableName = 'fault-ledger';
    const client = localClient(server.endpoint, { maxAttempts: 2 });
    try {
      await createLedgerTable(client, tableName, { pollIntervalMs: 50 });
      const store = new DynamoDBLedgerStore({ client, tableName, concurrency: 4, consistentRead: true });

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
      let written = 0;
      let stopping: Promise<void> | undefined;
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const result = await next(args);
          if (_isUpdate(context.commandName) && ++written === 60) stopping = server.stop();
          return result;
        },
        { step: 'initialize', name: 'stopMidway' },
      );
      const error = await store.apply(file).catch((e: unknown) => e);
      client.middlewareStack.remove('stopMidway');
      await stopping;

      expect(error).toBeInstanceOf(DynamoDBLedgerError);
      expect(error).toMatchObject({ tableName, operation: 'apply' });
      expect((error as Error).message).toContain('applying the same updates again is safe');
      expect(written).toBeGreaterThanOrEqual(60);

      await server.restart();
      const partial = await collect(store.entries());
      // The failure really happened midway: some of the file is stored, not all of it.
      expect(partial.length).toBeGreaterThan(earlier.length);
      expect(partial.length).toBeLessThan(file.length);

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
  }, 120_000);
});

/** The document client's `UpdateCommand` runs as the low-level `UpdateItemCommand`. */
function _isUpdate(commandName: unknown): boolean {
  return commandName === 'UpdateCommand' || commandName === 'UpdateItemCommand';
}
