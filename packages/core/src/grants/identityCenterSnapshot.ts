import { z } from 'zod';
import { SnapshotFormatError } from './snapshot.js';

/** A permission set: name, ARN, session duration (ISO 8601 duration) and creation time when known. */
export const IdentityCenterPermissionSetSchema = z.object({
  arn: z.string().min(1),
  name: z.string().min(1),
  description: z.string().optional(),
  sessionDuration: z.string().optional(),
  /** Epoch ms. */
  createdAt: z.number().optional(),
});

/** A permission set in an Identity Center snapshot. */
export type IdentityCenterPermissionSet = z.infer<typeof IdentityCenterPermissionSetSchema>;

/** One account assignment: a permission set in an account for a user or a group. */
export const IdentityCenterAssignmentSchema = z.object({
  accountId: z.string().regex(/^\d{12}$/),
  permissionSetArn: z.string().min(1),
  principalType: z.enum(['USER', 'GROUP']),
  principalId: z.string().min(1),
});

/** One account assignment in an Identity Center snapshot. */
export type IdentityCenterAssignment = z.infer<typeof IdentityCenterAssignmentSchema>;

/** An identity-store user (no credentials: names, emails and ids only). */
export const IdentityCenterUserSchema = z.object({
  id: z.string().min(1),
  userName: z.string().min(1),
  displayName: z.string().optional(),
  emails: z.array(z.string()),
  /** Epoch ms, when the identity store says. */
  createdAt: z.number().optional(),
});

/** An identity-store user in an Identity Center snapshot. */
export type IdentityCenterUser = z.infer<typeof IdentityCenterUserSchema>;

/** An identity-store group with its memberships. */
export const IdentityCenterGroupSchema = z.object({
  id: z.string().min(1),
  displayName: z.string(),
  description: z.string().optional(),
  members: z.array(
    z.object({
      membershipId: z.string().min(1),
      userId: z.string().min(1),
      /** Epoch ms, when the identity store says. */
      createdAt: z.number().optional(),
    }),
  ),
});

/** An identity-store group in an Identity Center snapshot. */
export type IdentityCenterGroup = z.infer<typeof IdentityCenterGroupSchema>;

/** One IAM Identity Center instance at one moment: permission sets, assignments, users, groups; no credentials. */
export const IdentityCenterSnapshotSchema = z.object({
  format: z.literal('lastswitch.identity-center-snapshot'),
  version: z.literal(1),
  takenAt: z.number(),
  instanceArn: z.string().min(1),
  identityStoreId: z.string().min(1),
  /** The accounts whose assignments were read. */
  accounts: z.array(z.string().regex(/^\d{12}$/)),
  permissionSets: z.array(IdentityCenterPermissionSetSchema),
  assignments: z.array(IdentityCenterAssignmentSchema),
  users: z.array(IdentityCenterUserSchema),
  groups: z.array(IdentityCenterGroupSchema),
  /** What could not be read (left out, so an evaluation can say what it did not see). */
  problems: z.array(z.object({ entity: z.string(), message: z.string() })),
});

/** One IAM Identity Center instance at one moment; JSON-serialisable, no credentials. */
export type IdentityCenterSnapshot = z.infer<typeof IdentityCenterSnapshotSchema>;

/** True when parsed JSON says it is an Identity Center snapshot (by its `format`), valid or not. */
export function isIdentityCenterSnapshot(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { format?: unknown }).format === 'lastswitch.identity-center-snapshot'
  );
}

/** Checks parsed JSON and returns it typed; throws `SnapshotFormatError` naming the first problems. */
export function parseIdentityCenterSnapshot(value: unknown, origin = 'snapshot'): IdentityCenterSnapshot {
  const result = IdentityCenterSnapshotSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
  throw new SnapshotFormatError(`${origin} is not a lastswitch Identity Center snapshot: ${problems}`, {
    cause: result.error,
  });
}
