import { runInNewContext } from 'node:vm';
import {
  assessLedger,
  PLAN_VERSION,
  type RemovalPlan,
  ReportOptionsError,
  renderHtmlReport,
  toScriptJson,
} from '@lastswitch/core';
import { describe, expect, it } from 'vitest';
import type { Assessment, LedgerEntry, PrincipalRef, RoleRef } from '../src/model.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 1, 16);
const HOSTILE = '</script><img src=x onerror=alert(1)>\u2028\u2029"\'&<>--><!--';

const user = (name: string, account = '111111111111'): PrincipalRef => ({
  key: `arn:aws:iam::${account}:user/${name}`,
  kind: 'iam-user',
  account,
  name,
  arn: `arn:aws:iam::${account}:user/${name}`,
});
const role = (name: string, account = '222222222222'): RoleRef => ({
  key: `arn:aws:iam::${account}:role/${name}`,
  account,
  name,
  arn: `arn:aws:iam::${account}:role/${name}`,
});
const entry = (principal: PrincipalRef, r: RoleRef, days: number): LedgerEntry => ({
  principal,
  role: r,
  firstSeen: NOW - (days + 30) * DAY,
  lastSeen: NOW - days * DAY,
  methods: ['AssumeRole'],
  lastEventId: `evt-${days}`,
});

interface Data {
  title: string;
  generatedAt: string;
  staleAfterDays: number;
  showGrants: boolean;
  summary: Record<string, number>;
  principals: [string, string, string, string, string | null][];
  roles: [string, string, string, string][];
  sources: string[];
  pairs: [number, number, number, number | null, number | null, number | null, number, number][];
  plan: null | {
    actions: Record<string, { title: string; summary: string; where: string[] }[]>;
    skipped: Record<string, [string, string][]>;
    elsewhere: number;
  };
}

/** The page's embedded data, read back the way the page's script reads it. */
function dataOf(html: string): Data {
  const open = '<script type="application/json" id="lastswitch-data">';
  const start = html.indexOf(open) + open.length;
  return JSON.parse(html.slice(start, html.indexOf('</script>', start)));
}

/** The inline (executable) script of the page. */
function scriptOf(html: string): string {
  const start = html.lastIndexOf('<script>') + '<script>'.length;
  return html.slice(start, html.indexOf('</script>', start));
}

const hostile = (): Promise<Assessment> =>
  assessLedger([entry(user(HOSTILE), role(HOSTILE), 100), entry(user('bob'), role('ReadOnly', '333333333333'), 1)], {
    now: NOW,
    staleAfterDays: 30,
    roster: [{ principal: 'arn:aws:iam::111111111111:user/gina', role: 'arn:aws:iam::*:role/Admin*', source: HOSTILE }],
  });

