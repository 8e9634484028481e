import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { s3ClientConfig } from '../../../test/servers/s3-local.js';
import { listTrailObjects, S3SourceError, type TrailObjectSkipReason } from '../src/index.js';

const bucket = 'source-s3-list';
const s3 = new S3Client({ ...s3ClientConfig(inject('s3Endpoint')), maxAttempts: 1 });

/** The ListObjectsV2 requests the client sent and the keys S3 returned, to check what was (not) listed. */
const listed: { prefix?: string; startAfter?: string; returned: string[] }[] = [];
s3.middlewareStack.add(
  (next, context) => async (args) => {
    const result = await next(args);
    if (context.commandName === 'ListObjectsV2Command') {
      const input = args.input as { Prefix?: string; StartAfter?: string };
      const output = result.output as { Contents?: { Key?: string }[] };
      const returned = (output.Contents ?? []).map((c) => c.Key ?? '');
      listed.push({ prefix: input.Prefix, startAfter: input.StartAfter, returned });
    }
    return result;
  },
  { step: 'initialize', name: 'recordListRequests' },
);

const ORG = 'AWSLogs/o-a1b2c3d4e5';
const ACCOUNTS = ['111111111111', '222222222222', '333333333333'];
const REGIONS = ['eu-west-1', 'us-east-1'];
const DAYS = ['2026/01/30', '2026/01/31', '2026/02/01', '2026/02/02'];

function logKey(account: string, region: string, day: string, n: number): string {
  const stamp = `${day.replaceAll('/', '')}T${String(n % 24).padStart(2, '0')}${String(n % 60).padStart(2, '0')}Z`;
  return `${ORG}/${account}/CloudTrail/${region}/${day}/${account}_CloudTrail_${region}_${stamp}_u${n}.json.gz`;
}

const logs: string[] = [];
const digests: string[] = [];
const others: string[] = [];
for (const account of ACCOUNTS) {
  for (const region of REGIONS) {
    for (const day of DAYS) {
      for (let n = 0; n < 51; n++) logs.push(logKey(account, region, day, n));
    }
  }
}
// Digest and Insights files live in an account of their own here: s3rver returns keys in the order it
// walks its folders, where `CloudTrail/` comes before its sibling `CloudTrail-Digest/`, while S3 (and
// its continuation tokens) order by key, where `-` sorts before `/`. Across a page boundary s3rver
// would then drop the digest keys, which would test s3rver rather than this code.
const AUDIT = '444444444444';
for (const region of REGIONS) {
  for (let d = 1; d <= 40; d++) {
    const day = new Date(Date.UTC(2026, 0, d)).toISOString().slice(0, 10).replaceAll('-', '/');
    const stamp = `${day.replaceAll('/', '')}T0000Z`;
    digests.push(
      `${ORG}/${AUDIT}/CloudTrail-Digest/${region}/${day}/${AUDIT}_CloudTrail-Digest_${region}_trail_${region}_${stamp}.json.gz`,
    );
  }
  for (const day of DAYS) {
    const stamp = `${day.replaceAll('/', '')}T0000Z`;
    others.push(
      `${ORG}/${AUDIT}/CloudTrail-Insight/${region}/${day}/${AUDIT}_CloudTrail-Insight_${region}_${stamp}_x.json.gz`,
    );
  }
}
others.push(`${ORG}/README.txt`, 'AWSLogs/ignore-me.txt', `${ORG}/111111111111/CloudTrail/eu-west-1/notes.txt`);

async function putAll(keys: string[]): Promise<void> {
  const queue = [...keys];
  const worker = async () => {
    for (let key = queue.pop(); key !== undefined; key = queue.pop()) {
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: key, ContentLength: Buffer.byteLength(key) }),
      );
    }
  };
  await Promise.all(Array.from({ length: 12 }, worker));
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await putAll([...logs, ...digests, ...others]);
}, 120_000);
afterAll(() => s3.destroy());

