/** The ingest Lambda: configured from the environment at cold start (see README). */

import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBLedgerStore } from '@lastswitch/store-dynamodb';
import type { Context } from 'aws-lambda';
import { readIngestConfig } from './config.js';
import { createIngestHandler } from './createIngestHandler.js';

const config = readIngestConfig(process.env);
const logger = new Logger({ serviceName: 'lastswitch-ingest' });
const s3 = new S3Client({ forcePathStyle: config.s3ForcePathStyle });
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const store = new DynamoDBLedgerStore({ client, tableName: config.ledgerTable });

const ingest = createIngestHandler({ s3, store, logger, concurrency: config.concurrency });

/** The Lambda entry point: `ingest.handler`. */
export const handler = (event: unknown, context: Context) => {
  logger.addContext(context);
  return ingest(event, context);
};
