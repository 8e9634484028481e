import { fileURLToPath } from 'node:url';
import {
  Arn,
  ArnFormat,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Token,
  Validations,
} from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledgeWildcardResources } from './acknowledge.js';

/** Where the bundled handlers are (`pnpm --filter @lastswitch/example-lambda build`). */
export const LAMBDA_DIST = fileURLToPath(new URL('../../lambda/dist', import.meta.url));

/** The SSM SecureString parameter read for the Slack webhook URL when no secret or parameter is named. */
export const DEFAULT_WEBHOOK_PARAMETER = '/lastswitch/slack-webhook';

/**
 * How new trail files reach the ingest queue: `bucket` (an S3 event notification this stack adds
 * to a bucket in its own account), `sns` (subscribe to a topic that already receives them: the
 * bucket's own S3 event topic or the trail's CloudTrail topic) or `eventbridge` (S3's
 * "Object Created" events on this account's default bus, forwarded from the bucket's account).
 */
export type TrailNotifications = 'bucket' | 'sns' | 'eventbridge';

/** What to deploy: the trail bucket and how its files are announced, the webhook reference, the schedule, the alarms. */
export interface LastswitchStackProps extends StackProps {
  /** An existing trail bucket, by name; without it a new bucket is created for a new trail. */
  trailBucketName?: string;
  /** The account that owns `trailBucketName` (default this stack's account), e.g. the log-archive account. */
  trailBucketAccount?: string;
  /** The trail's S3 key prefix (without `AWSLogs/`), e.g. `org-trail/`; default none. */
  trailPrefix?: string;
  /**
   * For a new trail bucket: the account whose trails may deliver to it (default this stack's account;
   * for an organization trail, the management account). No other account's trail can write files.
   */
  trailAccount?: string;
  /** The KMS key the trail encrypts its files with (SSE-KMS); the ingest Lambda may decrypt with it through S3 only. */
  trailKmsKeyArn?: string;
  /** How new files are announced (default `sns` when `trailTopicArn` is given, else `bucket`). */
  trailNotifications?: TrailNotifications;
  /** The SNS topic that announces new trail files (`trailNotifications: 'sns'`). */
  trailTopicArn?: string;
  /** A Secrets Manager secret (by name) holding the Slack webhook URL. */
  webhookSecretName?: string;
  /** An SSM SecureString parameter (by name) holding the Slack webhook URL; default `/lastswitch/slack-webhook`. */
  webhookParameterName?: string;
  /** When the report runs: an EventBridge cron expression; default `cron(0 8 ? * MON *)` (Mondays 08:00 UTC). */
  reportSchedule?: string;
  /** A role unused this many days is stale; default 90. */
  staleAfterDays?: number;
  /** An email address subscribed to the alarm topic (it must confirm the subscription). */
  alarmEmail?: string;
  /** The handler code; default the bundles in `examples/lambda/dist`. */
  code?: lambda.Code;
  /**
   * Also write each report as an HTML access review to a new private bucket (under `reports/`,
   * deleted after `expireAfterDays`, default 30) and link it in Slack through a presigned URL
   * valid `linkExpiresInSeconds` (default 3600). Off by default.
   */
  htmlReports?: boolean | { expireAfterDays?: number; linkExpiresInSeconds?: number };
}

/** Cuts a trailing slash and adds one, so `''`, `'p'` and `'p/'` all work. */
function folder(prefix: string | undefined): string {
  if (!prefix) return '';
  return prefix.endsWith('/') ? prefix : `${prefix}/`;
}

const ACCOUNT = /^[0-9]{12}$/;

