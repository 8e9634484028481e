import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ledgerTableDefinition } from '../../../packages/store-dynamodb/src/index.js';
import { LAMBDA_DIST, LastswitchStack, type LastswitchStackProps } from '../lib/stack.js';
import { ensureLambdaBundles } from './_bundles.js';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const env = { account: '111111111111', region: 'eu-west-1' };

function synth(props: Partial<LastswitchStackProps> = {}): Template {
  const app = new App();
  const stack = new LastswitchStack(app, 'Test', { env, webhookSecretName: 'lastswitch/slack', ...props });
  return Template.fromStack(stack);
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

function statements(template: Template): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies).flatMap(
    (p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
  );
}

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** The statements of the policy attached to the role of one function. */
function policyOf(template: Template, roleLogicalIdPrefix: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.entries(policies)
    .filter(([id]) => id.startsWith(roleLogicalIdPrefix))
    .flatMap(
      ([, p]) =>
        (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
    );
}

const actionsOf = (stmts: Statement[]) => stmts.flatMap((s) => list(s.Action)).sort();

beforeAll(ensureLambdaBundles);

describe('LastswitchStack on an existing, KMS-encrypted trail bucket', () => {
  const template = synth({
    trailBucketName: 'org-trail',
    trailKmsKeyArn: KEY_ARN,
    reportSchedule: 'cron(30 6 ? * MON-FRI *)',
  });

  it('has the ledger table of store-dynamodb: on demand, point-in-time recovery, retained', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: ledgerTableDefinition.KeySchema,
        AttributeDefinitions: ledgerTableDefinition.AttributeDefinitions,
        BillingMode: ledgerTableDefinition.BillingMode,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
      DeletionPolicy: 'Retain',
    });
  });

  it('wires S3 → SQS (with a DLQ) → ingest, reporting partial batch failures', () => {
    template.resourceCountIs('AWS::S3::Bucket', 0);
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: 'org-trail',
      // Merged with the bucket's other notifications, never replacing them.
      Managed: false,
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: {
              Key: {
                FilterRules: [
                  { Name: 'suffix', Value: '.json.gz' },
                  { Name: 'prefix', Value: 'AWSLogs/' },
                ],
              },
            },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 },
      VisibilityTimeout: 1800,
      SqsManagedSseEnabled: true,
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Threshold: 0 });
  });

  it('deploys both handlers from their bundles with their configuration', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'ingest.handler',
      Runtime: 'nodejs22.x',
      Timeout: 300,
      Environment: { Variables: { LEDGER_TABLE: { Ref: Match.stringLikeRegexp('^Ledger') } } },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'report.handler',
      Environment: {
        Variables: {
          LEDGER_TABLE: { Ref: Match.stringLikeRegexp('^Ledger') },
          STALE_AFTER_DAYS: '90',
          SLACK_WEBHOOK_SECRET_ID: 'lastswitch/slack',
        },
      },
    });
    expect(existsSync(join(LAMBDA_DIST, 'ingest.mjs'))).toBe(true);
    expect(existsSync(join(LAMBDA_DIST, 'report.mjs'))).toBe(true);
  });

  it('runs the report on the schedule from context', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(30 6 ? * MON-FRI *)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Report'), 'Arn'] } })],
    });
  });

  it('grants the ingest Lambda GetObject on AWSLogs/ only, Decrypt on the one key, UpdateItem on the table', () => {
    const ingest = policyOf(template, 'IngestServiceRoleDefaultPolicy');
    expect(actionsOf(ingest)).toEqual(
      [
        'dynamodb:UpdateItem',
        'kms:Decrypt',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:GetObject',
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ReceiveMessage',
      ].sort(),
    );
    const get = ingest.find((s) => s.Action === 's3:GetObject');
    expect(JSON.stringify(get?.Resource)).toContain(':s3:::org-trail/AWSLogs/*');
    const decrypt = ingest.find((s) => s.Action === 'kms:Decrypt') as Statement & { Condition?: unknown };
    expect(decrypt.Resource).toBe(KEY_ARN);
    // Only through S3 in the stack's region: the key cannot decrypt anything else for this role.
    expect(decrypt.Condition).toEqual({ StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } });
    expect(ingest.find((s) => s.Action === 'dynamodb:UpdateItem')?.Resource).toEqual([
      { 'Fn::GetAtt': [expect.stringMatching(/^Ledger/), 'Arn'] },
    ]);
  });

  it('grants the report Lambda Scan (and Put/Update for delivery records) on the table and read on the one secret only', () => {
    const report = policyOf(template, 'ReportServiceRoleDefaultPolicy');
    expect(actionsOf(report)).toEqual([
      'dynamodb:PutItem',
      'dynamodb:Scan',
      'dynamodb:UpdateItem',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'secretsmanager:GetSecretValue',
      'sqs:SendMessage',
    ]);
    const secret = report.find((s) => s.Action === 'secretsmanager:GetSecretValue');
    expect(JSON.stringify(secret?.Resource)).toContain(':secret:lastswitch/slack-??????');
  });

  it('outputs what the README backfill steps need', () => {
    for (const name of ['LedgerTableName', 'IngestFunctionArn', 'BackfillRoleArn', 'DeadLetterQueueUrl']) {
      template.hasOutput(name, {});
    }
  });

  it('gives S3 Batch Operations a role that may only invoke ingest and use the backfill folder', () => {
    const backfill = policyOf(template, 'BackfillRoleDefaultPolicy');
    expect(actionsOf(backfill)).toEqual([
      'lambda:InvokeFunction',
      's3:GetBucketLocation',
      's3:GetObject',
      's3:GetObjectVersion',
      's3:PutObject',
    ]);
    expect(JSON.stringify(backfill.find((s) => s.Action === 's3:GetBucketLocation')?.Resource)).toMatch(
      /:s3:::org-trail"/,
    );
    expect(JSON.stringify(backfill.find((s) => s.Action === 's3:PutObject')?.Resource)).toContain(
      ':s3:::org-trail/lastswitch-backfill/reports/*',
    );
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'batchoperations.s3.amazonaws.com' } })],
      },
    });
  });
});

