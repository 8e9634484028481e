import { MemoryLedgerStore } from '@lastswitch/core';
import { describe, expect, it } from 'vitest';
import type { ScanTarget } from '../src/scan/discoverLocalFiles.js';
import type { ScanProgress } from '../src/scan/progress.js';
import { scanFiles } from '../src/scan/scanFiles.js';
import { assumeRoleRecord, gzip, logFile } from './_cli.js';

const target = (name: string, role: string, eventID: string): ScanTarget => {
  const bytes = gzip(logFile(assumeRoleRecord(name, role, '2026-02-01T10:00:00Z', eventID)));
  return { display: `${name}.json.gz`, key: `${name}.json.gz`, size: bytes.length, open: async () => bytes };
};
const broken: ScanTarget = {
  display: 'broken.json.gz',
  key: 'broken.json.gz',
  size: 3,
  open: async () => gzip('{').subarray(0, 5),
};

const quiet = (onRead: () => void = () => {}): ScanProgress => ({
  start() {},
  fileRead: onRead,
  fileFailed() {},
  stop() {},
});

const pairs = async (store: MemoryLedgerStore) => {
  const out: string[] = [];
  for await (const entry of store.entries()) out.push(`${entry.principal.name}→${entry.role.name}`);
  return out.sort();
};

describe('scanFiles', () => {
  it('records every good file, lists the bad ones sorted, and folds across files', async () => {
    const store = new MemoryLedgerStore();
    const targets = [
      target('bob', 'ReadOnly', 'e2'),
      broken,
      target('alice', 'OpsAdmin', 'e1'),
      target('alice', 'OpsAdmin', 'e3'),
    ];
    const result = await scanFiles(targets, { store, progress: quiet(), concurrency: 3 });
    expect(result).toMatchObject({ filesRead: 3, switches: 3, denied: 0, pairsWritten: 2, notRead: 0 });
    expect(result.failures.map((f) => f.file)).toEqual(['broken.json.gz']);
    expect(result.failures[0]?.reason).not.toContain('broken.json.gz:');
    expect(await pairs(store)).toEqual(['alice→OpsAdmin', 'bob→ReadOnly']);
  });

  it('one file naming a principal and a role with and without their paths keeps the newest display, in either order', async () => {
    const record = (path: string, rolePath: string, at: string, eventID: string) => {
      const r = assumeRoleRecord('erin', 'Ops', at, eventID);
      const identity = r.userIdentity as Record<string, unknown>;
      identity.arn = (identity.arn as string).replace('user/', `user/${path}`);
      const request = r.requestParameters as Record<string, unknown>;
      request.roleArn = (request.roleArn as string).replace('role/', `role/${rolePath}`);
      return r;
    };
    for (const [first, second] of [
      [record('', '', '2026-02-01T10:00:00Z', 'e1'), record('ops/', 'team/', '2026-02-02T10:00:00Z', 'e2')],
      [record('ops/', 'team/', '2026-02-02T10:00:00Z', 'e2'), record('', '', '2026-02-01T10:00:00Z', 'e1')],
    ]) {
      const store = new MemoryLedgerStore();
      const bytes = gzip(logFile(first, record('', '', '2026-01-15T10:00:00Z', 'e0'), second));
      const only: ScanTarget = { display: 'f.json.gz', key: 'f.json.gz', size: bytes.length, open: async () => bytes };
      const result = await scanFiles([only], { store, progress: quiet() });
      expect(result).toMatchObject({ switches: 3, pairsWritten: 1 });
      const entries = [];
      for await (const entry of store.entries()) entries.push(entry);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        principal: { key: 'arn:aws:iam::111111111111:user/erin', arn: 'arn:aws:iam::111111111111:user/ops/erin' },
        role: { arn: 'arn:aws:iam::222222222222:role/team/Ops' },
        firstSeen: Date.parse('2026-01-15T10:00:00Z'),
        lastSeen: Date.parse('2026-02-02T10:00:00Z'),
        lastEventId: 'e2',
      });
    }
  });

  it('writes in batches when many pairs are pending', async () => {
    const store = new MemoryLedgerStore();
    let applies = 0;
    const counting = {
      apply: (...args: Parameters<MemoryLedgerStore['apply']>) => {
        applies += 1;
        return store.apply(...args);
      },
      entries: () => store.entries(),
      aliases: () => store.aliases(),
    };
    const targets = ['A', 'B', 'C', 'D'].map((role, i) => target('alice', role, `e${i}`));
    await scanFiles(targets, { store: counting, progress: quiet(), concurrency: 1, flushPairs: 2 });
    expect(applies).toBe(2);
    expect(await pairs(store)).toHaveLength(4);
  });

  it('stops starting files once interrupted, and still writes what was read', async () => {
    const store = new MemoryLedgerStore();
    const interrupt = new AbortController();
    const targets = ['A', 'B', 'C', 'D'].map((role, i) => target('alice', role, `e${i}`));
    const result = await scanFiles(targets, {
      store,
      progress: quiet(() => interrupt.abort()),
      concurrency: 1,
      signal: interrupt.signal,
    });
    expect(result).toMatchObject({ filesRead: 1, notRead: 3 });
    expect(await pairs(store)).toEqual(['alice→A']);
  });
});
