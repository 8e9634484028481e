import type { CloudTrailRecord } from './schema.js';

// No zod here: attribution reads records through this module alone, so a bundle of the trail
// reader holds no zod and starts without building its schemas.

/**
 * A field of `CloudTrailRecordSchema` as `_pickRecord` checks it: an optional string or null
 * (a key alone), a required string (`!`), a required non-empty string (`!1`), or an optional
 * nullable object with fields of its own.
 */
type _Field = string | readonly [key: string, check: '!' | '!1'] | readonly [key: string, fields: readonly _Field[]];

/** `CloudTrailRecordSchema`'s fields, in its order (a test checks the two agree on every input). */
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

/** The first problem `_pick` met: where, and what it says (as `_describeIssue` words zod's issue). */
class _Problem {
  constructor(
    readonly path: string[],
    readonly text: string,
  ) {}
}

/**
 * A copy of `input` holding only `fields`, as zod's object parse makes it; else the first field
 * zod would report an issue for (zod reports them in this order, depth first).
 */
function _pick(input: Record<string, unknown>, fields: readonly _Field[]): Record<string, unknown> | _Problem {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    if (typeof field === 'string') {
      if (!(field in input)) continue;
      const value = input[field];
      if (value !== undefined && value !== null && typeof value !== 'string') {
        return new _Problem([field], 'expected string');
      }
      out[field] = value;
      continue;
    }
    const [key, check] = field;
    const value = input[key];
    if (typeof check === 'string') {
      if (typeof value !== 'string') return new _Problem([key], 'expected string');
      if (check === '!1' && value.length === 0) return new _Problem([key], 'too short');
      out[key] = value;
    } else if (key in input) {
      if (value === undefined || value === null) out[key] = value;
      else if (typeof value !== 'object' || Array.isArray(value)) return new _Problem([key], 'expected object');
      else {
        const inner = _pick(value as Record<string, unknown>, check);
        if (inner instanceof _Problem) return new _Problem([key, ...inner.path], inner.text);
        out[key] = inner;
      }
    }
  }
  return out;
}

/**
 * The record exactly as `CloudTrailRecordSchema.safeParse(input).data` gives it (the same fields,
 * in the same order, unknown keys stripped), or, when the schema rejects it, the line
 * `_describeIssue` makes of zod's first issue (`userIdentity.arn: expected string`). What
 * attribution reads, made far faster and with less garbage than zod makes it.
 */
export function _pickRecord(input: Record<string, unknown>): CloudTrailRecord | string {
  const picked = _pick(input, _RECORD_FIELDS);
  if (!(picked instanceof _Problem)) return picked as CloudTrailRecord;
  return `${picked.path.join('.') || 'record'}: ${picked.text}`;
}

/** The field list `_pickRecord` checks (for the test that holds it to the schema). */
export const _recordFields = _RECORD_FIELDS;
