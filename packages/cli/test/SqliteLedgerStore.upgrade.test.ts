import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { LedgerStore, LedgerUpdate, PrincipalAlias, PrincipalRef, RoleRef, SwitchMethod } from '@lastswitch/core';
import { assessStore, MemoryLedgerStore, pairKey, renderReport } from '@lastswitch/core';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteLedgerStore } from '../src/index.js';
import { BIN, requireBuiltCli, runCli } from './_cli.js';

let root: string;
beforeAll(async () => {
  requireBuiltCli();
  root = await mkdtemp(join(tmpdir(), 'lastswitch-sqlite-upgrade-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The schema version 1 (lastswitch 0.x's first SQLite ledger) exactly as it created it. */
const V1_SCHEMA = `
CREATE TABLE IF NOT EXISTS entries (
  principal_key TEXT NOT NULL,
  role_key TEXT NOT NULL,
  principal_kind TEXT NOT NULL,
  principal_account TEXT NOT NULL,
  principal_name TEXT NOT NULL,
  principal_arn TEXT,
  role_account TEXT NOT NULL,
  role_name TEXT NOT NULL,
  role_arn TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  methods INTEGER NOT NULL,
  last_event_id TEXT NOT NULL,
  PRIMARY KEY (principal_key, role_key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS aliases (
  account TEXT NOT NULL,
  principal_id TEXT NOT NULL,
  principal_key TEXT NOT NULL,
  principal_kind TEXT NOT NULL,
  principal_account TEXT NOT NULL,
  principal_name TEXT NOT NULL,
  principal_arn TEXT,
  seen_at INTEGER NOT NULL,
  PRIMARY KEY (account, principal_id)
) WITHOUT ROWID;
`;
const V1_METHODS: SwitchMethod[] = ['AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity', 'SwitchRole'];

const NOW = Date.UTC(2026, 10, 28);
const DAY = 86_400_000;

/**
 * A seeded ledger with what a report has to get right: IAM users (one key under two ARNs), Identity
 * Center users (one name in two instances), web-identity and root principals, role-owner-side
 * principals that aliases resolve onto existing pairs (and one they do not), several methods, and
 * many ties in time and event id.
 */
function generatedLedger(seed: number): { batches: LedgerUpdate[][]; aliases: PrincipalAlias[] } {
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
  const user = (n: number): PrincipalRef => {
    const key = `arn:aws:iam::111111111111:user/u${n}`;
    const path = n % 7 === 0 ? pick(['', 'ops/']) : '';
    return {
      key,
      kind: 'iam-user',
      account: '111111111111',
      name: `u${n}`,
      arn: `arn:aws:iam::111111111111:user/${path}u${n}`,
    };
  };
  const sso = (instance: string, name: string): PrincipalRef => ({
    key: `saml:AWSSSO_${instance}_DO_NOT_DELETE:${name}`,
    kind: 'saml',
    account: '',
    name,
  });
  const owner = (id: string): PrincipalRef => ({
    key: `unresolved:333333333333:${id}`,
    kind: 'unresolved',
    account: '333333333333',
    name: id,
  });
  const principals: (() => PrincipalRef)[] = [
    ...Array.from({ length: 40 }, (_, n) => () => user(n)),
    () => sso('a1b2c3d4e5f60708', 'pat'),
    () => sso('0f1e2d3c4b5a6978', 'pat'),
    () => sso('a1b2c3d4e5f60708', 'zoë 🚀'),
    () => ({
      key: 'web-identity:token.actions.githubusercontent.com:repo:org/x',
      kind: 'web-identity',
      account: '',
      name: 'repo:org/x',
    }),
    () => ({
      key: 'arn:aws:iam::444444444444:root',
      kind: 'root',
      account: '444444444444',
      name: 'root',
      arn: 'arn:aws:iam::444444444444:root',
    }),
    () => owner('AIDAOWNERSIDE0001'),
    () => owner('AIDAOWNERSIDE0002'),
    () => owner('AIDANOBODYKNOWS01'),
  ];
  const roles: RoleRef[] = Array.from({ length: 9 }, (_, k) => {
    const account = `2000000000${String(k % 4).padStart(2, '0')}`;
    const name = k === 8 ? 'AWSReservedSSO_Admin_0123456789abcdef' : `Role${k}`;
    return {
      key: `arn:aws:iam::${account}:role/${name}`,
      account,
      name,
      arn: `arn:aws:iam::${account}:role/${k % 3 === 0 ? 'team/' : ''}${name}`,
    };
  });
  const batches: LedgerUpdate[][] = [];
  for (let b = 0; b < 30; b++) {
    const batch = new Map<string, LedgerUpdate>();
    for (let i = 0; i < 80; i++) {
      const principal = pick(principals)();
      const role = pick(roles);
      const lastSeen = NOW - pick([0, 1, 5, 89, 90, 91, 200]) * DAY - pick([0, 0, 1000, 59_000]);
      const methods = [...new Set([pick(V1_METHODS), pick(V1_METHODS)])].sort();
      const key = pairKey(principal.key, role.key);
      if (!batch.has(key)) {
        batch.set(key, {
          principal,
          role,
          firstSeen: lastSeen - pick([0, 3, 30]) * DAY,
          lastSeen,
          methods,
          lastEventId: pick(['e1', 'e2', 'e3']),
        });
      }
    }
    batches.push([...batch.values()]);
  }
  const aliases: PrincipalAlias[] = [
    { account: '333333333333', principalId: 'AIDAOWNERSIDE0001', principal: user(3), seenAt: 5 },
    { account: '333333333333', principalId: 'AIDAOWNERSIDE0002', principal: user(14), seenAt: 7 },
  ];
  return { batches, aliases };
}

async function fill(store: LedgerStore, ledger: { batches: LedgerUpdate[][]; aliases: PrincipalAlias[] }) {
  for (const batch of ledger.batches) await store.apply(batch);
  await store.apply([], ledger.aliases);
}

const collect = async <T>(items: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};
const plain = async (store: LedgerStore) =>
  (await collect(store.entries()))
    .map((e) => JSON.parse(JSON.stringify(e)) as { principal: { key: string }; role: { key: string } })
    .sort((a, b) => {
      const x = pairKey(a.principal.key, a.role.key);
      const y = pairKey(b.principal.key, b.role.key);
      return x < y ? -1 : x > y ? 1 : 0;
    });

/** Writes a memory store's ledger into a new database of schema version 1, as that release wrote it. */
async function writeVersion1(path: string, memory: MemoryLedgerStore): Promise<void> {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(V1_SCHEMA);
  db.pragma('application_id = 1280530252');
  db.pragma('user_version = 1');
  const entry = db.prepare('INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const alias = db.prepare('INSERT INTO aliases VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  for (const e of await collect(memory.entries())) {
    const bits = e.methods.reduce((sum, m) => sum | (1 << V1_METHODS.indexOf(m)), 0);
    const p = e.principal;
    const r = e.role;
    entry.run(
      p.key,
      r.key,
      p.kind,
      p.account,
      p.name,
      p.arn ?? null,
      r.account,
      r.name,
      r.arn,
      e.firstSeen,
      e.lastSeen,
      bits,
      e.lastEventId,
    );
  }
  for (const a of await collect(memory.aliases())) {
    const p = a.principal;
    alias.run(a.account, a.principalId, p.key, p.kind, p.account, p.name, p.arn ?? null, a.seenAt);
  }
  db.close();
}

describe('SqliteLedgerStore schema version 1 → 2', () => {
  it('upgrades a version 1 database in place to the same ledger, which then merges on like the memory store', async () => {
    const ledger = generatedLedger(11);
    const memory = new MemoryLedgerStore();
    await fill(memory, ledger);
    const path = join(root, 'v1.db');
    await writeVersion1(path, memory);
    const store = new SqliteLedgerStore(path);
    expect(await plain(store)).toEqual(await plain(memory));
    expect(await collect(store.aliases())).toEqual(await collect(memory.aliases()));
    expect(await store.countLedger()).toEqual(
      await (async () => {
        const { summary } = await assessStore(memory, { now: NOW, staleAfterDays: 90 });
        return { pairs: summary.pairs, principals: summary.principals };
      })(),
    );
    store.close();

    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(['aliases', 'entries', 'principals', 'roles']);
    db.close();

    // Later scans merge into the upgraded ledger exactly as into the memory store.
    const more = generatedLedger(12);
    const again = new SqliteLedgerStore(path);
    await fill(again, more);
    await fill(memory, more);
    expect(await plain(again)).toEqual(await plain(memory));
    again.close();
  });

  it('leaves a version 1 database alone when the upgrade fails (one transaction)', async () => {
    const memory = new MemoryLedgerStore();
    await fill(memory, generatedLedger(13));
    const path = join(root, 'v1-locked.db');
    await writeVersion1(path, memory);
    // Another process holds the write lock for longer than the store waits: the upgrade cannot start.
    const holder = new Database(path);
    holder.prepare('BEGIN IMMEDIATE').run();
    const store = new SqliteLedgerStore(path, { busyTimeoutMs: 50 });
    await expect(collect(store.entries())).rejects.toThrow('locked by another process');
    store.close();
    holder.prepare('ROLLBACK').run();
    holder.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    db.close();
    const retry = new SqliteLedgerStore(path);
    expect(await plain(retry)).toEqual(await plain(memory));
    retry.close();
  });
});

describe('a database this user may not write', () => {
  // Runs the CLI without the right to write the file or its folder. As root, setpriv drops
  // CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (the process stays uid 0, so the temporary folder,
  // which root owns, stays reachable); as another user, the modes alone do it.
  const asRoot = process.getuid?.() === 0;
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => existsSync(path));
  const reportWithoutWriteAccess = (path: string) => {
    const command = [BIN, 'report', '--store', `sqlite:${path}`, '--format', 'json'];
    return asRoot
      ? spawnSync(
          setpriv as string,
          ['--bounding-set=-dac_override,-dac_read_search', '--', process.execPath, ...command],
          {
            encoding: 'utf8',
          },
        )
      : spawnSync(process.execPath, command, { encoding: 'utf8' });
  };

  it.skipIf(process.platform === 'win32' || (asRoot && !setpriv))(
    'in a read-only folder cannot be read (SQLite needs its -shm file there), and the error says so',
    async () => {
      const path = join(root, 'v2-readonly-folder', 'ledger.db');
      await mkdir(dirname(path));
      const store = new SqliteLedgerStore(path);
      await fill(store, generatedLedger(15));
      store.close();
      await chmod(dirname(path), 0o555);
      const run = reportWithoutWriteAccess(path);
      await chmod(dirname(path), 0o755);
      expect(run.status, run.stderr).toBe(1);
      expect(run.stderr).toContain("the ledger's folder is read-only");
      expect(run.stderr).toContain('ledger.db-shm');
      expect(run.stderr).toContain('write access to the folder');
    },
  );

  it.skipIf(process.platform === 'win32' || (asRoot && !setpriv))(
    'of schema version 1 is reported as needing its one upgrade by someone who can write it, and is left as it is',
    async () => {
      const memory = new MemoryLedgerStore();
      await fill(memory, generatedLedger(14));
      const path = join(root, 'v1-readonly', 'ledger.db');
      await mkdir(dirname(path));
      await writeVersion1(path, memory);
      await chmod(path, 0o444);
      const run = reportWithoutWriteAccess(path);
      await chmod(path, 0o644);
      expect(run.status, run.stderr).toBe(1);
      expect(run.stderr).toContain('schema version 1');
      expect(run.stderr).toContain('upgraded once');
      expect(run.stderr).toContain('write');
      expect(run.stderr).not.toContain('read-only');
      const db = new Database(path, { readonly: true });
      expect(db.pragma('user_version', { simple: true })).toBe(1);
      db.close();
    },
  );
});

describe('lastswitch report over the SQLite store', () => {
  it.each(['json', 'csv', 'markdown'] as const)(
    '--format %s is byte for byte what core renders from the memory store (new and upgraded databases)',
    async (format) => {
      const ledger = generatedLedger(21);
      const memory = new MemoryLedgerStore();
      await fill(memory, ledger);
      const fresh = join(root, `fresh-${format}.db`);
      const sqlite = new SqliteLedgerStore(fresh);
      await fill(sqlite, ledger);
      sqlite.close();
      const upgraded = join(root, `upgraded-${format}.db`);
      await writeVersion1(upgraded, memory);

      const assessment = await assessStore(memory, { now: NOW, staleAfterDays: 90 });
      expect(assessment.pairs.some((p) => p.principal.kind === 'saml')).toBe(true);
      expect(assessment.pairs.some((p) => p.principal.key === 'unresolved:333333333333:AIDANOBODYKNOWS01')).toBe(true);
      expect(
        assessment.pairs.some((p) => p.principal.kind === 'unresolved' && p.principal.name === 'AIDAOWNERSIDE0001'),
      ).toBe(false);
      const expected = renderReport(assessment, format);
      for (const path of [fresh, upgraded]) {
        const args = ['report', '--format', format, '--now', new Date(NOW).toISOString(), '--store', `sqlite:${path}`];
        const run = await runCli(args, { cwd: root });
        expect(run.stderr).toBe('');
        expect(run.code).toBe(0);
        expect(run.stdout).toBe(expected);
        // `> FILE`: stdout is a regular file, which the CLI writes to directly instead of through the stream.
        const redirected = await runCli(args, { cwd: root, stdoutFile: join(root, `redirected-${format}.out`) });
        expect(redirected.code).toBe(0);
        expect(redirected.stdout).toBe(expected);
      }
    },
  );
});
