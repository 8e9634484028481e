#!/usr/bin/env node
// Writes the sample organisation trail under ./AWSLogs: gzip CloudTrail log files with real file
// names and record shapes, plus digest files. Fixed seed and fixed gzip headers: running it again
// gives the same bytes. Every ID, key and token in it is fake.
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const ORG = 'o-a1b2c3d4e5';
const TRAIL = 'org-trail';
const IDENTITY = '111111111111'; // IAM users live here
const PROD = '222222222222';
const STAGING = '333333333333';
const FIRST_DAY = Date.UTC(2026, 0, 5); // Mon 5 Jan 2026
const LAST_DAY = Date.UTC(2026, 1, 13); // Fri 13 Feb 2026
const DAY = 86_400_000;

// mulberry32: a tiny seeded PRNG, so the trail is the same on every run.
let seed = 20260216;
function random() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (list) => list[Math.floor(random() * list.length)];
const hex = (n) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(['8', '9', 'a', 'b'])}${hex(3)}-${hex(12)}`;
const alnum = (n) =>
  Array.from({ length: n }, () => pick([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'])).join('');
const upper = (n) => Array.from({ length: n }, () => pick([...'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'])).join('');
const iso = (ms) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

const users = {
  alice: { name: 'alice', path: '/engineering/', principalId: 'AIDAEXAMPLEALICE0001', ip: '198.51.100.23' },
  bob: { name: 'bob', path: '/', principalId: 'AIDAEXAMPLEBOB000002', ip: '198.51.100.47' },
  carol: { name: 'carol', path: '/', principalId: 'AIDAEXAMPLECAROL0003', ip: '203.0.113.12' },
  dave: { name: 'dave', path: '/', principalId: 'AIDAEXAMPLEDAVE00004', ip: '203.0.113.88' },
  erin: { name: 'erin', path: '/ops/', principalId: 'AIDAEXAMPLEERIN00005', ip: '192.0.2.61' },
};
const userArn = (u) => `arn:aws:iam::${IDENTITY}:user${u.path}${u.name}`;
const roles = {
  prodOps: { account: PROD, name: 'OpsAdmin', path: '/platform/', id: 'AROAEXAMPLEOPSADMIN1' },
  prodRead: { account: PROD, name: 'ReadOnly', path: '/', id: 'AROAEXAMPLEREADONLY2' },
  prodBilling: { account: PROD, name: 'BillingViewer', path: '/', id: 'AROAEXAMPLEBILLING03' },
  stagingDeploy: { account: STAGING, name: 'Deployer', path: '/', id: 'AROAEXAMPLEDEPLOYER4' },
  stagingRead: { account: STAGING, name: 'ReadOnly', path: '/', id: 'AROAEXAMPLEREADONLY5' },
  prodConfig: {
    account: PROD,
    name: 'AWSServiceRoleForConfig',
    path: '/aws-service-role/config.amazonaws.com/',
    id: 'AROAEXAMPLECONFIG006',
  },
};
const roleArn = (r) => `arn:aws:iam::${r.account}:role${r.path}${r.name}`;
const CLI_AGENT =
  'aws-cli/2.22.4 md/awscrt#0.22.0 ua/2.0 os/linux#6.8.0 md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe';
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** Every record, by the account whose trail records it and its region. */
const records = [];
const record = (account, region, body) =>
  records.push({
    account,
    region,
    body: {
      eventVersion: '1.11',
      ...body,
      eventID: uuid(),
      readOnly: body.readOnly ?? true,
      eventType: body.eventType ?? 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: account,
      eventCategory: 'Management',
    },
  });

const iamUserIdentity = (u) => ({
  type: 'IAMUser',
  principalId: u.principalId,
  arn: userArn(u),
  accountId: IDENTITY,
  accessKeyId: `AKIAEXAMPLE${upper(9)}`,
  userName: u.name,
});

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** STS's own time format in `credentials.expiration`, e.g. `Jan 6, 2026, 4:38:07 AM`. */
const consoleTime = (ms) => {
  const d = new Date(ms);
  const h = d.getUTCHours();
  const two = (n) => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}, ${h % 12 || 12}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
};
const fakeCredentials = (at) => ({
  accessKeyId: `ASIAEXAMPLE${upper(9)}`,
  sessionToken: `FAKE-SESSION-TOKEN-sample-trail-not-a-secret-${alnum(16)}`,
  expiration: consoleTime(at + 3_600_000),
});

/** CLI `aws sts assume-role` across accounts: recorded by the caller's trail and by the role owner's. */
function assumeRole(u, role, at, region = 'us-east-1') {
  const shared = uuid();
  const requestID = uuid();
  const session = `${u.name}-cli`;
  const common = {
    eventTime: iso(at),
    eventSource: 'sts.amazonaws.com',
    eventName: 'AssumeRole',
    awsRegion: region,
    sourceIPAddress: u.ip,
    userAgent: CLI_AGENT,
    requestParameters: { roleArn: roleArn(role), roleSessionName: session, durationSeconds: 3600 },
    responseElements: {
      credentials: fakeCredentials(at),
      assumedRoleUser: {
        assumedRoleId: `${role.id}:${session}`,
        arn: `arn:aws:sts::${role.account}:assumed-role/${role.name}/${session}`,
      },
    },
    requestID,
    resources: [{ accountId: role.account, type: 'AWS::IAM::Role', ARN: roleArn(role) }],
    sharedEventID: shared,
    tlsDetails: {
      tlsVersion: 'TLSv1.3',
      cipherSuite: 'TLS_AES_128_GCM_SHA256',
      clientProvidedHostHeader: `sts.${region}.amazonaws.com`,
    },
  };
  record(IDENTITY, region, { userIdentity: iamUserIdentity(u), ...common });
  record(role.account, region, {
    userIdentity: { type: 'AWSAccount', principalId: u.principalId, accountId: IDENTITY },
    ...common,
    responseElements: { ...common.responseElements, credentials: fakeCredentials(at) },
  });
}

/** Console "Switch Role": recorded by the role account's trail as a sign-in event. */
function switchRole(u, role, at) {
  record(role.account, 'us-east-1', {
    userIdentity: {
      type: 'AssumedRole',
      principalId: `${role.id}:${u.name}`,
      arn: `arn:aws:sts::${role.account}:assumed-role/${role.name}/${u.name}`,
      accountId: role.account,
      accessKeyId: '',
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: role.id,
          arn: roleArn(role),
          accountId: role.account,
          userName: role.name,
        },
        attributes: { creationDate: iso(at), mfaAuthenticated: 'true' },
      },
    },
    eventTime: iso(at),
    eventSource: 'signin.amazonaws.com',
    eventName: 'SwitchRole',
    awsRegion: 'us-east-1',
    sourceIPAddress: u.ip,
    userAgent: BROWSER,
    requestParameters: null,
    responseElements: { SwitchRole: 'Success' },
    additionalEventData: {
      SwitchFrom: userArn(u),
      RedirectTo: 'https://us-east-1.console.aws.amazon.com/console/home?region=us-east-1#',
    },
    readOnly: false,
    eventType: 'AwsConsoleSignIn',
  });
}

function consoleLogin(u, at) {
  record(IDENTITY, 'us-east-1', {
    userIdentity: { ...iamUserIdentity(u), accessKeyId: undefined },
    eventTime: iso(at),
    eventSource: 'signin.amazonaws.com',
    eventName: 'ConsoleLogin',
    awsRegion: 'us-east-1',
    sourceIPAddress: u.ip,
    userAgent: BROWSER,
    requestParameters: null,
    responseElements: { ConsoleLogin: 'Success' },
    additionalEventData: {
      LoginTo: 'https://console.aws.amazon.com/console/home',
      MobileVersion: 'No',
      MFAUsed: 'Yes',
    },
    readOnly: false,
    eventType: 'AwsConsoleSignIn',
  });
}

function deniedAssumeRole(u, role, at) {
  record(IDENTITY, 'us-east-1', {
    userIdentity: iamUserIdentity(u),
    eventTime: iso(at),
    eventSource: 'sts.amazonaws.com',
    eventName: 'AssumeRole',
    awsRegion: 'us-east-1',
    sourceIPAddress: u.ip,
    userAgent: CLI_AGENT,
    errorCode: 'AccessDenied',
    errorMessage: `User: ${userArn(u)} is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${role.account}:role/${role.name}`,
    requestParameters: null,
    responseElements: null,
    requestID: uuid(),
  });
}

const SSO_PROVIDER = `arn:aws:iam::${PROD}:saml-provider/AWSSSO_5f3c1a7e9b2d4c60_DO_NOT_DELETE`;
const ssoRole = (permissionSet) => ({
  account: PROD,
  name: `AWSReservedSSO_${permissionSet}_5f3c1a7e9b2d4c60`,
  path: '/aws-reserved/sso.amazonaws.com/',
  id: `AROAEXAMPLESSO${permissionSet.slice(0, 6).toUpperCase()}`,
});

/** IAM Identity Center sign-in to an account: `AssumeRoleWithSAML` into a permission-set role, recorded there. */
function identityCenterSwitch(email, role, at) {
  const ip = '198.51.100.90';
  record(role.account, 'us-east-1', {
    userIdentity: {
      type: 'SAMLUser',
      principalId: `EXAMPLEsamlNameQualifier0=:${email}`,
      userName: email,
      identityProvider: 'EXAMPLEsamlNameQualifier0=',
    },
    eventTime: iso(at),
    eventSource: 'sts.amazonaws.com',
    eventName: 'AssumeRoleWithSAML',
    awsRegion: 'us-east-1',
    sourceIPAddress: ip,
    userAgent: 'aws-internal/3 aws-sdk-java/1.12.780',
    requestParameters: {
      sAMLAssertionID: `_${hex(32)}`,
      roleSessionName: email,
      durationSeconds: 3600,
      roleArn: roleArn(role),
      principalArn: SSO_PROVIDER,
    },
    responseElements: {
      subjectType: 'persistent',
      issuer: 'https://portal.sso.us-east-1.amazonaws.com/saml/assertion/EXAMPLEissuer',
      credentials: fakeCredentials(at),
      nameQualifier: 'EXAMPLEsamlNameQualifier0=',
      assumedRoleUser: {
        assumedRoleId: `${role.id}:${email}`,
        arn: `arn:aws:sts::${role.account}:assumed-role/${role.name}/${email}`,
      },
      subject: email,
      audience: 'https://signin.aws.amazon.com/saml',
    },
    requestID: uuid(),
    resources: [
      { accountId: role.account, type: 'AWS::IAM::Role', ARN: roleArn(role) },
      { accountId: role.account, type: 'AWS::IAM::SAMLProvider', ARN: SSO_PROVIDER },
    ],
  });
}

/** AWS Config assuming its service-linked role: a service, never a person. */
function serviceAssumeRole(role, at) {
  record(role.account, 'us-east-1', {
    userIdentity: { type: 'AWSService', invokedBy: 'config.amazonaws.com' },
    eventTime: iso(at),
    eventSource: 'sts.amazonaws.com',
    eventName: 'AssumeRole',
    awsRegion: 'us-east-1',
    sourceIPAddress: 'config.amazonaws.com',
    userAgent: 'config.amazonaws.com',
    requestParameters: { roleArn: roleArn(role), roleSessionName: 'AWSConfig-Describe' },
    responseElements: {
      credentials: fakeCredentials(at),
      assumedRoleUser: {
        assumedRoleId: `${role.id}:AWSConfig-Describe`,
        arn: `arn:aws:sts::${role.account}:assumed-role/${role.name}/AWSConfig-Describe`,
      },
    },
    requestID: uuid(),
    resources: [{ accountId: role.account, type: 'AWS::IAM::Role', ARN: roleArn(role) }],
    sharedEventID: uuid(),
  });
}

/** An ordinary API call by a role session: the bulk of any real trail, never a switch. */
function apiCall(u, role, at, region) {
  const [eventSource, eventName] = pick([
    ['ec2.amazonaws.com', 'DescribeInstances'],
    ['s3.amazonaws.com', 'ListBuckets'],
    ['cloudformation.amazonaws.com', 'DescribeStacks'],
    ['logs.amazonaws.com', 'FilterLogEvents'],
    ['sts.amazonaws.com', 'GetCallerIdentity'],
  ]);
  record(role.account, region, {
    userIdentity: {
      type: 'AssumedRole',
      principalId: `${role.id}:${u.name}`,
      arn: `arn:aws:sts::${role.account}:assumed-role/${role.name}/${u.name}`,
      accountId: role.account,
      accessKeyId: `ASIAEXAMPLE${upper(9)}`,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: role.id,
          arn: roleArn(role),
          accountId: role.account,
          userName: role.name,
        },
        attributes: { creationDate: iso(at - 60_000), mfaAuthenticated: 'false' },
      },
    },
    eventTime: iso(at),
    eventSource,
    eventName,
    awsRegion: region,
    sourceIPAddress: u.ip,
    userAgent: CLI_AGENT,
    requestParameters: null,
    responseElements: null,
    requestID: uuid(),
  });
}

const at = (day, hour) => day + hour * 3_600_000 + Math.floor(random() * 3_000_000);
for (let day = FIRST_DAY; day <= LAST_DAY; day += DAY) {
  const weekday = new Date(day).getUTCDay();
  const workday = weekday >= 1 && weekday <= 5;
  serviceAssumeRole(roles.prodConfig, at(day, 3)); // every day, weekends too
  if (!workday) continue;
  const n = Math.round((day - FIRST_DAY) / DAY); // day number, 0 = 5 Jan
  // alice: console, prod OpsAdmin most workdays, staging Deployer on Mondays → active
  consoleLogin(users.alice, at(day, 8));
  if (random() < 0.8) switchRole(users.alice, roles.prodOps, at(day, 9));
  if (weekday === 1) switchRole(users.alice, roles.stagingDeploy, at(day, 14));
  apiCall(users.alice, roles.prodOps, at(day, 10), 'eu-west-1');
  // bob: CLI into prod ReadOnly through the regional endpoint, three days a week → active
  if (weekday !== 2 && weekday !== 4) {
    assumeRole(users.bob, roles.prodRead, at(day, 11), 'eu-west-1');
    apiCall(users.bob, roles.prodRead, at(day, 12), 'eu-west-1');
  }
  // carol: deployed to staging in the first week only → stale
  if (n < 5) {
    assumeRole(users.carol, roles.stagingDeploy, at(day, 15));
    apiCall(users.carol, roles.stagingDeploy, at(day, 15), 'us-east-1');
  }
  // dave: prod BillingViewer once at the start (stale role), staging ReadOnly on Thursdays (active)
  if (n === 1) switchRole(users.dave, roles.prodBilling, at(day, 10));
  if (weekday === 4) {
    consoleLogin(users.dave, at(day, 9));
    switchRole(users.dave, roles.stagingRead, at(day, 10));
  }
  // erin: staging ReadOnly once in the first week (stale), then a denied try at prod OpsAdmin
  if (n === 3) assumeRole(users.erin, roles.stagingRead, at(day, 13));
  if (n === 36) deniedAssumeRole(users.erin, roles.prodOps, at(day, 16));
  // grace (IAM Identity Center): prod ReadOnlyAccess on Tuesdays (active), AdministratorAccess once in week one (stale)
  if (weekday === 2) identityCenterSwitch('grace@example.com', ssoRole('ReadOnlyAccess'), at(day, 8));
  if (n === 2) identityCenterSwitch('grace@example.com', ssoRole('AdministratorAccess'), at(day, 17));
}

// One log file per (account, region, day), named like CloudTrail names them.
const gzip = (text) => {
  const bytes = gzipSync(Buffer.from(text), { level: 9 });
  bytes[9] = 3; // OS = Unix, whatever platform ran this (mtime is already 0)
  return bytes;
};
const pad = (n) => String(n).padStart(2, '0');
const root = join(here, 'AWSLogs');
rmSync(root, { recursive: true, force: true });
const files = new Map();
for (const r of records) {
  const day = Math.floor(Date.parse(r.body.eventTime) / DAY) * DAY;
  const key = `${r.account}/${r.region}/${day}`;
  if (!files.has(key)) files.set(key, { account: r.account, region: r.region, day, records: [] });
  files.get(key).records.push(r.body);
}
const written = [];
for (const file of [...files.values()].sort(
  (a, b) => a.day - b.day || a.account.localeCompare(b.account) || a.region.localeCompare(b.region),
)) {
  file.records.sort((a, b) => a.eventTime.localeCompare(b.eventTime));
  const last = Date.parse(file.records.at(-1).eventTime);
  const delivered = new Date(Math.ceil((last + 60_000) / 300_000) * 300_000);
  const d = new Date(file.day);
  const folder = join(
    root,
    ORG,
    file.account,
    'CloudTrail',
    file.region,
    String(d.getUTCFullYear()),
    pad(d.getUTCMonth() + 1),
    pad(d.getUTCDate()),
  );
  const stamp = `${delivered.getUTCFullYear()}${pad(delivered.getUTCMonth() + 1)}${pad(delivered.getUTCDate())}T${pad(delivered.getUTCHours())}${pad(delivered.getUTCMinutes())}Z`;
  const name = `${file.account}_CloudTrail_${file.region}_${stamp}_${alnum(16)}.json.gz`;
  const json = JSON.stringify({ Records: file.records });
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, name), gzip(json));
  written.push({ ...file, folder, name, json, delivered });
}

// A digest file per account for the last day, listing that day's log files (signature fake).
for (const account of [IDENTITY, PROD, STAGING]) {
  const logs = written.filter((f) => f.account === account && f.day === LAST_DAY);
  const d = new Date(LAST_DAY);
  const end = new Date(LAST_DAY + DAY - 60_000);
  const endStamp = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T235900Z`;
  const folder = join(
    root,
    ORG,
    account,
    'CloudTrail-Digest',
    'us-east-1',
    String(d.getUTCFullYear()),
    pad(d.getUTCMonth() + 1),
    pad(d.getUTCDate()),
  );
  const rel = (f) =>
    `AWSLogs/${ORG}/${f.account}/CloudTrail/${f.region}/${f.folder.split('/').slice(-3).join('/')}/${f.name}`;
  const digest = {
    awsAccountId: account,
    digestStartTime: iso(LAST_DAY),
    digestEndTime: iso(end.getTime()),
    digestS3Bucket: 'example-org-trail-bucket',
    digestS3Object: `AWSLogs/${ORG}/${account}/CloudTrail-Digest/us-east-1/2026/02/13/${account}_CloudTrail-Digest_us-east-1_${TRAIL}_us-east-1_${endStamp}.json.gz`,
    digestPublicKeyFingerprint: hex(32),
    digestSignatureAlgorithm: 'SHA256withRSA',
    newestEventTime: logs.length ? logs.at(-1).records.at(-1).eventTime : null,
    oldestEventTime: logs.length ? logs[0].records[0].eventTime : null,
    previousDigestS3Bucket: null,
    previousDigestS3Object: null,
    previousDigestHashValue: null,
    previousDigestHashAlgorithm: null,
    previousDigestSignature: null,
    logFiles: logs.map((f) => ({
      s3Bucket: 'example-org-trail-bucket',
      s3Object: rel(f),
      hashValue: createHash('sha256').update(f.json).digest('hex'),
      hashAlgorithm: 'SHA-256',
      newestEventTime: f.records.at(-1).eventTime,
      oldestEventTime: f.records[0].eventTime,
    })),
  };
  mkdirSync(folder, { recursive: true });
  writeFileSync(
    join(folder, `${account}_CloudTrail-Digest_us-east-1_${TRAIL}_us-east-1_${endStamp}.json.gz`),
    gzip(JSON.stringify(digest)),
  );
}

