import { describe, expect, it } from 'vitest';
import { ConfigError, readIngestConfig, readReportConfig } from '../src/config.js';

const SECRET_URL = 'https://hooks.slack.com/services/T000/B000/NEVERSHOWTHIS';

function configError(read: () => unknown): ConfigError {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('readIngestConfig', () => {
  it('reads the defaults', () => {
    expect(readIngestConfig({ LEDGER_TABLE: 'lastswitch-ledger' })).toEqual({
      ledgerTable: 'lastswitch-ledger',
      concurrency: 2,
      s3ForcePathStyle: false,
    });
  });

  it('reads every variable', () => {
    expect(
      readIngestConfig({ LEDGER_TABLE: ' ledger.v2 ', INGEST_CONCURRENCY: '8', S3_FORCE_PATH_STYLE: 'TRUE' }),
    ).toEqual({ ledgerTable: 'ledger.v2', concurrency: 8, s3ForcePathStyle: true });
  });

  it.each([
    [{}, 'LEDGER_TABLE', /required/],
    [{ LEDGER_TABLE: '  ' }, 'LEDGER_TABLE', /required/],
    [{ LEDGER_TABLE: 'ab' }, 'LEDGER_TABLE', /table name/],
    [{ LEDGER_TABLE: 'has space' }, 'LEDGER_TABLE', /table name/],
    [{ LEDGER_TABLE: 'ok-table', INGEST_CONCURRENCY: '0' }, 'INGEST_CONCURRENCY', /1 to 16, got "0"/],
    [{ LEDGER_TABLE: 'ok-table', INGEST_CONCURRENCY: '2.5' }, 'INGEST_CONCURRENCY', /whole number/],
    [{ LEDGER_TABLE: 'ok-table', INGEST_CONCURRENCY: '-1' }, 'INGEST_CONCURRENCY', /whole number/],
    [{ LEDGER_TABLE: 'ok-table', S3_FORCE_PATH_STYLE: 'yes' }, 'S3_FORCE_PATH_STYLE', /true or false/],
  ])('%o → names %s', (env, variable, message) => {
    const error = configError(() => readIngestConfig(env));
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
    expect(error.message).toMatch(message);
  });
});

describe('readReportConfig', () => {
  it('reads an SSM parameter source and the defaults', () => {
    expect(readReportConfig({ LEDGER_TABLE: 'ledger', SLACK_WEBHOOK_SSM_PARAMETER: '/lastswitch/webhook' })).toEqual({
      ledgerTable: 'ledger',
      staleAfterDays: 90,
      webhook: { kind: 'ssm', parameterName: '/lastswitch/webhook' },
      allowedHosts: [],
    });
  });

  it('reads a secret source, options and allowed hosts', () => {
    expect(
      readReportConfig({
        LEDGER_TABLE: 'ledger',
        STALE_AFTER_DAYS: '30',
        SLACK_WEBHOOK_SECRET_ID: 'lastswitch/slack',
        SLACK_ALLOWED_HOSTS: 'proxy.example.com, 127.0.0.1:8080,',
        REPORT_TITLE: 'Unused access',
        REPORT_MENTION: '<!here>',
        REPORT_LINK_URL: 'https://wiki.example.com/runbook',
      }),
    ).toEqual({
      ledgerTable: 'ledger',
      staleAfterDays: 30,
      webhook: { kind: 'secretsmanager', secretId: 'lastswitch/slack' },
      allowedHosts: ['proxy.example.com', '127.0.0.1:8080'],
      title: 'Unused access',
      mention: '<!here>',
      link: { url: 'https://wiki.example.com/runbook', text: 'Details' },
    });
  });

  it('reads a URL from the environment for local runs', () => {
    expect(readReportConfig({ LEDGER_TABLE: 'ledger', SLACK_WEBHOOK_URL: SECRET_URL }).webhook).toEqual({
      kind: 'env',
      url: SECRET_URL,
    });
  });

  it.each([
    [{ SLACK_WEBHOOK_URL: SECRET_URL }, 'LEDGER_TABLE', /required/],
    [{ LEDGER_TABLE: 'ledger' }, 'SLACK_WEBHOOK_SSM_PARAMETER', /SLACK_WEBHOOK_SECRET_ID/],
    [
      { LEDGER_TABLE: 'ledger', SLACK_WEBHOOK_SSM_PARAMETER: '/p', SLACK_WEBHOOK_URL: SECRET_URL },
      'SLACK_WEBHOOK_URL',
      /conflicts with SLACK_WEBHOOK_SSM_PARAMETER/,
    ],
    [{ LEDGER_TABLE: 'ledger', SLACK_WEBHOOK_URL: 'not a url' }, 'SLACK_WEBHOOK_URL', /not a URL/],
    [{ LEDGER_TABLE: 'ledger', SLACK_WEBHOOK_URL: SECRET_URL, STALE_AFTER_DAYS: '0' }, 'STALE_AFTER_DAYS', /1 to 3650/],
    [
      { LEDGER_TABLE: 'ledger', SLACK_WEBHOOK_URL: SECRET_URL, STALE_AFTER_DAYS: 'ninety' },
      'STALE_AFTER_DAYS',
      /whole/,
    ],
    [
      { LEDGER_TABLE: 'ledger', SLACK_WEBHOOK_URL: SECRET_URL, REPORT_LINK_URL: 'nope' },
      'REPORT_LINK_URL',
      /not a URL/,
    ],
  ])('%o → names %s', (env, variable, message) => {
    const error = configError(() => readReportConfig(env));
    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('NEVERSHOWTHIS');
  });

  it('never echoes a bad webhook URL', () => {
    const error = configError(() =>
      readReportConfig({ LEDGER_TABLE: 'ledger', SLACK_WEBHOOK_URL: 'hooks.slack.com/services/T0/B0/NEVERSHOWTHIS' }),
    );
    expect(error.message).not.toContain('NEVERSHOWTHIS');
  });
});
