/// <reference lib="dom" />
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBuiltCli, runCli, SAMPLE_TRAIL, tempDir } from '../../packages/cli/test/_cli.js';
import { assessLedger, type LedgerEntry, renderHtmlReport } from '../../packages/core/src/index.js';

/** Debian's Chromium; `.ci/run` installs it. */
const CHROMIUM = '/usr/bin/chromium';
/** Screenshots land here (gitignored), to look at after a run. */
const ARTIFACTS = fileURLToPath(new URL('./.artifacts/', import.meta.url));
const NOW = '2026-02-16T00:00:00Z';
const HOSTILE_SOURCE = '</script><img src=x onerror="window.__pwned=1">\u2028"\'&<>';

interface PairJson {
  principal: string;
  principalName: string;
  roleAccount: string;
  status: 'active' | 'stale' | 'never';
  daysSince: number | null;
}

let browser: Browser;
let work: string;
let reportFile: string;
let pairs: PairJson[];

/** Opens a file in a fresh page that records every request, console error and page error. */
async function open(file: string) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const url = pathToFileURL(file).href;
  const requests: string[] = [];
  const errors: string[] = [];
  await context.route('**/*', (route) => {
    requests.push(route.request().url());
    return route.request().url() === url ? route.continue() : route.abort();
  });
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') errors.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  await page.goto(url);
  await page.waitForSelector('html[data-ready="true"]');
  return { page, requests, errors, url, close: () => context.close() };
}

