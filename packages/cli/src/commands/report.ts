import { basename } from 'node:path';
import { type AccessStatus, renderHtmlReport, renderReportBytes } from '@lastswitch/core';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { CliContext } from '../context.js';
import { ExitCode, UsageError } from '../errors.js';
import { parseWidth } from '../options.js';
import { openStore } from '../store/openStore.js';
import { readPlanFile } from './_readPlanFile.js';
import { type AssessOptions, addAssessOptions, assessFromStore, writeChunks, writeOutputFile } from './_shared.js';

/** `--fail-on stale,never`: the statuses that make `report` exit 3. */
export function parseFailOn(value: string): AccessStatus[] {
  const statuses = value.split(',').map((s) => s.trim());
  for (const status of statuses) {
    if (status !== 'stale' && status !== 'never') {
      throw new InvalidArgumentError('expected stale, never, or stale,never.');
    }
  }
  return [...new Set(statuses)] as AccessStatus[];
}

interface ReportOptions extends AssessOptions {
  format: 'table' | 'json' | 'csv' | 'markdown' | 'html';
  by: 'pair' | 'principal';
  output?: string;
  width?: number;
  failOn?: AccessStatus[];
  plan?: string;
}

const EXAMPLES = `
Examples:
  $ lastswitch report                                   # table of every (principal, role), stalest first
  $ lastswitch report --by principal --stale-after 30
  $ lastswitch report --format json --now 2026-02-16T00:00:00Z --output report.json
  $ lastswitch report --roster allowed.csv --format markdown   # adds who is allowed but never switched
  $ lastswitch report --store dynamodb:lastswitch-ledger --format csv
  $ lastswitch report --fail-on stale,never --format json --output report.json   # CI: exit 3 on findings
  $ lastswitch report --format html --grants iam-*.json --plan plan.json --output review.html

--format html writes one self-contained page (no network requests) with a principal x account
matrix, a filterable table and per-principal details (with --plan: the proposed changes). It is a
whole web page, so it goes to --output or a pipe, never to a terminal.

Exit codes: 0 ok; 1 the ledger does not exist (unless --allow-empty) or cannot be read; 2 bad usage;
3 with --fail-on, the report has rows of those statuses.
`;

/** Registers `lastswitch report`: assess the ledger and print it. */
export function registerReportCommand(program: Command, ctx: CliContext): void {
  const command = program
    .command('report')
    .summary('show who has stopped switching role')
    .description(
      'Assess the ledger: each (principal, role) pair is active (switched within --stale-after days), stale, or — with --roster — never (allowed but never seen). Sorted stalest first.',
    );
  addAssessOptions(command)
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['table', 'json', 'csv', 'markdown', 'html'])
        .default('table'),
    )
    .addOption(
      new Option('--by <unit>', 'one row per pair or per principal').choices(['pair', 'principal']).default('pair'),
    )
    .option('--output <file>', 'write the report to this file instead of standard output')
    .option('--width <columns>', 'table only: fit this width (default: the terminal, else 240)', parseWidth)
    .option(
      '--fail-on <statuses>',
      'exit 3 when the report has rows of these statuses: stale, never or stale,never',
      parseFailOn,
    )
    .option('--plan <file>', 'html only: a `lastswitch plan --format json` file; its changes show per principal')
    .addHelpText('after', EXAMPLES)
    .action(async (options: ReportOptions) => {
      await runReport(options, ctx);
    });
}

/** The chunks (text or UTF-8), ending with a newline (added when the last chunk lacks one). */
function* withFinalNewline<T extends string | Uint8Array>(chunks: Iterable<T>): Generator<T | string> {
  let end: string | number | undefined;
  for (const chunk of chunks) {
    if (chunk.length === 0) continue;
    end = chunk.at(-1);
    yield chunk;
  }
  if (end !== '\n' && end !== 0x0a) yield '\n';
}

async function runReport(options: ReportOptions, ctx: CliContext): Promise<void> {
  if (options.plan !== undefined && options.format !== 'html') {
    throw new UsageError('--plan is only used by --format html (for a plan on its own, run `lastswitch plan`)');
  }
  if (options.format === 'html' && !options.output && ctx.stdout.isTTY) {
    throw new UsageError('--format html writes a whole web page: add --output review.html (or pipe it: > review.html)');
  }
  // Read the plan before the ledger, so a bad plan file fails fast.
  const plan = options.plan === undefined ? undefined : await readPlanFile(options.plan, ctx);
  const opened = await openStore(options.store, { cwd: ctx.cwd });
  try {
    const { assessment, empty, exists } = await assessFromStore(opened, options, ctx);
    const nothing = empty && assessment.pairs.length === 0;
    const note = exists
      ? `The ledger ${opened.label} is empty: no role switches recorded yet.`
      : `There is no ledger at ${opened.label} yet.`;
    const hint = 'Run `lastswitch scan <folder | s3://bucket/prefix>` first.';
    const failOn = options.failOn ?? [];
    const findings = assessment.pairs.filter((p) => failOn.includes(p.status)).length;
    if (findings > 0) {
      ctx.exitCode = Math.max(ctx.exitCode, ExitCode.findings);
      ctx.stderr.write(
        `--fail-on ${failOn.join(',')}: ${findings} ${findings === 1 ? 'row' : 'rows'} found (exit code 3).\n`,
      );
    }
    if (nothing && (options.format === 'table' || options.format === 'markdown') && !options.output) {
      ctx.stdout.write(`${note} ${hint}\n`);
      return;
    }
    if (nothing) ctx.stderr.write(`${note} ${hint}\n`);
    // Fit a terminal; elsewhere (a pipe, a file) never cut names short.
    const width =
      options.width ??
      (!options.output && ctx.stdout.isTTY && ctx.stdout.columns ? Math.max(40, ctx.stdout.columns) : 240);
    // Written chunk by chunk, as bytes: a JSON report of a million pairs is larger than one string may be.
    const body = (reuseBuffer: boolean) =>
      options.format === 'html'
        ? withFinalNewline([
            renderHtmlReport(assessment, {
              ...(options.roster || options.grants ? { graceDays: options.graceDays ?? options.staleAfter } : {}),
              ...(grantsFrom(options) === undefined ? {} : { grantsFrom: grantsFrom(options) }),
              ...(options.grants ? { showGrants: true } : {}),
              ...(plan === undefined ? {} : { plan }),
            }),
          ])
        : withFinalNewline(renderReportBytes(assessment, options.format, { by: options.by, width, reuseBuffer }));
    if (options.output) {
      await writeOutputFile(options.output, body, ctx, 'the report', opened.store);
      ctx.stderr.write(`Wrote the report to ${options.output}\n`);
    } else {
      await writeChunks(ctx.stdout, body);
    }
  } finally {
    opened.close();
  }
}

/** What the grants came from, for the HTML summary: the snapshot and roster file names. */
function grantsFrom(options: ReportOptions): string | undefined {
  const files = [...(options.grants ?? []), ...(options.roster ? [options.roster] : [])].map((f) => basename(f));
  return files.length === 0 ? undefined : files.join(', ');
}
