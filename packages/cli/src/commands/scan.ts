import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { MAX_OPTION_NUMBER, parseIsoDate, parseNonNegativeInt, parsePositiveInt } from '../options.js';
import type { S3Source } from '../scan/_s3.js';
import { discoverLocalFiles, type ScanTarget, specialFileKind } from '../scan/discoverLocalFiles.js';
import { createBarProgress, createPlainProgress } from '../scan/progress.js';
import { autoWorkerCount, type ScanFailure, scanFiles } from '../scan/scanFiles.js';
import { localStoreFiles, openStore } from '../store/openStore.js';
import { countLedger, plural, storeOption } from './_shared.js';

interface ScanOptions {
  format: 'text' | 'json';
  store: string;
  since?: Date;
  concurrency: number;
  workers: number | 'auto';
  maxInflatedMib: number;
  createTable?: boolean;
  progress: boolean;
}

const EXAMPLES = `
Examples:
  $ lastswitch scan ./trail                          # a folder from \`aws s3 sync s3://my-trail-bucket ./trail\`
  $ lastswitch scan s3://my-trail-bucket/AWSLogs/o-a1b2c3d4e5/ --since 2026-01-01
  $ lastswitch scan export.json                      # \`aws cloudtrail lookup-events\` output, NDJSON, or one log file
  $ aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=AssumeRole | lastswitch scan -
  $ lastswitch scan ./trail --store dynamodb:lastswitch-ledger --create-table
  $ lastswitch scan ./trail --format json > scan.json   # machine-readable summary, every skipped record named
`;

/** How many skipped records standard error names before it only counts the rest. */
const SHOWN_SKIPPED_RECORDS = 20;

/** A detail from a (possibly hostile) record, safe for one terminal line: control characters escaped, cut short. */
function oneLine(text: string): string {
  let out = '';
  for (const ch of text.length > 300 ? `${text.slice(0, 300)}…` : text) {
    const c = ch.charCodeAt(0);
    out += c < 0x20 || c === 0x7f || (c >= 0x80 && c < 0xa0) ? `\\u${c.toString(16).padStart(4, '0')}` : ch;
  }
  return out;
}

/** Parses `s3://bucket/prefix`; a usage error when there is no bucket. */
export function parseS3Url(url: string): S3Source {
  const rest = url.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const prefix = slash === -1 ? '' : rest.slice(slash + 1);
  if (bucket === '') throw new UsageError(`"${url}" names no bucket: use s3://BUCKET/PREFIX`);
  return { url, bucket, prefix };
}

const countsLine = (counts: ReadonlyMap<string, number>) =>
  [...counts.entries()]
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([reason, n]) => `${n} ${reason}`)
    .join(', ');

/** `--workers`: `auto`, or a whole number of worker threads (0: read everything on the main thread). */
function parseWorkers(value: string): number | 'auto' {
  if (value === 'auto') return value;
  try {
    return parseNonNegativeInt(value);
  } catch {
    throw new InvalidArgumentError(`expected auto, or a whole number from 0 to ${MAX_OPTION_NUMBER}, in digits.`);
  }
}

/** Registers `lastswitch scan`: read trail files into the ledger. */
export function registerScanCommand(program: Command, ctx: CliContext): void {
  program
    .command('scan')
    .summary('read CloudTrail files into the ledger')
    .description(
      'Read CloudTrail files — folders (walked recursively), single files, or s3://bucket/prefix — and record every role switch in the ledger. Digest and Insights files are skipped and counted. A file that cannot be read is named with the reason; the others are still recorded, and the exit code is 1.',
    )
    .argument('<sources...>', 'folders, files, s3://bucket/prefix, or - for standard input')
    .addOption(storeOption())
    .addOption(
      new Option('--format <format>', 'summary on standard output: text, or json (machine-readable)')
        .choices(['text', 'json'])
        .default('text'),
    )
    .option('--since <date>', 'only files delivered on or after this UTC day (by the date in their name)', parseIsoDate)
    .option('--concurrency <n>', 'files read at the same time', parsePositiveInt, 4)
    .option(
      '--workers <n>',
      'worker threads reading local files, or auto: one per core (up to 4) for 64 files or more on 2 cores or more, else none',
      parseWorkers,
      'auto',
    )
    .option(
      '--max-inflated-mib <n>',
      'a gzip file that decompresses to more than this many MiB fails (a gzip bomb)',
      parsePositiveInt,
      2048,
    )
    .option('--create-table', 'with dynamodb:TABLE, create the table if it is missing (on-demand capacity)')
    .addOption(new Option('--no-progress', 'plain lines instead of a progress bar, even on a terminal'))
    .addHelpText('after', EXAMPLES)
    .action(async (sources: string[], options: ScanOptions) => {
      await runScan(sources, options, ctx);
    });
}

