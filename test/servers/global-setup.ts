import type { TestProject } from 'vitest/node';
import { startDynamoDBLocal } from './dynamodb-local.js';
import { startS3Local } from './s3-local.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    s3Endpoint: string;
  }
}

/**
 * Starts the shared DynamoDB Local and s3rver for a test project and stops them afterwards.
 * A server that cannot start fails the run with the reason; nothing is skipped.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const [dynamo, s3] = await Promise.allSettled([startDynamoDBLocal(), startS3Local()]);
  const failures = [dynamo, s3].filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failures.length > 0) {
    if (dynamo.status === 'fulfilled') await dynamo.value.stop();
    if (s3.status === 'fulfilled') await s3.value.stop();
    throw new Error(
      `Local AWS services for tests could not start:\n${failures.map((f) => `- ${(f.reason as Error).message}`).join('\n')}`,
    );
  }
  const dynamoServer = (dynamo as PromiseFulfilledResult<Awaited<ReturnType<typeof startDynamoDBLocal>>>).value;
  const s3Server = (s3 as PromiseFulfilledResult<Awaited<ReturnType<typeof startS3Local>>>).value;
  project.provide('dynamodbEndpoint', dynamoServer.endpoint);
  project.provide('s3Endpoint', s3Server.endpoint);
  return async () => {
    await Promise.all([dynamoServer.stop(), s3Server.stop()]);
  };
}
