/**
 * Writes a synthetic CloudTrail log file in CloudTrail's own layout: gzip `{"Records":[...]}`,
 * about 1.3 KB per record, 2 % role switches (AssumeRole by users and role sessions, console
 * SwitchRole, SAML, a few denied), the rest ordinary API calls. Fixed seed: same input, same bytes.
 *
 *   node --import tsx packages/core/bench/generate-trail.ts RECORDS [OUT]
 */
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { createPrng } from '../src/testing.js';

const _random = createPrng;

const HEX = '0123456789abcdef';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Generates records for one file. */
export function makeRecordGenerator(seed = 42) {
  const rand = _random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const chars = (alphabet: string, n: number) => {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
    return s;
  };
  const uuid = () =>
    `${chars(HEX, 8)}-${chars(HEX, 4)}-4${chars(HEX, 3)}-${pick(['8', '9', 'a', 'b'])}${chars(HEX, 3)}-${chars(HEX, 12)}`;
  const accounts = ['111122223333', '444455556666', '777788889999', '123456789012'];
  const users = ['erin', 'mallory', 'trent', 'peggy', 'victor', 'walter', 'oscar', 'sybil'].map((name, i) => ({
    name,
    path: i % 3 === 0 ? 'ops/' : '',
    id: `AIDA${chars(UPPER, 17)}`,
    key: `AKIA${chars(UPPER, 16)}`,
  }));
  const roles = ['OpsAdmin', 'ReadOnly', 'Deployer', 'BillingViewer', 'SecurityAudit'].map((name, i) => ({
    name,
    path: i === 0 ? 'platform/' : '',
    id: `AROA${chars(UPPER, 17)}`,
  }));
  const regions = ['us-east-1', 'eu-west-1', 'eu-central-1', 'ap-southeast-2'];
  const calls = [
    ['ec2.amazonaws.com', 'DescribeInstances', '{"instancesSet":{},"filterSet":{},"includeAllInstances":false}'],
    [
      's3.amazonaws.com',
      'GetObject',
      '{"bucketName":"app-artifacts-prod","Host":"app-artifacts-prod.s3.eu-west-1.amazonaws.com","key":"releases/2024/build-1187.tar.gz"}',
    ],
    [
      'kms.amazonaws.com',
      'Decrypt',
      '{"encryptionAlgorithm":"SYMMETRIC_DEFAULT","encryptionContext":{"aws:lambda:FunctionArn":"arn:aws:lambda:eu-west-1:111122223333:function:ingest"}}',
    ],
    [
      'lambda.amazonaws.com',
      'GetFunction20150331v2',
      '{"functionName":"arn:aws:lambda:eu-west-1:111122223333:function:ingest"}',
    ],
    [
      'logs.amazonaws.com',
      'DescribeLogStreams',
      '{"logGroupName":"/aws/lambda/ingest","orderBy":"LastEventTime","descending":true,"limit":50}',
    ],
    ['dynamodb.amazonaws.com', 'DescribeTable', '{"tableName":"orders-prod"}'],
    ['iam.amazonaws.com', 'GetRole', '{"roleName":"Deployer"}'],
    ['sts.amazonaws.com', 'GetCallerIdentity', 'null'],
  ] as const;
  const agents = [
    'aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79-99.167.amzn2023.x86_64 exe/x86_64.amzn.2023 prompt/off command/ec2.describe-instances',
    'Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.213-201.855.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36',
    'aws-sdk-java/2.25.11 Linux/5.10.213-201.855.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy',
  ];
  const base = Date.UTC(2024, 6, 31, 12, 0, 0);
  // Small pools for the values that repeat in real trails (request hosts, resources, session keys).
  const resourceIds = Array.from({ length: 60 }, () => chars(HEX, 16));
  const sessionKeys = Array.from({ length: 30 }, () => `ASIA${chars(UPPER, 16)}`);
  let n = 0;

  const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  const ips = Array.from(
    { length: 50 },
    () =>
      `${10 + Math.floor(rand() * 200)}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}`,
  );
  const ip = () => pick(ips);
  const tls = (region: string, service: string) =>
    `"tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"${service.replace('.amazonaws.com', '')}.${region}.amazonaws.com"}`;
  const userIdentity = (account: string) => {
    const u = pick(users);
    return `{"type":"IAMUser","principalId":"${u.id}","arn":"arn:aws:iam::${account}:user/${u.path}${u.name}","accountId":"${account}","accessKeyId":"${u.key}","userName":"${u.name}"}`;
  };
  const sessionIdentity = (account: string, sourceIdentity?: string) => {
    const r = pick(roles);
    const session = pick(users).name;
    const si = sourceIdentity ? `,"sourceIdentity":"${sourceIdentity}"` : '';
    return `{"type":"AssumedRole","principalId":"${r.id}:${session}","arn":"arn:aws:sts::${account}:assumed-role/${r.name}/${session}","accountId":"${account}","accessKeyId":"${pick(sessionKeys)}","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"${r.id}","arn":"arn:aws:iam::${account}:role/${r.path}${r.name}","accountId":"${account}","userName":"${r.name}"},"attributes":{"creationDate":"${iso(base - 3_600_000)}","mfaAuthenticated":"false"}${si}}}`;
  };
  const head = (time: number, identity: string) =>
    `{"eventVersion":"1.09","userIdentity":${identity},"eventTime":"${iso(time)}"`;
  const tail = (account: string, readOnly: boolean, category = 'Management') =>
    `"requestID":"${uuid()}","eventID":"${uuid()}","readOnly":${readOnly},"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"${account}","eventCategory":"${category}"`;

  const ordinary = (time: number) => {
    const account = pick(accounts);
    const region = pick(regions);
    const [source, name, params] = pick(calls);
    const identity = rand() < 0.5 ? userIdentity(account) : sessionIdentity(account);
    const response = name === 'GetCallerIdentity' ? `{"userId":"${chars(UPPER, 21)}","account":"${account}"}` : 'null';
    const resources = `[{"accountId":"${account}","type":"AWS::Resource","ARN":"arn:aws:${source.split('.')[0]}:${region}:${account}:resource/${pick(resourceIds)}"}]`;
    const extra = rand() < 0.5 ? `,"resources":${resources}` : '';
    return `${head(time, identity)},"eventSource":"${source}","eventName":"${name}","awsRegion":"${region}","sourceIPAddress":"${ip()}","userAgent":"${pick(agents)}","requestParameters":${params},"responseElements":${response},${tail(account, true)}${extra},${tls(region, source)}}`;
  };

  const assumeRole = (time: number) => {
    const account = pick(accounts);
    const target = pick(accounts);
    const region = pick(regions);
    const role = pick(roles);
    const kind = rand();
    const identity =
      kind < 0.6
        ? userIdentity(account)
        : sessionIdentity(account, kind < 0.7 ? `${pick(users).name}@example.com` : undefined);
    const session = `${pick(users).name}-${Math.floor(time / 1000)}`;
    const roleArn = `arn:aws:iam::${target}:role/${role.path}${role.name}`;
    const denied = rand() < 0.1;
    const common = `"eventSource":"sts.amazonaws.com","eventName":"AssumeRole","awsRegion":"${region}","sourceIPAddress":"${ip()}","userAgent":"${pick(agents)}"`;
    if (denied) {
      const arn = identity.slice(identity.indexOf('"arn":"') + 7, identity.indexOf('","accountId"'));
      return `${head(time, identity)},${common},"errorCode":"AccessDenied","errorMessage":"User: ${arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}","requestParameters":null,"responseElements":null,${tail(account, true)},${tls(region, 'sts.amazonaws.com')}}`;
    }
    return `${head(time, identity)},${common},"requestParameters":{"roleArn":"${roleArn}","roleSessionName":"${session}","durationSeconds":3600},"responseElements":{"credentials":{"accessKeyId":"ASIA${chars(UPPER, 16)}","sessionToken":"IQoJb3JpZ2luX2Vj${chars(B64, 360)}","expiration":"Jul 31, 2024, 8:07:33 PM"},"assumedRoleUser":{"assumedRoleId":"${role.id}:${session}","arn":"arn:aws:sts::${target}:assumed-role/${role.name}/${session}"}},${tail(account, true)},"resources":[{"accountId":"${target}","type":"AWS::IAM::Role","ARN":"${roleArn}"}],"sharedEventID":"${uuid()}",${tls(region, 'sts.amazonaws.com')}}`;
  };

  const switchRole = (time: number) => {
    const from = pick(accounts);
    const to = pick(accounts);
    const u = pick(users);
    const role = pick(roles);
    return `{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"${role.id}:${u.name}","arn":"arn:aws:sts::${to}:assumed-role/${role.name}/${u.name}","accountId":"${to}"},"eventTime":"${iso(time)}","eventSource":"signin.amazonaws.com","eventName":"SwitchRole","awsRegion":"us-east-1","sourceIPAddress":"${ip()}","userAgent":"${agents[2]}","requestParameters":null,"responseElements":{"SwitchRole":"Success"},"additionalEventData":{"SwitchFrom":"arn:aws:iam::${from}:user/${u.path}${u.name}","RedirectTo":"https://console.aws.amazon.com/console/home?region=us-east-1"},"eventID":"${uuid()}","readOnly":false,"eventType":"AwsConsoleSignIn","managementEvent":true,"recipientAccountId":"${to}","eventCategory":"Management"}`;
  };

  const saml = (time: number) => {
    const account = pick(accounts);
    const u = pick(users);
    const set = pick(['AdministratorAccess', 'ReadOnlyAccess', 'PowerUserAccess']);
    const roleName = `AWSReservedSSO_${set}_${chars(HEX, 16)}`;
    const provider = `arn:aws:iam::${account}:saml-provider/AWSSSO_${chars(HEX, 16)}_DO_NOT_DELETE`;
    return `{"eventVersion":"1.09","userIdentity":{"type":"SAMLUser","principalId":"${chars(B64, 28)}:${u.name}@example.com","userName":"${u.name}@example.com","identityProvider":"${chars(B64, 28)}"},"eventTime":"${iso(time)}","eventSource":"sts.amazonaws.com","eventName":"AssumeRoleWithSAML","awsRegion":"us-east-1","sourceIPAddress":"${ip()}","userAgent":"${agents[2]}","requestParameters":{"sAMLAssertionID":"_${uuid()}","roleSessionName":"${u.name}@example.com","roleArn":"arn:aws:iam::${account}:role/aws-reserved/sso.amazonaws.com/eu-west-1/${roleName}","principalArn":"${provider}","durationSeconds":3600},"responseElements":{"credentials":{"accessKeyId":"ASIA${chars(UPPER, 16)}","sessionToken":"IQoJb3JpZ2luX2Vj${chars(B64, 360)}","expiration":"Jul 31, 2024, 8:07:33 PM"},"assumedRoleUser":{"assumedRoleId":"AROA${chars(UPPER, 17)}:${u.name}@example.com","arn":"arn:aws:sts::${account}:assumed-role/${roleName}/${u.name}@example.com"},"packedPolicySize":1,"subject":"${u.name}@example.com","subjectType":"persistent","issuer":"https://portal.sso.eu-west-1.amazonaws.com/saml/assertion/${chars(B64, 40)}","audience":"https://signin.aws.amazon.com/saml","nameQualifier":"${chars(B64, 28)}","provider":"${provider}"},"requestID":"${uuid()}","eventID":"${uuid()}","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"${account}","eventCategory":"Management"}`;
  };

  /** The next record's JSON text. */
  return (): string => {
    const time = base + n * 37 + Math.floor(rand() * 1000);
    n++;
    const r = rand();
    if (r < 0.012) return assumeRole(time);
    if (r < 0.016) return switchRole(time);
    if (r < 0.02) return saml(time);
    return ordinary(time);
  };
}

