export {
  type AssessGrantsOptions,
  assessGrants,
  describeGrantSource,
  type GrantUsage,
  grantCoversRole,
  grantsToRoster,
  type UsedRole,
} from './assess-grants.js';
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
  type StatementScope,
} from './grants-from-snapshot.js';
export {
  type IdentityCenterAssignment,
  IdentityCenterAssignmentSchema,
  type IdentityCenterGroup,
  IdentityCenterGroupSchema,
  type IdentityCenterPermissionSet,
  IdentityCenterPermissionSetSchema,
  type IdentityCenterSnapshot,
  IdentityCenterSnapshotSchema,
  type IdentityCenterUser,
  IdentityCenterUserSchema,
  isIdentityCenterSnapshot,
  parseIdentityCenterSnapshot,
} from './identityCenterSnapshot.js';
export {
  type AffectedPrincipal,
  ALSO_AFFECTS_LIMIT,
  type IneffectiveGrant,
  type PlanAction,
  type PlanActionKind,
  type PlanGrant,
  type PlanSkip,
  planRemovals,
  type RemovalPlan,
} from './plan-removals.js';
export {
  type PolicyStatement,
  type PrincipalSet,
  readStatements,
  type StatementList,
  statementCoversAction,
} from './policy.js';
export { PLAN_FORMATS, type PlanFormat, PlanFormatError, renderPlan, toPlanJson } from './render-plan.js';
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
