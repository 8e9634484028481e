import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { LastswitchStack, type LastswitchStackProps } from '../lib/stack.js';
import { ensureLambdaBundles } from './_bundles.js';

const env = { account: '111111111111', region: 'eu-west-1' };
const LOG_ARCHIVE = '222222222222';

beforeAll(ensureLambdaBundles);

/** Synthesises with cdk-nag's AwsSolutions pack; synthesis throws on any finding not acknowledged. */
function synthWithNag(props: Partial<LastswitchStackProps>): void {
  const outdir = mkdtempSync(join(tmpdir(), 'lastswitch-nag-'));
  try {
    const app = new App({ outdir });
    new LastswitchStack(app, 'Nag', { env, ...props });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    app.synth();
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe('cdk-nag AwsSolutions: every remaining finding is acknowledged with a reason', () => {
  it.each([
    ['no context (new bucket, SSM webhook)', {}],
    [
      'same-account bucket, secret, alarm email',
      { trailBucketName: 'org-trail', webhookSecretName: 's', alarmEmail: 'a@example.com' },
    ],
    [
      'existing bucket through its SNS topic',
      { trailBucketName: 'org-trail', trailTopicArn: `arn:aws:sns:eu-west-1:${env.account}:t` },
    ],
    [
      'log-archive bucket through SNS, KMS',
      {
        trailBucketName: 'org-trail',
        trailBucketAccount: LOG_ARCHIVE,
        trailTopicArn: `arn:aws:sns:eu-west-1:${LOG_ARCHIVE}:t`,
        trailKmsKeyArn: `arn:aws:kms:eu-west-1:${LOG_ARCHIVE}:key/abc`,
      },
    ],
    [
      'log-archive bucket through EventBridge',
      {
        trailBucketName: 'org-trail',
        trailBucketAccount: LOG_ARCHIVE,
        trailNotifications: 'eventbridge',
        trailPrefix: 'org',
      },
    ],
    ['HTML reports bucket', { htmlReports: true }],
  ] as [string, Partial<LastswitchStackProps>][])('%s', (_name, props) => {
    expect(() => synthWithNag(props)).not.toThrow();
  });

  it('fails on a finding nobody acknowledged (the check is live)', () => {
    // A wildcard statement nobody acknowledged: the same run must refuse it.
    const outdir = mkdtempSync(join(tmpdir(), 'lastswitch-nag-'));
    try {
      const app = new App({ outdir });
      const stack = new LastswitchStack(app, 'Nag', { env });
      stack.backfillRole.addToPolicy(new PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      expect(() => app.synth()).toThrow(/AwsSolutions-IAM5\[Action::s3:\*\]/);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