/** Writes a gzip `{"Records":[...]}` file with `records` records; resolves to its path. */
export async function generateTrailFile(records: number, out: string): Promise<string> {
  mkdirSync(dirname(out), { recursive: true });
  const gzip = createGzip({ level: 6 });
  const file = createWriteStream(out);
  gzip.pipe(file);
  const next = makeRecordGenerator(42);
  const write = async (text: string) => {
    if (!gzip.write(text)) await once(gzip, 'drain');
  };
  await write('{"Records":[');
  for (let i = 0; i < records; i++) await write(i === 0 ? next() : `,${next()}`);
  await write(']}');
  gzip.end();
  await once(file, 'finish');
  return out;
}

/** The benchmark's data file for `records` records, generated once into `bench/.data/`. */
export async function benchTrailFile(records: number): Promise<string> {
  const out = join(dirname(fileURLToPath(import.meta.url)), '.data', `trail-${records}.json.gz`);
  if (!existsSync(out))
    await generateTrailFile(records, `${out}.tmp`).then(async (tmp) =>
      (await import('node:fs/promises')).rename(tmp, out),
    );
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const records = Number(process.argv[2] ?? 60_000);
  const out = process.argv[3] ?? join(dirname(fileURLToPath(import.meta.url)), '.data', `trail-${records}.json.gz`);
  await generateTrailFile(records, out);
  console.log(`wrote ${records} records to ${out}`);
}