describe('least privilege, for every configuration', () => {
  const DATA_SERVICES = ['s3:', 'dynamodb:', 'kms:', 'secretsmanager:', 'ssm:', 'sqs:', 'lambda:', 'logs:'];
  it.each([
    ['existing bucket, KMS, secret', { trailBucketName: 'org-trail', trailKmsKeyArn: KEY_ARN }],
    ['new bucket, SSM parameter', { webhookSecretName: undefined, webhookParameterName: '/lastswitch/slack-webhook' }],
    ['existing bucket under a prefix', { trailBucketName: 'org-trail', trailPrefix: 'org' }],
  ] as [string, Partial<LastswitchStackProps>][])('%s: no * action, no * resource on data', (_name, props) => {
    const all = statements(synth(props));
    expect(all.length).toBeGreaterThan(5);
    for (const statement of all) {
      for (const action of list(statement.Action)) {
        expect(action.includes('*'), `action ${action}`).toBe(false);
        expect(
          DATA_SERVICES.some((service) => action.startsWith(service)),
          `action ${action}`,
        ).toBe(true);
      }
      for (const resource of list(statement.Resource)) expect(resource, JSON.stringify(statement)).not.toBe('*');
    }
  });

  it.each([
    ['existing bucket', { trailBucketName: 'org-trail' }],
    ['new bucket', {}],
  ] as [string, Partial<LastswitchStackProps>][])(
    '%s: the handler roles carry no managed policy; each writes only to its own log group',
    (_name, props) => {
      const template = synth(props);
      const roles = Object.entries(template.findResources('AWS::IAM::Role')).filter(([id]) =>
        /^(Ingest|Report|Backfill)/.test(id),
      );
      expect(roles.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
        'BackfillRole',
        'IngestServiceRole',
        'ReportServiceRole',
      ]);
      for (const [id, role] of roles) {
        const properties = (role as { Properties: Record<string, unknown> }).Properties;
        expect(properties.ManagedPolicyArns, id).toBeUndefined();
        expect(properties.Policies, id).toBeUndefined();
      }
      for (const [prefix, logGroup] of [
        ['IngestServiceRoleDefaultPolicy', 'IngestLogs'],
        ['ReportServiceRoleDefaultPolicy', 'ReportLogs'],
      ]) {
        const logsStatements = policyOf(template, prefix as string).filter((s) =>
          list(s.Action).some((a) => a.startsWith('logs:')),
        );
        expect(logsStatements).toHaveLength(1);
        expect(logsStatements[0]?.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(`^${logGroup}`), 'Arn'] });
      }
    },
  );

  it('keeps the queue visibility timeout at least six times the ingest timeout (AWS guidance for SQS → Lambda)', () => {
    const template = synth({ trailBucketName: 'org-trail' });
    const [ingest] = Object.values(
      template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'ingest.handler' } }),
    ) as { Properties: { Timeout: number } }[];
    const [queue] = Object.values(
      template.findResources('AWS::SQS::Queue', { Properties: { RedrivePolicy: Match.anyValue() } }),
    ) as { Properties: { VisibilityTimeout: number } }[];
    expect(ingest?.Properties.Timeout).toBeGreaterThan(0);
    expect(queue?.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * (ingest?.Properties.Timeout ?? Infinity));
  });

  it('asks for no kms:Decrypt when the trail is not KMS-encrypted', () => {
    const all = statements(synth({ trailBucketName: 'org-trail' }));
    expect(all.flatMap((s) => list(s.Action))).not.toContain('kms:Decrypt');
  });
});

