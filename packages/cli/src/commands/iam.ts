import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { parsePositiveInt } from '../options.js';
import { awsClientConfig, parseAccountList } from './_awsConfig.js';
import { runOrgSnapshot } from './_orgSnapshot.js';
import { plural, writeOutputFile } from './_shared.js';
import { readUserFile } from './_userFiles.js';

interface SnapshotOptions {
  output?: string;
  fromFile?: string;
  account?: string;
  region?: string;
  org?: boolean;
  roleName?: string;
  externalId?: string;
  accounts?: string[];
  concurrency: number;
}

const EXAMPLES = `
Examples:
  $ lastswitch iam snapshot --output iam-identity.json          # credentials from the usual AWS environment
  $ AWS_PROFILE=prod lastswitch iam snapshot --output iam-prod.json
  $ aws iam get-account-authorization-details > gaad.json     # where lastswitch may not read IAM itself
  $ lastswitch iam snapshot --from-file gaad.json --output iam-prod.json
  $ lastswitch plan --grants iam-identity.json iam-prod.json --format markdown
  $ lastswitch iam snapshot --org --role-name lastswitch-audit --output snapshots/   # every account
  $ lastswitch plan --grants snapshots/*.json

Needs iam:GetAccountAuthorizationDetails (e.g. the SecurityAudit managed policy). With --org: run
from the management account (or a delegated administrator) with organizations:ListAccounts and
sts:AssumeRole on arn:aws:iam::*:role/NAME; the role NAME in every member account must trust that
caller and allow iam:GetAccountAuthorizationDetails. The caller's own account is read with its own
credentials. The snapshot holds policies and names, never credentials. AWS_ENDPOINT_URL_IAM (_STS,
_ORGANIZATIONS) points it at other endpoints.
`;

/** Builds the IAM client from the environment (the SDK is imported only when this command runs). */
async function _client(ctx: CliContext, region: string | undefined) {
  const { IAMClient } = await import('@aws-sdk/client-iam');
  return new IAMClient(awsClientConfig(ctx, 'IAM', region));
}

function _checkAccount(value: string): string {
  if (value.length !== 12 || [...value].some((c) => c < '0' || c > '9')) {
    throw new UsageError(`--account must be a 12-digit AWS account id, got ${JSON.stringify(value.slice(0, 40))}`);
  }
  return value;
}

/** Registers `lastswitch iam snapshot`: save one account's IAM authorization details for `plan` and `report --grants`. */
export function registerIamCommand(program: Command, ctx: CliContext): void {
  const iam = program
    .command('iam')
    .summary('read IAM: who is allowed to switch into what')
    .description(
      'Read IAM authorization details into snapshot files, for `plan` and `report --grants`: who is allowed to switch into which role, including those who never have.',
    )
    .addHelpText('after', EXAMPLES);
  iam
    .command('snapshot')
    .summary("save an account's IAM users, groups, roles and policies")
    .description(
      "Read the account's IAM authorization details (GetAccountAuthorizationDetails, every page) into a JSON snapshot: users, groups, roles with trust policies, and the managed policies they use (default versions). Give `plan` / `report --grants` one snapshot per account: the identity account and the accounts whose roles people switch into.",
    )
    .option('--output <file>', 'write the snapshot to this file instead of standard output')
    .option(
      '--from-file <file>',
      'convert saved `aws iam get-account-authorization-details` output instead of calling IAM',
    )
    .option('--account <id>', 'the account id, when IAM returns nothing that names it')
    .option('--region <region>', 'the region for the IAM client (IAM is global; default $AWS_REGION or us-east-1)')
    .option('--org', 'every account of the organisation: --output is a folder, one ACCOUNT.json per account')
    .option('--role-name <name>', 'with --org: the role to assume in each member account (session lastswitch-snapshot)')
    .option('--external-id <id>', 'with --org: the external id the role requires')
    .option('--accounts <ids>', 'with --org: only these accounts (12-digit ids, comma-separated)', parseAccountList)
    .option('--concurrency <n>', 'with --org: accounts read at once', parsePositiveInt, 4)
    .addHelpText('after', EXAMPLES)
    .action(async (options: SnapshotOptions) => {
      await runSnapshot(options, ctx);
    });
}

async function _readFromIam(ctx: CliContext, region: string | undefined, account: string | undefined) {
  const { readAuthorizationSnapshot } = await import('@lastswitch/iam');
  const client = await _client(ctx, region);
  try {
    return await readAuthorizationSnapshot(client, account ? { account } : {});
  } finally {
    client.destroy();
  }
}

async function _readDetails(path: string, ctx: CliContext): Promise<unknown> {
  const text = await readUserFile(path, ctx, '');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path} is not JSON: ${(error as Error).message}`, { cause: error });
  }
}

async function runSnapshot(options: SnapshotOptions, ctx: CliContext): Promise<void> {
  if (options.org) {
    if (options.fromFile || options.account)
      throw new UsageError('--org cannot be combined with --from-file or --account');
    if (!options.roleName)
      throw new UsageError('--org needs --role-name NAME: the role to assume in each member account');
    if (!options.output) throw new UsageError('--org needs --output DIR: one ACCOUNT.json is written per account');
    await runOrgSnapshot(
      {
        roleName: options.roleName,
        output: options.output,
        concurrency: options.concurrency,
        ...(options.externalId ? { externalId: options.externalId } : {}),
        ...(options.accounts ? { accounts: options.accounts } : {}),
        ...(options.region ? { region: options.region } : {}),
      },
      ctx,
    );
    return;
  }
  for (const [flag, value] of [
    ['--role-name', options.roleName],
    ['--external-id', options.externalId],
    ['--accounts', options.accounts],
  ] as const) {
    if (value !== undefined) throw new UsageError(`${flag} only works with --org`);
  }
  const account = options.account === undefined ? undefined : _checkAccount(options.account);
  const iam = await import('@lastswitch/iam');
  let snapshot: Awaited<ReturnType<typeof _readFromIam>>;
  if (options.fromFile) {
    const details = await _readDetails(options.fromFile, ctx);
    try {
      snapshot = iam.snapshotFromAuthorizationDetails(details, { ...(account ? { account } : {}), now: Date.now() });
    } catch (error) {
      if (error instanceof iam.IamSnapshotError) {
        throw new UsageError(`${options.fromFile}: ${error.message}`, { cause: error });
      }
      throw error;
    }
  } else {
    snapshot = await _readFromIam(ctx, options.region, account);
  }
  const body = `${JSON.stringify(snapshot, null, 2)}\n`;
  if (options.output) {
    await writeOutputFile(options.output, body, ctx, 'the snapshot');
  } else {
    ctx.stdout.write(body);
  }
  const counts = [
    plural(snapshot.users.length, 'user'),
    plural(snapshot.groups.length, 'group'),
    plural(snapshot.roles.length, 'role'),
    plural(snapshot.policies.length, 'managed policy', 'managed policies'),
  ].join(', ');
  ctx.stderr.write(
    `Read ${counts} from ${options.fromFile ? `${options.fromFile} (account ${snapshot.account})` : `account ${snapshot.account}`}${options.output ? `; wrote ${options.output}` : ''}\n`,
  );
  if (snapshot.problems.length > 0) {
    for (const p of snapshot.problems) ctx.stderr.write(`  not readable: ${p.entity}: ${p.message}\n`);
    const n = snapshot.problems.length;
    ctx.stderr.write(`${plural(n, 'item')} could not be read and ${n === 1 ? 'is' : 'are'} left out of the snapshot\n`);
    ctx.exitCode = Math.max(ctx.exitCode, 1);
  }
}
