/**
 * @lastswitch/iam — read IAM authorization snapshots so lastswitch knows who is *allowed* to switch into what.
 *
 * @example
 * ```ts
 * import { IAMClient } from '@aws-sdk/client-iam';
 * import { grantsFromSnapshot } from '@lastswitch/core';
 * import { readAuthorizationSnapshot } from '@lastswitch/iam';
 *
 * const snapshot = await readAuthorizationSnapshot(new IAMClient({}));
 * const { grants, problems } = grantsFromSnapshot([snapshot]);
 * ```
 */

export { IamSnapshotError, snapshotFromAuthorizationDetails } from './build-snapshot.js';
export { type ReadSnapshotOptions, readAuthorizationSnapshot } from './read-authorization-snapshot.js';
export {
  type ReadIdentityCenterOptions,
  readIdentityCenterSnapshot,
} from './readIdentityCenterSnapshot.js';
export {
  type AccountSnapshotResult,
  type AssumedCredentials,
  listOrganizationAccounts,
  type OrganizationAccount,
  type OrganizationSnapshots,
  type ReadOrganizationOptions,
  readOrganizationSnapshots,
  SNAPSHOT_SESSION_NAME,
} from './readOrganizationSnapshots.js';
