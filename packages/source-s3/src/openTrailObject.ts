import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { sourceError, translateError } from './_translateError.js';
import type { S3SourceErrorTarget } from './S3SourceError.js';

/** Which S3 object to read. */
export interface TrailObjectRef {
  bucket: string;
  key: string;
  /** A specific object version (S3 event notifications and Batch Operations can carry one). */
  versionId?: string;
  /** Aborts the request and the download. */
  abortSignal?: AbortSignal;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

async function* guarded(body: AsyncIterable<Uint8Array>, target: S3SourceErrorTarget): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of body) yield chunk;
  } catch (error) {
    throw sourceError('interrupted', target, { cause: error, code: (error as { code?: string })?.code });
  } finally {
    // Stop the download when the reader gives up early (break, or an error while parsing).
    (body as { destroy?: () => void }).destroy?.();
  }
}

/**
 * Opens an S3 object as a byte stream, downloaded as it is read (never buffered whole).
 * Throws `S3SourceError` naming bucket and key (`not-found`, `access-denied`, `kms-access-denied`, ...);
 * a stream that breaks off while being read throws `S3SourceError` with reason `interrupted`.
 *
 * @example
 * ```ts
 * const bytes = await openTrailObject(new S3Client({}), { bucket: 'trail-bucket', key });
 * const file = await collectTrailFile(bytes, { key });
 * ```
 */
export async function openTrailObject(client: S3Client, ref: TrailObjectRef): Promise<AsyncIterable<Uint8Array>> {
  const target: S3SourceErrorTarget = { bucket: ref.bucket, key: ref.key, versionId: ref.versionId };
  let body: unknown;
  try {
    const output = await client.send(
      new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key, VersionId: ref.versionId || undefined }),
      { abortSignal: ref.abortSignal },
    );
    body = output.Body;
  } catch (error) {
    throw translateError(error, target);
  }
  if (!isAsyncIterable(body)) {
    // Outside Node.js the SDK gives a web stream; lastswitch reads trail files on Node.js only.
    throw sourceError('interrupted', target, { code: 'NoReadableBody' });
  }
  return guarded(body, target);
}
