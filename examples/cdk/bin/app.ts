#!/usr/bin/env node
/**
 * The lastswitch CDK app. Configure with context (`cdk deploy -c key=value` or cdk.json):
 * trailBucketName, trailPrefix, trailAccount, trailKmsKeyArn, webhookSecretName | webhookParameterName,
 * reportSchedule, staleAfterDays.
 */
import { App } from 'aws-cdk-lib';
import { LastswitchStack } from '../lib/stack.js';

const app = new App();
const text = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
};
const days = text('staleAfterDays');

new LastswitchStack(app, text('stackName') ?? 'Lastswitch', {
  trailBucketName: text('trailBucketName'),
  trailPrefix: text('trailPrefix'),
  trailAccount: text('trailAccount'),
  trailKmsKeyArn: text('trailKmsKeyArn'),
  webhookSecretName: text('webhookSecretName'),
  webhookParameterName: text('webhookParameterName'),
  reportSchedule: text('reportSchedule'),
  staleAfterDays: days === undefined ? undefined : Number(days),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