// Who is *allowed* to switch: IAM snapshots of the three accounts (as `lastswitch iam snapshot --org`
// writes them) and an IAM Identity Center snapshot (as `lastswitch sso snapshot` writes it). Written
// after the trail and without the PRNG, so the trail's bytes do not depend on them.
const SNAPSHOT_TIME = Date.UTC(2026, 1, 16);
const CREATED = Date.UTC(2025, 5, 2);
const policyDoc = (...Statement) => ({ Version: '2012-10-17', Statement });
const allowAssume = (Sid, Resource) => ({ Sid, Effect: 'Allow', Action: 'sts:AssumeRole', Resource });
const iamUser = (u, id, { inline = [], groups = [], attached = [], createdAt = CREATED } = {}) => ({
  name: u.name,
  id,
  arn: userArn(u),
  path: u.path,
  createdAt,
  inlinePolicies: inline,
  attachedPolicies: attached,
  groups,
});
const frank = { name: 'frank', path: '/', principalId: 'AIDAEXAMPLEFRANK0006' };
const readersPolicy = {
  arn: `arn:aws:iam::${IDENTITY}:policy/switch-readonly`,
  name: 'switch-readonly',
  path: '/',
  defaultVersionId: 'v2',
  document: policyDoc(allowAssume('ReadOnlyEverywhere', `arn:aws:iam::*:role/ReadOnly`)),
};
const trustIdentity = policyDoc({
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${IDENTITY}:root` },
  Action: 'sts:AssumeRole',
});
const trustSso = (account) =>
  policyDoc({
    Effect: 'Allow',
    Principal: { Federated: `arn:aws:iam::${account}:saml-provider/AWSSSO_5f3c1a7e9b2d4c60_DO_NOT_DELETE` },
    Action: ['sts:AssumeRoleWithSAML', 'sts:TagSession'],
    Condition: { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' } },
  });
const iamRole = (r, trustPolicy) => ({
  name: r.name,
  id: r.id,
  arn: roleArn(r),
  path: r.path,
  createdAt: CREATED,
  inlinePolicies: [],
  attachedPolicies: [],
  trustPolicy,
});
const iamSnapshot = (account, parts) => ({
  format: 'lastswitch.authorization-snapshot',
  version: 1,
  account,
  takenAt: SNAPSHOT_TIME,
  users: [],
  groups: [],
  roles: [],
  policies: [],
  problems: [],
  ...parts,
});
const ssoRoleIn = (account, permissionSet) => ({ ...ssoRole(permissionSet), account });
const snapshots = {
  [IDENTITY]: iamSnapshot(IDENTITY, {
    users: [
      iamUser(users.alice, 'AIDAEXAMPLEALICE0001', {
        inline: [
          {
            name: 'platform-switch',
            document: policyDoc(allowAssume('Platform', [roleArn(roles.prodOps), roleArn(roles.stagingDeploy)])),
          },
        ],
      }),
      iamUser(users.bob, 'AIDAEXAMPLEBOB000002', { groups: ['readers'] }),
      iamUser(users.carol, 'AIDAEXAMPLECAROL0003', {
        inline: [{ name: 'deploy', document: policyDoc(allowAssume('Deploy', roleArn(roles.stagingDeploy))) }],
      }),
      iamUser(users.dave, 'AIDAEXAMPLEDAVE00004', {
        groups: ['readers'],
        inline: [{ name: 'billing', document: policyDoc(allowAssume('Billing', roleArn(roles.prodBilling))) }],
      }),
      iamUser(users.erin, 'AIDAEXAMPLEERIN00005', { groups: ['readers'] }),
      // frank may switch into prod's OpsAdmin and never has.
      iamUser(frank, 'AIDAEXAMPLEFRANK0006', {
        inline: [{ name: 'oncall', document: policyDoc(allowAssume('OnCall', roleArn(roles.prodOps))) }],
      }),
    ],
    groups: [
      {
        name: 'readers',
        id: 'AGPAEXAMPLEREADERS01',
        arn: `arn:aws:iam::${IDENTITY}:group/readers`,
        path: '/',
        createdAt: CREATED,
        inlinePolicies: [],
        attachedPolicies: [readersPolicy.arn],
      },
    ],
    policies: [readersPolicy],
  }),
  [PROD]: iamSnapshot(PROD, {
    roles: [
      iamRole(roles.prodOps, trustIdentity),
      iamRole(roles.prodRead, trustIdentity),
      iamRole(roles.prodBilling, trustIdentity),
      iamRole(
        roles.prodConfig,
        policyDoc({ Effect: 'Allow', Principal: { Service: 'config.amazonaws.com' }, Action: 'sts:AssumeRole' }),
      ),
      iamRole(ssoRoleIn(PROD, 'AdministratorAccess'), trustSso(PROD)),
      iamRole(ssoRoleIn(PROD, 'ReadOnlyAccess'), trustSso(PROD)),
    ],
  }),
  [STAGING]: iamSnapshot(STAGING, {
    roles: [
      iamRole(roles.stagingDeploy, trustIdentity),
      iamRole(roles.stagingRead, trustIdentity),
      iamRole(ssoRoleIn(STAGING, 'ReadOnlyAccess'), trustSso(STAGING)),
    ],
  }),
};
const INSTANCE = 'arn:aws:sso:::instance/ssoins-7223a1b2c3d4e5f6';
const permissionSet = (name, id, sessionDuration) => ({
  arn: `arn:aws:sso:::permissionSet/ssoins-7223a1b2c3d4e5f6/ps-${id}`,
  name,
  sessionDuration,
  createdAt: CREATED,
});
const admin = permissionSet('AdministratorAccess', '1a2b3c4d5e6f7a8b', 'PT1H');
const readOnly = permissionSet('ReadOnlyAccess', '9c8d7e6f5a4b3c2d', 'PT8H');
const ssoUser = (id, userName, displayName) => ({ id, userName, displayName, emails: [userName], createdAt: CREATED });
const identityCenter = {
  format: 'lastswitch.identity-center-snapshot',
  version: 1,
  takenAt: SNAPSHOT_TIME,
  instanceArn: INSTANCE,
  identityStoreId: 'd-9067a1b2c3',
  accounts: [IDENTITY, PROD, STAGING],
  permissionSets: [admin, readOnly],
  assignments: [
    // platform-admins: AdministratorAccess and ReadOnlyAccess in prod.
    { accountId: PROD, permissionSetArn: admin.arn, principalType: 'GROUP', principalId: 'g-platform-admins' },
    { accountId: PROD, permissionSetArn: readOnly.arn, principalType: 'GROUP', principalId: 'g-platform-admins' },
    // heidi was given ReadOnlyAccess in staging and has never used it.
    { accountId: STAGING, permissionSetArn: readOnly.arn, principalType: 'USER', principalId: 'u-heidi' },
  ],
  users: [
    ssoUser('u-grace', 'grace@example.com', 'Grace Example'),
    ssoUser('u-heidi', 'heidi@example.com', 'Heidi Example'),
    ssoUser('u-ivan', 'ivan@example.com', 'Ivan Example'),
  ],
  groups: [
    {
      id: 'g-platform-admins',
      displayName: 'platform-admins',
      members: [
        { membershipId: 'm-grace-platform-admins', userId: 'u-grace', createdAt: CREATED },
        { membershipId: 'm-ivan-platform-admins', userId: 'u-ivan', createdAt: CREATED },
      ],
    },
  ],
  problems: [],
};
const snapshotRoot = join(here, 'snapshots');
rmSync(snapshotRoot, { recursive: true, force: true });
mkdirSync(join(snapshotRoot, 'iam'), { recursive: true });
for (const [account, snapshot] of Object.entries(snapshots)) {
  writeFileSync(join(snapshotRoot, 'iam', `${account}.json`), `${JSON.stringify(snapshot, null, 2)}\n`);
}
writeFileSync(join(snapshotRoot, 'sso.json'), `${JSON.stringify(identityCenter, null, 2)}\n`);

console.log(
  `Wrote ${written.length} log files (${records.length} records) and 3 digest files under ${root}, and snapshots under ${snapshotRoot}`,
);
