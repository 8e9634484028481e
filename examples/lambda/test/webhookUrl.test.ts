import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOTO_SETUP_MS, type MotoServer, startMoto } from '../../../test/servers/moto.js';
import { cachedWebhookUrl, readWebhookUrl, WebhookUrlError } from '../src/webhookUrl.js';

const URL_VALUE = 'https://hooks.slack.com/services/T0E2E/B0E2E/SECRETPATHVALUE';
let moto: MotoServer;
let ssm: SSMClient;
let secrets: SecretsManagerClient;

async function failure(promise: Promise<unknown>): Promise<WebhookUrlError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WebhookUrlError);
  expect((error as Error).message).not.toContain('SECRETPATHVALUE');
  return error as WebhookUrlError;
}

beforeAll(async () => {
  moto = await startMoto({ awsManagedPolicies: false });
  const config = {
    endpoint: moto.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  };
  ssm = new SSMClient(config);
  secrets = new SecretsManagerClient(config);
  await ssm.send(new PutParameterCommand({ Name: '/lastswitch/webhook', Type: 'SecureString', Value: URL_VALUE }));
  await ssm.send(new PutParameterCommand({ Name: '/lastswitch/blank', Type: 'String', Value: ' ' }));
  await secrets.send(new CreateSecretCommand({ Name: 'lastswitch/plain', SecretString: URL_VALUE }));
  await secrets.send(
    new CreateSecretCommand({ Name: 'lastswitch/json', SecretString: JSON.stringify({ url: URL_VALUE }) }),
  );
  await secrets.send(new CreateSecretCommand({ Name: 'lastswitch/json-other', SecretString: '{"token":"x"}' }));
  await secrets.send(new CreateSecretCommand({ Name: 'lastswitch/broken-json', SecretString: '{"url": ' }));
}, MOTO_SETUP_MS);

afterAll(async () => {
  ssm?.destroy();
  secrets?.destroy();
  await moto?.stop();
});

describe('readWebhookUrl on moto', () => {
  it('reads an SSM SecureString, decrypted', async () => {
    expect(await readWebhookUrl({ kind: 'ssm', parameterName: '/lastswitch/webhook' }, { ssm })).toBe(URL_VALUE);
  });

  it('reads a Secrets Manager secret holding the URL', async () => {
    expect(await readWebhookUrl({ kind: 'secretsmanager', secretId: 'lastswitch/plain' }, { secrets })).toBe(URL_VALUE);
  });

  it('reads a Secrets Manager secret holding JSON with a url field', async () => {
    expect(await readWebhookUrl({ kind: 'secretsmanager', secretId: 'lastswitch/json' }, { secrets })).toBe(URL_VALUE);
  });

  it('names a missing parameter and the permission, never the value', async () => {
    const error = await failure(readWebhookUrl({ kind: 'ssm', parameterName: '/lastswitch/missing' }, { ssm }));
    expect(error.message).toContain('/lastswitch/missing');
    expect(error.message).toContain('ParameterNotFound');
    expect(error.source).toBe('SSM parameter /lastswitch/missing');
  });

  it.each([
    ['lastswitch/absent', /ResourceNotFoundException/],
    ['lastswitch/json-other', /without a "url"/],
    ['lastswitch/broken-json', /does not parse/],
  ])('refuses secret %s', async (secretId, message) => {
    const error = await failure(readWebhookUrl({ kind: 'secretsmanager', secretId }, { secrets }));
    expect(error.message).toMatch(message);
    expect(error.message).toContain(secretId);
  });

  it('refuses an empty parameter', async () => {
    await failure(readWebhookUrl({ kind: 'ssm', parameterName: '/lastswitch/blank' }, { ssm }));
  });

  it('needs the client for its source', async () => {
    await failure(readWebhookUrl({ kind: 'ssm', parameterName: '/lastswitch/webhook' }, {}));
    await failure(readWebhookUrl({ kind: 'secretsmanager', secretId: 'lastswitch/plain' }, {}));
  });
});

describe('cachedWebhookUrl', () => {
  it('reads once while it succeeds, and again after a failure', async () => {
    let calls = 0;
    let fail = true;
    const get = cachedWebhookUrl(async () => {
      calls += 1;
      if (fail) throw new Error('not yet');
      return URL_VALUE;
    });
    await expect(get()).rejects.toThrow('not yet');
    fail = false;
    expect(await get()).toBe(URL_VALUE);
    expect(await get()).toBe(URL_VALUE);
    expect(calls).toBe(2);
  });
});
