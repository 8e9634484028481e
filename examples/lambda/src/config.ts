import { LastswitchError } from '@lastswitch/core';
import { z } from 'zod';

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
  /** `REPORT_HTML_BUCKET` (+ `REPORT_HTML_PREFIX`, `REPORT_HTML_LINK_EXPIRES_SECONDS`): also write the HTML review there. */
  html?: { bucket: string; prefix: string; linkExpiresInSeconds: number };
}

/** A variable's text, trimmed; blank counts as unset. */
const OptionalTextSchema = z
  .string()
  .optional()
  .transform((value) => {
    const trimmed = value?.trim();
    return trimmed === undefined || trimmed === '' ? undefined : trimmed;
  });

const RequiredTextSchema = OptionalTextSchema.refine(
  (value) => value !== undefined,
  'is required but not set',
).transform((value) => value as string);

const TableNameSchema = RequiredTextSchema.refine(
  (name) => name.length >= 3 && name.length <= 255 && /^[A-Za-z0-9_.-]+$/.test(name),
  'must be a DynamoDB table name (3–255 of a-z A-Z 0-9 _ . -)',
);

function wholeNumberSchema(min: number, max: number, fallback: number) {
  return OptionalTextSchema.transform((value, ctx) => {
    if (value === undefined) return fallback;
    const n = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a whole number from ${min} to ${max}, got ${JSON.stringify(value.slice(0, 40))}`,
      });
      return z.NEVER;
    }
    return n;
  });
}

const FlagSchema = OptionalTextSchema.transform((value, ctx) => {
  const lower = value?.toLowerCase();
  if (lower === undefined || lower === 'false' || lower === '0') return false;
  if (lower === 'true' || lower === '1') return true;
  ctx.addIssue({ code: 'custom', message: `must be true or false, got ${JSON.stringify(lower.slice(0, 40))}` });
  return z.NEVER;
});

/** A URL-valued variable; `secret` ones are never echoed in errors. */
function urlSchema(secret: boolean) {
  return OptionalTextSchema.refine(
    (value) => value === undefined || URL.canParse(value),
    secret ? 'is not a URL (value not shown)' : 'is not a URL',
  );
}

/** The ingest handler's environment. */
export const IngestEnvSchema = z.object({
  LEDGER_TABLE: TableNameSchema,
  INGEST_CONCURRENCY: wholeNumberSchema(1, 16, 2),
  S3_FORCE_PATH_STYLE: FlagSchema,
});

/** The report handler's environment. */
export const ReportEnvSchema = z.object({
  LEDGER_TABLE: TableNameSchema,
  STALE_AFTER_DAYS: wholeNumberSchema(1, 3650, 90),
  SLACK_WEBHOOK_SSM_PARAMETER: OptionalTextSchema,
  SLACK_WEBHOOK_SECRET_ID: OptionalTextSchema,
  SLACK_WEBHOOK_URL: urlSchema(true),
  SLACK_ALLOWED_HOSTS: OptionalTextSchema,
  REPORT_TITLE: OptionalTextSchema,
  REPORT_MENTION: OptionalTextSchema,
  REPORT_LINK_URL: urlSchema(false),
  REPORT_LINK_TEXT: OptionalTextSchema,
  REPORT_HTML_BUCKET: OptionalTextSchema.refine(
    (name) =>
      name === undefined || (name.length >= 3 && name.length <= 63 && /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)),
    'must be an S3 bucket name (3–63 of a-z 0-9 . -)',
  ),
  REPORT_HTML_PREFIX: OptionalTextSchema.refine(
    (prefix) => prefix === undefined || (prefix.length <= 512 && !prefix.startsWith('/')),
    'must be an S3 key prefix (at most 512 characters, not starting with /)',
  ),
  REPORT_HTML_LINK_EXPIRES_SECONDS: wholeNumberSchema(60, 604_800, 3600),
});

/** Parses `env` with `schema`; the first problem becomes a `ConfigError` naming its variable. */
function parseEnv<T extends z.ZodType>(schema: T, env: Env): z.output<T> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const variable = String(issue?.path[0] ?? 'environment');
  throw new ConfigError(variable, issue?.message ?? 'is invalid');
}

/** Reads and checks the ingest handler's environment; throws `ConfigError` naming the bad variable. */
export function readIngestConfig(env: Env): IngestConfig {
  const vars = parseEnv(IngestEnvSchema, env);
  return {
    ledgerTable: vars.LEDGER_TABLE,
    concurrency: vars.INGEST_CONCURRENCY,
    s3ForcePathStyle: vars.S3_FORCE_PATH_STYLE,
  };
}

const WEBHOOK_VARIABLES = ['SLACK_WEBHOOK_SSM_PARAMETER', 'SLACK_WEBHOOK_SECRET_ID', 'SLACK_WEBHOOK_URL'] as const;

function webhookSource(vars: z.output<typeof ReportEnvSchema>): WebhookSource {
  const set = WEBHOOK_VARIABLES.filter((name) => vars[name] !== undefined);
  if (set.length === 0) {
    throw new ConfigError(
      'SLACK_WEBHOOK_SSM_PARAMETER',
      'is not set: set one of SLACK_WEBHOOK_SSM_PARAMETER (an SSM SecureString name), SLACK_WEBHOOK_SECRET_ID (a Secrets Manager secret) or SLACK_WEBHOOK_URL (local runs)',
    );
  }
  if (set.length > 1) {
    throw new ConfigError(set[1] as string, `conflicts with ${set[0]}: set only one source for the Slack webhook URL`);
  }
  if (vars.SLACK_WEBHOOK_SSM_PARAMETER !== undefined)
    return { kind: 'ssm', parameterName: vars.SLACK_WEBHOOK_SSM_PARAMETER };
  if (vars.SLACK_WEBHOOK_SECRET_ID !== undefined)
    return { kind: 'secretsmanager', secretId: vars.SLACK_WEBHOOK_SECRET_ID };
  return { kind: 'env', url: vars.SLACK_WEBHOOK_URL as string };
}

/** Reads and checks the report handler's environment; throws `ConfigError` naming the bad variable. */
export function readReportConfig(env: Env): ReportConfig {
  const vars = parseEnv(ReportEnvSchema, env);
  const config: ReportConfig = {
    ledgerTable: vars.LEDGER_TABLE,
    staleAfterDays: vars.STALE_AFTER_DAYS,
    webhook: webhookSource(vars),
    allowedHosts: (vars.SLACK_ALLOWED_HOSTS ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter((h) => h.length > 0),
  };
  if (vars.REPORT_TITLE !== undefined) config.title = vars.REPORT_TITLE;
  if (vars.REPORT_MENTION !== undefined) config.mention = vars.REPORT_MENTION;
  if (vars.REPORT_LINK_URL !== undefined)
    config.link = { url: vars.REPORT_LINK_URL, text: vars.REPORT_LINK_TEXT ?? 'Details' };
  if (vars.REPORT_HTML_BUCKET !== undefined) {
    config.html = {
      bucket: vars.REPORT_HTML_BUCKET,
      prefix: vars.REPORT_HTML_PREFIX ?? 'reports/',
      linkExpiresInSeconds: vars.REPORT_HTML_LINK_EXPIRES_SECONDS,
    };
  }
  return config;
}
