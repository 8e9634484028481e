import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { parsePositiveInt } from '../options.js';
import { awsClientConfig, parseAccountList } from './_awsConfig.js';
import { plural, writeOutputFile } from './_shared.js';

interface SsoSnapshotOptions {
  output?: string;
  region?: string;
  instanceArn?: string;
  accounts?: string[];
  concurrency: number;
}

const EXAMPLES = `
Examples:
  $ AWS_REGION=eu-west-1 lastswitch sso snapshot --output sso.json   # the region Identity Center runs in
  $ lastswitch report --grants snapshots/*.json sso.json
  $ lastswitch plan --grants sso.json snapshots/*.json

Needs, in the management account (or the delegated administrator): sso:ListInstances,
sso:ListPermissionSets, sso:DescribePermissionSet, sso:ListAccountAssignments,
identitystore:ListUsers, identitystore:ListGroups, identitystore:ListGroupMemberships and
organizations:ListAccounts (unless --accounts is given). Reads every account x permission set
pair. The snapshot holds names, emails and ids, never credentials. AWS_ENDPOINT_URL_SSO_ADMIN,
AWS_ENDPOINT_URL_IDENTITYSTORE and AWS_ENDPOINT_URL_ORGANIZATIONS point it at other endpoints.
`;

/** Registers `lastswitch sso snapshot`: save IAM Identity Center assignments, users and groups for `plan` and `report --grants`. */
export function registerSsoCommand(program: Command, ctx: CliContext): void {
  const sso = program
    .command('sso')
    .summary('read IAM Identity Center: who is assigned which permission set where')
    .description(
      'Read IAM Identity Center into a snapshot file, for `plan` and `report --grants`: which user may use which permission set in which account, directly or through a group.',
    )
    .addHelpText('after', EXAMPLES);
  sso
    .command('snapshot')
    .summary('save Identity Center permission sets, assignments, users and groups')
    .description(
      'Read the IAM Identity Center instance: permission sets (name, ARN, session duration), every account assignment (each account x permission set, every page), and the identity store users (user name, display name, emails, id) and groups with their members, into a JSON snapshot.',
    )
    .option('--output <file>', 'write the snapshot to this file instead of standard output')
    .option('--region <region>', 'the region Identity Center runs in (default $AWS_REGION or us-east-1)')
    .option('--instance-arn <arn>', 'the instance, when there is more than one')
    .option(
      '--accounts <ids>',
      'only these accounts (12-digit ids, comma-separated); default every active account',
      parseAccountList,
    )
    .option('--concurrency <n>', 'calls in flight at once', parsePositiveInt, 4)
    .addHelpText('after', EXAMPLES)
    .action(async (options: SsoSnapshotOptions) => {
      await runSsoSnapshot(options, ctx);
    });
}

async function runSsoSnapshot(options: SsoSnapshotOptions, ctx: CliContext): Promise<void> {
  const [{ SSOAdminClient }, { IdentitystoreClient }, { OrganizationsClient }, iam] = await Promise.all([
    import('@aws-sdk/client-sso-admin'),
    import('@aws-sdk/client-identitystore'),
    import('@aws-sdk/client-organizations'),
    import('@lastswitch/iam'),
  ]);
  const ssoAdmin = new SSOAdminClient(awsClientConfig(ctx, 'SSO_ADMIN', options.region));
  const identityStore = new IdentitystoreClient(awsClientConfig(ctx, 'IDENTITYSTORE', options.region));
  const organizations = options.accounts
    ? undefined
    : new OrganizationsClient(awsClientConfig(ctx, 'ORGANIZATIONS', options.region));
  try {
    let snapshot: Awaited<ReturnType<typeof iam.readIdentityCenterSnapshot>>;
    try {
      snapshot = await iam.readIdentityCenterSnapshot({
        ssoAdmin,
        identityStore,
        concurrency: options.concurrency,
        ...(organizations ? { organizations } : {}),
        ...(options.accounts ? { accounts: options.accounts } : {}),
        ...(options.instanceArn ? { instanceArn: options.instanceArn } : {}),
      });
    } catch (error) {
      if (error instanceof iam.IamSnapshotError && (error.code === 'WhichInstance' || error.code === 'NoInstance')) {
        throw new UsageError(error.message, { cause: error });
      }
      throw error;
    }
    const body = `${JSON.stringify(snapshot, null, 2)}\n`;
    if (options.output) await writeOutputFile(options.output, body, ctx, 'the snapshot');
    else ctx.stdout.write(body);
    const counts = [
      plural(snapshot.permissionSets.length, 'permission set'),
      plural(snapshot.assignments.length, 'assignment'),
      plural(snapshot.users.length, 'user'),
      plural(snapshot.groups.length, 'group'),
    ].join(', ');
    ctx.stderr.write(
      `Read ${counts} in ${plural(snapshot.accounts.length, 'account')} from ${snapshot.instanceArn}${options.output ? `; wrote ${options.output}` : ''}\n`,
    );
    for (const p of snapshot.problems) ctx.stderr.write(`  ${p.entity}: ${p.message}\n`);
  } finally {
    ssoAdmin.destroy();
    identityStore.destroy();
    organizations?.destroy();
  }
}
