import { createHash } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import type { ApplyClients, RunResult, StepOutcome } from '@lastswitch/iam';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { MissingLedgerError, UsageError } from '../errors.js';
import { parseIsoDate } from '../options.js';
import { openStore } from '../store/openStore.js';
import { awsClientConfig } from './_awsConfig.js';
import { plural, storeOption } from './_shared.js';
import { readUserFile } from './_userFiles.js';

interface ApplyOptions {
  yes?: boolean;
  only?: number[];
  journal?: string;
  store: string;
  now?: Date;
  region?: string;
  allowEmpty?: boolean;
}

const EXAMPLES = `
Examples:
  $ lastswitch plan --grants iam.json --format json --output plan.json
  $ lastswitch apply plan.json                      # second dry run: reads the live state, changes nothing
  $ lastswitch apply plan.json --yes                # apply; journal written to plan.journal.jsonl
  $ lastswitch apply plan.json --yes --only 2,5     # only steps 2 and 5
  $ lastswitch undo plan.journal.jsonl --yes        # put everything back

Safety: nothing changes without --yes; each step re-reads the live state of what it touches and is
refused when it differs from the state the plan recorded; review steps are never applied; a grant
the ledger shows in active use (--store) is never removed; every change is journaled (fsynced)
before and after it is made, and a rerun with the same journal skips what is done.
Credentials, region and endpoints come from the usual AWS environment (AWS_ENDPOINT_URL_IAM,
AWS_ENDPOINT_URL_SSO_ADMIN, AWS_ENDPOINT_URL_IDENTITYSTORE or AWS_ENDPOINT_URL).
Exit codes: 0 ok (a dry run also when steps would be refused), 1 a step was refused or failed (a dry run:
a step could not be checked), 2 bad usage.
`;

/** `--only 1,3,4` → `[1, 3, 4]`. */
export function parseStepList(value: string): number[] {
  const steps = value.split(',').map((part) => part.trim());
  const numbers = steps.map(Number);
  if (steps.some((s) => s === '') || numbers.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new UsageError(
      `--only takes step numbers separated by commas (e.g. 1,3), got ${JSON.stringify(value.slice(0, 40))}`,
    );
  }
  return numbers;
}

/** The SDK clients apply and undo need (Identity Center ones only when a step needs them); the SDKs load only here. */
export async function createApplyClients(
  ctx: CliContext,
  region: string | undefined,
  identityCenter: boolean,
): Promise<ApplyClients & { destroy(): void }> {
  const { IAMClient } = await import('@aws-sdk/client-iam');
  const clients: ApplyClients = { iam: new IAMClient(awsClientConfig(ctx, 'IAM', region)) };
  if (identityCenter) {
    const { SSOAdminClient } = await import('@aws-sdk/client-sso-admin');
    const { IdentitystoreClient } = await import('@aws-sdk/client-identitystore');
    clients.ssoAdmin = new SSOAdminClient(awsClientConfig(ctx, 'SSO_ADMIN', region));
    clients.identityStore = new IdentitystoreClient(awsClientConfig(ctx, 'IDENTITYSTORE', region));
  }
  const destroy = () => {
    clients.iam.destroy();
    clients.ssoAdmin?.destroy();
    clients.identityStore?.destroy();
  };
  // Missing credentials fail once, up front, with the CLI's hint, rather than once per step.
  try {
    await clients.iam.config.credentials();
  } catch (error) {
    destroy();
    throw error;
  }
  return { ...clients, destroy };
}

const VERBS: Record<StepOutcome['outcome'], string> = {
  applied: 'applied',
  'already-applied': 'already applied',
  'would-apply': 'would apply',
  refused: 'REFUSED',
  failed: 'FAILED',
  review: 'review (not applied)',
  'not-selected': 'not selected',
  restored: 'restored',
  'already-restored': 'already restored',
  'would-restore': 'would restore',
};

const UNDO_OUTCOMES: readonly StepOutcome['outcome'][] = ['restored', 'already-restored', 'would-restore'];

/** One line per step: `step 3 applied: <summary>` (undo: what was put back) and, indented, why. */
export function writeOutcome(ctx: CliContext, outcome: StepOutcome): void {
  if (outcome.outcome === 'not-selected') return;
  const what = UNDO_OUTCOMES.includes(outcome.outcome) && outcome.target ? outcome.target : outcome.summary;
  ctx.stdout.write(`step ${outcome.step} ${VERBS[outcome.outcome]}: ${what}\n`);
  if (outcome.reason) ctx.stdout.write(`  ${outcome.reason}\n`);
}

/** Counts of a run by outcome, for the closing line. */
export function countOutcomes(result: RunResult): Record<StepOutcome['outcome'], number> {
  const counts = Object.fromEntries(Object.keys(VERBS).map((k) => [k, 0])) as Record<StepOutcome['outcome'], number>;
  for (const s of result.steps) counts[s.outcome] += 1;
  return counts;
}

/** The default journal of a plan: `plan.json` → `plan.journal.jsonl` beside it. */
export function defaultJournalPath(planPath: string): string {
  const name = basename(planPath).replace(/\.json$/i, '');
  return join(dirname(planPath), `${name}.journal.jsonl`);
}

