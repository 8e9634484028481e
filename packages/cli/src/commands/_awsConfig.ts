import { InvalidArgumentError } from 'commander';
import type { CliContext } from '../context.js';

/** Credentials handed to a client explicitly (an assumed role's); never logged. */
export interface ExplicitCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * The SDK client configuration from the usual AWS environment, read from `ctx.env`: region
 * (`--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, else us-east-1), endpoint
 * (`AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`), static keys or `AWS_PROFILE`, and
 * throttling retried with backoff (up to 8 attempts).
 */
export function awsClientConfig(
  ctx: CliContext,
  service: 'IAM' | 'STS' | 'ORGANIZATIONS' | 'SSO_ADMIN' | 'IDENTITYSTORE',
  region: string | undefined,
  credentials?: ExplicitCredentials,
) {
  const env = ctx.env;
  const endpoint = env[`AWS_ENDPOINT_URL_${service}`] ?? env.AWS_ENDPOINT_URL;
  const fromEnv =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        }
      : undefined;
  const chosen = credentials ?? fromEnv;
  return {
    region: region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    maxAttempts: 8,
    ...(endpoint ? { endpoint } : {}),
    ...(chosen ? { credentials: chosen } : env.AWS_PROFILE ? { profile: env.AWS_PROFILE } : {}),
  };
}

/** A 12-digit account id list (`--accounts 111111111111,222222222222`). */
export function parseAccountList(value: string): string[] {
  const ids = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const id of ids) {
    if (id.length !== 12 || [...id].some((c) => c < '0' || c > '9')) {
      throw new InvalidArgumentError(
        `expected 12-digit account ids separated by commas, got ${JSON.stringify(id.slice(0, 40))}`,
      );
    }
  }
  if (ids.length === 0) throw new InvalidArgumentError('expected at least one account id');
  return ids;
}
