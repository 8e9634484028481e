import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  collectTrailFile,
  readTrailBatches,
  readTrailFile,
  type TrailFileContents,
  TrailFileError,
  type TrailItem,
} from '../src/trail/index.js';
import { publicCorpus } from './_corpus.js';
import * as f from './fixtures/trail/records.js';

const encode = (text: string) => Buffer.from(text, 'utf8');
const recordsObject = (records: unknown[]) => encode(JSON.stringify({ Records: records }));

/** Splits bytes into chunks of the given sizes (cycled). */
function chunked(bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  let k = 0;
  while (at < bytes.length) {
    const size = Math.max(1, sizes[k % sizes.length] ?? 1);
    out.push(bytes.subarray(at, at + size));
    at += size;
    k++;
  }
  return out;
}

/** Deterministic comparison: everything found, without the order-only differences. */
function summary(contents: TrailFileContents) {
  return {
    switches: contents.switches.map((s) => `${s.eventId} ${s.principal.key} ${s.role.key} ${s.method} ${s.at}`),
    denied: contents.denied.map((d) => `${d.eventId} ${d.principal.key} ${d.role?.key} ${d.errorCode}`),
    aliases: contents.aliases.map((a) => `${a.account} ${a.principalId} ${a.principal.key} ${a.seenAt}`),
    stats: { ...contents.stats, bytesRead: 0, gzip: false },
  };
}

async function expectTrailError(promise: Promise<unknown>, reason: string): Promise<TrailFileError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TrailFileError);
  expect((error as TrailFileError).reason).toBe(reason);
  expect((error as TrailFileError).name).toBe('TrailFileError');
  return error as TrailFileError;
}

