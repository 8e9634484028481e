/**
 * `pnpm bench packages toSlackMessages`: renders assessments of 1k, 10k and 100k stale (principal, role)
 * pairs (10 roles per principal) as Slack messages, next to core's markdown report of the same
 * assessment. Prints the best of 5 runs, the time per pair (it should stay flat: the layout is
 * linear) and the ratio to the markdown report. Compare ratios, not times: the machine is shared.
 */
import { type Assessment, type PairAssessment, type PrincipalAssessment, renderReport } from '@lastswitch/core';
import { toSlackMessages } from '../src/index.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 29);
const ROLES = 10;
const RUNS = 5;

function build(pairs: number): Assessment {
  const principals: PrincipalAssessment[] = [];
  for (let p = 0; p < pairs / ROLES; p++) {
    const name = `user-${String(p).padStart(6, '0')}`;
    const account = `1111111${String(p % 10).padStart(5, '0')}`;
    const key = `arn:aws:iam::${account}:user/${name}`;
    const principal = { key, kind: 'iam-user' as const, account, name, arn: key };
    const roles: PairAssessment[] = [];
    for (let r = 0; r < ROLES; r++) {
      const roleAccount = `2222222${String(r).padStart(5, '0')}`;
      const roleKey = `arn:aws:iam::${roleAccount}:role/Role-${r}`;
      const daysSince = 91 + ((p * 7 + r * 13) % 400);
      roles.push({
        principal,
        role: { key: roleKey, account: roleAccount, name: `Role-${r}`, arn: roleKey },
        status: r % 3 === 0 && p % 2 === 0 ? 'active' : 'stale',
        lastSeen: NOW - daysSince * DAY,
        daysSince,
        via: ['AssumeRole'],
      });
    }
    principals.push({ principal, status: p % 2 === 0 ? 'active' : 'stale', roles });
  }
  const all = principals.flatMap((p) => p.roles);
  const stale = all.filter((pair) => pair.status === 'stale').length;
  return {
    generatedAt: NOW,
    staleAfterDays: 90,
    summary: { principals: principals.length, pairs: all.length, active: all.length - stale, stale, never: 0 },
    pairs: all,
    principals,
  };
}

function best(run: () => unknown): number {
  let fastest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    run();
    fastest = Math.min(fastest, performance.now() - start);
  }
  return fastest;
}

console.log('pairs    | slack ms | µs/pair | messages | markdown ms | slack/markdown');
for (const pairs of [1_000, 10_000, 100_000]) {
  const assessment = build(pairs);
  const slack = best(() => toSlackMessages(assessment));
  const markdown = best(() => renderReport(assessment, 'markdown'));
  const messages = toSlackMessages(assessment).length;
  console.log(
    `${String(pairs).padEnd(8)} | ${slack.toFixed(1).padStart(8)} | ${((slack * 1000) / pairs).toFixed(2).padStart(7)} | ` +
      `${String(messages).padStart(8)} | ${markdown.toFixed(1).padStart(11)} | ${(slack / markdown).toFixed(2).padStart(14)}`,
  );
}
