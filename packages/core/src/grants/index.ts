export { hasWildcard, matchArnPattern, matchGlob, patternCanMatchRole, patternCovers } from './glob.js';
export {
  type DroppedGrant,
  type DropReason,
  type Grant,
  type GrantEvaluation,
  type GrantProblem,
  type GrantSource,
  type GrantSourceKind,
  grantMatchesRole,
  grantsFromSnapshot,
} from './grants-from-snapshot.js';
export {
  type PolicyStatement,
  type PrincipalSet,
  readStatements,
  type StatementList,
  statementCoversAction,
} from './policy.js';
export {
  type AuthorizationSnapshot,
  AuthorizationSnapshotSchema,
  type InlinePolicy,
  InlinePolicySchema,
  type PolicyDocument,
  PolicyDocumentSchema,
  parseAuthorizationSnapshot,
  SnapshotFormatError,
  type SnapshotGroup,
  SnapshotGroupSchema,
  type SnapshotPolicy,
  SnapshotPolicySchema,
  type SnapshotRole,
  SnapshotRoleSchema,
  type SnapshotUser,
  SnapshotUserSchema,
} from './snapshot.js';
