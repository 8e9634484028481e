import { basename } from 'node:path';
import { renderHtmlReport, renderReport } from '@lastswitch/core';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { openStore } from '../store/openStore.js';
import { readPlanFile } from './_readPlanFile.js';
import { type AssessOptions, addAssessOptions, assessFromStore, writeOutputFile } from './_shared.js';

/** `--width`: a whole number of columns, at least 40. */
function parseWidth(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 40) throw new InvalidArgumentError('expected a whole number of at least 40.');
  return n;
}

interface ReportOptions extends AssessOptions {
  format: 'table' | 'json' | 'csv' | 'markdown' | 'html';
  by: 'pair' | 'principal';
  output?: string;
  width?: number;
  plan?: string;
}

const EXAMPLES = `
Examples:
  $ lastswitch report                                   # table of every (principal, role), stalest first
  $ lastswitch report --by principal --stale-after 30
  $ lastswitch report --format json --now 2026-02-16T00:00:00Z --output report.json
  $ lastswitch report --roster allowed.csv --format markdown   # adds who is allowed but never switched
  $ lastswitch report --store dynamodb:lastswitch-ledger --format csv
  $ lastswitch report --format html --grants iam-*.json --plan plan.json --output review.html

--format html writes one self-contained page (no network requests) with a principal x account
matrix, a filterable table and per-principal details (with --plan: the proposed changes). It is a
whole web page, so it goes to --output or a pipe, never to a terminal.
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
    .option('--plan <file>', 'html only: a `lastswitch plan --format json` file; its changes show per principal')
    .addHelpText('after', EXAMPLES)
    .action(async (options: ReportOptions) => {
      await runReport(options, ctx);
    });
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
    const exists = await opened.exists();
    const { assessment, empty } = await assessFromStore(opened.store, options, ctx);
    const nothing = empty && assessment.pairs.length === 0;
    const note = exists
      ? `The ledger ${opened.label} is empty: no role switches recorded yet.`
      : `There is no ledger at ${opened.label} yet.`;
    const hint = 'Run `lastswitch scan <folder | s3://bucket/prefix>` first.';
    if (nothing && (options.format === 'table' || options.format === 'markdown') && !options.output) {
      ctx.stdout.write(`${note} ${hint}\n`);
      return;
    }
    if (nothing) ctx.stderr.write(`${note} ${hint}\n`);
    // Fit a terminal; elsewhere (a pipe, a file) never cut names short.
    const width =
      options.width ??
      (!options.output && ctx.stdout.isTTY && ctx.stdout.columns ? Math.max(40, ctx.stdout.columns) : 240);
    const text =
      options.format === 'html'
        ? renderHtmlReport(assessment, {
            ...(options.roster || options.grants ? { graceDays: options.graceDays ?? options.staleAfter } : {}),
            ...(grantsFrom(options) === undefined ? {} : { grantsFrom: grantsFrom(options) }),
            ...(options.grants ? { showGrants: true } : {}),
            ...(plan === undefined ? {} : { plan }),
          })
        : renderReport(assessment, options.format, { by: options.by, width });
    const body = text.endsWith('\n') ? text : `${text}\n`;
    if (options.output) {
      await writeOutputFile(options.output, body, ctx, 'the report', opened.store);
      ctx.stderr.write(`Wrote the report to ${options.output}\n`);
    } else {
      ctx.stdout.write(body);
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
