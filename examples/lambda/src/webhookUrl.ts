import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { LastswitchError } from '@lastswitch/core';
import type { WebhookSource } from './config.js';

/** The Slack webhook URL could not be read from SSM or Secrets Manager. Never contains the URL. */
export class WebhookUrlError extends LastswitchError {
  override name = 'WebhookUrlError';
  /** The parameter name or secret id that was read. */
  readonly source: string;

  constructor(source: string, message: string, options?: { cause?: unknown }) {
    super(`Slack webhook URL from ${source}: ${message}`, options);
    this.source = source;
  }
}

/** The clients a webhook source may need (only the one in use is called). */
export interface WebhookClients {
  ssm?: Pick<SSMClient, 'send'>;
  secrets?: Pick<SecretsManagerClient, 'send'>;
}

function awsName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}

/** A secret holds the URL itself, or JSON with a `url`, `webhookUrl` or `webhook_url` field. */
function urlFromSecret(value: string, source: string): string {
  const trimmed = value.trim();
  if (!trimmed.startsWith('{')) return trimmed;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    throw new WebhookUrlError(source, 'the secret looks like JSON but does not parse');
  }
  const record = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  for (const field of ['url', 'webhookUrl', 'webhook_url']) {
    const candidate = record[field];
    if (typeof candidate === 'string' && candidate.trim() !== '') return candidate.trim();
  }
  throw new WebhookUrlError(source, 'the secret is JSON without a "url", "webhookUrl" or "webhook_url" string field');
}

/** Reads the webhook URL from where the configuration says (SSM SecureString, Secrets Manager, or the env). */
export async function readWebhookUrl(source: WebhookSource, clients: WebhookClients): Promise<string> {
  if (source.kind === 'env') return source.url;
  if (source.kind === 'ssm') {
    const where = `SSM parameter ${source.parameterName}`;
    if (!clients.ssm) throw new WebhookUrlError(where, 'no SSM client was given');
    let value: string | undefined;
    try {
      const out = await clients.ssm.send(new GetParameterCommand({ Name: source.parameterName, WithDecryption: true }));
      value = out.Parameter?.Value;
    } catch (error) {
      throw new WebhookUrlError(where, `could not be read (${awsName(error)}); the role needs ssm:GetParameter on it`, {
        cause: error,
      });
    }
    if (!value?.trim()) throw new WebhookUrlError(where, 'is empty');
    return value.trim();
  }
  const where = `Secrets Manager secret ${source.secretId}`;
  if (!clients.secrets) throw new WebhookUrlError(where, 'no Secrets Manager client was given');
  let value: string | undefined;
  try {
    const out = await clients.secrets.send(new GetSecretValueCommand({ SecretId: source.secretId }));
    value = out.SecretString;
  } catch (error) {
    throw new WebhookUrlError(
      where,
      `could not be read (${awsName(error)}); the role needs secretsmanager:GetSecretValue on it`,
      { cause: error },
    );
  }
  if (!value?.trim()) throw new WebhookUrlError(where, 'has no SecretString');
  return urlFromSecret(value, where);
}

/** Reads the URL on first use and keeps it for the life of the container; a failed read is tried again next time. */
export function cachedWebhookUrl(read: () => Promise<string>): () => Promise<string> {
  let pending: Promise<string> | undefined;
  return () => {
    pending ??= read().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
