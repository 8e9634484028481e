export type { Arn, ArnErrorReason, ArnPartition } from '../arn.js';
export { ARN_PARTITIONS, ArnError, parseArn, principalRefFromArn, roleKey, roleRefFromArn, userKey } from '../arn.js';
export { classifyTrailKey, type TrailKeyKind } from './classifyTrailKey.js';
export {
  collectTrailFile,
  DEFAULT_MAX_INFLATED_BYTES,
  type ReadTrailFileOptions,
  readTrailBatches,
  readTrailFile,
  type TrailFileContents,
  type TrailSource,
} from './readTrailFile.js';
export {
  emptyTrailStats,
  MAX_SKIPPED_RECORDS,
  type SkippedRecord,
  type TrailFormat,
  type TrailItem,
  type TrailSkipReason,
  type TrailStats,
} from './scanner.js';
export { type CloudTrailRecord, CloudTrailRecordSchema, LookupEventSchema, UserIdentitySchema } from './schema.js';
export { TrailFileError, type TrailFileErrorReason } from './TrailFileError.js';
export { type RecordOutcome, type RecordSkipReason, roleFromErrorMessage, toRoleSwitch } from './toRoleSwitch.js';