/** Checks the props that do not depend on the stack; returns the resolved notification kind. */
function checkProps(props: LastswitchStackProps, sameAccount: boolean): TrailNotifications {
  if (props.webhookSecretName && props.webhookParameterName) {
    throw new Error('lastswitch: give webhookSecretName or webhookParameterName, not both');
  }
  for (const key of ['trailBucketAccount', 'trailAccount'] as const) {
    const value = props[key];
    if (value !== undefined && !Token.isUnresolved(value) && !ACCOUNT.test(value)) {
      throw new Error(`lastswitch: ${key} must be a 12-digit account id, got ${JSON.stringify(value)}`);
    }
  }
  if (props.trailBucketAccount && !props.trailBucketName) {
    throw new Error('lastswitch: trailBucketAccount needs trailBucketName (the bucket in that account)');
  }
  const kind = props.trailNotifications ?? (props.trailTopicArn ? 'sns' : 'bucket');
  if (!['bucket', 'sns', 'eventbridge'].includes(kind)) {
    throw new Error(`lastswitch: trailNotifications must be bucket, sns or eventbridge, got ${JSON.stringify(kind)}`);
  }
  if (kind === 'sns' && !props.trailTopicArn) {
    throw new Error(
      'lastswitch: trailNotifications sns needs trailTopicArn (the topic that announces new trail files)',
    );
  }
  if (kind !== 'sns' && props.trailTopicArn) {
    throw new Error(`lastswitch: trailTopicArn is only used with trailNotifications sns, not ${kind}`);
  }
  if (kind !== 'bucket' && !props.trailBucketName) {
    throw new Error(`lastswitch: trailNotifications ${kind} needs trailBucketName (an existing bucket)`);
  }
  if (kind === 'bucket' && !sameAccount) {
    throw new Error(
      'lastswitch: this stack cannot add a notification to a bucket in another account: ' +
        'give trailTopicArn (an SNS topic there) or trailNotifications eventbridge',
    );
  }
  return kind;
}

/**
 * The lastswitch deployment: ledger table, trail notifications → SQS (+ DLQ) → ingest Lambda, the
 * report Lambda on a schedule, alarms on an SNS topic, and a role for S3 Batch Operations backfills.
 * Every grant is scoped to its one resource.
 */
export class LastswitchStack extends Stack {
  /** The ledger table (also holds the report's delivery records). */
  readonly table: dynamodb.Table;
  /** The ingest Lambda (also the target of Batch Operations backfills). */
  readonly ingest: lambda.Function;
  /** The scheduled report Lambda. */
  readonly report: lambda.Function;
  /** The queue between the trail notifications and the ingest Lambda, and its dead-letter queue. */
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  /** The report Lambda's dead-letter queue (runs that failed after Lambda's retries). */
  readonly reportDeadLetterQueue: sqs.Queue;
  /** The topic every alarm notifies. */
  readonly alarmTopic: sns.Topic;
  /** The role to give S3 Batch Operations jobs that backfill through the ingest Lambda. */
  readonly backfillRole: iam.Role;
  /** How new trail files reach the queue. */
  readonly trailNotifications: TrailNotifications;
  /** With `htmlReports`: the private bucket the HTML access reviews go to. */
  readonly htmlReportBucket?: s3.Bucket;