const statusesOf = (page: Page) =>
  page.$$eval('#pairs tbody tr', (rows) => rows.map((r) => r.getAttribute('data-status')));

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the HTML report is tested in Debian's Chromium. Install it with \`apt-get install -y chromium\` (.ci/run does).`,
    );
  }
  requireBuiltCli();
  work = await tempDir();
  const scan = await runCli(['scan', SAMPLE_TRAIL, '--no-progress'], { cwd: work });
  expect(scan.code, scan.stderr).toBe(0);
  // A roster adds a never-used grant with a hostile source; a plan proposes a change for dave.
  await writeFile(
    join(work, 'roster.json'),
    JSON.stringify([
      {
        principal: 'arn:aws:iam::111111111111:user/frank',
        role: 'arn:aws:iam::333333333333:role/Auditor',
        since: '2025-01-01',
        source: HOSTILE_SOURCE,
      },
    ]),
  );
  await writeFile(
    join(work, 'plan.json'),
    JSON.stringify({
      dryRun: true,
      generatedAt: NOW,
      staleAfterDays: 30,
      graceDays: 30,
      summary: { grants: 2, active: 1, stale: 1, never: 0, inGrace: 0, actions: 1 },
      actions: [
        {
          kind: 'edit-statement',
          account: '111111111111',
          principal: {
            key: 'arn:aws:iam::111111111111:user/dave',
            kind: 'iam-user',
            account: '111111111111',
            name: 'dave',
          },
          summary: 'Remove arn:aws:iam::222222222222:role/BillingViewer from statement #0 of inline policy switch',
          policy: { kind: 'user-inline', name: 'switch', owner: 'dave' },
          statementIndex: 0,
          removeResources: ['arn:aws:iam::222222222222:role/BillingViewer'],
          grants: [
            {
              id: 'g1',
              resource: 'arn:aws:iam::222222222222:role/BillingViewer',
              status: 'stale',
              lastSeenAt: '2026-01-06T10:00:00.000Z',
              daysSince: 40,
              usedRoles: [],
              source: 'inline policy switch of user dave statement #0',
            },
          ],
          notes: [],
        },
      ],
      skipped: [],
      ineffective: [],
      problems: [],
    }),
  );
  const common = ['--now', NOW, '--stale-after', '30', '--roster', 'roster.json'];
  const html = await runCli(
    ['report', ...common, '--format', 'html', '--plan', 'plan.json', '--output', 'review.html'],
    { cwd: work },
  );
  expect(html.code, html.stderr).toBe(0);
  expect(html.stderr).toContain('Wrote the report to review.html');
  const json = await runCli(['report', ...common, '--format', 'json'], { cwd: work });
  expect(json.code, json.stderr).toBe(0);
  pairs = JSON.parse(json.stdout).pairs;
  reportFile = join(work, 'review.html');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  await mkdir(ARTIFACTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the HTML report of the sample trail, in Chromium', () => {
  it('loads without a single network request or console error, and shows the summary', async () => {
    const { page, requests, errors, url, close } = await open(reportFile);
    try {
      expect(requests).toEqual([url]);
      expect(errors).toEqual([]);
      const stale = pairs.filter((p) => p.status === 'stale').length;
      expect(await page.textContent('[data-summary="pairs"] b')).toBe(String(pairs.length));
      expect(await page.textContent('[data-summary="stale"] b')).toBe(String(stale));
      expect(await page.textContent('[data-summary="never"] b')).toBe('1');
      expect(await page.textContent('header')).toContain('As of 2026-02-16T00:00:00.000Z');
      await page.screenshot({ path: join(ARTIFACTS, 'report-html.png'), fullPage: true });
    } finally {
      await close();
    }
  });

  it('shows a hostile grant source as text, never as markup', async () => {
    const { page, close } = await open(reportFile);
    try {
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await page.$$('img')).toHaveLength(0);
      await page.selectOption('#f-status', 'never');
      expect(await page.textContent('#pairs tbody td.c-grant')).toBe(HOSTILE_SOURCE);
    } finally {
      await close();
    }
  });

  it('draws one matrix cell per principal and account, coloured by the worst status there', async () => {
    const { page, close } = await open(reportFile);
    try {
      const principals = [...new Set(pairs.map((p) => p.principal))];
      const accounts = [...new Set(pairs.map((p) => p.roleAccount))];
      expect(await page.$$('#matrix tbody tr')).toHaveLength(principals.length);
      expect(await page.$$('#matrix tbody td')).toHaveLength(principals.length * accounts.length);
      expect(await page.$$eval('#matrix thead th button', (b) => b.map((x) => x.textContent))).toEqual(
        [...accounts].sort(),
      );
      const rank = { active: 0, stale: 1, never: 2 } as const;
      const dave = pairs.filter((p) => p.principalName === 'dave');
      const worst = new Map<string, string>();
      for (const p of dave) {
        const before = worst.get(p.roleAccount);
        if (before === undefined || rank[p.status] > rank[before as keyof typeof rank])
          worst.set(p.roleAccount, p.status);
      }
      const row = page.locator('#matrix tbody tr', { hasText: 'dave (111111111111)' });
      const cells = await row.locator('td').evaluateAll((tds) => tds.map((td) => td.getAttribute('data-status')));
      const cols = await page.$$eval('#matrix thead th button', (b) => b.map((x) => x.textContent ?? ''));
      expect(cells).toEqual(cols.map((a) => worst.get(a) ?? 'none'));
      expect(await page.$$eval('#legend .swatch', (s) => s.map((x) => x.className))).toEqual([
        'swatch s-active',
        'swatch s-stale',
        'swatch s-never',
        'swatch s-none',
      ]);
    } finally {
      await close();
    }
  });

  it('filtering by "stale" leaves only the stale rows; by account only that account', async () => {
    const { page, close } = await open(reportFile);
    try {
      expect(await page.$$('#pairs tbody tr')).toHaveLength(pairs.length);
      await page.selectOption('#f-status', 'stale');
      const statuses = await statusesOf(page);
      expect(statuses).toHaveLength(pairs.filter((p) => p.status === 'stale').length);
      expect(statuses.length).toBeGreaterThan(0);
      expect(new Set(statuses)).toEqual(new Set(['stale']));
      expect(new Set(await page.$$eval('#pairs tbody td.c-status', (t) => t.map((x) => x.textContent)))).toEqual(
        new Set(['stale']),
      );
      await page.selectOption('#f-status', '');
      await page.selectOption('#f-account', '333333333333');
      const accounts = await page.$$eval('#pairs tbody td.c-account', (t) => t.map((x) => x.textContent));
      expect(accounts).toHaveLength(pairs.filter((p) => p.roleAccount === '333333333333').length);
      expect(new Set(accounts)).toEqual(new Set(['333333333333']));
      await page.selectOption('#f-account', '');
      await page.fill('#f-text', 'grace@');
      await page.waitForFunction(
        (n) => document.querySelectorAll('#pairs tbody tr').length === n,
        pairs.filter((p) => p.principalName.includes('grace@')).length,
      );
      const names = await page.$$eval('#pairs tbody td.c-principal', (t) => t.map((x) => x.textContent ?? ''));
      expect(names.every((n) => n.includes('grace@'))).toBe(true);
    } finally {
      await close();
    }
  });

  it('sorting by age orders the rows, and a second click reverses them', async () => {
    const { page, close } = await open(reportFile);
    try {
      const days = async () =>
        (await page.$$eval('#pairs tbody tr', (rows) => rows.map((r) => r.getAttribute('data-days')))).map((d) =>
          d === '' ? Number.POSITIVE_INFINITY : Number(d),
        );
      await page.click('#pairs th[data-col="age"] button');
      const up = await days();
      expect(up).toHaveLength(pairs.length);
      expect(up).toEqual([...up].sort((a, b) => a - b));
      expect(up[0]).toBeLessThan(up[up.length - 1] ?? 0);
      expect(await page.getAttribute('#pairs th[data-col="age"]', 'aria-sort')).toBe('ascending');
      await page.click('#pairs th[data-col="age"] button');
      const down = await days();
      expect(down).toEqual([...up].sort((a, b) => b - a));
      expect(await page.getAttribute('#pairs th[data-col="age"]', 'aria-sort')).toBe('descending');
    } finally {
      await close();
    }
  });

  it('clicking a principal opens their detail with every role and the plan changes', async () => {
    const { page, close, errors } = await open(reportFile);
    try {
      expect(await page.isVisible('#detail')).toBe(false);
      await page.locator('#pairs tbody tr', { hasText: 'dave (111111111111)' }).first().click();
      await page.waitForSelector('#detail:not([hidden])');
      expect(await page.textContent('#detail h2')).toBe('dave (111111111111)');
      const daveStatuses = pairs.filter((p) => p.principalName === 'dave').map((p) => p.status);
      expect(
        await page.$$eval('#detail table.detail-roles tbody tr', (r) => r.map((x) => x.getAttribute('data-status'))),
      ).toEqual(daveStatuses);
      expect(await page.textContent('#detail')).toContain(
        'Remove arn:aws:iam::222222222222:role/BillingViewer from statement #0 of inline policy switch',
      );
      await page.screenshot({ path: join(ARTIFACTS, 'report-html-detail.png') });
      await page.keyboard.press('Escape');
      expect(await page.isVisible('#detail')).toBe(false);
      // A matrix name opens the same detail; a principal without a plan change says so.
      await page.locator('#matrix tbody th button', { hasText: 'alice' }).click();
      expect(await page.textContent('#detail h2')).toBe('alice (111111111111)');
      expect(await page.textContent('#detail')).toContain('The removal plan proposes no change for this principal.');
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('prints without the controls', async () => {
    const { page, close } = await open(reportFile);
    try {
      expect(await page.isVisible('#f-status')).toBe(true);
      await page.emulateMedia({ media: 'print' });
      expect(await page.isVisible('#f-status')).toBe(false);
      expect(await page.isVisible('#matrix')).toBe(true);
      expect(await page.isVisible('#pairs')).toBe(true);
    } finally {
      await close();
    }
  });
});

describe('a 100,000-pair HTML report in Chromium', () => {
  it('pages the table and the matrix, and filters all of it', async () => {
    const day = 86_400_000;
    const now = Date.parse(NOW);
    const entries: LedgerEntry[] = [];
    for (let i = 0; i < 100_000; i++) {
      const name = `user${i % 2500}`;
      const account = String(100000000000 + (i % 40));
      const roleName = `Role${Math.floor(i / 2500)}`;
      entries.push({
        principal: { key: `arn:aws:iam::111111111111:user/${name}`, kind: 'iam-user', account: '111111111111', name },
        role: {
          key: `arn:aws:iam::${account}:role/${roleName}`,
          account,
          name: roleName,
          arn: `arn:aws:iam::${account}:role/${roleName}`,
        },
        firstSeen: now - ((i % 400) + 30) * day,
        lastSeen: now - (i % 400) * day,
        methods: ['AssumeRole'],
        lastEventId: `e${i}`,
      });
    }
    const assessment = await assessLedger(entries, { now, staleAfterDays: 90 });
    const file = join(work, 'big.html');
    await writeFile(file, renderHtmlReport(assessment));
    const { page, requests, errors, url, close } = await open(file);
    try {
      expect(requests).toEqual([url]);
      expect(await page.$$('#pairs tbody tr')).toHaveLength(200);
      expect(await page.textContent('#pairs-count')).toBe('Showing 1–200 of 100,000.');
      expect(await page.$$('#matrix tbody tr')).toHaveLength(100);
      expect(await page.$$('#matrix tbody td')).toHaveLength(100 * 40);
      await page.selectOption('#f-status', 'active');
      const active = assessment.summary.active;
      expect(await page.textContent('#pairs-count')).toBe(
        `Showing 1–200 of ${active.toLocaleString('en-US')} (filtered from 100,000).`,
      );
      expect(new Set(await statusesOf(page))).toEqual(new Set(['active']));
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});
