import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, gzipSync } from 'node:zlib';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { LastswitchError } from '@lastswitch/core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findFreePort } from '../../../test/servers/free-port.js';
import { s3ClientConfig } from '../../../test/servers/s3-local.js';
import { openTrailObject, S3SourceError } from '../src/index.js';

const bucket = 'source-s3-open';
const s3 = new S3Client({ ...s3ClientConfig(inject('s3Endpoint')), maxAttempts: 1 });

async function put(key: string, body: Uint8Array): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: body.length }));
}

async function rejection(promise: Promise<unknown>): Promise<S3SourceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(S3SourceError);
  return error as S3SourceError;
}

beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(() => s3.destroy());

describe('openTrailObject against s3rver', () => {
  it('streams a large gzip object in small chunks, byte-exact', async () => {
    // Random text compresses poorly, so the object itself is large (about 18 MB).
    const raw = Buffer.from(randomBytes(18 * 1024 * 1024).toString('base64'));
    const gz = gzipSync(raw, { level: 1 });
    expect(gz.length).toBeGreaterThan(16 * 1024 * 1024);
    const key = 'AWSLogs/111111111111/CloudTrail/us-east-1/2026/01/02/big.json.gz';
    await put(key, gz);

    const stream = await openTrailObject(s3, { bucket, key });
    let chunks = 0;
    let largest = 0;
    let compressed = 0;
    const digest = createHash('sha256');
    const counted = async function* () {
      for await (const chunk of stream) {
        chunks += 1;
        largest = Math.max(largest, chunk.length);
        compressed += chunk.length;
        yield chunk;
      }
    };
    await pipeline(Readable.from(counted()), createGunzip(), async (source: AsyncIterable<Buffer>) => {
      for await (const part of source) digest.update(part);
    });

    expect(compressed).toBe(gz.length);
    expect(digest.digest('hex')).toBe(createHash('sha256').update(raw).digest('hex'));
    // Streamed, not buffered: many chunks, none anywhere near the object's size.
    expect(chunks).toBeGreaterThan(100);
    expect(largest).toBeLessThanOrEqual(1024 * 1024);
  });

  it('stops the download when the reader stops early', async () => {
    const key = 'AWSLogs/111111111111/CloudTrail/us-east-1/2026/01/02/early.json.gz';
    await put(key, randomBytes(4 * 1024 * 1024));
    const stream = await openTrailObject(s3, { bucket, key });
    let seen = 0;
    for await (const chunk of stream) {
      seen += chunk.length;
      break;
    }
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(4 * 1024 * 1024);
  });

  it('reads a zero-byte object as an empty stream', async () => {
    const key = 'AWSLogs/111111111111/CloudTrail/us-east-1/2026/01/02/empty.json.gz';
    await put(key, new Uint8Array(0));
    const chunks: Uint8Array[] = [];
    for await (const chunk of await openTrailObject(s3, { bucket, key })) chunks.push(chunk);
    expect(Buffer.concat(chunks).length).toBe(0);
  });

  it('reads keys with spaces and unicode exactly as given', async () => {
    const key = 'AWSLogs/111111111111/CloudTrail/us-east-1/2026/01/02/a b+c ü.json.gz';
    await put(key, Buffer.from('hello'));
    const chunks: Uint8Array[] = [];
    for await (const chunk of await openTrailObject(s3, { bucket, key })) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString()).toBe('hello');
  });

  it('throws not-found naming bucket and key for a missing key (NoSuchKey)', async () => {
    const key = 'AWSLogs/111111111111/CloudTrail/us-east-1/2026/01/02/missing.json.gz';
    const error = await rejection(openTrailObject(s3, { bucket, key }));
    expect(error).toBeInstanceOf(LastswitchError);
    expect(error).toMatchObject({ name: 'S3SourceError', reason: 'not-found', bucket, key, code: 'NoSuchKey' });
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(`s3://${bucket}/${key}`);
    expect(error.cause).toBeDefined();
  });

  it('throws bucket-not-found for a missing bucket', async () => {
    const error = await rejection(openTrailObject(s3, { bucket: 'no-such-bucket-here', key: 'x.json.gz' }));
    expect(error).toMatchObject({ reason: 'bucket-not-found', bucket: 'no-such-bucket-here', key: 'x.json.gz' });
    expect(error.message).toContain('no-such-bucket-here');
  });

  it('throws access-denied when S3 rejects the credentials', async () => {
    const key = 'AWSLogs/111111111111/CloudTrail/us-east-1/2026/01/02/private.json.gz';
    await put(key, Buffer.from('x'));
    const stranger = new S3Client({
      ...s3ClientConfig(inject('s3Endpoint')),
      credentials: { accessKeyId: 'NOTTHEKEY', secretAccessKey: 'wrong' },
      maxAttempts: 1,
    });
    try {
      const error = await rejection(openTrailObject(stranger, { bucket, key }));
      expect(error).toMatchObject({ reason: 'access-denied', bucket, key, retryable: false });
      expect(error.message).toContain('s3:GetObject');
      expect(error.message).not.toContain('wrong');
    } finally {
      stranger.destroy();
    }
  });

  it('throws a retryable network error when nothing listens', async () => {
    const port = await findFreePort();
    const offline = new S3Client({ ...s3ClientConfig(`http://127.0.0.1:${port}`), maxAttempts: 1 });
    try {
      const error = await rejection(openTrailObject(offline, { bucket, key: 'k.json.gz' }));
      expect(error).toMatchObject({ reason: 'network', bucket, key: 'k.json.gz', retryable: true });
    } finally {
      offline.destroy();
    }
  });
});

describe('openTrailObject against a server that breaks off mid-body', () => {
  let server: Server;
  let endpoint: string;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': '1000000', 'content-type': 'application/octet-stream' });
      res.write(Buffer.alloc(64 * 1024, 1), () => res.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('throws a retryable interrupted error naming the object', async () => {
    const client = new S3Client({ ...s3ClientConfig(endpoint), maxAttempts: 1 });
    try {
      const stream = await openTrailObject(client, { bucket: 'b', key: 'cut.json.gz', versionId: 'v1' });
      let read = 0;
      const error = await (async () => {
        for await (const chunk of stream) read += chunk.length;
      })().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(read).toBeGreaterThan(0);
      expect(error).toBeInstanceOf(S3SourceError);
      expect(error).toMatchObject({ reason: 'interrupted', bucket: 'b', key: 'cut.json.gz', versionId: 'v1' });
      expect((error as S3SourceError).retryable).toBe(true);
      expect((error as S3SourceError).message).toContain('s3://b/cut.json.gz (version v1)');
    } finally {
      client.destroy();
    }
  });
});
