/**
 * A small organisation trail written for these tests, in the shapes CloudTrail writes: three
 * accounts, console SwitchRole and CLI AssumeRole, a cross-account pair (caller side in the users'
 * account, role-owner side in the workload account), a denied attempt, a service caller, ordinary
 * API calls, and a digest file.
 */
import { gzipSync } from 'node:zlib';

export const ORG = 'o-exampleorg1';
export const USERS = '111111111111';
export const PROD = '222222222222';
export const DEV = '333333333333';
/** The moment the report runs. */
export const NOW = Date.parse('2026-06-30T12:00:00Z');
export const STALE_AFTER_DAYS = 90;
/** A session token that must never reach the ledger, the logs or Slack. */
export const SESSION_TOKEN = 'IQoJb3JpZ2luX2VjE2E2E-SECRET-SESSION-TOKEN';

let seq = 0;
const id = (prefix: string) => `${prefix}${String(++seq).padStart(12, '0')}`.padEnd(36, '0');

const credentials = {
  accessKeyId: 'ASIAE2EEXAMPLE000001',
  sessionToken: SESSION_TOKEN,
  expiration: 'Jun 1, 2026, 10:00:00 AM',
};

function iamUser(name: string, path = '') {
  return {
    type: 'IAMUser',
    principalId: `AIDAE2E${name.toUpperCase().padEnd(13, '0')}`,
    arn: `arn:aws:iam::${USERS}:user/${path}${name}`,
    accountId: USERS,
    accessKeyId: `AKIAE2E${name.toUpperCase().padEnd(13, '0')}`,
    userName: name,
  };
}

/** CLI AssumeRole as the caller's account records it. */
function assumeRole(user: string, roleArn: string, at: string, sharedEventID?: string) {
  const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
  const roleAccount = roleArn.split(':')[4] as string;
  return {
    eventVersion: '1.08',
    userIdentity: iamUser(user, user === 'erin' ? 'ops/' : ''),
    eventTime: at,
    eventSource: 'sts.amazonaws.com',
    eventName: 'AssumeRole',
    awsRegion: 'eu-west-1',
    sourceIPAddress: '198.51.100.20',
    userAgent: 'aws-cli/2.15.30 Python/3.11.8 Linux/6.1 exe/x86_64',
    requestParameters: { roleArn, roleSessionName: `${user}-cli`, durationSeconds: 3600 },
    responseElements: {
      credentials,
      assumedRoleUser: {
        assumedRoleId: `AROAE2E${roleName.toUpperCase().slice(0, 8)}:${user}-cli`,
        arn: `arn:aws:sts::${roleAccount}:assumed-role/${roleName}/${user}-cli`,
      },
    },
    requestID: id('r'),
    eventID: id('e'),
    readOnly: true,
    resources: [{ accountId: roleAccount, type: 'AWS::IAM::Role', ARN: roleArn }],
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: USERS,
    ...(sharedEventID ? { sharedEventID } : {}),
    eventCategory: 'Management',
  };
}

/** The role-owner side of a cross-account AssumeRole: only account + principal id. */
function assumeRoleOwnerSide(caller: ReturnType<typeof assumeRole>) {
  return {
    ...caller,
    userIdentity: { type: 'AWSAccount', principalId: caller.userIdentity.principalId, accountId: USERS },
    eventID: id('e'),
    recipientAccountId: caller.resources[0]?.accountId,
  };
}