describe('listTrailObjects against s3rver', () => {
  it('lists every log file over several pages, leaving digests, Insights and other keys out', async () => {
    expect(logs.length).toBeGreaterThan(1000);
    listed.length = 0;
    const skipped = new Map<string, TrailObjectSkipReason>();
    const found = await collect(
      listTrailObjects(s3, { bucket, prefix: 'AWSLogs/', onSkip: (key, reason) => skipped.set(key, reason) }),
    );
    expect(found.map((o) => o.key).sort()).toEqual([...logs].sort());
    expect(listed.length).toBe(2); // 1,224 + 48 + ... keys at 1,000 per page
    for (const object of found) {
      expect(object.bucket).toBe(bucket);
      expect(object.size).toBe(Buffer.byteLength(object.key));
      expect(object.lastModified).toBeInstanceOf(Date);
    }
    for (const key of digests) expect(skipped.get(key)).toBe('digest');
    expect(skipped.get(others[0] as string)).toBe('insight');
    expect(skipped.get(`${ORG}/README.txt`)).toBe('not-a-log-file');
  });

  it('pages with a small page size without losing or repeating a key', async () => {
    listed.length = 0;
    const prefix = `${ORG}/222222222222/`;
    const found = await collect(listTrailObjects(s3, { bucket, prefix, pageSize: 37 }));
    const expected = logs.filter((k) => k.startsWith(prefix));
    expect(found.map((o) => o.key)).toEqual([...expected].sort());
    expect(listed.length).toBeGreaterThan(expected.length / 37);
  });

  it('with since, lists only that day onwards and never lists older day folders or digests', async () => {
    listed.length = 0;
    const found = await collect(
      listTrailObjects(s3, { bucket, prefix: `${ORG}/`, since: new Date('2026-02-01T13:45:00Z') }),
    );
    const expected = logs.filter((k) => k.includes('/2026/02/01/') || k.includes('/2026/02/02/'));
    expect(found.map((o) => o.key).sort()).toEqual([...expected].sort());
    // Each region folder is listed once, from the since day on; S3 never sends its older days.
    const regionListings = listed.filter(
      (r) => r.prefix?.endsWith('/CloudTrail/eu-west-1/') || r.prefix?.endsWith('/CloudTrail/us-east-1/'),
    );
    expect(regionListings).toHaveLength(ACCOUNTS.length * REGIONS.length);
    for (const r of regionListings) {
      expect(r.startAfter).toBe(`${r.prefix}2026/02/01`);
      const logFiles = r.returned.filter((k) => k.endsWith('.json.gz'));
      expect(logFiles.length).toBeGreaterThan(0);
      expect(logFiles.every((k) => k.includes('/2026/02/01/') || k.includes('/2026/02/02/'))).toBe(true);
    }
    // The rest are short probes; together S3 returned well under the whole listing.
    const returned = listed.reduce((n, r) => n + r.returned.length, 0);
    expect(returned).toBeLessThan(logs.length + digests.length + others.length);
    const probes = listed.filter((r) => !regionListings.includes(r));
    expect(probes.every((r) => r.returned.length <= 50)).toBe(true);
    // One probe per region folder, one per digest / Insights folder jumped over, one that finds the end.
    expect(probes.length).toBe(ACCOUNTS.length * REGIONS.length + 2 + 1);
    // 80 digest keys, but only the first probe's worth ever came back: the folder was stepped over.
    expect(digests.length).toBe(80);
    expect(probes.flatMap((r) => r.returned).filter((k) => k.includes('CloudTrail-Digest/')).length).toBe(50);
  });

  it('with since and a prefix inside a region folder, still lists from that day', async () => {
    const prefix = `${ORG}/333333333333/CloudTrail/us-east-1/2026/0`;
    const found = await collect(listTrailObjects(s3, { bucket, prefix, since: new Date('2026-01-31T00:00:00Z') }));
    const expected = logs.filter((k) => k.startsWith(prefix) && !k.includes('/2026/01/30/'));
    expect(found.map((o) => o.key).sort()).toEqual([...expected].sort());
  });

  it('with since after every file, finds nothing', async () => {
    const found = await collect(listTrailObjects(s3, { bucket, prefix: 'AWSLogs/', since: new Date('2030-01-01') }));
    expect(found).toEqual([]);
  });

  it('an empty prefix match yields nothing', async () => {
    expect(await collect(listTrailObjects(s3, { bucket, prefix: 'nothing/here/' }))).toEqual([]);
  });

  it('throws bucket-not-found naming the bucket and prefix', async () => {
    const error = await collect(listTrailObjects(s3, { bucket: 'no-such-trail-bucket', prefix: 'AWSLogs/' })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(S3SourceError);
    expect(error).toMatchObject({ reason: 'bucket-not-found', bucket: 'no-such-trail-bucket', prefix: 'AWSLogs/' });
  });

  it.each([
    [{ pageSize: 0 }, /pageSize/],
    [{ pageSize: 1001 }, /pageSize/],
    [{ since: new Date('not a date') }, /since/],
  ])('rejects bad options %o', async (options, message) => {
    await expect(collect(listTrailObjects(s3, { bucket, ...options }))).rejects.toThrow(message);
  });
});
