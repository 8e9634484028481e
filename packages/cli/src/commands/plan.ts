import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import {
  type AuthorizationSnapshot,
  assessLedger,
  assignmentGrantsToRoster,
  type GrantEvaluation,
  grantsFromSnapshot,
  grantsToRoster,
  type IdentityCenterEvaluation,
  type IdentityCenterSnapshot,
  identityCenterGrants,
  identityCenterKeyParts,
  isIdentityCenterSnapshot,
  type LedgerStore,
  type PlanSource,
  parseAuthorizationSnapshot,
  parseIdentityCenterSnapshot,
  planRemovals,
  type RosterEntry,
  renderPlan,
  withAssignmentRemovals,
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

/** The snapshot files behind `--grants`: IAM snapshots (files or `--org` folders) and Identity Center snapshots. */
export interface GrantFiles {
  iam: AuthorizationSnapshot[];
  identityCenter: IdentityCenterSnapshot[];
  /** Each file read, with its SHA-256 digest: what a plan records it was made from. */
  madeFrom: PlanSource[];
}

/** A `--grants` path: a file, or a folder (`iam snapshot --org` output) whose `*.json` files are read in name order. */
async function _expand(path: string, ctx: CliContext): Promise<string[]> {
  const full = isAbsolute(path) ? path : join(ctx.cwd, path);
  const info = await stat(full).catch(() => undefined);
  if (!info?.isDirectory()) return [path];
  const names = (await readdir(full)).filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort();
  if (names.length === 0) throw new UsageError(`the snapshot folder ${path} has no .json files`);
  return names.map((n) => join(path, n));
}

/** Reads and checks snapshot files (IAM or Identity Center, told apart by their `format`); a bad file is a usage error naming it. */
export async function readSnapshotFiles(paths: readonly string[], ctx: CliContext): Promise<GrantFiles> {
  const files: GrantFiles = { iam: [], identityCenter: [], madeFrom: [] };
  for (const given of paths) {
    for (const path of await _expand(given, ctx)) {
      const text = await readUserFile(path, ctx, 'the snapshot ');
      const sha256 = createHash('sha256').update(text, 'utf8').digest('hex');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (error) {
        throw new UsageError(`the snapshot ${path} is not JSON: ${(error as Error).message}`, { cause: error });
      }
      const format = typeof json === 'object' && json !== null ? (json as { format?: unknown }).format : undefined;
      if (format !== 'lastswitch.authorization-snapshot' && !isIdentityCenterSnapshot(json)) {
        throw new UsageError(
          `${path} is not a lastswitch authorization snapshot (make one per account with \`lastswitch iam snapshot --output FILE\`, or an Identity Center one with \`lastswitch sso snapshot\`)`,
        );
      }
      try {
        if (isIdentityCenterSnapshot(json)) {
          const snapshot = parseIdentityCenterSnapshot(json, path);
          files.identityCenter.push(snapshot);
          files.madeFrom.push({ file: path, sha256, takenAt: snapshot.takenAt });
        } else {
          const snapshot = parseAuthorizationSnapshot(json, path);
          files.iam.push(snapshot);
          files.madeFrom.push({ file: path, sha256, account: snapshot.account, takenAt: snapshot.takenAt });
        }
      } catch (error) {
        // No `cause`: the validator's own dump of every issue is not for the terminal (see --debug).
        throw new UsageError(
          `${(error as Error).message} (make one with \`lastswitch iam snapshot\` or \`lastswitch sso snapshot\`)`,
        );
      }
    }
  }
  return files;
}

/** Everything `--grants` gives: IAM grants, and the Identity Center snapshots (evaluated once the ledger's keys are known). */
export interface GrantSources {
  evaluation: GrantEvaluation;
  files: GrantFiles;
}

/** Reads snapshot files and evaluates the IAM ones into grants, printing what could not be evaluated to stderr. */
export async function readGrants(paths: readonly string[], ctx: CliContext): Promise<GrantSources> {
  const files = await readSnapshotFiles(paths, ctx);
  const evaluation = grantsFromSnapshot(files.iam);
  for (const p of evaluation.problems) ctx.stderr.write(`warning: ${p.account} ${p.entity}: ${p.message}\n`);
  return { evaluation, files };
}

/** Evaluates Identity Center snapshots, keying users as the ledger does (`principalKeys`); prints problems to stderr. */
export function evaluateIdentityCenter(
  sources: GrantSources,
  principalKeys: Iterable<string>,
  ctx: CliContext,
  warnUnknown: boolean,
): IdentityCenterEvaluation[] {
  const keys = [...principalKeys];
  return sources.files.identityCenter.map((snapshot) => {
    const evaluation = identityCenterGrants(snapshot, { principalKeys: keys, iamSnapshots: sources.files.iam });
    for (const p of evaluation.problems) {
      ctx.stderr.write(`warning: ${p.account ? `${p.account} ` : ''}${p.entity}: ${p.message}\n`);
    }
    if (warnUnknown) {
      const names = new Set(evaluation.userNames);
      const unknown = new Set<string>();
      for (const key of keys) {
        const parts = identityCenterKeyParts(key);
        if (parts && !names.has(parts.name)) unknown.add(parts.name);
      }
      for (const name of [...unknown].sort()) {
        ctx.stderr.write(
          `warning: Identity Center user ${name} is in the ledger but not in the Identity Center snapshot: renamed or deleted\n`,
        );
      }
    }
    return evaluation;
  });
}

/** The roster `report --grants` uses: one entry per effective IAM grant and per Identity Center assignment grant. */
export async function rosterFromGrantFiles(
  paths: readonly string[],
  ctx: CliContext,
  store?: LedgerStore,
): Promise<RosterEntry[]> {
  const sources = await readGrants(paths, ctx);
  const roster = grantsToRoster(sources.evaluation.grants);
  if (sources.files.identityCenter.length > 0) {
    const keys = new Set<string>();
    if (store) for await (const entry of store.entries()) keys.add(entry.principal.key);
    for (const evaluation of evaluateIdentityCenter(sources, keys, ctx, true)) {
      roster.push(...assignmentGrantsToRoster(evaluation.grants));
    }
  }
  return roster;
}

/** `--grants <snapshot...>`: IAM snapshot files, for `plan` and `report`. */
export function grantsOption(required: boolean): Option {
  const option = new Option(
    '--grants <snapshot...>',
    'snapshots of who may switch into what: IAM snapshot files or `iam snapshot --org` folders, and Identity Center snapshots (`lastswitch sso snapshot`)',
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
    const assessment = await assessLedger(opened.store.entries(), {
      now: (options.now ?? new Date()).getTime(),
      staleAfterDays: options.staleAfter,
      aliases: opened.store.aliases(),
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
