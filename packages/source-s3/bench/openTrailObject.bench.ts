/**
 * `pnpm bench packages openTrailObject`: reads one large gzip trail object from a local s3rver, streamed
 * with `openTrailObject` and buffered whole with the SDK's `transformToByteArray`, side by side.
 * Prints wall time and how far live memory (heap + buffers, sampled after GC) rises during the read; compare
 * the ratios, not the absolute figures (shared machine).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { s3ClientConfig } from '../../../test/servers/s3-local.js';
import { openTrailObject } from '../src/index.js';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const MiB = 1024 * 1024;

function held(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** One timed run, then one run sampling the live memory (after a GC) every few ms. */
async function measure(label: string, run: () => Promise<number>): Promise<{ ms: number; peak: number }> {
  gc();
  const started = performance.now();
  const bytes = await run();
  const ms = performance.now() - started;

  // Live memory after a GC, sampled every few ms; the largest rise above an earlier low is what
  // the read itself holds (what the previous run left behind may still be freed meanwhile).
  gc();
  let low = held();
  let peak = 0;
  const timer = setInterval(() => {
    gc();
    const now = held();
    low = Math.min(low, now);
    peak = Math.max(peak, now - low);
  }, 5);
  await run();
  clearInterval(timer);
  console.log(
    `${label.padEnd(34)} ${(bytes / MiB).toFixed(1).padStart(6)} MiB  ${ms.toFixed(0).padStart(6)} ms  peak live ${(peak / MiB).toFixed(1).padStart(6)} MiB`,
  );
  return { ms, peak };
}

// s3rver in a child process, so only the reading side is measured here.
const server = spawn(
  process.execPath,
  ['--import', 'tsx', fileURLToPath(new URL('./_s3rver-process.ts', import.meta.url))],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const [first] = (await once(server.stdout, 'data')) as [Buffer];
const s3 = new S3Client(s3ClientConfig(first.toString().trim()));
try {
  const bucket = 'bench';
  const key = 'AWSLogs/111111111111/CloudTrail/eu-west-1/2026/01/01/big.json.gz';
  // Incompressible bytes: the object is as large as a busy account's biggest trail files.
  const body = randomBytes(32 * MiB);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: body.length }));

  const streamed = await measure('openTrailObject (streamed)', async () => {
    let total = 0;
    for await (const chunk of await openTrailObject(s3, { bucket, key })) total += chunk.length;
    return total;
  });
  const buffered = await measure('GetObject + transformToByteArray', async () => {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = await out.Body?.transformToByteArray();
    return bytes?.length ?? 0;
  });
  console.log(
    `\nstreamed / buffered: time ${(streamed.ms / buffered.ms).toFixed(2)}×, peak memory ${(streamed.peak / buffered.peak).toFixed(3)}×`,
  );
} finally {
  s3.destroy();
  server.kill('SIGTERM');
}
