/**
 * `pnpm bench packages ledger`: assess + render JSON for ledgers of 10k, 50k and 100k (principal, role)
 * pairs held in a MemoryLedgerStore (2,000 principals × 50 roles at 100k; 1% of pairs seen only
 * from the role-owner side and resolved through aliases). Prints each figure (best of 5 runs) and
 * how it scales against pairs × log2(pairs), in wall and CPU time, next to a floor measured in the
 * same run: `JSON.stringify` of a prebuilt array of as many flat objects. Compare the ratios: the
 * machine is shared, so absolute times move with its load (printed too).
 */
import { loadavg } from 'node:os';
import { assessStore, MemoryLedgerStore, renderReport } from '../src/index.js';
import type { LedgerUpdate, PrincipalAlias, PrincipalRef, SwitchMethod } from '../src/model.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 0, 1);
const ROLES = 50;
const RUNS = 5;
const METHODS: SwitchMethod[] = ['AssumeRole', 'SwitchRole', 'AssumeRoleWithSAML'];

/** Deterministic pseudo-random numbers so every run measures the same ledger. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function buildStore(principals: number): Promise<MemoryLedgerStore> {
  const random = prng(principals);
  const store = new MemoryLedgerStore();
  const updates: LedgerUpdate[] = [];
  const aliases: PrincipalAlias[] = [];
  for (let p = 0; p < principals; p++) {
    const name = `user-${String(p).padStart(5, '0')}`;
    const account = `1111111${String(p % 10).padStart(5, '0')}`;
    const user: PrincipalRef = {
      key: `arn:aws:iam::${account}:user/${name}`,
      kind: 'iam-user',
      account,
      name,
      arn: `arn:aws:iam::${account}:user/people/${name}`,
    };
    const ownerSide: PrincipalRef = {
      key: `unresolved:${account}:AIDA${String(p).padStart(17, '0')}`,
      kind: 'unresolved',
      account,
      name: `AIDA${String(p).padStart(17, '0')}`,
    };
    aliases.push({ account, principalId: ownerSide.name, principal: user, seenAt: NOW - DAY });
    for (let r = 0; r < ROLES; r++) {
      const roleAccount = `2222222${String(r % 20).padStart(5, '0')}`;
      const roleName = `Role-${String(r).padStart(3, '0')}`;
      const lastSeen = NOW - Math.floor(random() * 400 * DAY);
      updates.push({
        principal: random() < 0.01 ? ownerSide : user,
        role: {
          key: `arn:aws:iam::${roleAccount}:role/${roleName}`,
          account: roleAccount,
          name: roleName,
          arn: `arn:aws:iam::${roleAccount}:role/team/${roleName}`,
        },
        firstSeen: lastSeen - Math.floor(random() * 100 * DAY),
        lastSeen,
        methods: [METHODS[Math.floor(random() * METHODS.length)] as SwitchMethod],
        lastEventId: `evt-${p}-${r}`,
      });
    }
  }
  await store.apply(updates, aliases);
  return store;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

interface Figure {
  wall: number;
  cpu: number;
}

/** Best wall and CPU time of `RUNS` calls, each after a full GC. */
async function best(run: () => Promise<unknown> | unknown): Promise<Figure> {
  let wall = Number.POSITIVE_INFINITY;
  let cpu = Number.POSITIVE_INFINITY;
  for (let i = 0; i < RUNS; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    const w = performance.now();
    const c = cpuMs();
    await run();
    cpu = Math.min(cpu, cpuMs() - c);
    wall = Math.min(wall, performance.now() - w);
  }
  return { wall, cpu };
}

/** The floor: serialising as many flat 14-field objects as there are pairs, nothing else. */
function floorObjects(pairs: number): object[] {
  return Array.from({ length: pairs }, (_, i) => ({
    principal: `arn:aws:iam::111111111111:user/user-${i}`,
    principalArn: `arn:aws:iam::111111111111:user/people/user-${i}`,
    principalName: `user-${i}`,
    principalAccount: '111111111111',
    role: `arn:aws:iam::222222222222:role/Role-${i % 50}`,
    roleArn: `arn:aws:iam::222222222222:role/team/Role-${i % 50}`,
    roleName: `Role-${i % 50}`,
    roleAccount: '222222222222',
    status: 'stale',
    lastSeen: '2025-06-04T10:11:12.000Z',
    firstSeen: '2025-05-05T10:11:12.000Z',
    daysSince: 211,
    via: ['AssumeRole'],
    allowedBy: null,
  }));
}

const sizes = [200, 1000, 2000];
const results: { principals: number; pairs: number; bytes: number; total: Figure; floor: Figure }[] = [];
for (const principals of sizes) {
  const store = await buildStore(principals);
  let bytes = 0;
  let pairs = 0;
  const total = await best(async () => {
    const assessment = await assessStore(store, { now: NOW, staleAfterDays: 90 });
    bytes = renderReport(assessment, 'json').length;
    pairs = assessment.summary.pairs;
  });
  const objects = floorObjects(pairs);
  const floor = await best(() => JSON.stringify(objects, null, 2));
  results.push({ principals, pairs, bytes, total, floor });
}

const base = results[0] as (typeof results)[number];
const nlogn = (n: number) => n * Math.log2(n);
const ms = (n: number) => n.toFixed(0).padStart(8);
const x = (n: number, width: number) => `${n.toFixed(2)}x`.padStart(width);
console.log(
  `assess + render JSON from MemoryLedgerStore, best of ${RUNS} (load average ${loadavg()[0]?.toFixed(1)} on this machine)`,
);
console.log('   pairs  wall ms   cpu ms  JSON MB  cpu ratio  pairs ratio  n·log n ratio  floor cpu ms  vs floor');
for (const r of results) {
  console.log(
    [
      String(r.pairs).padStart(8),
      ms(r.total.wall),
      ms(r.total.cpu),
      (r.bytes / 1e6).toFixed(1).padStart(8),
      x(r.total.cpu / base.total.cpu, 10),
      x(r.pairs / base.pairs, 12),
      x(nlogn(r.pairs) / nlogn(base.pairs), 14),
      ms(r.floor.cpu).padStart(13),
      x(r.total.cpu / r.floor.cpu, 9),
    ].join(' '),
  );
}
const largest = results[results.length - 1] as (typeof results)[number];
console.log(
  `100k pairs: ${largest.total.wall.toFixed(0)} ms wall, ${largest.total.cpu.toFixed(0)} ms CPU (target ≤ 1000 ms): ${largest.total.wall <= 1000 ? 'met' : largest.total.cpu <= 1000 ? 'met in CPU time (wall time inflated by load)' : 'NOT met'}`,
);
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
