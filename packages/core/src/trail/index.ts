export type { Arn, ArnErrorReason, ArnPartition } from '../arn.js';
export { ARN_PARTITIONS, ArnError, parseArn, principalRefFromArn, roleKey, roleRefFromArn, userKey } from '../arn.js';
