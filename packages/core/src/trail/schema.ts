import { z } from 'zod';

const optionalString = z.string().optional().nullable();

/** `userIdentity` of a CloudTrail record: only the fields attribution reads. */
export const UserIdentitySchema = z.object({
  type: optionalString,
  principalId: optionalString,
  arn: optionalString,
  accountId: optionalString,
  userName: optionalString,
  invokedBy: optionalString,
  identityProvider: optionalString,
  sessionContext: z
    .object({
      sourceIdentity: optionalString,
    })
    .optional()
    .nullable(),
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
  eventID: z.string().min(1),
  eventType: optionalString,
  awsRegion: optionalString,
  sourceIPAddress: optionalString,
  recipientAccountId: optionalString,
  sharedEventID: optionalString,
  errorCode: optionalString,
  errorMessage: optionalString,
  userIdentity: UserIdentitySchema.optional().nullable(),
  requestParameters: z
    .object({
      roleArn: optionalString,
      roleSessionName: optionalString,
      sourceIdentity: optionalString,
      principalArn: optionalString,
      providerId: optionalString,
    })
    .optional()
    .nullable(),
  responseElements: z
    .object({
      assumedRoleUser: z.object({ arn: optionalString, assumedRoleId: optionalString }).optional().nullable(),
      SwitchRole: optionalString,
      provider: optionalString,
      sourceIdentity: optionalString,
      subjectFromWebIdentityToken: optionalString,
    })
    .optional()
    .nullable(),
  additionalEventData: z.object({ SwitchFrom: optionalString }).optional().nullable(),
});

/** A CloudTrail record as attribution sees it. */
export type CloudTrailRecord = z.infer<typeof CloudTrailRecordSchema>;

/** One element of `aws cloudtrail lookup-events` output: the record is a JSON string. */
export const LookupEventSchema = z.object({
  CloudTrailEvent: z.string(),
});
