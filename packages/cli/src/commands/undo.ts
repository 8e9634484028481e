import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { plural } from './_shared.js';
import { countOutcomes, createApplyClients, parseStepList, writeOutcome } from './apply.js';

interface UndoOptions {
  yes?: boolean;
  only?: number[];
  region?: string;
}

const EXAMPLES = `
Examples:
  $ lastswitch undo plan.journal.jsonl            # dry run: what would be restored
  $ lastswitch undo plan.journal.jsonl --yes      # restore every applied step, newest first

Each step is restored to the state journaled before its change, after checking that its live state
is still what apply left (refused, named, otherwise). Undo lines go to the same journal, so a rerun
skips what is restored. A managed-policy version deleted at IAM's five-version limit comes back with
its document under a new version id; a restored Identity Center group membership gets a new
membership id. Exit codes: 0 ok (a dry run also when steps would be refused), 1 a step was refused
or failed (a dry run: a step could not be checked), 2 bad usage.
`;

/** Registers `lastswitch undo`: restore what `lastswitch apply` changed, from its journal. */
export function registerUndoCommand(program: Command, ctx: CliContext): void {
  program
    .command('undo')
    .summary('restore what apply changed, from its journal (dry run unless --yes)')
    .description(
      'Restore every step an apply journal shows applied, newest first, to its recorded prior state; a step whose live state changed since apply is refused.',
    )
    .argument('<journal>', 'the journal file written by `lastswitch apply`')
    .option('--yes', 'restore (without it: a dry run that changes nothing)')
    .option('--only <steps>', 'only these step numbers, comma-separated', parseStepList)
    .option('--region <region>', 'the region for the AWS clients (default $AWS_REGION or us-east-1)')
    .addHelpText('after', EXAMPLES)
    .action(async (journalPath: string, options: UndoOptions) => {
      await runUndo(journalPath, options, ctx);
    });
}

async function runUndo(journalPath: string, options: UndoOptions, ctx: CliContext): Promise<void> {
  const iam = await import('@lastswitch/iam');
  const path = resolve(ctx.cwd, journalPath);
  const read = async () => {
    try {
      return await iam.Journal.open(path);
    } catch (error) {
      throw new UsageError((error as Error).message, { cause: error });
    }
  };
  let journal = await read();
  if (!journal.start) throw new UsageError(`${journalPath} is not an apply journal (missing or empty)`);
  // Only one apply or undo writes a journal at a time (a dry run writes nothing and takes no lock);
  // the journal is read again once locked, with every line the last holder wrote.
  let lock: Awaited<ReturnType<typeof iam.Journal.lock>> | undefined;
  if (options.yes) {
    try {
      lock = await iam.Journal.lock(path);
    } catch (error) {
      throw new UsageError((error as Error).message, { cause: error });
    }
  }
  try {
    if (lock) journal = await read();
    await _undo(journalPath, journal, options, ctx, iam);
  } finally {
    await lock?.release();
  }
}

type IamModule = typeof import('@lastswitch/iam');

async function _undo(
  journalPath: string,
  journal: Awaited<ReturnType<IamModule['Journal']['open']>>,
  options: UndoOptions,
  ctx: CliContext,
  iam: IamModule,
): Promise<void> {
  const changed = new Set(journal.records.flatMap((r) => (r.type === 'before' ? [r.step] : [])));
  const unknown = (options.only ?? []).filter((s) => !changed.has(s));
  if (unknown.length > 0) {
    throw new UsageError(
      `--only names ${plural(unknown.length, 'step')} the journal shows no change for: ${unknown.join(', ')}`,
    );
  }
  const identityCenter = journal.records.some(
    (r) => r.type === 'before' && (r.kind === 'delete-account-assignment' || r.action.identityStoreGroup !== undefined),
  );
  const clients = await createApplyClients(ctx, options.region, identityCenter);
  try {
    ctx.stderr.write(
      options.yes
        ? `Undoing ${journalPath}\n`
        : `Dry run of undo ${journalPath} (nothing is changed; add --yes to restore)\n`,
    );
    const result = await iam.undoJournal(journal, {
      clients,
      dryRun: !options.yes,
      ...(options.only ? { only: options.only } : {}),
      onStep: (outcome) => writeOutcome(ctx, outcome),
    });
    const c = countOutcomes(result);
    if (options.yes) {
      ctx.stderr.write(
        `Restored ${plural(c.restored, 'step')} (${c['already-restored']} already restored), refused ${c.refused}, failed ${c.failed}.\n`,
      );
      if (result.refused + result.failed > 0) ctx.exitCode = Math.max(ctx.exitCode, 1);
    } else {
      ctx.stderr.write(
        `Would restore ${plural(c['would-restore'], 'step')} (${c['already-restored']} already restored); ${c.refused} would be refused, ${c.failed} could not be checked. Nothing was changed.\n`,
      );
      if (result.failed > 0) ctx.exitCode = Math.max(ctx.exitCode, 1);
    }
  } finally {
    clients.destroy();
  }
}
