/**
 * @lastswitch/source-s3 — stream CloudTrail log files from S3 and list trail archives for backfills.
 *
 * @example
 * ```ts
 * import { S3Client } from '@aws-sdk/client-s3';
 * import { collectTrailFile } from '@lastswitch/core';
 * import { listTrailObjects, openTrailObject } from '@lastswitch/source-s3';
 *
 * const s3 = new S3Client({});
 * for await (const { bucket, key } of listTrailObjects(s3, { bucket: 'trail-bucket', prefix: 'AWSLogs/' })) {
 *   const file = await collectTrailFile(await openTrailObject(s3, { bucket, key }), { key });
 *   console.log(key, file.switches.length);
 * }
 * ```
 */

export {
  type ListTrailObjectsOptions,
  listTrailObjects,
  type TrailObjectSkipReason,
  type TrailObjectSummary,
} from './listTrailObjects.js';
export { openTrailObject, type TrailObjectRef } from './openTrailObject.js';
export { S3SourceError, type S3SourceErrorReason, type S3SourceErrorTarget } from './S3SourceError.js';
