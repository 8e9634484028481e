import { join } from 'node:path';
import cliProgress from 'cli-progress';
import type { CliContext } from '../context.js';
import { awsClientConfig } from './_awsConfig.js';
import { plural, writeOutputFile } from './_shared.js';

/** What `iam snapshot --org` was asked for. */
export interface OrgSnapshotRequest {
  roleName: string;
  output: string;
  concurrency: number;
  externalId?: string;
  accounts?: string[];
  region?: string;
}

/** A progress bar (accounts done / failed / ETA) on a terminal; nothing elsewhere. */
function _bar(ctx: CliContext) {
  if (!ctx.stderr.isTTY) return undefined;
  return new cliProgress.SingleBar(
    {
      stream: ctx.stderr,
      format: 'reading IAM {bar} {value}/{total} accounts | {failed} failed | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: true,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
}

/** `lastswitch iam snapshot --org`: one snapshot file per account; failures named on stderr, exit 1. */
export async function runOrgSnapshot(request: OrgSnapshotRequest, ctx: CliContext): Promise<void> {
  const [{ IAMClient }, { OrganizationsClient }, { STSClient }, iam] = await Promise.all([
    import('@aws-sdk/client-iam'),
    import('@aws-sdk/client-organizations'),
    import('@aws-sdk/client-sts'),
    import('@lastswitch/iam'),
  ]);
  const organizations = new OrganizationsClient(awsClientConfig(ctx, 'ORGANIZATIONS', request.region));
  const sts = new STSClient(awsClientConfig(ctx, 'STS', request.region));
  const bar = _bar(ctx);
  let failed = 0;
  const writes: Promise<void>[] = [];
  const written: string[] = [];
  try {
    const outcome = await iam.readOrganizationSnapshots({
      organizations,
      sts,
      roleName: request.roleName,
      concurrency: request.concurrency,
      ...(request.externalId ? { externalId: request.externalId } : {}),
      ...(request.accounts ? { accounts: request.accounts } : {}),
      iamClientFor: (_account, credentials) => new IAMClient(awsClientConfig(ctx, 'IAM', request.region, credentials)),
      onStart: (total, skipped) => {
        for (const s of skipped) {
          ctx.stderr.write(`skipped: ${s.account}${s.name ? ` (${s.name})` : ''}: ${s.reason}\n`);
        }
        if (!bar) ctx.stderr.write(`Reading IAM in ${plural(total, 'account')}\n`);
        bar?.start(total, 0, { failed: 0 });
      },
      onResult: (result) => {
        if (result.ok) {
          const file = join(request.output, `${result.account}.json`);
          writes.push(
            writeOutputFile(file, `${JSON.stringify(result.snapshot, null, 2)}\n`, ctx, 'the snapshot').then(() => {
              written.push(file);
            }),
          );
        } else {
          failed += 1;
          // Above the bar, so it stays visible once the bar is gone.
          ctx.stderr.write(
            `${bar ? '\r\u001b[2K' : ''}failed: ${result.account}${result.name ? ` (${result.name})` : ''}: ${result.reason}\n`,
          );
        }
        bar?.increment(1, { failed });
      },
    });
    bar?.stop();
    const settled = await Promise.allSettled(writes);
    const writeErrors = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    for (const e of writeErrors) ctx.stderr.write(`${(e.reason as Error).message}\n`);
    for (const r of outcome.results) {
      if (r.ok && r.snapshot.problems.length > 0) {
        ctx.stderr.write(
          `warning: ${r.account}: ${plural(r.snapshot.problems.length, 'item')} could not be read and ${r.snapshot.problems.length === 1 ? 'is' : 'are'} left out\n`,
        );
      }
    }
    const ok = outcome.results.filter((r) => r.ok).length;
    ctx.stderr.write(
      `Read ${plural(ok, 'account')} into ${request.output}${failed > 0 ? `; ${plural(failed, 'account')} failed` : ''}${outcome.skipped.length > 0 ? `; ${outcome.skipped.length} skipped` : ''}\n`,
    );
    if (failed > 0 || writeErrors.length > 0) ctx.exitCode = Math.max(ctx.exitCode, 1);
  } catch (error) {
    bar?.stop();
    throw error;
  } finally {
    organizations.destroy();
    sts.destroy();
  }
}
