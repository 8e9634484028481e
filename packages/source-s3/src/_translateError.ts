import { S3SourceError, type S3SourceErrorReason, type S3SourceErrorTarget } from './S3SourceError.js';

interface SdkLikeError {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $retryable?: { throttling?: unknown };
}

const NOT_FOUND = new Set(['NoSuchKey', 'NotFound', 'NoSuchVersion']);
const ACCESS = new Set([
  'AccessDenied',
  'AllAccessDisabled',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'AccountProblem',
  'Forbidden',
]);
const THROTTLED = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'TooManyRequests', 'RequestLimitExceeded']);
const KMS_TRANSIENT = new Map<string, S3SourceErrorReason>([
  ['ThrottlingException', 'throttled'],
  ['LimitExceededException', 'throttled'],
  ['KMSInternalException', 'unavailable'],
  ['DependencyTimeoutException', 'timeout'],
]);
const UNAVAILABLE = new Set(['InternalError', 'ServiceUnavailable', 'InternalServerError']);
const TIMEOUT = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'ETIMEDOUT', 'ESOCKETTIMEDOUT']);
const NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'NetworkingError',
]);

function asText(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The reason an SDK or socket error stands for, or undefined when it is not one we recognise. */
export function reasonOf(error: unknown): { reason: S3SourceErrorReason; code: string } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as SdkLikeError;
  const name = asText(e.name);
  const code = asText(e.code) || name;
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const message = asText(e.message);

  if (name.startsWith('KMS.') || code.startsWith('KMS.')) {
    // KMS throttling or failing behind S3 is temporary; anything else about the key is not.
    const kms = code.startsWith('KMS.') ? code : name;
    const transient = KMS_TRANSIENT.get(kms.slice(4));
    return { reason: transient ?? 'kms-access-denied', code: kms };
  }
  if (NOT_FOUND.has(name)) return { reason: 'not-found', code: name };
  if (name === 'NoSuchBucket') return { reason: 'bucket-not-found', code: name };
  if (name === 'InvalidObjectState') return { reason: 'archived', code: name };
  if (ACCESS.has(name) || status === 403) {
    // S3 answers a missing kms:Decrypt with a plain AccessDenied whose message names KMS.
    const kms = message.includes('kms:') || message.includes('KMS') || message.includes('ciphertext');
    return { reason: kms ? 'kms-access-denied' : 'access-denied', code: name || 'AccessDenied' };
  }
  if (THROTTLED.has(name) || e.$retryable?.throttling === true || status === 429) {
    return { reason: 'throttled', code: name };
  }
  if (TIMEOUT.has(name) || TIMEOUT.has(code)) return { reason: 'timeout', code };
  if (NETWORK.has(code) || NETWORK.has(name)) return { reason: 'network', code };
  if (status === 404) return { reason: 'not-found', code: name || 'NotFound' };
  if (UNAVAILABLE.has(name) || (status !== undefined && status >= 500)) return { reason: 'unavailable', code: name };
  return undefined;
}

function describe(target: S3SourceErrorTarget): string {
  if (target.key !== undefined) {
    const version = target.versionId ? ` (version ${target.versionId})` : '';
    return `s3://${target.bucket}/${target.key}${version}`;
  }
  return `s3://${target.bucket}/${target.prefix ?? ''}`;
}

const HINTS: Record<S3SourceErrorReason, (what: string, listing: boolean) => string> = {
  'not-found': (what) => `${what} does not exist`,
  'bucket-not-found': (_what, _listing) => 'the bucket does not exist',
  'access-denied': (what, listing) =>
    `access denied to ${what}: the caller needs ${listing ? 's3:ListBucket on the bucket' : 's3:GetObject on the object'}`,
  'kms-access-denied': (what) =>
    `${what} is encrypted with a KMS key the caller cannot use: it needs kms:Decrypt on the trail's key (and the key must be enabled)`,
  archived: (what) => `${what} is in an archive storage class and must be restored before it can be read`,
  throttled: (what) => `S3 throttled the request for ${what}; try again later`,
  unavailable: (what) => `S3 failed with a server error for ${what}; try again later`,
  timeout: (what) => `the request for ${what} timed out`,
  network: (what) => `the connection to S3 failed while requesting ${what}`,
  interrupted: (what) => `the download of ${what} broke off before the end`,
};

/** Builds the typed error for a reason, naming bucket and key. */
export function sourceError(
  reason: S3SourceErrorReason,
  target: S3SourceErrorTarget,
  options: { cause?: unknown; code?: string } = {},
): S3SourceError {
  const what = describe(target);
  const hint = HINTS[reason](what, target.key === undefined);
  const message = reason === 'bucket-not-found' ? `${what}: ${hint}` : hint;
  const code = options.code ? ` (${options.code})` : '';
  return new S3SourceError(reason, target, `${message}${code}`, options);
}

/** Translates an SDK error into an `S3SourceError`; an error it does not recognise is returned unchanged. */
export function translateError(error: unknown, target: S3SourceErrorTarget): unknown {
  if (error instanceof S3SourceError) return error;
  const found = reasonOf(error);
  if (!found) return error;
  return sourceError(found.reason, target, { cause: error, code: found.code || undefined });
}
