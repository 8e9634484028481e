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

/**
 * A field of {@link CloudTrailRecordSchema} as `_pickRecord` checks it: an optional string or null
 * (a key alone), a required string (`!`), a required non-empty string (`!1`), or an optional nullable
 * object with fields of its own.
 */
type _Field = string | readonly [key: string, check: '!' | '!1'] | readonly [key: string, fields: readonly _Field[]];

/** {@link CloudTrailRecordSchema}'s fields, in its order (a test checks the two agree on every input). */
const _RECORD_FIELDS: readonly _Field[] = [
  'eventVersion',
  ['eventSource', '!'],
  ['eventName', '!'],
  ['eventTime', '!'],
  ['eventID', '!1'],
  'eventType',
  'awsRegion',
  'sourceIPAddress',
  'recipientAccountId',
  'sharedEventID',
  'errorCode',
  'errorMessage',
  [
    'userIdentity',
    [
      'type',
      'principalId',
      'arn',
      'accountId',
      'userName',
      'invokedBy',
      'identityProvider',
      ['sessionContext', ['sourceIdentity']],
    ],
  ],
  ['requestParameters', ['roleArn', 'roleSessionName', 'sourceIdentity', 'principalArn', 'providerId']],
  [
    'responseElements',
    [
      ['assumedRoleUser', ['arn', 'assumedRoleId']],
      'SwitchRole',
      'provider',
      'sourceIdentity',
      'subjectFromWebIdentityToken',
    ],
  ],
  ['additionalEventData', ['SwitchFrom']],
];

/** A copy of `input` holding only `fields`, as zod's object parse makes it; undefined where zod would report an issue. */
function _pick(input: Record<string, unknown>, fields: readonly _Field[]): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    if (typeof field === 'string') {
      if (!(field in input)) continue;
      const value = input[field];
      if (value !== undefined && value !== null && typeof value !== 'string') return undefined;
      out[field] = value;
      continue;
    }
    const [key, check] = field;
    const value = input[key];
    if (typeof check === 'string') {
      if (typeof value !== 'string' || (check === '!1' && value.length === 0)) return undefined;
      out[key] = value;
    } else if (key in input) {
      if (value === undefined || value === null) out[key] = value;
      else if (typeof value !== 'object' || Array.isArray(value)) return undefined;
      else {
        const inner = _pick(value as Record<string, unknown>, check);
        if (inner === undefined) return undefined;
        out[key] = inner;
      }
    }
  }
  return out;
}

/**
 * The record exactly as `CloudTrailRecordSchema.safeParse(input).data` gives it (the same fields,
 * in the same order, unknown keys stripped), or undefined when the schema rejects it: what
 * attribution reads, made far faster and with less garbage than zod makes it. Zod stays the
 * judge of a record this rejects, and names the problem.
 */
export function _pickRecord(input: Record<string, unknown>): CloudTrailRecord | undefined {
  return _pick(input, _RECORD_FIELDS) as CloudTrailRecord | undefined;
}

/** The field list `_pickRecord` checks (for the test that holds it to the schema). */
export const _recordFields = _RECORD_FIELDS;