async function runScan(sources: string[], options: ScanOptions, ctx: CliContext): Promise<void> {
  const s3Sources: S3Source[] = [];
  const localPaths: string[] = [];
  let stdin = false;
  for (const source of sources) {
    if (source === '-') {
      stdin = true;
      continue;
    }
    if (source.startsWith('s3://')) {
      s3Sources.push(parseS3Url(source));
      continue;
    }
    if (source.trim() === '') {
      throw new UsageError('an empty source was given (an unset variable?): name a folder, a file, s3://… or -');
    }
    const shown = source.length > 200 ? `${source.slice(0, 200)}… (${source.length} characters)` : source;
    const path = isAbsolute(source) ? source : join(ctx.cwd, source);
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => error);
    if (info instanceof Error) {
      if (info.code === 'ENAMETOOLONG') throw new UsageError(`the path is too long for this system: ${shown}`);
      throw new UsageError(`no such file or folder: ${shown}`);
    }
    const kind = specialFileKind(info);
    // Opening a named pipe blocks until someone writes to it: refused before anything is read.
    if (kind) throw new UsageError(`"${shown}" is a ${kind}, not a file or folder: give trail files or folders`);
    localPaths.push(source);
  }

  const opened = await openStore(options.store, { cwd: ctx.cwd, createTable: options.createTable });
  try {
    await opened.exists(); // a corrupt or foreign ledger fails here, before any file is read
    const exclude = new Set<string>(localStoreFiles(opened.store));
    const local = await discoverLocalFiles(localPaths, { cwd: ctx.cwd, since: options.since, exclude });
    const targets: ScanTarget[] = [...local.targets];
    if (stdin) targets.push({ display: '(standard input)', key: 'stdin', size: 0, open: async () => process.stdin });
    const skippedFiles = new Map<string, number>(local.skipped);
    const sourceFailures: ScanFailure[] = [...local.failures];
    let closeS3 = () => {};
    if (s3Sources.length > 0) {
      for (const source of s3Sources) ctx.stderr.write(`Listing ${source.url}\n`);
      const { discoverS3Objects } = await import('../scan/_s3.js');
      const remote = await discoverS3Objects(s3Sources, options.since);
      closeS3 = remote.close;
      targets.push(...remote.targets);
      for (const [reason, n] of remote.skipped) skippedFiles.set(reason, (skippedFiles.get(reason) ?? 0) + n);
      sourceFailures.push(...remote.failures);
    }

    const useBar = options.progress && ctx.stderr.isTTY === true;
    const progress = useBar ? createBarProgress(ctx.stderr) : createPlainProgress(ctx.stderr);
    const workers =
      options.workers === 'auto'
        ? autoWorkerCount(local.targets.filter((t) => t.path !== undefined).length, availableParallelism())
        : options.workers;
    const totalBytes = targets.reduce((sum, t) => sum + t.size, 0);
    progress.start(targets.length, totalBytes);
    let result: Awaited<ReturnType<typeof scanFiles>>;
    const interrupt = new AbortController();
    const onSigint = () => {
      if (interrupt.signal.aborted) process.exit(130);
      interrupt.abort();
      progress.stop();
      ctx.stderr.write(
        'Interrupted: finishing the files being read and saving the ledger (Ctrl-C again to quit now)\n',
      );
    };
    process.on('SIGINT', onSigint);
    try {
      result = await scanFiles(targets, {
        store: opened.store,
        concurrency: options.concurrency,
        progress,
        signal: interrupt.signal,
        workers,
        maxInflatedBytes: options.maxInflatedMib * 1024 * 1024,
      });
    } finally {
      process.off('SIGINT', onSigint);
      progress.stop();
      closeS3();
    }

    for (const [reason, n] of result.skippedByContent) skippedFiles.set(reason, (skippedFiles.get(reason) ?? 0) + n);
    const failures = [...sourceFailures, ...result.failures];
    const ledger = await countLedger(opened.store);
    const json = options.format === 'json';
    const out = (line: string) => {
      if (!json) ctx.stdout.write(`${line}\n`);
    };
    out(
      `Read ${plural(result.filesRead, 'file')} (${(result.bytesRead / 1_048_576).toFixed(1)} MB): ${plural(result.switches, 'switch', 'switches')}, ${plural(result.denied, 'denied attempt')}.`,
    );
    if (skippedFiles.size > 0) out(`Skipped files: ${countsLine(skippedFiles)}.`);
    for (const named of local.specials) out(`  ${named.file}: ${named.reason}, not read`);
    if (result.skippedRecords.size > 0) out(`Skipped records: ${countsLine(result.skippedRecords)}.`);
    out(`Ledger ${opened.label}: ${plural(ledger.principals, 'principal')}, ${plural(ledger.pairs, 'pair')}.`);
    const skippedList = result.skippedRecordList;
    if (skippedList.length > 0) {
      ctx.stderr.write(`Skipped ${plural(skippedList.length, 'malformed or too-large record')}:\n`);
      for (const r of skippedList.slice(0, SHOWN_SKIPPED_RECORDS)) {
        ctx.stderr.write(`  ${r.file} record ${r.index}: ${r.reason}: ${oneLine(r.detail)}\n`);
      }
      if (skippedList.length > SHOWN_SKIPPED_RECORDS) {
        ctx.stderr.write(
          `  … and ${skippedList.length - SHOWN_SKIPPED_RECORDS} more${json ? '' : ' (all of them in `scan --format json`)'}\n`,
        );
      }
    }
    if (json) {
      const summary = {
        filesRead: result.filesRead,
        bytesRead: result.bytesRead,
        switches: result.switches,
        denied: result.denied,
        skippedFiles: Object.fromEntries(skippedFiles),
        skippedRecordCounts: Object.fromEntries(result.skippedRecords),
        skippedRecords: skippedList,
        failures,
        notRead: result.notRead,
        ledger: { store: opened.label, principals: ledger.principals, pairs: ledger.pairs },
      };
      ctx.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    }
    if (targets.length === 0 && failures.length === 0) {
      ctx.stderr.write(`warning: no CloudTrail files found in ${sources.join(', ')}\n`);
    }
    if (result.notRead > 0) {
      ctx.stderr.write(
        `Interrupted: ${plural(result.notRead, 'file')} not read; everything read before is recorded.\n`,
      );
      ctx.exitCode = 130;
    }
    if (failures.length > 0) {
      ctx.stderr.write(`Failed: ${plural(failures.length, 'file')}; the other files were recorded.\n`);
      for (const failure of failures) ctx.stderr.write(`  ${failure.file}: ${failure.reason}\n`);
      ctx.exitCode = Math.max(ctx.exitCode, 1);
    }
  } finally {
    opened.close();
  }
}