/** Sorts object keys recursively, like `jq -S`. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

describe('collectTrailFile on a CloudTrail log file', () => {
  it('finds every switch, denied attempt and alias, with exact stats', async () => {
    const result = await collectTrailFile(gzipSync(recordsObject(f.logRecords)));
    expect(result.switches.map((s) => [s.method, s.principal.key, s.role.key])).toEqual([
      ['AssumeRole', `arn:aws:iam::${f.USER_ACCOUNT}:user/erin`, `arn:aws:iam::${f.WORK_ACCOUNT}:role/OpsAdmin`],
      [
        'AssumeRole',
        `unresolved:${f.USER_ACCOUNT}:AIDAEXAMPLEERIN00001`,
        `arn:aws:iam::${f.WORK_ACCOUNT}:role/OpsAdmin`,
      ],
      ['AssumeRole', 'source-identity:mallory@example.com', `arn:aws:iam::${f.WORK_ACCOUNT}:role/ReadOnly`],
      [
        'AssumeRole',
        `arn:aws:sts::${f.USER_ACCOUNT}:assumed-role/Bastion/mallory`,
        `arn:aws:iam::${f.WORK_ACCOUNT}:role/ReadOnly`,
      ],
      ['SwitchRole', `arn:aws:iam::${f.USER_ACCOUNT}:user/erin`, `arn:aws:iam::${f.WORK_ACCOUNT}:role/OpsAdmin`],
      [
        'AssumeRoleWithSAML',
        'saml:AWSSSO_0123456789abcdef_DO_NOT_DELETE:peggy@example.com',
        `arn:aws:iam::${f.WORK_ACCOUNT}:role/AWSReservedSSO_AdministratorAccess_0123456789abcdef`,
      ],
      [
        'AssumeRoleWithWebIdentity',
        `web-identity:arn:aws:iam::${f.WORK_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com:repo:example/app:ref:refs/heads/main`,
        `arn:aws:iam::${f.WORK_ACCOUNT}:role/Deployer`,
      ],
    ]);
    expect(result.denied.map((d) => [d.method, d.errorCode, d.role?.key])).toEqual([
      ['SwitchRole', 'Failure', `arn:aws:iam::${f.WORK_ACCOUNT}:role/OpsAdmin`],
      ['AssumeRole', 'AccessDenied', `arn:aws:iam::${f.WORK_ACCOUNT}:role/BillingViewer`],
    ]);
    // One alias per (account, principalId), the latest sighting kept (erin's denied call is later).
    expect(result.aliases.map((a) => [a.principalId, a.principal.key, a.seenAt])).toEqual([
      ['AIDAEXAMPLEERIN00001', `arn:aws:iam::${f.USER_ACCOUNT}:user/erin`, Date.parse('2025-03-06T09:00:00Z')],
      // The owner side links erin's id to the session it created; the console switch names its user.
      [
        'AIDAEXAMPLEERIN00001>AROAEXAMPLEOPSADMIN1:erin-cli',
        `unresolved:${f.WORK_ACCOUNT}:console:AROAEXAMPLEOPSADMIN1:erin-cli`,
        Date.parse('2025-03-01T09:00:00Z'),
      ],
      [
        'AROAEXAMPLEBASTION01:mallory',
        `arn:aws:sts::${f.USER_ACCOUNT}:assumed-role/Bastion/mallory`,
        Date.parse('2025-03-02T08:05:00Z'),
      ],
      [
        'console:AROAEXAMPLEOPSADMIN1:erin',
        `arn:aws:iam::${f.USER_ACCOUNT}:user/erin`,
        Date.parse('2025-03-03T10:00:00Z'),
      ],
    ]);
    expect(result.stats).toEqual({
      format: 'records-object',
      gzip: true,
      bytesRead: expect.any(Number),
      records: 12,
      switches: 7,
      denied: 2,
      aliases: 4,
      skipped: {
        'service-caller': 1,
        'not-a-switch': 2,
        malformed: 0,
        'too-large': 0,
        'too-deep': 0,
        'digest-file': 0,
        'insight-file': 0,
      },
      skippedRecords: [],
    });
  });

  it('counts compressed bytes read', async () => {
    const bytes = gzipSync(recordsObject(f.logRecords));
    const result = await collectTrailFile(Readable.from(chunked(bytes, [100])));
    expect(result.stats.bytesRead).toBe(bytes.length);
  });

  it('readTrailBatches hands over the same items as readTrailFile, in non-empty batches, a batch per chunk at most', async () => {
    // Many records, so that the gzip stream inflates into several chunks.
    const records = Array.from({ length: 4000 }, (_, i) =>
      i % 7 === 0 ? { ...f.assumeRoleByUser, eventID: `e${i}` } : { ...f.describeInstances, eventID: `n${i}` },
    );
    const bytes = gzipSync(recordsObject(records));
    const one: TrailItem[] = [];
    const reader = readTrailFile(Readable.from(chunked(bytes, [4096])));
    let next = await reader.next();
    for (; !next.done; next = await reader.next()) one.push(next.value);
    const batches: TrailItem[][] = [];
    const batched = readTrailBatches(Readable.from(chunked(bytes, [4096])));
    let step = await batched.next();
    for (; !step.done; step = await batched.next()) batches.push(step.value);
    expect(batches.length).toBeGreaterThan(1);
    for (const batch of batches) expect(batch.length).toBeGreaterThan(0);
    expect(batches.flat()).toEqual(one);
    expect(step.value).toEqual(next.value);
    expect(one.filter((item) => item.kind === 'switch')).toHaveLength(Math.ceil(4000 / 7));
  });

  it('a reader stopped early closes its source', async () => {
    // Incompressible padding: the gzip file is far larger than what zlib takes in at once.
    const noise = (i: number) => randomBytes(2048).toString('base64') + i;
    const bytes = gzipSync(
      recordsObject(
        Array.from({ length: 3000 }, (_, i) => ({ ...f.assumeRoleByUser, eventID: `e${i}`, pad: noise(i) })),
      ),
    );
    expect(bytes.length).toBeGreaterThan(4 * 1024 * 1024);
    for (const read of [readTrailFile, readTrailBatches] as const) {
      let closed = false;
      async function* source() {
        try {
          yield* chunked(bytes, [64 * 1024]);
        } finally {
          closed = true;
        }
      }
      const reader = read(source());
      const first = await reader.next();
      expect(first.done).toBe(false);
      await reader.return(undefined as never);
      // The source is closed once zlib has stopped (asynchronously): wait for it, a second at most.
      for (let waited = 0; !closed && waited < 1000; waited += 10) await new Promise((r) => setTimeout(r, 10));
      expect(closed).toBe(true);
    }
  });

  it('never outputs responseElements.credentials', async () => {
    const reader = readTrailFile(recordsObject(f.logRecords));
    const seen: unknown[] = [];
    for (let next = await reader.next(); ; next = await reader.next()) {
      seen.push(next.value);
      if (next.done) break;
    }
    const text = JSON.stringify(seen);
    expect(text).not.toContain(f.FAKE_SESSION_TOKEN);
    expect(text).not.toContain('ASIAEXAMPLEEXAMPLE01');
  });

  it('one malformed record never sinks the file', async () => {
    const broken = { ...f.assumeRoleByUser, eventID: 'broken', requestParameters: { roleArn: 'not an arn' } };
    const result = await collectTrailFile(recordsObject([f.assumeRoleByUser, broken, 42, 'x', null, f.switchRole]));
    expect(result.switches.map((s) => s.method)).toEqual(['AssumeRole', 'SwitchRole']);
    expect(result.stats.records).toBe(6);
    expect(result.stats.skipped.malformed).toBe(4);
  });

  it.each([
    ['CloudTrail layout', (records: unknown[]) => recordsObject(records)],
    ['pretty-printed', (records: unknown[]) => encode(JSON.stringify({ Records: records }, null, 2))],
    ['NDJSON', (records: unknown[]) => encode(records.map((r) => JSON.stringify(r)).join('\n'))],
  ])('names every malformed record by its index in the file and the reason (%s)', async (_name, layout) => {
    const broken = { ...f.assumeRoleByUser, eventID: 'broken', eventTime: '2025-03-01T09:00:00' };
    const result = await collectTrailFile(layout([f.assumeRoleByUser, f.describeInstances, broken, 42, f.switchRole]));
    expect(result.stats.skippedRecords.map((r) => [r.index, r.reason])).toEqual([
      [2, 'malformed'],
      [3, 'malformed'],
    ]);
    expect(result.stats.skippedRecords[0]?.detail).toContain('AssumeRole broken: eventTime');
  });

  it('a candidate record that is not valid JSON is malformed, the rest is read', async () => {
    const good = JSON.stringify(f.switchRole);
    const text = `{"Records":[${JSON.stringify(f.describeInstances)},{"eventVersion":"1.08","eventName":"AssumeRole","x":tru},${good}]}`;
    const result = await collectTrailFile(encode(text));
    expect(result.switches).toHaveLength(1);
    expect(result.stats).toMatchObject({ records: 3, switches: 1, skipped: { malformed: 1, 'not-a-switch': 1 } });
    expect(result.stats.skippedRecords).toEqual([{ index: 1, reason: 'malformed', detail: 'not valid JSON' }]);
  });
});

describe('accepted layouts give identical results', () => {
  const expected = () => collectTrailFile(recordsObject(f.logRecords)).then(summary);

  const layouts: [string, () => Uint8Array, string][] = [
    ['gzip Records object', () => gzipSync(recordsObject(f.logRecords)), 'records-object'],
    ['bare array', () => encode(JSON.stringify(f.logRecords)), 'array'],
    ['NDJSON', () => encode(`${f.logRecords.map((r) => JSON.stringify(r)).join('\n')}\n`), 'ndjson'],
    [
      'NDJSON with CRLF and blank lines',
      () => encode(`\r\n${f.logRecords.map((r) => JSON.stringify(r)).join('\r\n\r\n')}`),
      'ndjson',
    ],
    [
      'pretty-printed Records object',
      () => encode(JSON.stringify({ Records: f.logRecords }, null, 2)),
      'records-object',
    ],
    [
      'pretty-printed, key-sorted array (like jq -S)',
      () => encode(JSON.stringify(sortKeys(f.logRecords), null, 4)),
      'array',
    ],
    [
      'odd whitespace',
      () => encode(`\t{ "Records" :\n[ ${f.logRecords.map((r) => JSON.stringify(r)).join(' ,\n ')} ] }  \n`),
      'records-object',
    ],
    [
      'a UTF-8 byte-order mark',
      () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), recordsObject(f.logRecords)]),
      'records-object',
    ],
    [
      'other keys before Records',
      () => encode(JSON.stringify({ Version: 1, Meta: { a: [1, { b: '[' }] }, Records: f.logRecords })),
      'records-object',
    ],
    [
      'lookup-events output',
      () =>
        encode(
          JSON.stringify({
            Events: f.logRecords.map((r) => ({
              EventId: r.eventID,
              EventName: r.eventName,
              CloudTrailEvent: JSON.stringify(r),
            })),
            NextToken: 'abc',
          }),
        ),
      'lookup-events',
    ],
    [
      'NDJSON mixing CloudTrail-ordered and key-sorted records (merged exports)',
      () => encode(f.logRecords.map((r, i) => JSON.stringify(i % 3 === 2 ? sortKeys(r) : r)).join('\n')),
      'ndjson',
    ],
    [
      'a Records object mixing compact and pretty-printed records',
      () =>
        encode(
          `{"Records":[${f.logRecords.map((r, i) => (i % 2 === 1 ? JSON.stringify(r, null, 2) : JSON.stringify(r))).join(',')}]}`,
        ),
      'records-object',
    ],
    [
      'lookup-events elements as a bare array (--query Events)',
      () =>
        encode(
          JSON.stringify(
            f.logRecords.map((r) => ({
              EventId: r.eventID,
              EventName: r.eventName,
              CloudTrailEvent: JSON.stringify(r),
            })),
            null,
            4,
          ),
        ),
      'array',
    ],
    [
      "lookup-events elements as NDJSON (jq -c '.Events[]')",
      () =>
        encode(
          f.logRecords
            .map((r) =>
              JSON.stringify({ EventId: r.eventID, EventName: r.eventName, CloudTrailEvent: JSON.stringify(r) }),
            )
            .join('\n'),
        ),
      'ndjson',
    ],
  ];

  it.each(layouts)('%s', async (_name, bytes, format) => {
    const result = await collectTrailFile(bytes());
    expect(result.stats.format).toBe(format);
    const got = summary(result);
    const want = await expected();
    expect(got).toEqual({ ...want, stats: { ...want.stats, format } });
  });

  it('reads an eventName written with \\u escapes', async () => {
    // In the middle of the file, so the fast path (not the end-of-file exact scan) meets it.
    const text = JSON.stringify({ Records: [f.describeInstances, f.switchRole, f.describeInstances] }).replace(
      '"SwitchRole","awsRegion"',
      '"\\u0053witchRole","awsRegion"',
    );
    expect(text).toContain('\\u0053witchRole');
    const result = await collectTrailFile(encode(text));
    expect(result.switches.map((s) => s.method)).toEqual(['SwitchRole']);
  });

  it.each([
    ['alone', f.switchRole],
    [
      'after a compact nested one',
      { ...f.switchRole, userIdentity: { ...f.switchRole.userIdentity, eventName: 'GetObject' } },
    ],
  ])('reads a top-level eventName written with spaces (%s)', async (_name, record) => {
    const text = JSON.stringify({ Records: [f.describeInstances, record, f.describeInstances] }).replace(
      '"eventName":"SwitchRole"',
      '"eventName" : "SwitchRole"',
    );
    expect(text).toContain('"eventName" : "SwitchRole"');
    const result = await collectTrailFile(encode(text));
    expect(result.switches.map((s) => s.method)).toEqual(['SwitchRole']);
  });

  it('is not fooled by an "eventName" key nested before the real one', async () => {
    const sneaky = { ...f.switchRole, userIdentity: { ...f.switchRole.userIdentity, eventName: 'GetObject' } };
    const text = JSON.stringify({ Records: [f.describeInstances, sneaky, f.describeInstances] });
    const result = await collectTrailFile(encode(text));
    expect(result.switches.map((s) => s.method)).toEqual(['SwitchRole']);
  });

  it('a nested object that starts like a record never loses a switch nor sinks the file', async () => {
    // Known limit of the fast path (see README): the non-switch record holding it counts as two.
    const nested = {
      ...f.describeInstances,
      requestParameters: { items: [{ a: 1 }, { eventVersion: '1.0', eventName: 'AssumeRole' }] },
    };
    const text = JSON.stringify({ Records: [f.describeInstances, nested, f.switchRole] });
    const result = await collectTrailFile(encode(text));
    expect(result.switches.map((s) => s.method)).toEqual(['SwitchRole']);
    expect(result.stats).toMatchObject({ records: 4, skipped: { 'not-a-switch': 2, malformed: 1 } });
    // The exact scanner (any other layout) frames it exactly.
    const exact = await collectTrailFile(
      encode(JSON.stringify({ Records: [f.describeInstances, nested, f.switchRole] }, null, 1)),
    );
    expect(exact.switches.map((s) => s.method)).toEqual(['SwitchRole']);
    expect(exact.stats).toMatchObject({ records: 3, skipped: { 'not-a-switch': 2, malformed: 0 } });
  });

  it('a switch record holding such a nested object is still read exactly', async () => {
    const nested = {
      ...f.assumeRoleByUser,
      requestParameters: { ...f.assumeRoleByUser.requestParameters, tags: [{ a: 1 }, { eventVersion: '1.0' }] },
    };
    const result = await collectTrailFile(
      encode(JSON.stringify({ Records: [f.describeInstances, nested, f.switchRole] })),
    );
    expect(result.switches.map((s) => s.method)).toEqual(['AssumeRole', 'SwitchRole']);
    expect(result.stats).toMatchObject({ records: 3, skipped: { 'not-a-switch': 1, malformed: 0 } });
  });
});

describe('digest and Insights files', () => {
  const digestKey = `AWSLogs/${f.WORK_ACCOUNT}/CloudTrail-Digest/eu-west-1/2025/03/01/${f.WORK_ACCOUNT}_CloudTrail-Digest_eu-west-1_org_eu-west-1_20250301T010000Z.json.gz`;
  const insightKey = `AWSLogs/${f.WORK_ACCOUNT}/CloudTrail-Insight/eu-west-1/2025/03/01/${f.WORK_ACCOUNT}_CloudTrail-Insight_eu-west-1_20250301T0100Z_abc.json.gz`;

  it('skips a digest by key without reading it', async () => {
    let pulled = 0;
    async function* source() {
      pulled++;
      yield encode('garbage');
    }
    const result = await collectTrailFile(source(), { key: digestKey });
    expect(pulled).toBe(0);
    expect(result.stats).toMatchObject({ format: 'digest', records: 0, skipped: { 'digest-file': 1 } });
  });

  it('skips a digest by content', async () => {
    const result = await collectTrailFile(gzipSync(encode(JSON.stringify(f.digestFile))));
    expect(result.stats).toMatchObject({ format: 'digest', records: 0, switches: 0, skipped: { 'digest-file': 1 } });
  });

  it('skips an Insights file by key and by content', async () => {
    const bytes = recordsObject([f.insightEvent, f.insightEvent]);
    expect((await collectTrailFile(bytes, { key: insightKey })).stats).toMatchObject({
      format: 'insight',
      skipped: { 'insight-file': 1 },
    });
    const byContent = await collectTrailFile(bytes);
    expect(byContent.stats).toMatchObject({
      format: 'insight',
      records: 0,
      switches: 0,
      skipped: { 'insight-file': 1 },
    });
  });
});

describe('files that cannot be read fail loudly with TrailFileError', () => {
  const good = gzipSync(recordsObject(f.logRecords));

  it.each([
    ['bad gzip', () => Buffer.concat([good.subarray(0, 20), Buffer.alloc(200, 7), good.subarray(220)]), 'bad-gzip'],
    ['truncated gzip', () => good.subarray(0, good.length - 30), 'truncated'],
    ['truncated JSON', () => recordsObject(f.logRecords).subarray(0, 2000), 'truncated'],
    ['truncated inside a string', () => encode('{"Records":[{"eventVersion":"1.0'), 'truncated'],
    ['truncated NDJSON', () => encode(`${JSON.stringify(f.switchRole)}\n{"eventVersion":"1.08"`), 'truncated'],
    ['not JSON', () => encode('<?xml version="1.0"?><Records/>'), 'not-json'],
    ['plain text', () => encode('hello'), 'not-json'],
    ['empty', () => new Uint8Array(0), 'empty'],
    ['whitespace only', () => encode(' \n\t '), 'empty'],
    ['mismatched brackets', () => encode('{"Records":[{"a":[1}]}'), 'not-json'],
    ['content after the end', () => encode('{"Records":[]} {"Records":[]}'), 'not-json'],
    ['a JSON object of another shape', () => encode('{"hello":"world"}'), 'wrong-shape'],
    ['Records that is not an array', () => encode('{"Records":{"a":1}}'), 'wrong-shape'],
    ['a broken top-level object', () => encode('{"a" "b"}'), 'not-json'],
  ])('%s → %s', async (_name, bytes, reason) => {
    await expectTrailError(collectTrailFile(bytes()), reason);
  });

  it('names the key in the message when given', async () => {
    const error = await expectTrailError(collectTrailFile(encode('nope'), { key: 'AWSLogs/x.json' }), 'not-json');
    expect(error.message).toContain('AWSLogs/x.json');
    expect(error.key).toBe('AWSLogs/x.json');
  });

  it('wraps a failing source', async () => {
    async function* source() {
      yield encode('{"Records":[');
      throw new Error('socket hang up');
    }
    const error = await expectTrailError(collectTrailFile(source()), 'source-error');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('never quotes file content (which may hold session tokens) in its message', async () => {
    // A damaged first NDJSON record: the session token has lost its quotes. V8's JSON.parse
    // message quotes the text around such a fault.
    const line = JSON.stringify(f.assumeRoleByUser).replace(`"${f.FAKE_SESSION_TOKEN}"`, f.FAKE_SESSION_TOKEN);
    const error = await expectTrailError(collectTrailFile(encode(`${line}\n`)), 'not-json');
    const shown = `${error.message} ${(error.cause as Error | undefined)?.message ?? ''}`;
    expect(shown).not.toContain('SECRET');
    expect(shown).not.toContain('IQoJ');
  });

  it('an empty Records array is fine', async () => {
    const result = await collectTrailFile(encode('{"Records":[]}'));
    expect(result.stats).toMatchObject({ format: 'records-object', records: 0 });
  });
});

describe('properties', () => {
  it('splitting the input into chunks of any sizes gives the same result as one chunk', async () => {
    const variants = [
      recordsObject(f.logRecords),
      gzipSync(recordsObject(f.logRecords)),
      encode(JSON.stringify(sortKeys(f.logRecords), null, 2)),
      encode(f.logRecords.map((r) => JSON.stringify(r)).join('\n')),
      encode(f.logRecords.map((r, i) => JSON.stringify(i % 3 === 2 ? sortKeys(r) : r)).join('\n')),
    ];
    const expected = await Promise.all(variants.map(async (v) => summary(await collectTrailFile(v))));
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: variants.length - 1 }),
        fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 8 }),
        async (which, sizes) => {
          const bytes = variants[which] as Uint8Array;
          const result = await collectTrailFile(Readable.from(chunked(bytes, sizes)));
          expect(summary(result)).toEqual(expected[which]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it.each([[[1]], [[2]], [[1, 1]], [[3]]])(
    'a UTF-8 byte-order mark split across chunks (first sizes %j) reads the same',
    async (sizes) => {
      const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), recordsObject(f.logRecords)]);
      const chunks = chunked(bytes, [...sizes, bytes.length]);
      const expected = summary(await collectTrailFile(recordsObject(f.logRecords)));
      expect(summary(await collectTrailFile(Readable.from(chunks)))).toEqual(expected);
    },
  );

  it('a lone byte-order-mark byte is not JSON', async () => {
    await expectTrailError(collectTrailFile(Readable.from([Buffer.from([0xef])])), 'not-json');
  });

  it('any bytes → results or TrailFileError, never anything else', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.boolean(), async (bytes, gzip) => {
        try {
          await collectTrailFile(gzip ? gzipSync(bytes) : bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(TrailFileError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('any JSON, or a damaged trail file → results or TrailFileError', async () => {
    const base = JSON.stringify({ Records: f.logRecords });
    const damaged = fc
      .tuple(fc.integer({ min: 0, max: base.length }), fc.integer({ min: 0, max: 50 }), fc.string())
      .map(([at, cut, insert]) => base.slice(0, at) + insert + base.slice(at + cut));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.json(),
          damaged,
          fc.jsonValue().map((v) => JSON.stringify({ Records: [v] })),
        ),
        async (text) => {
          try {
            const result = await collectTrailFile(encode(text));
            expect(result.stats.records).toBeGreaterThanOrEqual(0);
          } catch (error) {
            expect(error).toBeInstanceOf(TrailFileError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

const CORPUS = publicCorpus();

describe(`public corpus (${CORPUS})`, () => {
  const read = (path: string) => collectTrailFile(readFileSync(join(CORPUS, path)), { key: path });

  it('stratus-red-team: IAM user AssumeRole, AccessDenied with null requestParameters', async () => {
    const result = await read('stratus-red-team/aws.discovery.ec2-download-user-data.json');
    expect(result.stats).toMatchObject({ format: 'array', records: 19, switches: 2, denied: 2 });
    for (const s of result.switches) {
      expect(s.principal).toMatchObject({ key: 'arn:aws:iam::321848314756:user/christophe', kind: 'iam-user' });
      expect(s.role.key).toBe('arn:aws:iam::321848314756:role/stratus-red-team-get-usr-data-role');
    }
    for (const d of result.denied)
      expect(d.role?.key).toBe('arn:aws:iam::321848314756:role/stratus-red-team-get-usr-data-role');
    // The real credential values (the session tokens, their access key ids, the caller's key), not a key name.
    const raw = JSON.parse(
      readFileSync(join(CORPUS, 'stratus-red-team/aws.discovery.ec2-download-user-data.json'), 'utf8'),
    ) as {
      responseElements?: { credentials?: Record<string, string> } | null;
      userIdentity?: { accessKeyId?: string };
    }[];
    const secrets = raw.flatMap((r) => [
      r.responseElements?.credentials?.sessionToken,
      r.responseElements?.credentials?.accessKeyId,
      r.userIdentity?.accessKeyId,
    ]);
    const tokens = secrets.filter((v): v is string => typeof v === 'string' && v.length > 0);
    expect(tokens.length).toBeGreaterThan(4);
    const text = JSON.stringify(result);
    for (const token of tokens) expect(text).not.toContain(token);
  });

  it('stratus-red-team: every file reads, and only AssumeRole successes become switches', async () => {
    for (const file of readdirSync(join(CORPUS, 'stratus-red-team'))) {
      const result = await read(`stratus-red-team/${file}`);
      const raw = JSON.parse(readFileSync(join(CORPUS, 'stratus-red-team', file), 'utf8')) as {
        eventName: string;
        errorCode?: string;
      }[];
      expect(result.stats.records).toBe(raw.length);
      expect(result.switches.length).toBe(raw.filter((r) => r.eventName === 'AssumeRole' && !r.errorCode).length);
    }
  });

  it('trailscraper: a real log file (gzip and plain): the AWSService AssumeRole is not a switch', async () => {
    const dir = readdirSync(join(CORPUS, 'trailscraper'));
    expect(dir.length).toBeGreaterThan(0);
    for (const file of dir) {
      const result = await read(`trailscraper/${file}`);
      expect(result.stats).toMatchObject({
        format: 'records-object',
        records: 2,
        switches: 0,
        skipped: { 'service-caller': 1, 'not-a-switch': 1 },
      });
      expect(result.stats.gzip).toBe(file.endsWith('.gz'));
    }
  });

  it('elastic: NDJSON with an Identity Center session caller; a digest; an Identity Center sign-in', async () => {
    const sso = await read('elastic-integrations/test-assume-role-email-session-json.log');
    expect(sso.stats).toMatchObject({ format: 'ndjson', records: 1, switches: 1 });
    expect(sso.switches[0]?.principal).toMatchObject({
      kind: 'role-session',
      name: 'firstname.lastname@example.com',
      key: 'arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_SecurityAudit_8df5ccd37b/firstname.lastname@example.com',
    });
    expect(sso.switches[0]?.role.key).toBe('arn:aws:iam::111111111111:role/JohnRole2');
    const digest = await read('elastic-integrations/test-cloudtrail-digest-json.log');
    expect(digest.stats).toMatchObject({ format: 'digest', skipped: { 'digest-file': 1 } });
    const signIn = await read('elastic-integrations/test-user-authentication.log');
    expect(signIn.stats).toMatchObject({ format: 'ndjson', records: 1, switches: 0, skipped: { 'not-a-switch': 1 } });
  });
});
