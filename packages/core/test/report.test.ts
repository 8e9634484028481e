import {
  assessLedger,
  csvCell,
  formatAge,
  REPORT_FORMATS,
  type ReportFormat,
  ReportOptionsError,
  renderReport,
  renderReportBytes,
  renderReportChunks,
  toReportJson,
} from '@lastswitch/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoTime, renderJsonReportBytes } from '../src/ledger/jsonReportBytes.js';
import type { Assessment, LedgerEntry, PrincipalRef, RoleRef, SwitchMethod } from '../src/model.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 0, 1);
const user = (name: string, account = '111111111111', path = ''): PrincipalRef => ({
  key: `arn:aws:iam::${account}:user/${name}`,
  kind: 'iam-user',
  account,
  name,
  arn: `arn:aws:iam::${account}:user/${path}${name}`,
});
const role = (name: string, account = '222222222222', path = ''): RoleRef => ({
  key: `arn:aws:iam::${account}:role/${name}`,
  account,
  name,
  arn: `arn:aws:iam::${account}:role/${path}${name}`,
});
const entry = (
  principal: PrincipalRef,
  r: RoleRef,
  days: number,
  methods: SwitchMethod[] = ['AssumeRole'],
): LedgerEntry => ({
  principal,
  role: r,
  firstSeen: NOW - (days + 30) * DAY,
  lastSeen: NOW - days * DAY,
  methods,
  lastEventId: `evt-${days}`,
});

const sample = (): Promise<Assessment> =>
  assessLedger(
    [
      entry(user('alice', '111111111111', 'staff/'), role('Admin', '222222222222', 'team/'), 211, [
        'AssumeRole',
        'SwitchRole',
      ]),
      entry(user('bob'), role('ReadOnly'), 1),
      entry(
        {
          key: 'unresolved:333333333333:AIDAEXAMPLE',
          kind: 'unresolved',
          account: '333333333333',
          name: 'AIDAEXAMPLE',
        },
        role('Deploy'),
        0,
      ),
    ],
    {
      now: NOW,
      staleAfterDays: 90,
      roster: [
        {
          principal: 'arn:aws:iam::111111111111:user/gina',
          role: 'arn:aws:iam::*:role/Admin*',
          source: 'group admins',
        },
      ],
    },
  );

/** An assessment whose names are hostile to every format. */
const hostile = (): Promise<Assessment> =>
  assessLedger(
    [
      entry(user('=HYPERLINK("http://x")'), role('+SUM(A1)'), 100),
      entry(user('-2+3'), role('@cmd'), 5),
      entry(user('a|b*c_d<script>`x`'), role('[link](http://x)'), 3),
      entry(user('line\nbreak, "quoted"'), role('esc\u001b[31mred\u202etxt'), 2),
    ],
    { now: NOW, staleAfterDays: 90 },
  );

