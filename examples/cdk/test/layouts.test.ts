import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { LastswitchStack, type LastswitchStackProps } from '../lib/stack.js';
import { ensureLambdaBundles } from './_bundles.js';

const env = { account: '111111111111', region: 'eu-west-1' };
const LOG_ARCHIVE = '222222222222';
const TOPIC_ARN = `arn:aws:sns:eu-west-1:${LOG_ARCHIVE}:org-trail-files`;
const KEY_ARN = `arn:aws:kms:eu-west-1:${LOG_ARCHIVE}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

function synth(props: Partial<LastswitchStackProps> = {}): Template {
  const app = new App();
  return Template.fromStack(new LastswitchStack(app, 'Test', { env, ...props }));
}

interface PolicyStatement {
  Sid?: string;
  Principal?: { Service?: string; AWS?: unknown };
  Action: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

/** The statements of the ingest queue's policy. */
function queueStatements(template: Template): PolicyStatement[] {
  const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy')) as {
    Properties: { Queues: { Ref: string }[]; PolicyDocument: { Statement: PolicyStatement[] } };
  }[];
  return policies
    .filter((p) => p.Properties.Queues.some((q) => q.Ref.startsWith('IngestQueue')))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

/** Every statement that lets an AWS service send to the ingest queue. */
function serviceSenders(template: Template): PolicyStatement[] {
  return queueStatements(template).filter((s) => s.Principal?.Service !== undefined);
}

beforeAll(ensureLambdaBundles);

describe('layout 3: the trail bucket in this account (a bucket notification)', () => {
  const template = synth({ trailBucketName: 'org-trail' });

  it('adds a queue notification merged with the bucket’s others', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', { BucketName: 'org-trail', Managed: false });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('lets only S3, for this bucket in this account, send to the queue (SourceArn and SourceAccount)', () => {
    const senders = serviceSenders(template);
    expect(senders).toHaveLength(1);
    expect(senders[0]).toMatchObject({
      Principal: { Service: 's3.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Condition: {
        ArnLike: { 'aws:SourceArn': expect.anything() },
        StringEquals: { 'aws:SourceAccount': '111111111111' },
      },
    });
    expect(JSON.stringify(senders[0]?.Condition)).toContain(':s3:::org-trail');
  });

  it('a new bucket (no context): the same, for the bucket it creates', () => {
    const fresh = synth({});
    fresh.resourceCountIs('AWS::S3::Bucket', 1);
    expect(serviceSenders(fresh)[0]?.Condition?.StringEquals).toEqual({ 'aws:SourceAccount': '111111111111' });
  });
});

describe('layout 2: an existing bucket that already has notifications (its SNS topic)', () => {
  const topic = `arn:aws:sns:eu-west-1:111111111111:trail-files`;
  const template = synth({ trailBucketName: 'org-trail', trailTopicArn: topic });

  it('never touches the bucket’s notification configuration', () => {
    template.resourceCountIs('Custom::S3BucketNotifications', 0);
    expect(JSON.stringify(template.toJSON())).not.toContain('PutBucketNotification');
  });

  it('subscribes the queue to the topic, enveloped (not raw), and lets only that topic send', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      TopicArn: topic,
      Protocol: 'sqs',
      Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('^IngestQueue'), 'Arn'] },
      RawMessageDelivery: Match.absent(),
    });
    expect(serviceSenders(template)).toEqual([
      expect.objectContaining({
        Principal: { Service: 'sns.amazonaws.com' },
        Condition: {
          ArnEquals: { 'aws:SourceArn': topic },
          StringEquals: { 'aws:SourceAccount': '111111111111' },
        },
      }),
    ]);
  });
});

describe('layout 1: the trail bucket in the log-archive account', () => {
  it('through that account’s SNS topic: subscription, scoped queue policy, no bucket notification', () => {
    const template = synth({
      trailBucketName: 'org-trail',
      trailBucketAccount: LOG_ARCHIVE,
      trailTopicArn: TOPIC_ARN,
      trailKmsKeyArn: KEY_ARN,
    });
    template.resourceCountIs('Custom::S3BucketNotifications', 0);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      TopicArn: TOPIC_ARN,
      Protocol: 'sqs',
      Region: 'eu-west-1',
    });
    expect(serviceSenders(template)[0]?.Condition).toEqual({
      ArnEquals: { 'aws:SourceArn': TOPIC_ARN },
      StringEquals: { 'aws:SourceAccount': LOG_ARCHIVE },
    });
    // The ingest role reads the other account's bucket (its bucket policy must allow it: see the README).
    const text = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(text).toContain(':s3:::org-trail/AWSLogs/*');
    expect(text).toContain('"kms:ViaService":"s3.eu-west-1.amazonaws.com"');
    template.hasOutput('IngestRoleArn', {});
  });

  it('through EventBridge: a rule on this account’s bus for that account’s bucket, the bus open to that account only', () => {
    const template = synth({
      trailBucketName: 'org-trail',
      trailBucketAccount: LOG_ARCHIVE,
      trailNotifications: 'eventbridge',
      trailPrefix: 'org',
    });
    template.resourceCountIs('Custom::S3BucketNotifications', 0);
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        account: [LOG_ARCHIVE],
        detail: { bucket: { name: ['org-trail'] }, object: { key: [{ prefix: 'org/AWSLogs/' }] } },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^IngestQueue'), 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::Events::EventBusPolicy', {
      EventBusName: 'default',
      Statement: Match.objectLike({
        Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${LOG_ARCHIVE}:root`]] } },
        Action: 'events:PutEvents',
      }),
    });
    const [sender] = serviceSenders(template);
    expect(sender?.Principal).toEqual({ Service: 'events.amazonaws.com' });
    expect(sender?.Condition?.StringEquals).toEqual({ 'aws:SourceAccount': '111111111111' });
    expect(JSON.stringify(sender?.Condition?.ArnEquals)).toContain('TrailObjectCreated');
  });

  it('through EventBridge in this account: no bus policy is needed', () => {
    const template = synth({ trailBucketName: 'org-trail', trailNotifications: 'eventbridge' });
    template.resourceCountIs('AWS::Events::EventBusPolicy', 0);
    template.resourceCountIs('Custom::S3BucketNotifications', 0);
  });

  it.each([
    [
      { trailBucketName: 'b', trailBucketAccount: LOG_ARCHIVE },
      /cannot add a notification to a bucket in another account/,
    ],
    [{ trailBucketName: 'b', trailNotifications: 'sns' }, /needs trailTopicArn/],
    [{ trailNotifications: 'eventbridge' }, /needs trailBucketName/],
    [
      { trailBucketName: 'b', trailNotifications: 'eventbridge', trailTopicArn: TOPIC_ARN },
      /only used with trailNotifications sns/,
    ],
    [{ trailBucketAccount: LOG_ARCHIVE }, /trailBucketAccount needs trailBucketName/],
    [{ trailBucketName: 'b', trailBucketAccount: '2222' }, /12-digit account id/],
  ] as [Partial<LastswitchStackProps>, RegExp][])('refuses %o', (props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});

