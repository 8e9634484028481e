import { LastswitchError } from '@lastswitch/core';

/** Why an S3 read or listing failed. */
export type S3SourceErrorReason =
  /** The key (or the given version) does not exist: `NoSuchKey`, `NotFound`, `NoSuchVersion`. */
  | 'not-found'
  /** The bucket does not exist: `NoSuchBucket`. */
  | 'bucket-not-found'
  /** S3 refused the request: missing `s3:GetObject` / `s3:ListBucket`, a bucket policy, bad credentials. */
  | 'access-denied'
  /** The object is SSE-KMS encrypted and the caller may not use its key (`kms:Decrypt`), or the key is disabled. */
  | 'kms-access-denied'
  /** The object is in an archive storage class (Glacier, Deep Archive) and must be restored first. */
  | 'archived'
  /** S3 asked the caller to slow down (`SlowDown`, HTTP 503 throttling). */
  | 'throttled'
  /** S3 answered with a server error (`InternalError`, HTTP 5xx). */
  | 'unavailable'
  /** The request timed out. */
  | 'timeout'
  /** The connection failed (reset, refused, DNS). */
  | 'network'
  /** The object was opened but the byte stream broke while it was being read. */
  | 'interrupted';

const RETRYABLE: ReadonlySet<S3SourceErrorReason> = new Set([
  'throttled',
  'unavailable',
  'timeout',
  'network',
  'interrupted',
]);

/** Where an S3 error happened: the bucket, and the key or listing prefix. */
export interface S3SourceErrorTarget {
  bucket: string;
  key?: string;
  versionId?: string;
  prefix?: string;
}

/** A typed failure reading from S3, naming the bucket and key; `retryable` says whether trying again can help. */
export class S3SourceError extends LastswitchError {
  override name = 'S3SourceError';
  /** What went wrong, as a stable code. */
  readonly reason: S3SourceErrorReason;
  /** The bucket. */
  readonly bucket: string;
  /** The object key (absent for a listing error). */
  readonly key: string | undefined;
  /** The object version, when one was asked for. */
  readonly versionId: string | undefined;
  /** The listing prefix (for a listing error). */
  readonly prefix: string | undefined;
  /** The S3 error code behind this error (`NoSuchKey`, `AccessDenied`, ...), when S3 gave one. */
  readonly code: string | undefined;
  /** True for throttling, server errors, timeouts and broken connections: the same call may succeed later. */
  readonly retryable: boolean;

  constructor(
    reason: S3SourceErrorReason,
    target: S3SourceErrorTarget,
    message: string,
    options: { cause?: unknown; code?: string } = {},
  ) {
    super(message, { cause: options.cause });
    this.reason = reason;
    this.bucket = target.bucket;
    this.key = target.key;
    this.versionId = target.versionId;
    this.prefix = target.prefix;
    this.code = options.code;
    this.retryable = RETRYABLE.has(reason);
  }
}