/** A small RFC 4180 reader for checking the CSV the renderer writes. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  expect(cell).toBe('');
  expect(row).toEqual([]);
  return rows;
}

describe('formatAge', () => {
  it.each([
    [undefined, '-'],
    [0, '0 days'],
    [1, '1 day'],
    [2, '2 days'],
    [211, '211 days'],
  ])('%s → %s', (days, text) => {
    expect(formatAge(days)).toBe(text);
  });
});

describe('renderReport: table', () => {
  it('renders the sample exactly, cutting names (not accounts) to fit 100 columns', async () => {
    expect(renderReport(await sample(), 'table')).toBe(
      [
        'lastswitch report at 2026-01-01T00:00:00.000Z, stale after 90 days',
        '4 principals, 4 pairs: 2 active, 1 stale, 1 never',
        '',
        'STATUS  LAST SWITCH  AGE       PRINCIPAL                   ROLE                        VIA',
        'never   -            -         gina (111111111111)         arn:aws:iam::*:role/Admin*  -',
        'stale   2025-06-04   211 days  alice (111111111111)        Admin (222222222222)        AssumeRole, …',
        'active  2025-12-31   1 day     bob (111111111111)          ReadOnly (222222222222)     AssumeRole',
        'active  2026-01-01   0 days    unresolved… (333333333333)  Deploy (222222222222)       AssumeRole',
        '',
      ].join('\n'),
    );
  });

  it('renders one row per principal with its role counts', async () => {
    const out = renderReport(await sample(), 'table', { by: 'principal' });
    expect(out.split('\n').slice(3, 6)).toEqual([
      'STATUS  LAST SWITCH  AGE       PRINCIPAL                              ROLES',
      'never   -            -         gina (111111111111)                    1 (1 never)',
      'stale   2025-06-04   211 days  alice (111111111111)                   1 (1 stale)',
    ]);
  });

  it.each([40, 50, 60, 80, 100, 132, 200])('fits a %d-column terminal', async (width) => {
    for (const by of ['pair', 'principal'] as const) {
      for (const a of [await sample(), await hostile()]) {
        const lines = renderReport(a, 'table', { by, width }).split('\n');
        for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(width);
      }
    }
  });

  it('fits any width with any names (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.string({ maxLength: 80 }), fc.string({ maxLength: 80 }), fc.nat({ max: 5000 })), {
          maxLength: 6,
        }),
        fc.integer({ min: 40, max: 240 }),
        async (rows, width) => {
          const a = await assessLedger(
            rows.map(([p, r, d]) => entry(user(p), role(r), d)),
            { now: NOW, staleAfterDays: 90 },
          );
          for (const line of renderReport(a, 'table', { width }).split('\n'))
            expect(line.length).toBeLessThanOrEqual(width);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('renders a terminal narrower than 40 columns at 40', async () => {
    const a = await sample();
    expect(renderReport(a, 'table', { width: 20 })).toBe(renderReport(a, 'table', { width: 40 }));
  });

  it('drops the least useful columns when the terminal is narrow', async () => {
    const header = renderReport(await sample(), 'table', { width: 40 }).split('\n')[3];
    expect(header?.split(/ +/)).toEqual(['STATUS', 'AGE', 'PRINCIPAL', 'ROLE']);
  });

  it('never lets a name move the cursor or change colour', async () => {
    const out = renderReport(await hostile(), 'table', { width: 200 });
    const unsafe = [...out].filter((c) => {
      const code = c.charCodeAt(0);
      return (code < 0x20 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f) || (code >= 0x202a && code <= 0x202e);
    });
    expect(unsafe).toEqual([]);
    expect(out.split('\n')).toHaveLength(3 + 1 + 4 + 1);
  });

  it('says so plainly when the ledger is empty', async () => {
    const empty = await assessLedger([], { now: NOW, staleAfterDays: 30 });
    expect(renderReport(empty, 'table')).toBe(
      'lastswitch report at 2026-01-01T00:00:00.000Z, stale after 30 days\n0 principals, 0 pairs: 0 active, 0 stale, 0 never\n\nNothing to report: the ledger is empty.\n',
    );
  });
});

describe('renderReport: markdown', () => {
  it('renders the sample as a table with a heading and summary', async () => {
    expect(renderReport(await sample(), 'markdown')).toBe(
      [
        '## lastswitch report at 2026-01-01T00:00:00.000Z, stale after 90 days',
        '',
        '4 principals, 4 pairs: 2 active, 1 stale, 1 never',
        '',
        '| Status | Last switch | Age | Principal | Role | Via |',
        '| --- | --- | --- | --- | --- | --- |',
        '| never | - | - | gina (111111111111) | arn:aws:iam::\\*:role/Admin\\* | - |',
        '| stale | 2025-06-04 | 211 days | alice (111111111111) | Admin (222222222222) | AssumeRole, SwitchRole |',
        '| active | 2025-12-31 | 1 day | bob (111111111111) | ReadOnly (222222222222) | AssumeRole |',
        '| active | 2026-01-01 | 0 days | unresolved AIDAEXAMPLE (333333333333) | Deploy (222222222222) | AssumeRole |',
        '',
      ].join('\n'),
    );
  });

  it.each([
    ['a|b*c_d<script>`x`', 'a\\|b\\*c\\_d\\<script\\>\\`x\\`'],
    ['[link](http://x)', '\\[link\\](http://x)'],
    ['line\nbreak, "quoted"', 'line break, "quoted"'],
    ['esc\u001b[31mred\u202etxt', 'esc?\\[31mred?txt'],
  ])('escapes %j', async (name, escaped) => {
    const out = renderReport(await hostile(), 'markdown');
    expect(out).toContain(escaped);
    expect(out).not.toContain(name);
  });

  it('keeps one line per row whatever the names', async () => {
    const lines = renderReport(await hostile(), 'markdown', { by: 'principal' })
      .trimEnd()
      .split('\n');
    expect(lines.slice(4)).toHaveLength(2 + 4);
    for (const line of lines.slice(4)) expect(line.split(/(?<!\\)\|/)).toHaveLength(7);
  });
});

describe('renderReport: csv', () => {
  it('writes RFC 4180 with CRLF, a header and one row per pair', async () => {
    const rows = readCsv(renderReport(await sample(), 'csv'));
    expect(rows[0]).toEqual([
      'principal',
      'principalArn',
      'principalName',
      'principalAccount',
      'role',
      'roleArn',
      'roleName',
      'roleAccount',
      'status',
      'lastSeen',
      'firstSeen',
      'daysSince',
      'via',
      'allowedBy',
    ]);
    expect(rows[2]).toEqual([
      'arn:aws:iam::111111111111:user/alice',
      'arn:aws:iam::111111111111:user/staff/alice',
      'alice',
      '111111111111',
      'arn:aws:iam::222222222222:role/Admin',
      'arn:aws:iam::222222222222:role/team/Admin',
      'Admin',
      '222222222222',
      'stale',
      '2025-06-04T00:00:00.000Z',
      '2025-05-05T00:00:00.000Z',
      '211',
      'AssumeRole SwitchRole',
      '',
    ]);
    expect(rows[1]?.[13]).toBe('group admins');
    expect(rows).toHaveLength(5);
  });

  it.each([
    ['=HYPERLINK("http://x")', '"\'=HYPERLINK(""http://x"")"'],
    ['+SUM(A1)', "'+SUM(A1)"],
    ['-2+3', "'-2+3"],
    ['@cmd', "'@cmd"],
    ['\tx', "'\tx"],
    ['\rx', '"\'\rx"'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['plain', 'plain'],
    ['', ''],
    [42, '42'],
    [null, ''],
  ] as const)('csvCell(%j) → %s', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it('guards every formula-like cell and round-trips the rest', async () => {
    const a = await hostile();
    const rows = readCsv(renderReport(a, 'csv')).slice(1);
    const names = rows.map((r) => r[2]);
    expect(names).toEqual(['\'=HYPERLINK("http://x")', "'-2+3", 'a|b*c_d<script>`x`', 'line\nbreak, "quoted"']);
    for (const row of rows) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('writes one row per principal with --by principal', async () => {
    const rows = readCsv(renderReport(await sample(), 'csv', { by: 'principal' }));
    expect(rows[0]).toEqual([
      'principal',
      'principalArn',
      'principalName',
      'principalAccount',
      'status',
      'lastSeen',
      'daysSince',
      'roles',
    ]);
    expect(rows[1]).toEqual([
      'arn:aws:iam::111111111111:user/gina',
      'arn:aws:iam::111111111111:user/gina',
      'gina',
      '111111111111',
      'never',
      '',
      '',
      'arn:aws:iam::*:role/Admin*',
    ]);
  });

  it('writes only the header for an empty ledger', async () => {
    const empty = await assessLedger([], { now: NOW, staleAfterDays: 90 });
    expect(readCsv(renderReport(empty, 'csv'))).toHaveLength(1);
  });
});

describe('renderReport: json', () => {
  it('follows the documented schema', async () => {
    const json = JSON.parse(renderReport(await sample(), 'json'));
    expect(json).toEqual(toReportJson(await sample()));
    expect(json.generatedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(json.summary).toEqual({ principals: 4, pairs: 4, active: 2, stale: 1, never: 1 });
    expect(json.pairs[1]).toEqual({
      principal: 'arn:aws:iam::111111111111:user/alice',
      principalArn: 'arn:aws:iam::111111111111:user/staff/alice',
      principalName: 'alice',
      principalAccount: '111111111111',
      role: 'arn:aws:iam::222222222222:role/Admin',
      roleArn: 'arn:aws:iam::222222222222:role/team/Admin',
      roleName: 'Admin',
      roleAccount: '222222222222',
      status: 'stale',
      lastSeen: '2025-06-04T00:00:00.000Z',
      firstSeen: '2025-05-05T00:00:00.000Z',
      daysSince: 211,
      via: ['AssumeRole', 'SwitchRole'],
      allowedBy: null,
    });
    expect(json.pairs[0]).toMatchObject({
      status: 'never',
      lastSeen: null,
      firstSeen: null,
      daysSince: null,
      via: [],
      role: 'arn:aws:iam::*:role/Admin*',
      allowedBy: { role: 'arn:aws:iam::*:role/Admin*', since: null, source: 'group admins' },
    });
    expect(json.pairs[3].principal).toBe('unresolved:333333333333:AIDAEXAMPLE');
    expect(json.pairs[3].principalArn).toBeNull();
    expect(
      json.principals.map((p: { principal: string; status: string; roles: string[] }) => [
        p.principal,
        p.status,
        p.roles,
      ]),
    ).toEqual([
      ['arn:aws:iam::111111111111:user/gina', 'never', ['arn:aws:iam::*:role/Admin*']],
      ['arn:aws:iam::111111111111:user/alice', 'stale', ['arn:aws:iam::222222222222:role/Admin']],
      ['arn:aws:iam::111111111111:user/bob', 'active', ['arn:aws:iam::222222222222:role/ReadOnly']],
      ['unresolved:333333333333:AIDAEXAMPLE', 'active', ['arn:aws:iam::222222222222:role/Deploy']],
    ]);
  });

  it('writes every time exactly as toISOString does (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -8.64e15, max: 8.64e15 }),
        fc.integer({ min: 0, max: 300_000_000_000_000 }),
        async (at, now) => {
          const a = await assessLedger([{ ...entry(user('a'), role('R'), 0), lastSeen: at, firstSeen: at }], {
            now,
            staleAfterDays: 1,
          });
          const json = toReportJson(a);
          expect([json.pairs[0]?.lastSeen, json.generatedAt]).toEqual([
            new Date(at).toISOString(),
            new Date(now).toISOString(),
          ]);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('is exactly JSON.stringify(toReportJson(a), null, 2), however many pairs', async () => {
    const many = await assessLedger(
      Array.from({ length: 2345 }, (_, i) => entry(user(`u${i % 97}`), role(`R${Math.floor(i / 97)}`), i % 400)),
      { now: NOW, staleAfterDays: 90 },
    );
    const empty = await assessLedger([], { now: NOW, staleAfterDays: 90 });
    const allowed = await assessLedger(
      [entry(user('alice', '111111111111', 'x/'), role('Admin'), 3), entry(user('bob'), role('Ops'), 300, [])],
      {
        now: NOW,
        staleAfterDays: 90,
        roster: [
          { principal: user('alice').key, role: role('Admin').key, since: NOW - 400 * DAY, source: 'policy "p"\n' },
          { principal: user('bob').key, since: NOW - 500 * DAY },
          { principal: 'arn:aws:iam::111111111111:user/hank' },
          { principal: 'arn:aws:iam::111111111111:user/ivy', role: 'arn:aws:iam::*:role/Read*', since: 1.5 },
        ],
      },
    );
    for (const a of [await sample(), await hostile(), empty, many, allowed]) {
      const expected = `${JSON.stringify(toReportJson(a), null, 2)}\n`;
      expect(renderReport(a, 'json')).toBe(expected);
      expect([...renderReportChunks(a, 'json')].join('')).toBe(expected);
    }
    expect(allowed.pairs.filter((p) => p.allowedBy !== undefined).length).toBeGreaterThanOrEqual(3);
  });

  it('comes in chunks of a bounded size for a large report, and as one piece for the other formats', async () => {
    const many = await assessLedger(
      Array.from({ length: 3000 }, (_, i) => entry(user(`u${i % 97}`), role(`R${Math.floor(i / 97)}`), i % 400)),
      { now: NOW, staleAfterDays: 90 },
    );
    const chunks = [...renderReportChunks(many, 'json')];
    expect(chunks.length).toBeGreaterThan(10);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(70_000);
    for (const format of ['table', 'csv', 'markdown'] as const) {
      expect([...renderReportChunks(many, format, { by: 'principal' })]).toEqual([
        renderReport(many, format, { by: 'principal' }),
      ]);
    }
    expect(() => [...renderReportChunks(many, 'json', { by: 'role' as 'pair' })]).toThrow(ReportOptionsError);
  });

  it('as bytes is exactly the UTF-8 of the text, each chunk whole characters, for any names (property)', async () => {
    const name = fc.string({ unit: 'binary', maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(name, name, fc.integer({ min: -3, max: 4000 }), fc.integer({ min: 0, max: 5 })), {
          maxLength: 400,
        }),
        async (rows) => {
          const a = await assessLedger(
            rows.map(([u, r, days, i]) => entry(user(`${u}${i}`), role(`${r}${i}`), days)),
            { now: NOW, staleAfterDays: 90 },
          );
          const expected = new TextEncoder().encode(`${JSON.stringify(toReportJson(a), null, 2)}\n`);
          const chunks = [...renderReportBytes(a, 'json')];
          expect(Buffer.concat(chunks).equals(Buffer.from(expected))).toBe(true);
          // A chunk ends at a row, so each decodes on its own (a split character would throw).
          const strict = new TextDecoder('utf-8', { fatal: true });
          expect(chunks.map((c) => strict.decode(c)).join('')).toBe(renderReport(a, 'json'));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('as bytes is exactly JSON.stringify wherever a pool ends: every write may cross one (property)', async () => {
    // Tiny pools put a pool's end inside every kind of write (times and what follows them, via
    // lists, principals, roles, odd values), with and without reuse.
    const name = fc.string({ unit: 'grapheme', maxLength: 6 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(name, name, fc.integer({ min: -3, max: 4000 }), fc.integer({ min: 0, max: 3 })), {
          minLength: 1,
          maxLength: 60,
        }),
        fc.integer({ min: 1, max: 400 }),
        fc.boolean(),
        fc.subarray(['AssumeRole', 'SwitchRole', 'AssumeRoleWithSAML'] as SwitchMethod[]),
        async (rows, poolBytes, reuseBuffer, methods) => {
          const known = user('known');
          const a = await assessLedger(
            [
              entry(known, role('R0'), 5, methods),
              ...rows.map(([u, r, days, i]) => entry(user(`${u}${i}`), role(`${r}${i}`), days, methods)),
            ],
            {
              now: NOW,
              staleAfterDays: 90,
              roster: [
                { principal: known.arn ?? '', role: 'arn:aws:iam::222222222222:role/*', source: 'policy "ü"' },
                { principal: user('nobody').arn ?? '', role: role('R').arn, since: NOW - 400 * DAY },
              ],
            },
          );
          const odd: Assessment = {
            ...a,
            pairs: [
              ...a.pairs,
              ...a.pairs.slice(0, 2).map((p) => ({ ...p, lastSeen: 1.5, firstSeen: undefined, daysSince: 2.5 })),
              ...a.pairs.slice(0, 1).map((p) => ({ ...p, status: 'gone' as 'stale' })),
              ...a.pairs.slice(0, 3).map((p) => ({ ...p, daysSince: 1_234_567_890_123 })),
            ],
          };
          const expected = Buffer.from(`${JSON.stringify(toReportJson(odd), null, 2)}\n`);
          const chunks: Buffer[] = [];
          for (const chunk of renderJsonReportBytes(odd, { reuseBuffer, _poolBytes: poolBytes })) {
            chunks.push(Buffer.from(chunk));
          }
          expect(Buffer.concat(chunks).toString()).toBe(expected.toString());
        },
      ),
      { numRuns: 150 },
    );
  });

  it('as bytes stays exact when the pairs change after assessLedger (moved, replaced, renamed displays)', async () => {
    // The renderer finds a principal's bytes by the number assessLedger gave its pairs; a changed
    // array must not make it write another principal's.
    const a = await assessLedger(
      Array.from({ length: 300 }, (_, i) => entry(user(`u${i % 17}`), role(`R${i % 23}`), i % 50)),
      { now: NOW, staleAfterDays: 90 },
    );
    const pairs = [...a.pairs];
    const changed: Assessment = { ...a, pairs: a.pairs };
    // In place, so the array is the one assessLedger numbered: reversed, one display renamed.
    a.pairs.reverse();
    const first = a.pairs[0] as Assessment['pairs'][number];
    a.pairs[5] = { ...(a.pairs[5] as Assessment['pairs'][number]), principal: { ...first.principal, name: 'other' } };
    a.pairs[6] = { ...(a.pairs[6] as Assessment['pairs'][number]), principal: first.principal };
    for (const reuseBuffer of [false, true]) {
      const chunks: Buffer[] = [];
      for (const chunk of renderReportBytes(changed, 'json', { reuseBuffer })) chunks.push(Buffer.from(chunk));
      expect(Buffer.concat(chunks).toString()).toBe(`${JSON.stringify(toReportJson(changed), null, 2)}\n`);
    }
    expect(a.pairs).not.toEqual(pairs);
  });

  it('writes every time as toISOString does, whatever its milliseconds', () => {
    const day = Date.UTC(2026, 2, 1);
    for (const ms of [0, 1, 9, 10, 11, 99, 100, 101, 110, 999]) {
      for (const at of [day + ms, day + 86_399_000 + ms, ms]) {
        expect(isoTime(at)).toBe(new Date(at).toISOString());
      }
    }
    expect(isoTime(undefined)).toBeNull();
  });

  it('as bytes writes hand-made assessments as JSON.stringify does: a principal without roles, via lists that join alike', async () => {
    const base = await assessLedger([entry(user('a'), role('R'), 3), entry(user('b'), role('S'), 4)], {
      now: NOW,
      staleAfterDays: 90,
    });
    const [first, second] = base.pairs as [Assessment['pairs'][number], Assessment['pairs'][number]];
    const made: Assessment = {
      ...base,
      // Two lists whose items run together alike ('ab' + 'c', 'a' + 'bc') must not share bytes.
      pairs: [
        { ...first, via: ['ab', 'c'] as unknown as SwitchMethod[] },
        { ...second, via: ['a', 'bc'] as unknown as SwitchMethod[] },
      ],
      principals: base.principals.map((p, i) => (i === 0 ? { ...p, roles: [] } : p)),
    };
    const expected = `${JSON.stringify(toReportJson(made), null, 2)}\n`;
    expect(expected).toContain('"roles": []');
    expect(Buffer.concat([...renderReportBytes(made, 'json')]).toString()).toBe(expected);
  });

  it('as bytes hands out chunks of at least 64 KB, each ending at a row, the last excepted', async () => {
    const many = await assessLedger(
      Array.from({ length: 1500 }, (_, i) => entry(user(`u${i % 37}`), role(`R${Math.floor(i / 37)}`), i % 300)),
      { now: NOW, staleAfterDays: 90 },
    );
    const chunks = [...renderReportBytes(many, 'json')];
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks.slice(0, -1)) {
      expect(chunk.length).toBeGreaterThanOrEqual(65_536);
      expect(chunk.length).toBeLessThan(65_536 + 2_000);
      // After a row: its separator, or the close of the pairs list.
      expect(Buffer.from(chunk).toString()).toMatch(/\}(,\n|\n {2}\],\n)$/);
    }
  });

  it('as bytes writes odd values as JSON.stringify does: times out of range, fractional or negative days, unknown statuses', async () => {
    const base = await assessLedger([entry(user('a'), role('R'), 3)], { now: NOW, staleAfterDays: 90 });
    const pair = base.pairs[0] as Assessment['pairs'][number];
    const odd: Assessment = {
      ...base,
      pairs: [
        { ...pair, lastSeen: -1, firstSeen: 253_402_300_800_000, daysSince: -4 },
        { ...pair, lastSeen: 1.5, firstSeen: 0, daysSince: 2.5 },
        { ...pair, lastSeen: 999, firstSeen: 86_399_999, daysSince: 10_000_000_000 },
        { ...pair, status: 'gone' as 'stale', lastSeen: undefined, firstSeen: undefined, daysSince: undefined },
        { ...pair, daysSince: -0 },
      ],
    };
    const expected = `${JSON.stringify(toReportJson(odd), null, 2)}\n`;
    expect(new TextDecoder().decode(Buffer.concat([...renderReportBytes(odd, 'json')]))).toBe(expected);
    expect(expected).toContain('"lastSeen": "1969-12-31T23:59:59.999Z"');
    expect(expected).toContain('"firstSeen": "+010000-01-01T00:00:00.000Z"');
    expect(expected).toContain('"daysSince": 2.5');
  });

  it('as bytes comes in bounded chunks for JSON and as the encoded text for the other formats', async () => {
    const many = await assessLedger(
      Array.from({ length: 3000 }, (_, i) => entry(user(`ü${i % 97}`), role(`R${Math.floor(i / 97)}`), i % 400)),
      { now: NOW, staleAfterDays: 90 },
    );
    const chunks = [...renderReportBytes(many, 'json')];
    expect(chunks.length).toBeGreaterThan(10);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(70_000);
    for (const format of ['table', 'csv', 'markdown'] as const) {
      const bytes = [...renderReportBytes(many, format, { by: 'principal' })];
      expect(bytes).toHaveLength(1);
      expect(new TextDecoder().decode(bytes[0])).toBe(renderReport(many, format, { by: 'principal' }));
    }
    expect(() => [...renderReportBytes(many, 'json', { by: 'role' as 'pair' })]).toThrow(ReportOptionsError);
  });

  it('as bytes with reuseBuffer writes every chunk over the last: the same bytes when each is used at once', async () => {
    // Past one 1 MB pool, so that without reuse the chunks would live in several buffers.
    const many = await assessLedger(
      Array.from({ length: 4000 }, (_, i) => entry(user(`ü${i % 97}`), role(`R${Math.floor(i / 97)}`), i % 400)),
      { now: NOW, staleAfterDays: 90 },
    );
    const fresh = [...renderReportBytes(many, 'json')];
    expect(new Set(fresh.map((c) => c.buffer)).size).toBeGreaterThan(1);
    const copies: Buffer[] = [];
    const buffers = new Set<ArrayBufferLike>();
    for (const chunk of renderReportBytes(many, 'json', { reuseBuffer: true })) {
      expect(chunk.byteOffset).toBe(0);
      buffers.add(chunk.buffer);
      copies.push(Buffer.from(chunk));
    }
    expect(buffers.size).toBe(1);
    expect(copies.length).toBe(fresh.length);
    expect(Buffer.concat(copies).equals(Buffer.concat(fresh))).toBe(true);
    // Kept without copying, the chunks are overwritten: what the option's contract warns of.
    const kept = [...renderReportBytes(many, 'json', { reuseBuffer: true })];
    expect(Buffer.concat(kept).equals(Buffer.concat(fresh))).toBe(false);
  });

  it('keeps hostile names intact (JSON escapes them)', async () => {
    const json = JSON.parse(renderReport(await hostile(), 'json'));
    expect(json.pairs.map((p: { principalName: string }) => p.principalName)).toContain('line\nbreak, "quoted"');
  });
});

describe('renderReport: options', () => {
  it.each<[string, ReportFormat, object, string]>([
    ['an unknown format', 'yaml' as ReportFormat, {}, 'unknown report format "yaml"'],
    ['a zero width', 'table', { width: 0 }, 'width must be'],
    ['a fractional width', 'table', { width: 80.5 }, 'width must be'],
    ['an unknown grouping', 'csv', { by: 'role' }, 'by must be'],
  ])('rejects %s with a ReportOptionsError', async (_name, format, options, message) => {
    const a = await sample();
    expect(() => renderReport(a, format, options)).toThrow(ReportOptionsError);
    expect(() => renderReport(a, format, options)).toThrow(message);
  });

  it('lists every format', () => {
    expect(REPORT_FORMATS).toEqual(['table', 'markdown', 'csv', 'json']);
  });
});

describe('names that cannot be confused', () => {
  const session: PrincipalRef = {
    key: 'arn:aws:sts::111111111111:assumed-role/ReadOnly/erin',
    kind: 'role-session',
    account: '111111111111',
    name: 'erin',
    arn: 'arn:aws:sts::111111111111:assumed-role/ReadOnly/erin',
  };
  const sso = (instance: string): PrincipalRef => ({
    key: `saml:AWSSSO_${instance}_DO_NOT_DELETE:peggy@example.com`,
    kind: 'saml',
    account: '',
    name: 'peggy@example.com',
  });
  const rowsOf = async (entries: LedgerEntry[], format: ReportFormat, by: 'pair' | 'principal') => {
    const a = await assessLedger(entries, { now: NOW, staleAfterDays: 90 });
    const text = renderReport(a, format, { by, width: 200 });
    return text.split('\n').filter((l) => l.includes('erin') || l.includes('peggy'));
  };

  it.each(REPORT_FORMATS.flatMap((format) => (['pair', 'principal'] as const).map((by) => [format, by] as const)))(
    '%s --by %s: the role session assumed-role/ReadOnly/erin never looks like the IAM user erin',
    async (format, by) => {
      const lines = await rowsOf([entry(user('erin'), role('Admin'), 5), entry(session, role('Admin'), 5)], format, by);
      const sessionLines = lines.filter((l) => l.includes('assumed-role/ReadOnly/erin'));
      expect(sessionLines.length).toBeGreaterThan(0);
      if (format !== 'json') {
        expect(lines).toHaveLength(2);
        expect(new Set(lines.map((l) => l.replace(/\s+/g, ' '))).size).toBe(2);
      }
    },
  );

  it.each([
    ['table', 'pair'],
    ['table', 'principal'],
    ['markdown', 'pair'],
    ['markdown', 'principal'],
  ] as const)('%s --by %s: one user name in two Identity Center instances is two labels', async (format, by) => {
    const lines = await rowsOf(
      [entry(sso('1111111111111111'), role('Admin'), 5), entry(sso('2222222222222222'), role('Admin'), 5)],
      format,
      by,
    );
    expect(lines).toHaveLength(2);
    expect(lines.some((l) => l.includes('Identity Center 1111111111111111'))).toBe(true);
    expect(lines.some((l) => l.includes('Identity Center 2222222222222222'))).toBe(true);
  });

  it('one Identity Center instance needs no qualifier', async () => {
    const lines = await rowsOf([entry(sso('1111111111111111'), role('Admin'), 5)], 'table', 'pair');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('Identity Center');
  });
});
