import {
  type AuthorizationSnapshot,
  assessLedger,
  type GrantEvaluation,
  grantsFromSnapshot,
  grantsToRoster,
  parseAuthorizationSnapshot,
  planRemovals,
  type RosterEntry,
  renderPlan,
} from '@lastswitch/core';
import { type Command, Option } from 'commander';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { parseIsoDate, parseNonNegativeInt, parsePositiveInt } from '../options.js';
import { openStore } from '../store/openStore.js';
import { ALLOW_EMPTY_HELP, plural, readUserFile, requireLedger, storeOption, writeOutputFile } from './_shared.js';

interface PlanOptions {
  grants: string[];
  store: string;
  staleAfter: number;
  now?: Date;
  graceDays?: number;
  format: 'json' | 'markdown';
  output?: string;
  allowEmpty?: boolean;
}

const EXAMPLES = `
Examples:
  $ lastswitch iam snapshot --output iam-identity.json     # once per account (identity + target accounts)
  $ lastswitch plan --grants iam-identity.json iam-prod.json
  $ lastswitch plan --grants iam-*.json --stale-after 200 --format json --output plan.json

The plan is a dry run: it names the policy statements, group memberships and trust policies to
change, and changes nothing. Evaluated: identity policies (user, group, inline, managed), explicit
Deny, permissions boundaries and trust policies. Not evaluated: SCPs, session policies, other
resource-based policies, and conditions (flagged instead).
`;

/** Reads and checks authorization snapshot files; a bad file is a usage error naming it. */
export async function readSnapshotFiles(paths: readonly string[], ctx: CliContext): Promise<AuthorizationSnapshot[]> {
  const snapshots: AuthorizationSnapshot[] = [];
  for (const path of paths) {
    const text = await readUserFile(path, ctx, 'the IAM snapshot ');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`the IAM snapshot ${path} is not JSON: ${(error as Error).message}`, { cause: error });
    }
    const format = typeof json === 'object' && json !== null ? (json as { format?: unknown }).format : undefined;
    if (format !== 'lastswitch.authorization-snapshot') {
      throw new UsageError(
        `${path} is not a lastswitch authorization snapshot (make one per account with \`lastswitch iam snapshot --output FILE\`)`,
      );
    }
    try {
      snapshots.push(parseAuthorizationSnapshot(json, path));
    } catch (error) {
      // No `cause`: the validator's own dump of every issue is not for the terminal (see --debug).
      throw new UsageError(`${(error as Error).message} (make one with \`lastswitch iam snapshot\`)`);
    }
  }
  return snapshots;
}

/** Reads snapshot files and evaluates them into grants, printing what could not be evaluated to stderr. */
export async function readGrants(paths: readonly string[], ctx: CliContext): Promise<GrantEvaluation> {
  const evaluation = grantsFromSnapshot(await readSnapshotFiles(paths, ctx));
  for (const p of evaluation.problems) ctx.stderr.write(`warning: ${p.account} ${p.entity}: ${p.message}\n`);
  return evaluation;
}

/** The roster `report --grants` uses: one entry per effective grant in the snapshot files. */
export async function rosterFromGrantFiles(paths: readonly string[], ctx: CliContext): Promise<RosterEntry[]> {
  return grantsToRoster((await readGrants(paths, ctx)).grants);
}

/** `--grants <snapshot...>`: IAM snapshot files, for `plan` and `report`. */
export function grantsOption(required: boolean): Option {
  const option = new Option(
    '--grants <snapshot...>',
    'IAM authorization snapshots (`lastswitch iam snapshot`), one per account: who is allowed to switch into what',
  );
  if (required) option.makeOptionMandatory();
  return option;
}

/** Registers `lastswitch plan`: a dry-run plan removing the switch-role grants nobody uses. */
export function registerPlanCommand(program: Command, ctx: CliContext): void {
  program
    .command('plan')
    .summary('dry-run plan to remove unused switch-role grants')
    .description(
      'Compare who is allowed to switch into which role (IAM snapshots) with the ledger, and print the exact policy changes that would remove every stale or never-used grant: statements to edit, wildcards to narrow to the roles actually used, group memberships and policies to remove. Nothing is applied.',
    )
    .addOption(grantsOption(true))
    .addOption(storeOption())
    .option('--stale-after <days>', 'a grant last used this many days ago or more is stale', parsePositiveInt, 90)
    .option('--now <iso>', 'assess as of this time (ISO 8601); default: now', parseIsoDate)
    .option(
      '--grace-days <days>',
      'users created fewer days ago keep never-used grants (default: --stale-after)',
      parseNonNegativeInt,
    )
    .addOption(new Option('--format <format>', 'output format').choices(['markdown', 'json']).default('markdown'))
    .option('--output <file>', 'write the plan to this file instead of standard output')
    .option('--allow-empty', `${ALLOW_EMPTY_HELP} (every grant then counts as never used)`)
    .addHelpText('after', EXAMPLES)
    .action(async (options: PlanOptions) => {
      await runPlan(options, ctx);
    });
}

async function runPlan(options: PlanOptions, ctx: CliContext): Promise<void> {
  const evaluation = await readGrants(options.grants, ctx);
  const opened = await openStore(options.store, { cwd: ctx.cwd });
  try {
    // A mistyped store would make every grant look unused: refuse it unless --allow-empty.
    if (!(await requireLedger(opened, options.allowEmpty))) {
      ctx.stderr.write(
        `warning: there is no ledger at ${opened.label}: every grant counts as never used (run \`lastswitch scan\` first)\n`,
      );
    }
    const assessment = await assessLedger(opened.store.entries(), {
      now: (options.now ?? new Date()).getTime(),
      staleAfterDays: options.staleAfter,
      aliases: opened.store.aliases(),
    });
    const plan = planRemovals(assessment, evaluation, { graceDays: options.graceDays ?? options.staleAfter });
    const text = renderPlan(plan, options.format);
    const body = text.endsWith('\n') ? text : `${text}\n`;
    if (options.output) {
      await writeOutputFile(options.output, body, ctx, 'the plan', opened.store);
    } else {
      ctx.stdout.write(body);
    }
    const s = plan.summary;
    ctx.stderr.write(
      `${plural(s.grants, 'grant')} from ${plural(evaluation.accounts.length, 'account')}: ${s.active} active, ${s.stale} stale, ${s.never} never used (${s.inGrace} in grace); ${plural(s.actions, 'proposed change')}${options.output ? `, written to ${options.output}` : ''}. Nothing was applied.\n`,
    );
  } finally {
    opened.close();
  }
}
