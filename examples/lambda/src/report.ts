/** The scheduled report Lambda: configured from the environment at cold start (see README). */

import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBLedgerStore } from '@lastswitch/store-dynamodb';
import type { Context } from 'aws-lambda';
import { readReportConfig } from './config.js';
import { createReportHandler } from './createReportHandler.js';
import { DynamoDBDeliveryLog } from './DynamoDBDeliveryLog.js';
import { cachedWebhookUrl, readWebhookUrl } from './webhookUrl.js';

const config = readReportConfig(process.env);
const logger = new Logger({ serviceName: 'lastswitch-report' });
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const store = new DynamoDBLedgerStore({ client, tableName: config.ledgerTable });
const clients =
  config.webhook.kind === 'ssm'
    ? { ssm: new SSMClient({}) }
    : config.webhook.kind === 'secretsmanager'
      ? { secrets: new SecretsManagerClient({}) }
      : {};

const report = createReportHandler({
  store,
  staleAfterDays: config.staleAfterDays,
  webhookUrl: cachedWebhookUrl(() => readWebhookUrl(config.webhook, clients)),
  allowedHosts: config.allowedHosts,
  slack: {
    ...(config.title ? { title: config.title } : {}),
    ...(config.mention ? { mention: config.mention } : {}),
    ...(config.link ? { link: config.link } : {}),
  },
  logger,
  // Each message is recorded in the ledger table before it is posted, so Lambda's retries never repeat one.
  deliveries: new DynamoDBDeliveryLog({ client, tableName: config.ledgerTable, now: Date.now }),
  ...(config.html
    ? {
        html: {
          s3: new S3Client({}),
          bucket: config.html.bucket,
          prefix: config.html.prefix,
          linkExpiresInSeconds: config.html.linkExpiresInSeconds,
          ...(config.title ? { render: { title: config.title } } : {}),
        },
      }
    : {}),
});

/** The Lambda entry point: `report.handler`. */
export const handler = (event: unknown, context: Context) => {
  logger.addContext(context);
  return report(event, context);
};