/** A console "Switch Role", recorded in the target account. */
function switchRole(user: string, account: string, roleName: string, at: string) {
  return {
    eventVersion: '1.08',
    userIdentity: {
      type: 'AssumedRole',
      principalId: `AROAE2E${roleName.toUpperCase().slice(0, 8)}:${user}`,
      arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${user}`,
      accountId: account,
    },
    eventTime: at,
    eventSource: 'signin.amazonaws.com',
    eventName: 'SwitchRole',
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.21',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
    requestParameters: null,
    responseElements: { SwitchRole: 'Success' },
    additionalEventData: {
      SwitchFrom: `arn:aws:iam::${USERS}:user/${user}`,
      RedirectTo: 'https://console.aws.amazon.com/console/home',
    },
    eventID: id('e'),
    readOnly: false,
    eventType: 'AwsConsoleSignIn',
    managementEvent: true,
    recipientAccountId: account,
    eventCategory: 'Management',
  };
}

/** AssumeRole refused: never a switch. */
function deniedAssumeRole(user: string, roleArn: string, at: string) {
  return {
    eventVersion: '1.08',
    userIdentity: iamUser(user),
    eventTime: at,
    eventSource: 'sts.amazonaws.com',
    eventName: 'AssumeRole',
    awsRegion: 'eu-west-1',
    sourceIPAddress: '198.51.100.22',
    userAgent: 'aws-cli/2.15.30',
    errorCode: 'AccessDenied',
    errorMessage: `User: arn:aws:iam::${USERS}:user/${user} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    requestParameters: null,
    responseElements: null,
    requestID: id('r'),
    eventID: id('e'),
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: USERS,
    eventCategory: 'Management',
  };
}

/** AWS Config assuming its role: a service, not a person. */
function serviceAssumeRole(account: string, at: string) {
  return {
    eventVersion: '1.08',
    userIdentity: { type: 'AWSService', invokedBy: 'config.amazonaws.com' },
    eventTime: at,
    eventSource: 'sts.amazonaws.com',
    eventName: 'AssumeRole',
    awsRegion: 'eu-west-1',
    sourceIPAddress: 'config.amazonaws.com',
    userAgent: 'config.amazonaws.com',
    requestParameters: {
      roleArn: `arn:aws:iam::${account}:role/aws-config-role`,
      roleSessionName: 'AWSConfig-Describe',
    },
    responseElements: {
      credentials,
      assumedRoleUser: {
        assumedRoleId: 'AROAE2ECONFIG0000001:AWSConfig-Describe',
        arn: `arn:aws:sts::${account}:assumed-role/aws-config-role/AWSConfig-Describe`,
      },
    },
    requestID: id('r'),
    eventID: id('e'),
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: account,
    sharedEventID: id('s'),
    eventCategory: 'Management',
  };
}

/** An ordinary API call: most of any trail. */
function describeInstances(account: string, at: string) {
  return {
    eventVersion: '1.08',
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROAE2EAPPROLE000001:i-0abc',
      arn: `arn:aws:sts::${account}:assumed-role/app/i-0abc`,
      accountId: account,
    },
    eventTime: at,
    eventSource: 'ec2.amazonaws.com',
    eventName: 'DescribeInstances',
    awsRegion: 'eu-west-1',
    sourceIPAddress: '10.0.0.5',
    userAgent: 'aws-sdk-go-v2/1.30.0',
    requestParameters: { instancesSet: {}, filterSet: {} },
    responseElements: null,
    requestID: id('r'),
    eventID: id('e'),
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: account,
    eventCategory: 'Management',
  };
}

export const ROLES = {
  prodOpsAdmin: `arn:aws:iam::${PROD}:role/platform/OpsAdmin`,
  prodReadOnly: `arn:aws:iam::${PROD}:role/ReadOnly`,
  devDeveloper: `arn:aws:iam::${DEV}:role/Developer`,
};

function logKey(account: string, region: string, at: string, unique: string): string {
  const day = at.slice(0, 10).replaceAll('-', '/');
  const stamp = `${at.slice(0, 4)}${at.slice(5, 7)}${at.slice(8, 10)}T${at.slice(11, 13)}${at.slice(14, 16)}Z`;
  return `AWSLogs/${ORG}/${account}/CloudTrail/${region}/${day}/${account}_CloudTrail_${region}_${stamp}_${unique}.json.gz`;
}

/** One object to upload. */
export interface TrailFile {
  key: string;
  body: Buffer;
}

function file(account: string, region: string, at: string, unique: string, records: unknown[]): TrailFile {
  return { key: logKey(account, region, at, unique), body: gzipSync(JSON.stringify({ Records: records })) };
}