/** Registers `lastswitch apply`: carry out a JSON removal plan, checked against live IAM, journaled. */
export function registerApplyCommand(program: Command, ctx: CliContext): void {
  program
    .command('apply')
    .summary('apply a JSON removal plan (dry run unless --yes)')
    .description(
      'Carry out the steps of a JSON plan (`lastswitch plan --format json`): without --yes, re-read the live state and say what would be done; with --yes, make each change after checking that what it touches is still as the plan recorded, journaling every change so `lastswitch undo` can put it back.',
    )
    .argument('<plan>', 'the JSON plan file')
    .option('--yes', 'make the changes (without it: a dry run that changes nothing)')
    .option('--only <steps>', 'only these step numbers, comma-separated', parseStepList)
    .option('--journal <file>', 'the journal file (default: PLAN.journal.jsonl beside the plan)')
    .addOption(storeOption())
    .option('--allow-empty', 'apply with --yes although the store has no ledger (no re-check of active use)')
    .option('--now <iso>', 'the time for the ledger re-check (ISO 8601); default: now', parseIsoDate)
    .option('--region <region>', 'the region for the AWS clients (default $AWS_REGION or us-east-1)')
    .addHelpText('after', EXAMPLES)
    .action(async (planPath: string, options: ApplyOptions) => {
      await runApply(planPath, options, ctx);
    });
}

async function runApply(planPath: string, options: ApplyOptions, ctx: CliContext): Promise<void> {
  const iam = await import('@lastswitch/iam');
  const text = await readUserFile(planPath, ctx, 'the plan ');
  let plan: ReturnType<typeof iam.parsePlanFile>;
  try {
    plan = iam.parsePlanFile(JSON.parse(text) as unknown, planPath);
  } catch (error) {
    const message =
      error instanceof SyntaxError ? `the plan ${planPath} is not JSON: ${error.message}` : (error as Error).message;
    throw new UsageError(message, { cause: error });
  }
  const known = new Set(plan.actions.map((a) => a.step));
  const unknown = (options.only ?? []).filter((s) => !known.has(s));
  if (unknown.length > 0) {
    throw new UsageError(
      `--only names ${plural(unknown.length, 'step')} the plan does not have: ${unknown.join(', ')}`,
    );
  }
  const sha256 = createHash('sha256').update(text, 'utf8').digest('hex');
  const journalPath = resolve(ctx.cwd, options.journal ?? defaultJournalPath(planPath));
  const journalShown = options.journal ?? defaultJournalPath(planPath);
  // Only one apply or undo writes a journal at a time (a dry run writes nothing and takes no lock).
  let lock: Awaited<ReturnType<typeof iam.Journal.lock>> | undefined;
  let journal: Awaited<ReturnType<typeof iam.Journal.open>>;
  try {
    if (options.yes) lock = await iam.Journal.lock(journalPath);
    journal = await iam.Journal.open(journalPath);
    // Before any AWS call: a journal of another plan, or one already undone, is bad usage.
    iam.checkJournalFits(journal, sha256);
  } catch (error) {
    await lock?.release();
    throw new UsageError((error as Error).message, { cause: error });
  }
  const identityCenter = plan.actions.some((a) => a.kind === 'delete-account-assignment' || a.identityStoreGroup);
  const opened = await openStore(options.store, { cwd: ctx.cwd });
  let clients: Awaited<ReturnType<typeof createApplyClients>> | undefined;
  try {
    if (!(await opened.exists())) {
      // A mistyped --store would silently switch off the re-check of active use: not with --yes.
      if (options.yes && !options.allowEmpty) throw new MissingLedgerError(opened.label);
      ctx.stderr.write(
        `warning: there is no ledger at ${opened.label}: no switch can be re-checked before a grant is removed\n`,
      );
    }
    clients = await createApplyClients(ctx, options.region, identityCenter);
    ctx.stderr.write(
      options.yes
        ? `Applying ${planPath}; journal: ${journalShown}\n`
        : `Dry run of ${planPath} (nothing is changed; add --yes to apply)\n`,
    );
    let result: RunResult;
    try {
      result = await iam.applyPlan(plan, {
        clients,
        journal,
        plan: { sha256, file: planPath },
        dryRun: !options.yes,
        ...(options.only ? { only: options.only } : {}),
        ledger: { store: opened.store, now: (options.now ?? new Date()).getTime() },
        onStep: (outcome) => writeOutcome(ctx, outcome),
      });
    } catch (error) {
      if (error instanceof iam.JournalError) throw new UsageError(error.message, { cause: error });
      throw error;
    }
    const c = countOutcomes(result);
    const tail = `${c.review > 0 ? `; ${plural(c.review, 'review step')} left for a person` : ''}`;
    if (options.yes) {
      ctx.stderr.write(
        `Applied ${plural(c.applied, 'step')} (${c['already-applied']} already applied), refused ${c.refused}, failed ${c.failed}${tail}. Journal: ${journalShown} (undo: lastswitch undo ${journalShown} --yes)\n`,
      );
      if (result.refused + result.failed > 0) ctx.exitCode = Math.max(ctx.exitCode, 1);
    } else {
      ctx.stderr.write(
        `Would apply ${plural(c['would-apply'], 'step')} (${c['already-applied']} already applied); ${c.refused} would be refused, ${c.failed} could not be checked${tail}. Nothing was changed.\n`,
      );
      // A step that would be refused is an answer; one that could not be read is not.
      if (result.failed > 0) ctx.exitCode = Math.max(ctx.exitCode, 1);
    }
  } finally {
    await lock?.release();
    opened.close();
    clients?.destroy();
  }
}
