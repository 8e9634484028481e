import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { addLastswitchStack } from '../lib/app.js';
import { DEFAULT_WEBHOOK_PARAMETER } from '../lib/stack.js';
import { ensureLambdaBundles } from './_bundles.js';

const here = (path: string) => new URL(path, import.meta.url);
const cdkJson = JSON.parse(readFileSync(here('../cdk.json'), 'utf8')) as {
  app: string;
  context: Record<string, unknown>;
};

/** The app as `npx cdk synth` runs it from examples/cdk: cdk.json's context, nothing else, no account. */
function synthLikeTheReadme(extra: Record<string, unknown> = {}): Template {
  ensureLambdaBundles();
  const app = new App({ context: { ...cdkJson.context, ...extra } });
  const stack = addLastswitchStack(app, {});
  return Template.fromStack(stack);
}

describe('the README steps', () => {
  it('cdk.json runs bin/app.ts, which builds the app through addLastswitchStack', () => {
    expect(cdkJson.app).toBe('npx tsx bin/app.ts');
    const bin = readFileSync(here('../bin/app.ts'), 'utf8');
    expect(bin).toContain('addLastswitchStack(app, process.env)');
    expect(bin).toContain('app.synth()');
    const pkg = JSON.parse(readFileSync(here('../package.json'), 'utf8')) as {
      scripts: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(pkg.scripts.synth).toBe('cdk synth');
    // `npx` finds both in the package, never downloading them.
    expect(Object.keys(pkg.devDependencies)).toEqual(expect.arrayContaining(['aws-cdk', 'tsx']));
  });

  it('synthesises with no context at all: a new bucket and the webhook from the default SSM parameter', () => {
    const template = synthLikeTheReadme();
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'report.handler',
      Environment: { Variables: { SLACK_WEBHOOK_SSM_PARAMETER: DEFAULT_WEBHOOK_PARAMETER } },
    });
    const text = JSON.stringify(template.toJSON());
    expect(text).toContain(`:parameter${DEFAULT_WEBHOOK_PARAMETER}`);
    expect(text).not.toContain('SLACK_WEBHOOK_SECRET_ID');
    template.hasOutput('WebhookSource', { Value: `SSM SecureString parameter ${DEFAULT_WEBHOOK_PARAMETER}` });
  });

  it('reads the README’s context keys', () => {
    const template = synthLikeTheReadme({
      trailBucketName: 'my-org-trail',
      webhookSecretName: 'lastswitch/slack-webhook',
      staleAfterDays: '30',
      alarmEmail: 'secops@example.com',
    });
    template.resourceCountIs('AWS::S3::Bucket', 0);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'report.handler',
      Environment: {
        Variables: { SLACK_WEBHOOK_SECRET_ID: 'lastswitch/slack-webhook', STALE_AFTER_DAYS: '30' },
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'secops@example.com' });
  });

  it('-c htmlReports=true adds the private report bucket and points the report Lambda at it', () => {
    const template = synthLikeTheReadme({ htmlReports: 'true' });
    // The new trail bucket and the report bucket.
    template.resourceCountIs('AWS::S3::Bucket', 2);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'report.handler',
      Environment: { Variables: { REPORT_HTML_BUCKET: Match.anyValue() } },
    });
  });

  it.each([
    [{ htmlReports: 'yes' }, /htmlReports must be true, false or/],
    [{ staleAfterDays: 'ninety' }, /staleAfterDays must be a whole number/],
    [{ trailNotifications: 'webhook', trailBucketName: 'b' }, /trailNotifications must be bucket, sns or eventbridge/],
    [{ alarmEmail: 'not-an-address' }, /alarmEmail must be an email address/],
  ])('refuses bad context %o with a one-line error', (context, message) => {
    expect(() => synthLikeTheReadme(context)).toThrow(message);
  });
});
