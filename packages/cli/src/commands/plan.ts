import { assessStore, planRemovals, renderPlan, withAssignmentRemovals } from '@lastswitch/core';
import { type Command, Option } from 'commander';
import type { CliContext } from '../context.js';
import { parseIsoDate, parseNonNegativeInt, parsePositiveInt } from '../options.js';
import { openStore } from '../store/openStore.js';
import { evaluateIdentityCenter, readGrants } from './_grantFiles.js';
import { grantsOption } from './_grantsOption.js';
import { ALLOW_EMPTY_HELP, plural, requireLedger, storeOption, writeOutputFile } from './_shared.js';

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
  $ lastswitch plan --grants snapshots/ sso.json          # an \`iam snapshot --org\` folder + Identity Center

  $ lastswitch apply plan.json                            # then: a second dry run against live IAM

The plan is a dry run: it names the policy statements, group memberships, trust policies and
Identity Center assignments to change, and changes nothing. A JSON plan records the snapshots'
digests and the exact state each step changes, so \`lastswitch apply plan.json\` can carry it out
safely. Evaluated: identity policies (user, group, inline, managed), explicit Deny, permissions
boundaries and trust policies; Identity Center assignments (direct or through a group). Not
evaluated: SCPs, session policies, other resource-based policies, permission sets' policies and
permissions boundaries, ABAC and other conditions (flagged instead).
`;

/** Registers `lastswitch plan`: a dry-run plan removing the switch-role grants nobody uses. */
export function registerPlanCommand(program: Command, ctx: CliContext): void {
  program
    .command('plan')
    .summary('dry-run plan to remove unused switch-role grants')
    .description(
      'Compare who is allowed to switch into which role (IAM and Identity Center snapshots) with the ledger, and print the exact changes that would remove every stale or never-used grant: statements to edit, wildcards to narrow to the roles actually used, group memberships, policies and Identity Center assignments to remove. Nothing is applied (`lastswitch apply` carries out a JSON plan).',
    )
    .addOption(grantsOption(true))
    .addOption(storeOption())
    .option('--stale-after <days>', 'a grant last used this many days ago or more is stale', parsePositiveInt, 90)
    .option('--now <iso>', 'assess as of this time (ISO 8601); default: now', parseIsoDate)
    .option(
      '--grace-days <days>',
      'users created fewer days ago keep never-used grants; 0: no grace (default: --stale-after)',
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
  const sources = await readGrants(options.grants, ctx);
  const { evaluation } = sources;
  const opened = await openStore(options.store, { cwd: ctx.cwd });
  try {
    // A mistyped store would make every grant look unused: refuse it unless --allow-empty.
    if (!(await requireLedger(opened, options.allowEmpty))) {
      ctx.stderr.write(
        `warning: there is no ledger at ${opened.label}: every grant counts as never used (run \`lastswitch scan\` first)\n`,
      );
    }
    const assessment = await assessStore(opened.store, {
      now: (options.now ?? new Date()).getTime(),
      staleAfterDays: options.staleAfter,
    });
    const iamPlan = planRemovals(assessment, evaluation, {
      graceDays: options.graceDays ?? options.staleAfter,
      snapshots: sources.files.iam,
      madeFrom: sources.files.madeFrom,
    });
    const identityCenter = evaluateIdentityCenter(
      sources,
      new Set(assessment.pairs.map((p) => p.principal.key)),
      ctx,
      false,
    );
    const plan = identityCenter.length > 0 ? withAssignmentRemovals(iamPlan, assessment, identityCenter) : iamPlan;
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
