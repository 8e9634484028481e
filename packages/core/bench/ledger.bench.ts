/**
 * `pnpm bench ledger`: assess + render JSON for ledgers of 10k, 50k and 100k (principal, role)
 * pairs held in a MemoryLedgerStore (2,000 principals × 50 roles at 100k; 1% of pairs seen only
 * from the role-owner side and resolved through aliases). Prints each figure (best of 5 runs) and
 * how it scales against pairs × log2(pairs). Compare the ratios: the machine is shared.
 */
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

async function measure(store: MemoryLedgerStore): Promise<{ ms: number; bytes: number; pairs: number }> {
  let best = Number.POSITIVE_INFINITY;
  let bytes = 0;
  let pairs = 0;
  for (let i = 0; i < RUNS; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    const start = performance.now();
    const assessment = await assessStore(store, { now: NOW, staleAfterDays: 90 });
    const json = renderReport(assessment, 'json');
    const ms = performance.now() - start;
    best = Math.min(best, ms);
    bytes = json.length;
    pairs = assessment.summary.pairs;
  }
  return { ms: best, bytes, pairs };
}

const sizes = [200, 1000, 2000];
const results: { principals: number; pairs: number; ms: number; bytes: number }[] = [];
for (const principals of sizes) {
  const store = await buildStore(principals);
  const { ms, bytes, pairs } = await measure(store);
  results.push({ principals, pairs, ms, bytes });
}

const base = results[0] as (typeof results)[number];
const nlogn = (n: number) => n * Math.log2(n);
console.log('assess + render JSON from MemoryLedgerStore (best of 5)');
console.log('pairs     principals  time ms  JSON MB  time ratio  pairs ratio  n·log n ratio');
for (const r of results) {
  console.log(
    [
      String(r.pairs).padEnd(9),
      String(r.principals).padEnd(11),
      r.ms.toFixed(0).padStart(7),
      (r.bytes / 1e6).toFixed(1).padStart(7),
      `${(r.ms / base.ms).toFixed(2)}x`.padStart(10),
      `${(r.pairs / base.pairs).toFixed(2)}x`.padStart(11),
      `${(nlogn(r.pairs) / nlogn(base.pairs)).toFixed(2)}x`.padStart(13),
    ].join(' '),
  );
}
const largest = results[results.length - 1] as (typeof results)[number];
console.log(`100k pairs: ${largest.ms.toFixed(0)} ms (target ≤ 1000 ms) — ${largest.ms <= 1000 ? 'met' : 'NOT met'}`);
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
