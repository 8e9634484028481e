/**
 * `pnpm bench packages trail`: reading a CloudTrail file into switches vs. the floor (Node's streaming
 * gunzip, output discarded) vs. the naive gunzip + JSON.parse, for 60k and 240k records, side by
 * side in one run; peak RSS of each measured in its own child process. Compare the ratios.
 * `floor` decompresses with 256 KiB output chunks, as the reader does (the fairest floor);
 * `floor-16k` is Node's default chunk size, shown for reference because it is much slower.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createGunzip, gunzipSync } from 'node:zlib';
import { readTrailFile } from '../src/trail/index.js';
import { benchTrailFile } from './generate-trail.js';

type Mode = 'floor' | 'floor-16k' | 'readTrailFile' | 'naive';
const MODES: Mode[] = ['floor', 'floor-16k', 'readTrailFile', 'naive'];
const FLOOR_CHUNK = 256 * 1024;
const SIZES = [60_000, 240_000];
const RUNS = 5;

/** Runs one mode once; returns the number of switch-like records found (to keep work honest). */
async function runOnce(mode: Mode, file: string): Promise<number> {
  if (mode === 'floor' || mode === 'floor-16k') {
    let bytes = 0;
    const gunzip = mode === 'floor' ? createGunzip({ chunkSize: FLOOR_CHUNK }) : createGunzip();
    for await (const chunk of createReadStream(file).pipe(gunzip)) bytes += (chunk as Buffer).length;
    return bytes > 0 ? 0 : -1;
  }
  if (mode === 'readTrailFile') {
    const reader = readTrailFile(createReadStream(file));
    let switches = 0;
    for (let next = await reader.next(); !next.done; next = await reader.next())
      if (next.value.kind === 'switch') switches++;
    return switches;
  }
  const parsed = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as {
    Records: { eventName?: string; errorCode?: string }[];
  };
  return parsed.Records.filter(
    (r) => (r.eventName?.startsWith('AssumeRole') || r.eventName === 'SwitchRole') && !r.errorCode,
  ).length;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/**
 * The RSS child is plain JavaScript over the built package (`dist/`, which `pnpm bench` builds
 * first), so the figure is the reader's and not the TypeScript loader's (~50 MiB by itself).
 */
const CHILD_SOURCE = `
import { createReadStream, readFileSync } from 'node:fs';
import { createGunzip, gunzipSync } from 'node:zlib';
const [mode, file, dist] = process.argv.slice(2);
let found = 0;
if (mode === 'floor' || mode === 'floor-16k') {
  const gunzip = mode === 'floor' ? createGunzip({ chunkSize: ${FLOOR_CHUNK} }) : createGunzip();
  for await (const chunk of createReadStream(file).pipe(gunzip)) found += 0 * chunk.length;
} else if (mode === 'readTrailFile') {
  const { readTrailFile } = await import(dist);
  const reader = readTrailFile(createReadStream(file));
  for (let next = await reader.next(); !next.done; next = await reader.next()) if (next.value.kind === 'switch') found++;
} else {
  const parsed = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8'));
  found = parsed.Records.filter((r) => (r.eventName?.startsWith('AssumeRole') || r.eventName === 'SwitchRole') && !r.errorCode).length;
}
// VmHWM is this process's own peak; ru_maxrss (resourceUsage) also counts the forked parent's pages.
let maxRssKiB = process.resourceUsage().maxRSS;
try {
  const line = readFileSync('/proc/self/status', 'utf8').split('\\n').find((l) => l.startsWith('VmHWM:'));
  if (line) maxRssKiB = Number.parseInt(line.slice(6), 10);
} catch {}
console.log(JSON.stringify({ found, maxRssKiB }));
`;

const here = dirname(fileURLToPath(import.meta.url));
const DIST = join(here, '..', 'dist', 'index.js');

function peakRss(mode: Mode, file: string): { maxRssKiB: number; found: number } {
  const script = join(here, '.data', 'rss-child.mjs');
  writeFileSync(script, CHILD_SOURCE);
  const result = spawnSync(process.execPath, [script, mode, file, pathToFileURL(DIST).href], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (result.status !== 0) throw new Error(`child ${mode} failed: ${result.stderr}`);
  const lines = result.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] as string);
}

async function main(): Promise<void> {
  const files = new Map<number, string>();
  for (const size of SIZES) files.set(size, await benchTrailFile(size));
  const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
  const rows: string[][] = [
    [
      'records',
      'gzip MiB',
      'mode',
      'best ms',
      '× floor',
      'median ms',
      'CPU ms',
      '× floor CPU',
      'naive ÷ mode',
      'peak RSS MiB',
      'switches',
    ],
  ];
  for (const size of SIZES) {
    const file = files.get(size) as string;
    const wall: Record<Mode, number[]> = { floor: [], 'floor-16k': [], readTrailFile: [], naive: [] };
    const cpu: Record<Mode, number[]> = { floor: [], 'floor-16k': [], readTrailFile: [], naive: [] };
    const found: Record<Mode, number> = { floor: 0, 'floor-16k': 0, readTrailFile: 0, naive: 0 };
    await runOnce('floor', file); // warm the page cache and the JIT
    await runOnce('readTrailFile', file);
    for (let run = 0; run < RUNS; run++) {
      for (const mode of MODES) {
        (globalThis as { gc?: () => void }).gc?.();
        const cpuStart = process.cpuUsage();
        const start = performance.now();
        found[mode] = await runOnce(mode, file);
        wall[mode].push(performance.now() - start);
        const used = process.cpuUsage(cpuStart);
        cpu[mode].push((used.user + used.system) / 1000);
      }
    }
    const best = (mode: Mode) => Math.min(...wall[mode]);
    const bestCpu = (mode: Mode) => Math.min(...cpu[mode]);
    for (const mode of MODES) {
      const rss = peakRss(mode, file);
      rows.push([
        String(size),
        mib(statSync(file).size),
        mode,
        best(mode).toFixed(0),
        (best(mode) / best('floor')).toFixed(2),
        median(wall[mode]).toFixed(0),
        bestCpu(mode).toFixed(0),
        (bestCpu(mode) / bestCpu('floor')).toFixed(2),
        (best('naive') / best(mode)).toFixed(2),
        mib(rss.maxRssKiB * 1024),
        String(found[mode]),
      ]);
    }
  }
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] as string).length))) ?? [];
  for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c] as number)).join('  '));
  console.log(
    `\nbest and median of ${RUNS} runs, interleaved; CPU = user + system of the whole process (zlib's thread pool included).`,
  );
  console.log('targets: readTrailFile ≤ 1.5× floor, ≥ 3× faster than naive, peak RSS ≤ 128 MiB');
}

if (!existsSync(DIST)) {
  console.error(
    `${DIST} is missing: run \`pnpm bench trail\` from the root (it builds first) or \`pnpm --filter @lastswitch/core build\``,
  );
  process.exit(1);
}
await main();