describe('someone hears when it breaks', () => {
  const template = synth({ trailBucketName: 'org-trail', alarmEmail: 'secops@example.com' });
  const alarms = Object.entries(template.findResources('AWS::CloudWatch::Alarm')) as [
    string,
    { Properties: Record<string, unknown> },
  ][];

  it('three alarms, each notifying the alarm topic', () => {
    expect(alarms.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'IngestDLQNotEmpty',
      'IngestErrorsOrThrottles',
      'ReportDLQNotEmpty',
    ]);
    for (const [id, alarm] of alarms) {
      expect(alarm.Properties.AlarmActions, id).toEqual([{ Ref: expect.stringMatching(/^Alarms/) }]);
      expect(alarm.Properties.AlarmDescription, id).toMatch(/README: Alarms/);
    }
  });

  it('the report DLQ alarm watches the report function’s dead-letter queue', () => {
    const report = Object.values(
      template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'report.handler' } }),
    )[0] as {
      Properties: { DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [string, string] } } };
    };
    const dlq = report.Properties.DeadLetterConfig.TargetArn['Fn::GetAtt'][0];
    expect(dlq).toMatch(/^ReportDLQ/);
    const alarm = alarms.find(([id]) => id.startsWith('ReportDLQNotEmpty'))?.[1];
    expect(JSON.stringify(alarm?.Properties.Dimensions)).toContain(dlq);
  });

  it('the errors/throttles alarm adds both metrics of the ingest function', () => {
    const alarm = alarms.find(([id]) => id.startsWith('IngestErrorsOrThrottles'))?.[1];
    const text = JSON.stringify(alarm?.Properties.Metrics);
    expect(text).toContain('"Expression":"errors + throttles"');
    expect(text).toContain('"MetricName":"Errors"');
    expect(text).toContain('"MetricName":"Throttles"');
  });

  it('the email subscription only when asked for, and a topic only CloudWatch of this account may publish to', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'secops@example.com' });
    synth({ trailBucketName: 'org-trail' }).resourceCountIs('AWS::SNS::Subscription', 0);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': '111111111111' } }),
          }),
        ]),
      },
    });
  });
});

describe('the functions', () => {
  it('run on nodejs22.x with source maps enabled, and the maps ship in the asset', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'lastswitch-cdk-')) });
    const stack = new LastswitchStack(app, 'Maps', { env });
    const template = Template.fromStack(stack);
    for (const handler of ['ingest.handler', 'report.handler']) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Handler: handler,
        Runtime: 'nodejs22.x',
        Environment: { Variables: Match.objectLike({ NODE_OPTIONS: '--enable-source-maps' }) },
      });
    }
    const assembly = app.synth();
    try {
      const assets = readdirSync(assembly.directory).filter((name) => name.startsWith('asset.'));
      expect(assets.length).toBeGreaterThan(0);
      const shipped = assets.filter((asset) => existsSync(join(assembly.directory, asset, 'ingest.mjs')));
      expect(shipped).toHaveLength(1);
      for (const file of ['ingest.mjs.map', 'report.mjs.map']) {
        expect(existsSync(join(assembly.directory, shipped[0] as string, file)), file).toBe(true);
      }
    } finally {
      rmSync(assembly.directory, { recursive: true, force: true });
    }
  });
});
