import { assessLedger, renderReportBytes } from './dist/index.js';
const U = +(process.argv[2] ?? 2000), R = 50; const entries = [];
const roles = Array.from({ length: R }, (_, r) => ({ key: `arn:aws:iam::${100000000000 + r}:role/Role${r}`, arn: `arn:aws:iam::${100000000000 + r}:role/Role${r}`, name: `Role${r}`, account: `${100000000000 + r}` }));
for (let u = 0; u < U; u++) {
  const principal = { kind: 'iam-user', key: `arn:aws:iam::111111111111:user/user${u}`, arn: `arn:aws:iam::111111111111:user/user${u}`, name: `user${u}`, account: '111111111111' };
  for (let r = 0; r < R; r++) { const t = 1.7e12 + ((u * 7919 + r * 104729) % 5e6) * 1000; entries.push({ principal, role: roles[r], firstSeen: t - 1e9, lastSeen: t, methods: ['assume-role'], lastEventId: `e${u}-${r}` }); }
}
const a = await assessLedger(entries, { now: 1.75e12, staleAfterDays: 90 });
let total = 0;
for (let i = 0; i < 6; i++) {
  const t = performance.now(); let n = 0;
  for (const c of renderReportBytes(a, 'json', { reuseBuffer: true })) n += c.length;
  const ms = performance.now() - t; if (i > 0) total += ms; console.log('render', n, ms.toFixed(0), 'ms');
}
console.log('avg', (total / 5).toFixed(0));