  constructor(scope: Construct, id: string, props: LastswitchStackProps = {}) {
    super(scope, id, props);
    const bucketAccount = props.trailBucketAccount ?? this.account;
    const sameAccount = props.trailBucketAccount === undefined || props.trailBucketAccount === this.account;
    this.trailNotifications = checkProps(props, sameAccount);
    const staleAfterDays = props.staleAfterDays ?? 90;
    if (!Number.isInteger(staleAfterDays) || staleAfterDays < 1 || staleAfterDays > 3650) {
      throw new Error(`lastswitch: staleAfterDays must be a whole number from 1 to 3650, got ${staleAfterDays}`);
    }
    const reportSchedule = props.reportSchedule ?? 'cron(0 8 ? * MON *)';
    if (!/^(cron|rate)\(.+\)$/.test(reportSchedule.trim())) {
      throw new Error(
        `lastswitch: reportSchedule must be an EventBridge cron(...) or rate(...) expression, got ${JSON.stringify(reportSchedule)}`,
      );
    }
    const logsPrefix = `${folder(props.trailPrefix)}AWSLogs/`;
    // The source maps ship with the bundles, so NODE_OPTIONS=--enable-source-maps gives TypeScript stack traces.
    const code = props.code ?? lambda.Code.fromAsset(LAMBDA_DIST);

    const bucket = props.trailBucketName
      ? s3.Bucket.fromBucketAttributes(this, 'TrailBucket', {
          bucketName: props.trailBucketName,
          account: bucketAccount,
        })
      : this.newTrailBucket(logsPrefix, props.trailAccount ?? this.account);

    // One item per (principal, role): the key schema of @lastswitch/store-dynamodb's ledgerTableDefinition.
    // The report's delivery records live here too and expire through `expiresAt`.
    this.table = new dynamodb.Table(this, 'Ledger', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const ingestTimeout = Duration.minutes(5);
    this.deadLetterQueue = new sqs.Queue(this, 'IngestDLQ', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.queue = new sqs.Queue(this, 'IngestQueue', {
      // AWS recommends at least six times the function timeout, so a batch being retried is not delivered twice.
      visibilityTimeout: Duration.seconds(ingestTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });
    this.connectNotifications(bucket, bucketAccount, logsPrefix, props);

    const ingestLogs = new logs.LogGroup(this, 'IngestLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.ingest = new lambda.Function(this, 'Ingest', {
      description: 'lastswitch: read each new CloudTrail file into the ledger',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'ingest.handler',
      code,
      memorySize: 512,
      timeout: ingestTimeout,
      environment: { LEDGER_TABLE: this.table.tableName, NODE_OPTIONS: '--enable-source-maps' },
      role: this.functionRole('IngestServiceRole', ingestLogs),
      logGroup: ingestLogs,
    });
    this.ingest.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(30),
        reportBatchItemFailures: true,
      }),
    );
    const trailObjects = bucket.arnForObjects(`${logsPrefix}*`);
    this.ingest.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [trailObjects] }));
    if (props.trailKmsKeyArn) {
      // Only to read trail files through S3 in this region, never to decrypt anything else with the key.
      this.ingest.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [props.trailKmsKeyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${this.region}.amazonaws.com` } },
        }),
      );
    }
    this.table.grant(this.ingest, 'dynamodb:UpdateItem');

    const reportEnv: Record<string, string> = {
      LEDGER_TABLE: this.table.tableName,
      STALE_AFTER_DAYS: String(staleAfterDays),
      NODE_OPTIONS: '--enable-source-maps',
    };
    const webhookParameterName = props.webhookSecretName
      ? undefined
      : (props.webhookParameterName ?? DEFAULT_WEBHOOK_PARAMETER);
    if (props.webhookSecretName) reportEnv.SLACK_WEBHOOK_SECRET_ID = props.webhookSecretName;
    if (webhookParameterName) reportEnv.SLACK_WEBHOOK_SSM_PARAMETER = webhookParameterName;
    const reportLogs = new logs.LogGroup(this, 'ReportLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.reportDeadLetterQueue = new sqs.Queue(this, 'ReportDLQ', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.report = new lambda.Function(this, 'Report', {
      description: 'lastswitch: post the principals with unused role access to Slack',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'report.handler',
      code,
      memorySize: 512,
      timeout: Duration.minutes(5),
      environment: reportEnv,
      deadLetterQueue: this.reportDeadLetterQueue,
      retryAttempts: 2,
      role: this.functionRole('ReportServiceRole', reportLogs),
      logGroup: reportLogs,
    });
    // Scan to assess; Put/Update for the delivery records that keep each scheduled report posted once.
    this.table.grant(this.report, 'dynamodb:Scan', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    if (props.htmlReports)
      this.htmlReportBucket = this.addHtmlReports(props.htmlReports === true ? {} : props.htmlReports);
    if (props.webhookSecretName) {
      const secret = secretsmanager.Secret.fromSecretNameV2(this, 'WebhookSecret', props.webhookSecretName);
      this.report.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: [`${secret.secretArn}-??????`],
        }),
      );
    }
    if (webhookParameterName) {
      const name = webhookParameterName.startsWith('/') ? webhookParameterName.slice(1) : webhookParameterName;
      this.report.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['ssm:GetParameter'],
          resources: [this.formatArn({ service: 'ssm', resource: 'parameter', resourceName: name })],
        }),
      );
    }
    new events.Rule(this, 'ReportSchedule', {
      description: 'lastswitch: when the stale-access report runs',
      schedule: events.Schedule.expression(reportSchedule.trim()),
      targets: [new targets.LambdaFunction(this.report, { retryAttempts: 2 })],
    });

    this.alarmTopic = this.alarms(props.alarmEmail);

    // S3 Batch Operations backfills: the job reads its manifest and writes its report under
    // lastswitch-backfill/ in the trail bucket, and invokes the ingest Lambda for each file.
    this.backfillRole = new iam.Role(this, 'BackfillRole', {
      description: 'lastswitch: S3 Batch Operations jobs that backfill the ledger',
      assumedBy: new iam.ServicePrincipal('batchoperations.s3.amazonaws.com'),
    });
    // The function itself, not `:*` (its versions and aliases): Batch Operations invokes the ARN it is given.
    this.backfillRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.ingest.functionArn] }),
    );
    const manifests = bucket.arnForObjects('lastswitch-backfill/manifests/*');
    const reports = bucket.arnForObjects('lastswitch-backfill/reports/*');
    this.backfillRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [manifests] }),
    );
    this.backfillRole.addToPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [reports] }));
    // AWS's Batch Operations policies include it for the manifest and report bucket (metadata only).
    this.backfillRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [bucket.bucketArn] }),
    );

    this.acknowledgeNagFindings(trailObjects, [manifests, reports]);

    new CfnOutput(this, 'LedgerTableName', {
      value: this.table.tableName,
      description: 'the ledger table (CLI: --store dynamodb:NAME)',
    });
    new CfnOutput(this, 'IngestFunctionArn', {
      value: this.ingest.functionArn,
      description: 'invoke from S3 Batch Operations to backfill',
    });
    new CfnOutput(this, 'IngestRoleArn', {
      value: this.ingest.role?.roleArn ?? '',
      description: 'the principal to allow in the trail bucket policy and KMS key policy of another account',
    });
    new CfnOutput(this, 'IngestQueueArn', {
      value: this.queue.queueArn,
      description: 'the queue trail notifications go to',
    });
    new CfnOutput(this, 'BackfillRoleArn', {
      value: this.backfillRole.roleArn,
      description: 'the role for S3 Batch Operations backfill jobs',
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      value: this.deadLetterQueue.queueUrl,
      description: 'trail files that failed ingestion',
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.alarmTopic.topicArn,
      description: 'subscribe to hear when ingestion or the report fails',
    });
    new CfnOutput(this, 'WebhookSource', {
      value: props.webhookSecretName
        ? `Secrets Manager secret ${props.webhookSecretName}`
        : `SSM SecureString parameter ${webhookParameterName}`,
      description: 'where the report Lambda reads the Slack webhook URL',
    });
  }

  /**
   * The cdk-nag AwsSolutions findings this design accepts, each with its reason (the synth test runs
   * the checks on every layout; any other finding fails it).
   */
  private acknowledgeNagFindings(trailObjects: string, backfillObjects: string[]): void {
    acknowledgeWildcardResources(
      this.ingest.role as iam.IRole,
      [trailObjects],
      'CloudTrail writes one object per log file under [prefix/]AWSLogs/; the ingest function must read any new one, and nothing else of the bucket',
    );
    acknowledgeWildcardResources(
      this.backfillRole,
      backfillObjects,
      'S3 Batch Operations reads manifests and writes completion reports under lastswitch-backfill/ only; their names are chosen per job',
    );
    for (const fn of [this.ingest, this.report]) {
      Validations.of(fn).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          'nodejs22.x is the runtime the handlers are bundled for (tsup target node20) and tested on; move to a newer runtime after running the tests on it',
      });
    }
    const trailBucket = this.node.tryFindChild('TrailBucket');
    if (trailBucket instanceof s3.Bucket) {
      Validations.of(trailBucket).acknowledge({
        id: 'AwsSolutions-S1',
        reason:
          'Access to the trail bucket is an audit concern of the account owner (CloudTrail S3 data events or an access-log bucket they choose); this example creates no second bucket for logs of logs',
      });
    }
    // CDK's own function that applies the bucket notification (layout "bucket" only).
    for (const child of this.node.children) {
      if (child.node.id.startsWith('BucketNotificationsHandler')) {
        Validations.of(child).acknowledge({
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason:
            'CDK’s BucketNotificationsHandler custom resource logs through AWSLambdaBasicExecutionRole; its own policy allows only Get/PutBucketNotification on the trail bucket',
        });
      }
    }
  }

  /** Routes new trail files to the ingest queue, the way `trailNotifications` says. */
  private connectNotifications(
    bucket: s3.IBucket,
    bucketAccount: string,
    logsPrefix: string,
    props: LastswitchStackProps,
  ): void {
    if (this.trailNotifications === 'bucket') {
      // Our own destination (instead of s3n.SqsDestination) so the queue policy names the bucket's
      // account as well as its ARN: a bucket of the same name in another account cannot send here.
      const queue = this.queue;
      queue.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'S3TrailNotifications',
          principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
          actions: ['sqs:SendMessage'],
          resources: [queue.queueArn],
          conditions: {
            ArnLike: { 'aws:SourceArn': bucket.bucketArn },
            StringEquals: { 'aws:SourceAccount': bucketAccount },
          },
        }),
      );
      bucket.addEventNotification(
        s3.EventType.OBJECT_CREATED,
        {
          bind: () => ({
            arn: queue.queueArn,
            type: s3.BucketNotificationDestinationType.QUEUE,
            dependencies: [queue],
          }),
        },
        { prefix: logsPrefix, suffix: '.json.gz' },
      );
      return;
    }
    if (this.trailNotifications === 'sns') {
      const topicArn = props.trailTopicArn as string;
      const topic = sns.Topic.fromTopicArn(this, 'TrailTopic', topicArn);
      const topicAccount = Token.isUnresolved(topicArn)
        ? bucketAccount
        : Arn.split(topicArn, ArnFormat.NO_RESOURCE_NAME).account;
      this.queue.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'TrailTopic',
          principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
          actions: ['sqs:SendMessage'],
          resources: [this.queue.queueArn],
          conditions: {
            ArnEquals: { 'aws:SourceArn': topicArn },
            StringEquals: { 'aws:SourceAccount': topicAccount ?? bucketAccount },
          },
        }),
      );
      // Not raw delivery: the handler reads the SNS envelope (an S3 event or CloudTrail's own message).
      new sns.Subscription(this, 'TrailTopicSubscription', {
        topic,
        protocol: sns.SubscriptionProtocol.SQS,
        endpoint: this.queue.queueArn,
        region: topic.env.region,
      });
      return;
    }
    // EventBridge: S3 sends "Object Created" to the bucket account's default bus (EventBridge
    // notifications turned on for the bucket); from another account, a rule there forwards them here.
    if (bucketAccount !== this.account) {
      new events.CfnEventBusPolicy(this, 'TrailAccountMayPutEvents', {
        statementId: `lastswitch-trail-${bucketAccount}`.slice(0, 64),
        eventBusName: 'default',
        statement: {
          Effect: 'Allow',
          Principal: { AWS: `arn:${this.partition}:iam::${bucketAccount}:root` },
          Action: 'events:PutEvents',
          Resource: this.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' }),
          Condition: { StringEquals: { 'events:source': 'aws.s3', 'events:detail-type': 'Object Created' } },
        },
      });
    }
    const rule = new events.Rule(this, 'TrailObjectCreated', {
      description: 'lastswitch: new CloudTrail log files in the trail bucket',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        account: [bucketAccount],
        detail: {
          bucket: { name: [bucket.bucketName] },
          object: { key: [{ prefix: logsPrefix }] },
        },
      },
    });
    const queue = this.queue;
    rule.addTarget({ bind: () => ({ arn: queue.queueArn }) });
    queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'TrailObjectCreatedRule',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [queue.queueArn],
        conditions: {
          ArnEquals: { 'aws:SourceArn': rule.ruleArn },
          StringEquals: { 'aws:SourceAccount': this.account },
        },
      }),
    );
  }

  /** The alarm topic (optionally with an email subscription) and the alarms that notify it. */
  private alarms(email: string | undefined): sns.Topic {
    const topic = new sns.Topic(this, 'Alarms', {
      displayName: 'lastswitch alarms',
      enforceSSL: true,
    });
    // CloudWatch may publish to it, only for alarms of this account.
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarms',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          ArnLike: { 'aws:SourceArn': `arn:${this.partition}:cloudwatch:${this.region}:${this.account}:alarm:*` },
          StringEquals: { 'aws:SourceAccount': this.account },
        },
      }),
    );
    if (email !== undefined) {
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
        throw new Error(`lastswitch: alarmEmail must be an email address, got ${JSON.stringify(email)}`);
      }
      topic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    const action = new cloudwatchActions.SnsAction(topic);
    const notEmpty = (id: string, queue: sqs.Queue, description: string) => {
      const alarm = new cloudwatch.Alarm(this, id, {
        alarmDescription: description,
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(action);
      return alarm;
    };
    notEmpty(
      'IngestDLQNotEmpty',
      this.deadLetterQueue,
      'lastswitch: trail files failed ingestion 5 times and wait in the ingest dead-letter queue (see the README: Alarms)',
    );
    notEmpty(
      'ReportDLQNotEmpty',
      this.reportDeadLetterQueue,
      'lastswitch: a scheduled report failed after Lambda retried it twice (see the README: Alarms)',
    );
    const errors = new cloudwatch.Alarm(this, 'IngestErrorsOrThrottles', {
      alarmDescription:
        'lastswitch: the ingest Lambda failed whole invocations or was throttled for 15 minutes (see the README: Alarms)',
      metric: new cloudwatch.MathExpression({
        label: 'ingest errors + throttles',
        expression: 'errors + throttles',
        usingMetrics: {
          errors: this.ingest.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
          throttles: this.ingest.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
        },
        period: Duration.minutes(5),
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    errors.addAlarmAction(action);
    return topic;
  }

  /** The private bucket for HTML reviews, with expiry; the report Lambda may write and read `reports/` only. */
  private addHtmlReports(options: { expireAfterDays?: number; linkExpiresInSeconds?: number }): s3.Bucket {
    const days = options.expireAfterDays ?? 30;
    if (!Number.isInteger(days) || days < 1 || days > 3650) {
      throw new Error(`lastswitch: htmlReports.expireAfterDays must be a whole number from 1 to 3650, got ${days}`);
    }
    const seconds = options.linkExpiresInSeconds ?? 3600;
    if (!Number.isInteger(seconds) || seconds < 60 || seconds > 604_800) {
      throw new Error(
        `lastswitch: htmlReports.linkExpiresInSeconds must be a whole number from 60 to 604800, got ${seconds}`,
      );
    }
    const prefix = 'reports/';
    const bucket = new s3.Bucket(this, 'HtmlReportBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      lifecycleRules: [
        { id: 'expire-reports', prefix, expiration: Duration.days(days) },
        { id: 'abort-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const reportObjects = bucket.arnForObjects(`${prefix}*`);
    this.report.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject'], resources: [reportObjects] }),
    );
    acknowledgeWildcardResources(
      this.report.role as iam.IRole,
      [reportObjects],
      'each run writes its HTML report under reports/ with a new dated name, and presigns a GET of it; nothing else of the bucket',
    );
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'the bucket holds short-lived copies of reports the Lambda writes; reads go through presigned URLs whose use CloudTrail data events can record if wanted; no second bucket for logs of logs',
    });
    this.report.addEnvironment('REPORT_HTML_BUCKET', bucket.bucketName);
    this.report.addEnvironment('REPORT_HTML_PREFIX', prefix);
    this.report.addEnvironment('REPORT_HTML_LINK_EXPIRES_SECONDS', String(seconds));
    new CfnOutput(this, 'HtmlReportBucketName', {
      value: bucket.bucketName,
      description: `the HTML access reviews (kept ${days} days)`,
    });
    return bucket;
  }

  /**
   * A Lambda execution role that may write to its own log group only (instead of the managed
   * AWSLambdaBasicExecutionRole, which allows every log group in the account).
   */
  private functionRole(id: string, logGroup: logs.LogGroup): iam.Role {
    const role = new iam.Role(this, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    return role;
  }

  /** A private, encrypted bucket that CloudTrail (and only CloudTrail) may deliver to. */
  private newTrailBucket(logsPrefix: string, trailAccount: string): s3.Bucket {
    const bucket = new s3.Bucket(this, 'TrailBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const cloudtrail = new iam.ServicePrincipal('cloudtrail.amazonaws.com');
    // Only trails of `trailAccount`: a trail of any other account could otherwise deliver forged
    // records here, and every file under AWSLogs/ is ingested (a forged switch hides unused access).
    const fromTrailAccount = { 'aws:SourceAccount': trailAccount };
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [cloudtrail],
        actions: ['s3:GetBucketAcl'],
        resources: [bucket.bucketArn],
        conditions: { StringEquals: fromTrailAccount },
      }),
    );
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [cloudtrail],
        actions: ['s3:PutObject'],
        resources: [bucket.arnForObjects(`${logsPrefix}*`)],
        conditions: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', ...fromTrailAccount } },
      }),
    );
    return bucket;
  }
}
