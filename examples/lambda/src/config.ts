import { LastswitchError } from '@lastswitch/core';

/** The environment as Lambda gives it. */
export type Env = Record<string, string | undefined>;

/** A missing or bad environment variable; `variable` names it. Thrown at cold start. */
export class ConfigError extends LastswitchError {
  override name = 'ConfigError';
  /** The environment variable at fault. */
  readonly variable: string;

  constructor(variable: string, problem: string) {
    super(`environment variable ${variable} ${problem}`);
    this.variable = variable;
  }
}

/** Where the report handler finds the Slack webhook URL. */
export type WebhookSource =
  | { kind: 'ssm'; parameterName: string }
  | { kind: 'secretsmanager'; secretId: string }
  | { kind: 'env'; url: string };

/** The ingest handler's configuration. */
export interface IngestConfig {
  /** `LEDGER_TABLE`: the DynamoDB ledger table. */
  ledgerTable: string;
  /** `INGEST_CONCURRENCY`: files read at once (1–16, default 2). */
  concurrency: number;
  /** `S3_FORCE_PATH_STYLE`: path-style S3 URLs, for local S3 emulators (default false). */
  s3ForcePathStyle: boolean;
}

/** The report handler's configuration. */
export interface ReportConfig {
  /** `LEDGER_TABLE`: the DynamoDB ledger table. */
  ledgerTable: string;
  /** `STALE_AFTER_DAYS`: a role unused this many days is stale (1–3650, default 90). */
  staleAfterDays: number;
  /** One of `SLACK_WEBHOOK_SSM_PARAMETER`, `SLACK_WEBHOOK_SECRET_ID`, `SLACK_WEBHOOK_URL`. */
  webhook: WebhookSource;
  /** `SLACK_ALLOWED_HOSTS`: extra webhook hosts besides hooks.slack.com, comma-separated (proxies, local runs). */
  allowedHosts: string[];
  /** `REPORT_TITLE`, `REPORT_MENTION`, `REPORT_LINK_URL` + `REPORT_LINK_TEXT`: message options. */
  title?: string;
  mention?: string;
  link?: { url: string; text: string };
}

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function required(env: Env, name: string): string {
  const value = text(env, name);
  if (value === undefined) throw new ConfigError(name, 'is required but not set');
  return value;
}

function integer(env: Env, name: string, min: number, max: number, fallback: number): number {
  const value = text(env, name);
  if (value === undefined) return fallback;
  let digits = true;
  for (const c of value) if (c < '0' || c > '9') digits = false;
  const n = Number(value);
  if (!digits || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(
      name,
      `must be a whole number from ${min} to ${max}, got ${JSON.stringify(value.slice(0, 40))}`,
    );
  }
  return n;
}

function flag(env: Env, name: string): boolean {
  const value = text(env, name)?.toLowerCase();
  if (value === undefined || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw new ConfigError(name, `must be true or false, got ${JSON.stringify(value.slice(0, 40))}`);
}

function tableName(env: Env): string {
  const name = required(env, 'LEDGER_TABLE');
  let ok = name.length >= 3 && name.length <= 255;
  for (const c of name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || '_.-'.includes(c))) ok = false;
  }
  if (!ok) throw new ConfigError('LEDGER_TABLE', 'must be a DynamoDB table name (3–255 of a-z A-Z 0-9 _ . -)');
  return name;
}

/** Reads and checks the ingest handler's environment; throws `ConfigError` naming the bad variable. */
export function readIngestConfig(env: Env): IngestConfig {
  return {
    ledgerTable: tableName(env),
    concurrency: integer(env, 'INGEST_CONCURRENCY', 1, 16, 2),
    s3ForcePathStyle: flag(env, 'S3_FORCE_PATH_STYLE'),
  };
}

const WEBHOOK_VARIABLES = ['SLACK_WEBHOOK_SSM_PARAMETER', 'SLACK_WEBHOOK_SECRET_ID', 'SLACK_WEBHOOK_URL'] as const;

function webhookSource(env: Env): WebhookSource {
  const set = WEBHOOK_VARIABLES.filter((name) => text(env, name) !== undefined);
  if (set.length === 0) {
    throw new ConfigError(
      'SLACK_WEBHOOK_SSM_PARAMETER',
      'is not set: set one of SLACK_WEBHOOK_SSM_PARAMETER (an SSM SecureString name), SLACK_WEBHOOK_SECRET_ID (a Secrets Manager secret) or SLACK_WEBHOOK_URL (local runs)',
    );
  }
  if (set.length > 1) {
    throw new ConfigError(set[1] as string, `conflicts with ${set[0]}: set only one source for the Slack webhook URL`);
  }
  const parameterName = text(env, 'SLACK_WEBHOOK_SSM_PARAMETER');
  if (parameterName !== undefined) return { kind: 'ssm', parameterName };
  const secretId = text(env, 'SLACK_WEBHOOK_SECRET_ID');
  if (secretId !== undefined) return { kind: 'secretsmanager', secretId };
  const url = text(env, 'SLACK_WEBHOOK_URL') as string;
  // The value is a secret: never echo it.
  if (!URL.canParse(url)) throw new ConfigError('SLACK_WEBHOOK_URL', 'is not a URL (value not shown)');
  return { kind: 'env', url };
}

/** Reads and checks the report handler's environment; throws `ConfigError` naming the bad variable. */
export function readReportConfig(env: Env): ReportConfig {
  const config: ReportConfig = {
    ledgerTable: tableName(env),
    staleAfterDays: integer(env, 'STALE_AFTER_DAYS', 1, 3650, 90),
    webhook: webhookSource(env),
    allowedHosts: (text(env, 'SLACK_ALLOWED_HOSTS') ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter((h) => h.length > 0),
  };
  const title = text(env, 'REPORT_TITLE');
  if (title !== undefined) config.title = title;
  const mention = text(env, 'REPORT_MENTION');
  if (mention !== undefined) config.mention = mention;
  const linkUrl = text(env, 'REPORT_LINK_URL');
  if (linkUrl !== undefined) {
    if (!URL.canParse(linkUrl)) throw new ConfigError('REPORT_LINK_URL', 'is not a URL');
    config.link = { url: linkUrl, text: text(env, 'REPORT_LINK_TEXT') ?? 'Details' };
  }
  return config;
}
