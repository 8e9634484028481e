import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** Where the bundled handlers are (`pnpm --filter @lastswitch/example-lambda build`). */
export const LAMBDA_DIST = fileURLToPath(new URL('../../lambda/dist', import.meta.url));

/** What to deploy: the trail bucket, the Slack webhook secret reference and the schedule. */
export interface LastswitchStackProps extends StackProps {
  /** An existing trail bucket, by name; without it a new bucket is created for a new trail. */
  trailBucketName?: string;
  /** The trail's S3 key prefix (without `AWSLogs/`), e.g. `org-trail/`; default none. */
  trailPrefix?: string;
  /**
   * For a new trail bucket: the account whose trails may deliver to it (default this stack's account;
   * for an organization trail, the management account). No other account's trail can write files.
   */
  trailAccount?: string;
  /** The KMS key the trail encrypts its files with (SSE-KMS); the ingest Lambda gets `kms:Decrypt` on it only. */
  trailKmsKeyArn?: string;
  /** A Secrets Manager secret (by name) holding the Slack webhook URL. */
  webhookSecretName?: string;
  /** An SSM SecureString parameter (by name) holding the Slack webhook URL. */
  webhookParameterName?: string;
  /** When the report runs: an EventBridge cron expression; default `cron(0 8 ? * MON *)` (Mondays 08:00 UTC). */
  reportSchedule?: string;
  /** A role unused this many days is stale; default 90. */
  staleAfterDays?: number;
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

/**
 * The lastswitch deployment: ledger table, S3 → SQS (+ DLQ) → ingest Lambda, the report Lambda on
 * a schedule, and a role for S3 Batch Operations backfills. Every grant is scoped to its one resource.
 */
export class LastswitchStack extends Stack {
  /** The ledger table. */
  readonly table: dynamodb.Table;
  /** The ingest Lambda (also the target of Batch Operations backfills). */
  readonly ingest: lambda.Function;
  /** The scheduled report Lambda. */
  readonly report: lambda.Function;
  /** The queue between S3 and the ingest Lambda, and its dead-letter queue. */
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  /** The role to give S3 Batch Operations jobs that backfill through the ingest Lambda. */
  readonly backfillRole: iam.Role;
  /** With `htmlReports`: the private bucket the HTML access reviews go to. */
  readonly htmlReportBucket?: s3.Bucket;

  constructor(scope: Construct, id: string, props: LastswitchStackProps = {}) {
    super(scope, id, props);
    if (props.webhookSecretName && props.webhookParameterName) {
      throw new Error('lastswitch: give webhookSecretName or webhookParameterName, not both');
    }
    if (!props.webhookSecretName && !props.webhookParameterName) {
      throw new Error(
        'lastswitch: give webhookSecretName (Secrets Manager) or webhookParameterName (SSM SecureString)',
      );
    }
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
    const code = props.code ?? lambda.Code.fromAsset(LAMBDA_DIST, { exclude: ['*.map'] });

    const bucket = props.trailBucketName
      ? s3.Bucket.fromBucketName(this, 'TrailBucket', props.trailBucketName)
      : this.newTrailBucket(logsPrefix, props.trailAccount ?? this.account);

    // One item per (principal, role): the key schema of @lastswitch/store-dynamodb's ledgerTableDefinition.
    this.table = new dynamodb.Table(this, 'Ledger', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
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
    bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(this.queue), {
      prefix: logsPrefix,
      suffix: '.json.gz',
    });

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
    this.ingest.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(`${logsPrefix}*`)] }),
    );
    if (props.trailKmsKeyArn) {
      this.ingest.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [props.trailKmsKeyArn] }),
      );
    }
    this.table.grant(this.ingest, 'dynamodb:UpdateItem');

    new cloudwatch.Alarm(this, 'IngestDLQNotEmpty', {
      alarmDescription: 'lastswitch: trail files failed ingestion repeatedly and wait in the dead-letter queue',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const reportEnv: Record<string, string> = {
      LEDGER_TABLE: this.table.tableName,
      STALE_AFTER_DAYS: String(staleAfterDays),
      NODE_OPTIONS: '--enable-source-maps',
    };
    if (props.webhookSecretName) reportEnv.SLACK_WEBHOOK_SECRET_ID = props.webhookSecretName;
    if (props.webhookParameterName) reportEnv.SLACK_WEBHOOK_SSM_PARAMETER = props.webhookParameterName;
    const reportLogs = new logs.LogGroup(this, 'ReportLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
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
      deadLetterQueueEnabled: true,
      retryAttempts: 2,
      role: this.functionRole('ReportServiceRole', reportLogs),
      logGroup: reportLogs,
    });
    this.table.grant(this.report, 'dynamodb:Scan');
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
    if (props.webhookParameterName) {
      const name = props.webhookParameterName.startsWith('/')
        ? props.webhookParameterName.slice(1)
        : props.webhookParameterName;
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

    // S3 Batch Operations backfills: the job reads its manifest and writes its report under
    // lastswitch-backfill/ in the trail bucket, and invokes the ingest Lambda for each file.
    this.backfillRole = new iam.Role(this, 'BackfillRole', {
      description: 'lastswitch: S3 Batch Operations jobs that backfill the ledger',
      assumedBy: new iam.ServicePrincipal('batchoperations.s3.amazonaws.com'),
    });
    this.ingest.grantInvoke(this.backfillRole);
    this.backfillRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [bucket.arnForObjects('lastswitch-backfill/manifests/*')],
      }),
    );
    this.backfillRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [bucket.arnForObjects('lastswitch-backfill/reports/*')],
      }),
    );
    // AWS's Batch Operations policies include it for the manifest and report bucket (metadata only).
    this.backfillRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [bucket.bucketArn] }),
    );

    new CfnOutput(this, 'LedgerTableName', {
      value: this.table.tableName,
      description: 'the ledger table (CLI: --store dynamodb:NAME)',
    });
    new CfnOutput(this, 'IngestFunctionArn', {
      value: this.ingest.functionArn,
      description: 'invoke from S3 Batch Operations to backfill',
    });
    new CfnOutput(this, 'BackfillRoleArn', {
      value: this.backfillRole.roleArn,
      description: 'the role for S3 Batch Operations backfill jobs',
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      value: this.deadLetterQueue.queueUrl,
      description: 'trail files that failed ingestion',
    });
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
    this.report.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:GetObject'],
        resources: [bucket.arnForObjects(`${prefix}*`)],
      }),
    );
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
