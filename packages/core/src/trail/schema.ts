import * as z from 'zod/mini';

// zod/mini: the functional API tree-shakes, so a bundle with only the trail reader stays small.
const optionalString = z.optional(z.nullable(z.string()));

/** `userIdentity` of a CloudTrail record: only the fields attribution reads. */
export const UserIdentitySchema = z.object({
  type: optionalString,
  principalId: optionalString,
  arn: optionalString,
  accountId: optionalString,
  userName: optionalString,
  invokedBy: optionalString,
  identityProvider: optionalString,
  sessionContext: z.optional(
    z.nullable(
      z.object({
        sourceIdentity: optionalString,
      }),
    ),
  ),
});

/**
 * The fields of a CloudTrail record that attribution reads. Unknown keys are stripped, so a
 * parsed record never carries `responseElements.credentials`.
 */
export const CloudTrailRecordSchema = z.object({
  eventVersion: optionalString,
  eventSource: z.string(),
  eventName: z.string(),
  eventTime: z.string(),
  eventID: z.string().check(z.minLength(1)),
  eventType: optionalString,
  awsRegion: optionalString,
  sourceIPAddress: optionalString,
  recipientAccountId: optionalString,
  sharedEventID: optionalString,
  errorCode: optionalString,
  errorMessage: optionalString,
  userIdentity: z.optional(z.nullable(UserIdentitySchema)),
  requestParameters: z.optional(
    z.nullable(
      z.object({
        roleArn: optionalString,
        roleSessionName: optionalString,
        sourceIdentity: optionalString,
        principalArn: optionalString,
        providerId: optionalString,
      }),
    ),
  ),
  responseElements: z.optional(
    z.nullable(
      z.object({
        assumedRoleUser: z.optional(z.nullable(z.object({ arn: optionalString, assumedRoleId: optionalString }))),
        SwitchRole: optionalString,
        provider: optionalString,
        sourceIdentity: optionalString,
        subjectFromWebIdentityToken: optionalString,
      }),
    ),
  ),
  additionalEventData: z.optional(z.nullable(z.object({ SwitchFrom: optionalString }))),
});

/** A CloudTrail record as attribution sees it. */
export type CloudTrailRecord = z.infer<typeof CloudTrailRecordSchema>;

/** One element of `aws cloudtrail lookup-events` output: the record is a JSON string. */
export const LookupEventSchema = z.object({
  CloudTrailEvent: z.string(),
});

/** One line for a schema issue, the same whatever zod locale is loaded: `path: expected string`. */
export function _describeIssue(issue: z.core.$ZodIssue | undefined, whole: string): string {
  if (issue === undefined) return `${whole}: invalid`;
  const path = issue.path.join('.') || whole;
  if (issue.code === 'invalid_type') return `${path}: expected ${issue.expected}`;
  if (issue.code === 'invalid_value')
    return `${path}: expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
  if (issue.code === 'too_small') return `${path}: too short`;
  return `${path}: ${issue.message}`;
}