const erinShared = 'a0e2e000-0000-4000-8000-00000000e1e1';
const erinCaller = assumeRole('erin', ROLES.prodOpsAdmin, '2026-06-20T09:00:00Z', erinShared);

/** The organisation trail: log files by name. */
export const trail = {
  /** erin's cross-account AssumeRole, caller side (+ a service caller and noise). */
  erinCaller: file(USERS, 'eu-west-1', '2026-06-20T09:05:00Z', 'Erin1', [
    describeInstances(USERS, '2026-06-20T09:01:00Z'),
    erinCaller,
    serviceAssumeRole(USERS, '2026-06-20T09:02:00Z'),
    describeInstances(USERS, '2026-06-20T09:03:00Z'),
  ]),
  /** The same call as PROD's trail records it. */
  erinOwner: file(PROD, 'eu-west-1', '2026-06-20T09:05:00Z', 'Erin2', [
    assumeRoleOwnerSide(erinCaller),
    describeInstances(PROD, '2026-06-20T09:04:00Z'),
  ]),
  /** frank switched in the console, long ago. */
  frankConsole: file(DEV, 'us-east-1', '2026-02-01T10:05:00Z', 'Frank', [
    switchRole('frank', DEV, 'Developer', '2026-02-01T10:00:00Z'),
  ]),
  /** grace used the CLI, long ago. */
  graceCli: file(USERS, 'eu-west-1', '2026-03-01T08:05:00Z', 'Grace', [
    assumeRole('grace', ROLES.prodReadOnly, '2026-03-01T08:00:00Z'),
  ]),
  /** heidi switched long ago ... */
  heidiOld: file(USERS, 'eu-west-1', '2025-12-01T08:05:00Z', 'Heidi1', [
    assumeRole('heidi', ROLES.devDeveloper, '2025-12-01T08:00:00Z'),
  ]),
  /** ... and was refused recently: a denied attempt is not use. */
  heidiDenied: file(USERS, 'eu-west-1', '2026-06-25T08:05:00Z', 'Heidi2', [
    deniedAssumeRole('heidi', ROLES.prodOpsAdmin, '2026-06-25T08:00:00Z'),
    describeInstances(USERS, '2026-06-25T08:01:00Z'),
  ]),
  /** ivan is active in DEV (console) but has not used PROD ReadOnly for months. */
  ivanConsole: file(DEV, 'us-east-1', '2026-06-28T16:05:00Z', 'Ivan1', [
    switchRole('ivan', DEV, 'Developer', '2026-06-28T16:00:00Z'),
  ]),
  ivanCli: file(USERS, 'eu-west-1', '2026-01-10T11:05:00Z', 'Ivan2', [
    assumeRole('ivan', ROLES.prodReadOnly, '2026-01-10T11:00:00Z'),
  ]),
};

/** A digest file delivered next to the logs. */
export const digest: TrailFile = {
  key: `AWSLogs/${ORG}/${USERS}/CloudTrail-Digest/eu-west-1/2026/06/20/${USERS}_CloudTrail-Digest_eu-west-1_org-trail_eu-west-1_20260620T100000Z.json.gz`,
  body: gzipSync(
    JSON.stringify({
      awsAccountId: USERS,
      digestStartTime: '2026-06-20T09:00:00Z',
      digestEndTime: '2026-06-20T10:00:00Z',
      digestS3Bucket: 'org-trail',
      logFiles: [{ s3Bucket: 'org-trail', s3Object: trail.erinCaller.key, hashValue: 'ab', hashAlgorithm: 'SHA-256' }],
    }),
  ),
};

/** A log file that is not gzip at all: starts with the gzip magic bytes, then garbage. */
export const corrupt: TrailFile = {
  key: logKey(PROD, 'eu-west-1', '2026-06-21T00:05:00Z', 'Broken'),
  body: Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.from('this is not deflate data at all')]),
};

/** The principals the report must name as stale altogether, and the one stale only for some roles. */
export const expected = {
  staleAltogether: ['frank', 'grace', 'heidi'],
  partlyStale: ['ivan'],
  active: ['erin'],
};
