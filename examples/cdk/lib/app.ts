import type { App } from 'aws-cdk-lib';
import { LastswitchStack, type LastswitchStackProps, type TrailNotifications } from './stack.js';

/** The context keys the app reads (`cdk synth -c key=value` or `cdk.json`); all optional. */
export const CONTEXT_KEYS = [
  'stackName',
  'trailBucketName',
  'trailBucketAccount',
  'trailPrefix',
  'trailAccount',
  'trailKmsKeyArn',
  'trailNotifications',
  'trailTopicArn',
  'webhookSecretName',
  'webhookParameterName',
  'reportSchedule',
  'staleAfterDays',
  'alarmEmail',
  'htmlReports',
] as const;

/**
 * Adds the lastswitch stack to `app`, configured from its context; with no context at all it
 * synthesises (a new trail bucket, the webhook URL from SSM `/lastswitch/slack-webhook`).
 */
export function addLastswitchStack(app: App, env: Record<string, string | undefined> = {}): LastswitchStack {
  const text = (key: (typeof CONTEXT_KEYS)[number]): string | undefined => {
    const value: unknown = app.node.tryGetContext(key);
    if (typeof value === 'number') return String(value);
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  const days = text('staleAfterDays');
  if (days !== undefined && !/^[0-9]+$/.test(days)) {
    throw new Error(`lastswitch: staleAfterDays must be a whole number from 1 to 3650, got ${JSON.stringify(days)}`);
  }
  return new LastswitchStack(app, text('stackName') ?? 'Lastswitch', {
    htmlReports: htmlReportsContext(app.node.tryGetContext('htmlReports')),
    trailBucketName: text('trailBucketName'),
    trailBucketAccount: text('trailBucketAccount'),
    trailPrefix: text('trailPrefix'),
    trailAccount: text('trailAccount'),
    trailKmsKeyArn: text('trailKmsKeyArn'),
    trailNotifications: text('trailNotifications') as TrailNotifications | undefined,
    trailTopicArn: text('trailTopicArn'),
    webhookSecretName: text('webhookSecretName'),
    webhookParameterName: text('webhookParameterName'),
    reportSchedule: text('reportSchedule'),
    staleAfterDays: days === undefined ? undefined : Number(days),
    alarmEmail: text('alarmEmail'),
    env: { account: env.CDK_DEFAULT_ACCOUNT, region: env.CDK_DEFAULT_REGION },
  });
}

/** `-c htmlReports=true` (or `false`), or in cdk.json `true` / `{ "expireAfterDays": 7, "linkExpiresInSeconds": 900 }`. */
function htmlReportsContext(value: unknown): LastswitchStackProps['htmlReports'] {
  if (value === undefined || value === false || value === 'false') return undefined;
  if (value === true || value === 'true') return true;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const { expireAfterDays, linkExpiresInSeconds, ...rest } = value as Record<string, unknown>;
    const whole = (n: unknown) => n === undefined || (typeof n === 'number' && Number.isInteger(n) && n > 0);
    if (Object.keys(rest).length === 0 && whole(expireAfterDays) && whole(linkExpiresInSeconds)) {
      return {
        ...(expireAfterDays === undefined ? {} : { expireAfterDays: expireAfterDays as number }),
        ...(linkExpiresInSeconds === undefined ? {} : { linkExpiresInSeconds: linkExpiresInSeconds as number }),
      };
    }
  }
  throw new Error(
    `lastswitch: htmlReports must be true, false or { expireAfterDays?, linkExpiresInSeconds? } (whole numbers), got ${JSON.stringify(value)}`,
  );
}
