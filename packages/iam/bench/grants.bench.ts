/**
 * `pnpm bench packages grants`: evaluate grants and plan removals for an
 * organisation of 1k, 5k and 20k users (each with an inline exact grant, an inline wildcard, and
 * one of 20 groups), 500 roles in a target account; then ARN glob matching against a regular
 * expression on a hostile pattern. Prints best-of-5 times and the ratios that matter (how time
 * scales with users; glob vs regex), measured side by side in one run: compare ratios, not times.
 */

import {
  type AuthorizationSnapshot,
  assessLedger,
  grantsFromSnapshot,
  matchGlob,
  planRemovals,
} from '../../core/src/index.js';
import { DAY_MS } from '../../core/src/ledger/assess.js';
import type { LedgerEntry } from '../../core/src/model.js';

const IDENTITY = '111111111111';
const TARGET = '222222222222';
const NOW = Date.UTC(2026, 0, 1);
const ROLES = 500;
const GROUPS = 20;
const doc = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });

function organisation(users: number): { snapshots: AuthorizationSnapshot[]; ledger: LedgerEntry[] } {
  const base = {
    format: 'lastswitch.authorization-snapshot' as const,
    version: 1 as const,
    takenAt: NOW,
    problems: [],
  };
  const roles = Array.from({ length: ROLES }, (_, i) => ({
    name: `team${i % 50}-role${i}`,
    id: `AROA${i}`,
    arn: `arn:aws:iam::${TARGET}:role/team${i % 50}-role${i}`,
    path: '/',
    createdAt: 0,
    inlinePolicies: [],
    attachedPolicies: [],
    trustPolicy: doc({
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${IDENTITY}:root` },
      Action: 'sts:AssumeRole',
    }),
  }));
  const groups = Array.from({ length: GROUPS }, (_, g) => ({
    name: `group${g}`,
    id: `AGPA${g}`,
    arn: `arn:aws:iam::${IDENTITY}:group/group${g}`,
    path: '/',
    createdAt: 0,
    inlinePolicies: [
      {
        name: 'switch',
        document: doc({
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: `arn:aws:iam::${TARGET}:role/team${g}-*`,
        }),
      },
    ],
    attachedPolicies: [],
  }));
  const ledger: LedgerEntry[] = [];
  const list = Array.from({ length: users }, (_, u) => {
    const arn = `arn:aws:iam::${IDENTITY}:user/user${u}`;
    const exact = roles[u % ROLES]?.arn ?? '';
    if (u % 3 === 0) {
      ledger.push({
        principal: { key: arn, kind: 'iam-user', account: IDENTITY, name: `user${u}`, arn },
        role: { key: exact, account: TARGET, name: exact.slice(exact.lastIndexOf('/') + 1), arn: exact },
        firstSeen: NOW - 400 * DAY_MS,
        lastSeen: NOW - (u % 200) * DAY_MS,
        methods: ['AssumeRole'],
        lastEventId: `e${u}`,
      });
    }
    return {
      name: `user${u}`,
      id: `AIDA${u}`,
      arn,
      path: '/',
      createdAt: 0,
      groups: [`group${u % GROUPS}`],
      inlinePolicies: [
        {
          name: 'own',
          document: doc(
            { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: exact },
            { Effect: 'Allow', Action: 'sts:*', Resource: `arn:aws:iam::${TARGET}:role/team${u % 50}-*` },
          ),
        },
      ],
      attachedPolicies: [],
    };
  });
  return {
    snapshots: [
      { ...base, account: IDENTITY, users: list, groups, roles: [], policies: [] },
      { ...base, account: TARGET, users: [], groups: [], roles, policies: [] },
    ],
    ledger,
  };
}

function best(runs: number, fn: () => unknown): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    min = Math.min(min, performance.now() - start);
  }
  return min;
}

async function main(): Promise<void> {
  const rows: { users: number; grants: number; evaluate: number; plan: number }[] = [];
  for (const users of [1_000, 5_000, 20_000]) {
    const { snapshots, ledger } = organisation(users);
    let grants = 0;
    const evaluate = best(5, () => {
      grants = grantsFromSnapshot(snapshots).grants.length;
    });
    const evaluation = grantsFromSnapshot(snapshots);
    const assessment = await assessLedger(ledger, { now: NOW, staleAfterDays: 90 });
    const plan = best(5, () => planRemovals(assessment, evaluation));
    rows.push({ users, grants, evaluate, plan });
  }
  const first = rows[0];
  console.log('users   grants   evaluate ms   plan ms   evaluate per grant vs 1k   plan per grant vs 1k');
  for (const r of rows) {
    const perGrant = r.evaluate / r.grants / ((first?.evaluate ?? 1) / (first?.grants ?? 1));
    const planPer = r.plan / r.grants / ((first?.plan ?? 1) / (first?.grants ?? 1));
    console.log(
      `${String(r.users).padStart(6)} ${String(r.grants).padStart(7)} ${r.evaluate.toFixed(1).padStart(12)} ${r.plan.toFixed(1).padStart(9)} ${perGrant.toFixed(2).padStart(26)} ${planPer.toFixed(2).padStart(21)}`,
    );
  }

  // Hostile glob: `a*a*…*a*b` against `aaaa…` — a backtracking regex needs time exponential in the stars.
  for (const stars of [8, 10, 12]) {
    const pattern = `${'a*'.repeat(stars)}b`;
    const text = 'a'.repeat(28);
    const regex = new RegExp(`^${pattern.replaceAll('*', '.*')}$`);
    const glob = best(5, () => matchGlob(pattern, text));
    const re = best(1, () => regex.test(text));
    console.log(
      `hostile pattern with ${stars} stars: matchGlob ${(glob * 1000).toFixed(1)} µs, RegExp ${re.toFixed(1)} ms, ratio RegExp/matchGlob ${(re / Math.max(glob, 0.0001)).toFixed(0)}×`,
    );
  }
}

await main();