describe('renderHtmlReport', () => {
  it('keeps hostile names inert: no raw markup, no line separators, and the data reads back intact', async () => {
    const html = renderHtmlReport(await hostile(), { title: HOSTILE, grantsFrom: HOSTILE });
    // Exactly the page's own two scripts close; nothing from the data opens a tag or a comment.
    expect(html.split('</script>')).toHaveLength(3);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<!--');
    expect(html).not.toContain('\u2028');
    expect(html).not.toContain('\u2029');
    expect(html).toContain('<title>&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
    const data = dataOf(html);
    expect(data.title).toBe(HOSTILE);
    expect(data.principals.map((p) => p[1])).toContain(HOSTILE);
    expect(data.roles.map((r) => r[1])).toContain(HOSTILE);
    expect(data.sources).toEqual([HOSTILE]);
  });

  it('never builds markup from data in its script', async () => {
    const script = scriptOf(renderHtmlReport(await hostile()));
    expect(script).toContain('textContent');
    for (const sink of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(', 'new Function']) {
      expect(script).not.toContain(sink);
    }
  });

  it('embeds a script that parses and a policy that forbids any network request', async () => {
    const html = renderHtmlReport(await hostile());
    expect(() => runInNewContext(`(function(){${scriptOf(html)}})`)).not.toThrow();
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/\b(?:src|href)=["']?(?:https?:)?\/\//);
    expect(html).not.toContain('@import');
    expect(html).not.toContain('url(');
  });

  it.each([
    ['<', '\\u003c'],
    ['>', '\\u003e'],
    ['&', '\\u0026'],
    ['\u2028', '\\u2028'],
    ['\u2029', '\\u2029'],
  ])('toScriptJson escapes %j', (raw, escaped) => {
    const text = toScriptJson({ a: `x${raw}y` });
    expect(text).toBe(`{"a":"x${escaped}y"}`);
    expect(JSON.parse(text)).toEqual({ a: `x${raw}y` });
  });

  it('renders an empty ledger as a page that says so', async () => {
    const assessment = await assessLedger([], { now: NOW, staleAfterDays: 90 });
    const html = renderHtmlReport(assessment);
    const data = dataOf(html);
    expect(data.pairs).toEqual([]);
    expect(data.summary).toEqual({ principals: 0, pairs: 0, active: 0, stale: 0, never: 0 });
    expect(data.generatedAt).toBe('2026-02-16T00:00:00.000Z');
    expect(scriptOf(html)).toContain('Nothing to report');
  });

  it('carries roster never rows with their grant source, and shows the grant column', async () => {
    const data = dataOf(renderHtmlReport(await hostile()));
    expect(data.showGrants).toBe(true);
    const never = data.pairs.filter((p) => p[2] === 2);
    expect(never).toHaveLength(1);
    const [principal, r, , lastSeen, firstSeen, days, via, source] = never[0] ?? [];
    expect(data.principals[principal ?? -1]?.[1]).toBe('gina');
    expect(data.roles[r ?? -1]?.[0]).toBe('arn:aws:iam::*:role/Admin*');
    expect([lastSeen, firstSeen, days, via]).toEqual([null, null, null, 0]);
    expect(data.sources[source ?? -1]).toBe(HOSTILE);
    const stale = data.pairs.find((p) => p[2] === 1);
    expect(stale?.slice(3, 8)).toEqual([NOW - 100 * DAY, NOW - 130 * DAY, 100, 1, -1]);
  });

  it('hides the grant column without a roster unless asked', async () => {
    const assessment = await assessLedger([entry(user('bob'), role('ReadOnly'), 1)], { now: NOW, staleAfterDays: 30 });
    expect(dataOf(renderHtmlReport(assessment)).showGrants).toBe(false);
    expect(dataOf(renderHtmlReport(assessment, { showGrants: true })).showGrants).toBe(true);
  });

  it('files plan actions and skipped grants under their principal', async () => {
    const assessment = await hostile();
    const bob = user('bob');
    const carol = user('carol');
    const plan: RemovalPlan = {
      format: 'lastswitch.removal-plan',
      version: PLAN_VERSION,
      madeFrom: [],
      dryRun: true,
      generatedAt: NOW,
      staleAfterDays: 30,
      graceDays: 30,
      summary: { grants: 3, active: 1, stale: 1, never: 1, inGrace: 0, actions: 2 },
      actions: [
        {
          kind: 'edit-statement',
          account: '111111111111',
          principal: bob,
          summary: 'Remove arn:aws:iam::333333333333:role/Old from statement #0',
          policy: { kind: 'user-inline', name: 'switch', owner: 'bob' },
          statementIndex: 0,
          removeResources: ['arn:aws:iam::333333333333:role/Old'],
          grants: [
            {
              id: 'g1',
              resource: 'arn:aws:iam::333333333333:role/Old',
              status: 'stale',
              lastSeen: NOW - 200 * DAY,
              daysSince: 200,
              usedRoles: [],
              source: 'inline policy switch of user bob statement #0',
            },
          ],
          notes: [HOSTILE],
        },
        {
          kind: 'remove-from-group',
          account: '111111111111',
          principal: carol,
          summary: 'Remove carol from group admins',
          group: 'admins',
          grants: [],
          notes: [],
        },
      ],
      skipped: [{ grantId: 'g2', principal: bob.arn ?? '', resource: 'arn:aws:iam::*:role/X', reason: 'in grace' }],
      ineffective: [],
      problems: [],
    };
    const data = dataOf(renderHtmlReport(assessment, { plan }));
    const bobIndex = data.principals.findIndex((p) => p[0] === bob.key);
    const carolIndex = data.principals.findIndex((p) => p[0] === carol.key);
    expect(bobIndex).toBeGreaterThanOrEqual(0);
    expect(data.plan?.actions[bobIndex]).toMatchObject([
      {
        title: 'Edit statement',
        summary: 'Remove arn:aws:iam::333333333333:role/Old from statement #0',
        where: [
          'policy: inline policy switch of bob, statement #0',
          'remove from Resource: arn:aws:iam::333333333333:role/Old',
        ],
      },
    ]);
    expect(data.plan?.skipped[bobIndex]).toEqual([['arn:aws:iam::*:role/X', 'in grace']]);
    // carol has no pair in the report: her change is kept (under a principal row with no pairs) and counted.
    expect(data.plan?.actions[carolIndex]).toMatchObject([{ title: 'Remove from group' }]);
    expect(data.plan?.elsewhere).toBe(1);
    expect(data.pairs.some((p) => p[0] === carolIndex)).toBe(false);
  });

  it('renders 100,000 pairs into one page holding all of them', async () => {
    const entries: LedgerEntry[] = [];
    for (let i = 0; i < 100_000; i++) {
      entries.push(
        entry(user(`user${i % 2500}`), role(`Role${Math.floor(i / 2500)}`, String(100000000000 + (i % 40))), i % 400),
      );
    }
    const assessment = await assessLedger(entries, { now: NOW, staleAfterDays: 90 });
    const html = renderHtmlReport(assessment);
    const data = dataOf(html);
    expect(data.pairs).toHaveLength(100_000);
    expect(data.principals).toHaveLength(2500);
  }, 120_000);

  it('rejects a bad grace period', async () => {
    const assessment = await assessLedger([], { now: NOW, staleAfterDays: 90 });
    expect(() => renderHtmlReport(assessment, { graceDays: -1 })).toThrow(ReportOptionsError);
  });
});
