import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_DIST, LastswitchStack, type LastswitchStackProps } from '../lib/stack.js';

const env = { account: '111111111111', region: 'eu-west-1' };

function synth(props: Partial<LastswitchStackProps> = {}): Template {
  const app = new App();
  const stack = new LastswitchStack(app, 'Test', {
    env,
    webhookSecretName: 'lastswitch/slack',
    trailBucketName: 'org-trail',
    ...props,
  });
  return Template.fromStack(stack);
}

interface Statement {
  Action: string | string[];
  Resource: unknown;
}

beforeAll(() => {
  if (!existsSync(join(LAMBDA_DIST, 'ingest.mjs')) || !existsSync(join(LAMBDA_DIST, 'report.mjs'))) {
    execFileSync('npx', ['tsup'], { cwd: join(LAMBDA_DIST, '..'), stdio: 'ignore' });
  }
});

describe('LastswitchStack htmlReports', () => {
  it('adds no bucket and no HTML settings when off', () => {
    const template = synth();
    template.resourceCountIs('AWS::S3::Bucket', 0);
    const report = Object.values(template.findResources('AWS::Lambda::Function')).find(
      (f) => (f as { Properties: { Handler: string } }).Properties.Handler === 'report.handler',
    ) as { Properties: { Environment: { Variables: Record<string, unknown> } } };
    expect(Object.keys(report.Properties.Environment.Variables).filter((k) => k.startsWith('REPORT_HTML'))).toEqual([]);
  });

  it('adds a private bucket whose reports expire, and points the report Lambda at it', () => {
    const template = synth({ htmlReports: { expireAfterDays: 14, linkExpiresInSeconds: 900 } });
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([Match.objectLike({ Prefix: 'reports/', ExpirationInDays: 14, Status: 'Enabled' })]),
        },
      },
      DeletionPolicy: 'Retain',
    });
    // TLS only.
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'report.handler',
      Environment: {
        Variables: Match.objectLike({
          REPORT_HTML_BUCKET: { Ref: Match.stringLikeRegexp('^HtmlReportBucket') },
          REPORT_HTML_PREFIX: 'reports/',
          REPORT_HTML_LINK_EXPIRES_SECONDS: '900',
        }),
      },
    });
    // The report role may put and get objects under reports/ in that bucket, nothing wider.
    const policies = template.findResources('AWS::IAM::Policy');
    const s3Statements = Object.entries(policies)
      .filter(([id]) => id.startsWith('ReportServiceRole'))
      .flatMap(
        ([, p]) =>
          (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
      )
      .filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:')));
    expect(s3Statements).toHaveLength(1);
    expect([s3Statements[0]?.Action].flat().sort()).toEqual(['s3:GetObject', 's3:PutObject']);
    expect(JSON.stringify(s3Statements[0]?.Resource)).toContain('/reports/*');
    template.hasOutput('HtmlReportBucketName', {});
  });

  it('defaults to 30 days and one-hour links', () => {
    const template = synth({ htmlReports: true });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 30 })]) },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ REPORT_HTML_LINK_EXPIRES_SECONDS: '3600' }) },
    });
  });

  it.each([
    [{ expireAfterDays: 0 }, /expireAfterDays must be a whole number from 1 to 3650/],
    [{ linkExpiresInSeconds: 10 }, /linkExpiresInSeconds must be a whole number from 60 to 604800/],
  ])('refuses %o', (htmlReports, message) => {
    expect(() => synth({ htmlReports })).toThrow(message);
  });
});
