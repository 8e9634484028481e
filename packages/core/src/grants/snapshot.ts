import { z } from 'zod';
import { LastswitchError } from '../errors.js';

/** A policy document as IAM stores it (already URL-decoded and parsed); statements are checked when evaluated. */
export const PolicyDocumentSchema = z.looseObject({
  Version: z.string().optional(),
  Id: z.string().optional(),
  Statement: z.unknown(),
});

/** A policy document as IAM stores it (already URL-decoded and parsed). */
export type PolicyDocument = z.infer<typeof PolicyDocumentSchema>;

/** An inline policy embedded in a user, group or role. */
export const InlinePolicySchema = z.object({ name: z.string().min(1), document: PolicyDocumentSchema });

/** An inline policy embedded in a user, group or role. */
export type InlinePolicy = z.infer<typeof InlinePolicySchema>;

const entityFields = {
  name: z.string().min(1),
  /** The unique id (`AIDA…` for users, `AGPA…` groups, `AROA…` roles). */
  id: z.string(),
  arn: z.string().min(1),
  path: z.string(),
  /** Epoch ms. */
  createdAt: z.number(),
  inlinePolicies: z.array(InlinePolicySchema),
  /** ARNs of the attached managed policies. */
  attachedPolicies: z.array(z.string()),
};

/** An IAM user, with its groups (by name) and permissions boundary (policy ARN). */
export const SnapshotUserSchema = z.object({
  ...entityFields,
  groups: z.array(z.string()),
  permissionsBoundary: z.string().optional(),
});

/** An IAM user in a snapshot. */
export type SnapshotUser = z.infer<typeof SnapshotUserSchema>;

/** An IAM group in a snapshot. */
export const SnapshotGroupSchema = z.object(entityFields);

/** An IAM group in a snapshot. */
export type SnapshotGroup = z.infer<typeof SnapshotGroupSchema>;

/** An IAM role with its trust policy. */
export const SnapshotRoleSchema = z.object({
  ...entityFields,
  trustPolicy: PolicyDocumentSchema,
  permissionsBoundary: z.string().optional(),
});

/** An IAM role in a snapshot. */
export type SnapshotRole = z.infer<typeof SnapshotRoleSchema>;

/** A managed policy with its default version's document. */
export const SnapshotPolicySchema = z.object({
  arn: z.string().min(1),
  name: z.string().min(1),
  path: z.string(),
  defaultVersionId: z.string(),
  document: PolicyDocumentSchema,
});

/** A managed policy in a snapshot. */
export type SnapshotPolicy = z.infer<typeof SnapshotPolicySchema>;

/** One account's IAM authorization details at one moment; JSON-serialisable, no credentials. */
export const AuthorizationSnapshotSchema = z.object({
  format: z.literal('lastswitch.authorization-snapshot'),
  version: z.literal(1),
  /** The 12-digit account the snapshot was read from. */
  account: z.string().regex(/^\d{12}$/),
  /** When it was read, epoch ms. */
  takenAt: z.number(),
  users: z.array(SnapshotUserSchema),
  groups: z.array(SnapshotGroupSchema),
  roles: z.array(SnapshotRoleSchema),
  /** The managed policies referenced by some user, group or role (attached or as a boundary). */
  policies: z.array(SnapshotPolicySchema),
  /** Entities or documents that could not be read (left out, so an evaluation can say what it did not see). */
  problems: z.array(z.object({ entity: z.string(), message: z.string() })),
});

/** One account's IAM authorization details at one moment; JSON-serialisable, no credentials. */
export type AuthorizationSnapshot = z.infer<typeof AuthorizationSnapshotSchema>;

/** A snapshot file that is not JSON or not a lastswitch authorization snapshot. */
export class SnapshotFormatError extends LastswitchError {
  override name = 'SnapshotFormatError';
}

/** Checks parsed JSON (e.g. a snapshot file) and returns it typed; throws `SnapshotFormatError` naming the first problems. */
export function parseAuthorizationSnapshot(value: unknown, origin = 'snapshot'): AuthorizationSnapshot {
  const result = AuthorizationSnapshotSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
  throw new SnapshotFormatError(`${origin} is not a lastswitch authorization snapshot: ${problems}`, {
    cause: result.error,
  });
}
