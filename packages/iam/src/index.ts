/**
 * @lastswitch/iam — read IAM authorization snapshots so lastswitch knows who is *allowed* to switch
 * into what, and apply / undo a removal plan with live-state checks and a journal.
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

export {
  type ApplyPlanOptions,
  applyPlan,
  checkJournalFits,
  describeError,
  type LedgerCheck,
  type RunOptions,
  type RunResult,
  type StepOutcome,
  summarizeRun,
} from './applyPlan.js';
export { IamSnapshotError, snapshotFromAuthorizationDetails } from './build-snapshot.js';
export {
  Journal,
  type JournalAfter,
  type JournalBefore,
  JournalError,
  type JournalLock,
  type JournalRecord,
  type JournalStart,
  type JournalUndoAfter,
  type JournalUndoBefore,
  type LiveState,
  type PolicyVersionRecord,
  type StepResult,
} from './journal.js';
export { type PlanFile, type PlanFileAction, PlanFileError, parsePlanFile } from './planFile.js';
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
export { awsErrorName, isThrottling, type RetryOptions, withRetry } from './retry.js';
export { type ApplyClients, matchesState, parsePolicyDocument, StepError } from './stepExecutors.js';
export { undoJournal } from './undoJournal.js';