describe('other configurations', () => {
  it('a new trail bucket: private, encrypted, TLS only, writable by CloudTrail under AWSLogs/ only', () => {
    const template = synth({});
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    const policy = template.findResources('AWS::S3::BucketPolicy');
    const text = JSON.stringify(policy);
    expect(text).toContain('cloudtrail.amazonaws.com');
    expect(text).toContain('/AWSLogs/*');
    expect(text).toContain('aws:SecureTransport');
  });

  it.each([
    ['this account by default', {}, '111111111111'],
    ['the organization management account when given', { trailAccount: '999999999999' }, '999999999999'],
  ] as [string, Partial<LastswitchStackProps>, string][])(
    'a new trail bucket accepts CloudTrail deliveries from %s only',
    (_name, props, account) => {
      const template = synth(props);
      const [policy] = Object.values(template.findResources('AWS::S3::BucketPolicy')) as {
        Properties: { PolicyDocument: { Statement: (Statement & { Principal?: unknown; Condition?: unknown })[] } };
      }[];
      const fromCloudTrail = (policy?.Properties.PolicyDocument.Statement ?? []).filter(
        (s) => s.Effect === 'Allow' && JSON.stringify(s.Principal).includes('cloudtrail.amazonaws.com'),
      );
      expect(fromCloudTrail.map((s) => s.Action).sort()).toEqual(['s3:GetBucketAcl', 's3:PutObject']);
      for (const statement of fromCloudTrail) {
        expect(statement.Condition).toMatchObject({ StringEquals: { 'aws:SourceAccount': account } });
      }
    },
  );

  it('a trail prefix moves the notification filter and the GetObject grant', () => {
    const template = synth({ trailBucketName: 'org-trail', trailPrefix: 'org-trail/' });
    expect(JSON.stringify(template.findResources('Custom::S3BucketNotifications'))).toContain('org-trail/AWSLogs/');
    const get = policyOf(template, 'IngestServiceRoleDefaultPolicy').find((s) => s.Action === 's3:GetObject');
    expect(JSON.stringify(get?.Resource)).toContain(':s3:::org-trail/org-trail/AWSLogs/*');
  });

  it('an SSM parameter: GetParameter on that parameter, no Secrets Manager', () => {
    const template = synth({ webhookSecretName: undefined, webhookParameterName: '/lastswitch/slack-webhook' });
    const report = policyOf(template, 'ReportServiceRoleDefaultPolicy');
    expect(actionsOf(report)).toEqual([
      'dynamodb:PutItem',
      'dynamodb:Scan',
      'dynamodb:UpdateItem',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sqs:SendMessage',
      'ssm:GetParameter',
    ]);
    expect(JSON.stringify(report.find((s) => s.Action === 'ssm:GetParameter')?.Resource)).toContain(
      ':parameter/lastswitch/slack-webhook',
    );
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'report.handler',
      Environment: { Variables: Match.objectLike({ SLACK_WEBHOOK_SSM_PARAMETER: '/lastswitch/slack-webhook' }) },
    });
  });

  it.each([
    [{ webhookParameterName: '/x' }, /not both/],
    [{ staleAfterDays: 0 }, /staleAfterDays/],
    [{ reportSchedule: '0 8 * * 1' }, /reportSchedule must be an EventBridge cron/],
  ] as [Partial<LastswitchStackProps>, RegExp][])('refuses %o', (props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});
