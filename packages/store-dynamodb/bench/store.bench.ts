/**
 * `pnpm bench packages store`: DynamoDBLedgerStore on a DynamoDB Local started here. Prints, side by side in
 * one run, apply time by `concurrency` and read time by Scan `segments`, as ratios to the first
 * (absolute times on a shared machine with DynamoDB Local mean little).
 */
import { performance } from 'node:perf_hooks';
import type { LedgerUpdate } from '@lastswitch/core';
import { startDynamoDBLocal } from '../../../test/servers/dynamodb-local.js';
import { createLedgerTable, DynamoDBLedgerStore } from '../src/index.js';
import { localClient } from '../test/_helpers.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const PAIRS = 2_000;

function updates(offset: number): LedgerUpdate[] {
  return Array.from({ length: PAIRS }, (_, i) => {
    const principalKey = `arn:aws:iam::111111111111:user/user${i % 100}`;
    const roleKey = `arn:aws:iam::222222222222:role/Role${Math.floor(i / 100)}`;
    return {
      principal: { key: principalKey, kind: 'iam-user', account: '111111111111', name: `user${i % 100}` },
      role: { key: roleKey, account: '222222222222', name: `Role${Math.floor(i / 100)}`, arn: roleKey },
      firstSeen: offset + i,
      lastSeen: offset + i + 1,
      methods: ['AssumeRole'],
      lastEventId: `ev-${offset}-${i}`,
    };
  });
}

const server = await startDynamoDBLocal();
const client = localClient(server.endpoint);
try {
  const rows: { what: string; ms: number; writes?: number }[] = [];
  let reference: DynamoDBLedgerStore | undefined;
  for (const concurrency of [1, 4, 16, 64]) {
    const tableName = `bench-c${concurrency}`;
    await createLedgerTable(client, tableName, { pollIntervalMs: 50 });
    const store = new DynamoDBLedgerStore({ client, tableName, concurrency });
    await store.apply(updates(0).slice(0, 50)); // warm up the connection pool and the JIT
    const start = performance.now();
    const result = await store.apply(updates(1_000_000));
    rows.push({
      what: `apply ${PAIRS} new pairs, concurrency ${concurrency}`,
      ms: performance.now() - start,
      writes: result.writes,
    });
    reference = store;
  }
  const tableName = reference!.tableName;
  for (const segments of [1, 2, 4]) {
    const store = new DynamoDBLedgerStore({ client, tableName, segments });
    const start = performance.now();
    let n = 0;
    for await (const _ of store.entries()) n += 1;
    rows.push({ what: `read ${n} entries, ${segments} Scan segment(s)`, ms: performance.now() - start });
  }
  const applyBase = rows[0]!.ms;
  const readBase = rows.find((r) => r.what.startsWith('read'))!.ms;
  for (const row of rows) {
    const base = row.what.startsWith('read') ? readBase : applyBase;
    const extra = row.writes === undefined ? '' : `  (${row.writes} writes)`;
    console.log(`${row.what.padEnd(48)} ${row.ms.toFixed(0).padStart(7)} ms  x${(row.ms / base).toFixed(2)}${extra}`);
  }
} finally {
  client.destroy();
  await server.stop();
}
