import { IAMClient } from '@aws-sdk/client-iam';
import { afterEach, describe, expect, it } from 'vitest';
import { IamSnapshotError, readAuthorizationSnapshot } from '../src/index.js';
import {
  authorizationPage,
  encodedDocument,
  type IamPageResponder,
  type IamPagesServer,
  iamError,
  startIamPagesServer,
} from './iam-pages-server.js';

const A = '444455556666';
const BOUNDARY = `arn:aws:iam::${A}:policy/boundary`;
const doc = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });
const odd = doc({ Sid: 'Odd % + & < "q" é', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' });

const PAGE_1 = authorizationPage(
  `<UserDetailList><member>
      <Path>/ops/</Path><UserName>erin</UserName><UserId>AIDAERIN</UserId>
      <Arn>arn:aws:iam::${A}:user/ops/erin</Arn><CreateDate>2024-02-03T04:05:06Z</CreateDate>
      <UserPolicyList>
        <member><PolicyName>odd</PolicyName><PolicyDocument>${encodedDocument(odd)}</PolicyDocument></member>
        <member><PolicyName>broken</PolicyName><PolicyDocument>%7B%22Statement%22%3A%E0%A4%A</PolicyDocument></member>
      </UserPolicyList>
      <GroupList><member>ops</member></GroupList>
      <AttachedManagedPolicies/>
      <PermissionsBoundary><PermissionsBoundaryType>Policy</PermissionsBoundaryType><PermissionsBoundaryArn>${BOUNDARY}</PermissionsBoundaryArn></PermissionsBoundary>
    </member></UserDetailList>`,
  'page-2',
);

const PAGE_2 = authorizationPage(
  `<GroupDetailList><member>
      <Path>/</Path><GroupName>ops</GroupName><GroupId>AGPAOPS</GroupId><Arn>arn:aws:iam::${A}:group/ops</Arn>
      <CreateDate>2024-01-01T00:00:00Z</CreateDate><GroupPolicyList/><AttachedManagedPolicies/>
    </member></GroupDetailList>
    <RoleDetailList><member>
      <Path>/</Path><RoleName>Admin</RoleName><RoleId>AROAADMIN</RoleId><Arn>arn:aws:iam::${A}:role/Admin</Arn>
      <CreateDate>2024-01-01T00:00:00Z</CreateDate>
      <AssumeRolePolicyDocument>${encodedDocument(doc({ Effect: 'Allow', Principal: { AWS: A }, Action: 'sts:AssumeRole' }))}</AssumeRolePolicyDocument>
      <RolePolicyList/><AttachedManagedPolicies/>
    </member></RoleDetailList>
    <Policies>
      <member>
        <PolicyName>boundary</PolicyName><PolicyId>ANPAB</PolicyId><Arn>${BOUNDARY}</Arn><Path>/</Path>
        <DefaultVersionId>v2</DefaultVersionId>
        <PolicyVersionList>
          <member><Document>${encodedDocument(doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }))}</Document><VersionId>v1</VersionId><IsDefaultVersion>false</IsDefaultVersion></member>
          <member><Document>${encodedDocument(doc({ Effect: 'Allow', Action: 'sts:*', Resource: '*' }))}</Document><VersionId>v2</VersionId><IsDefaultVersion>true</IsDefaultVersion></member>
        </PolicyVersionList>
      </member>
      <member>
        <PolicyName>Unused</PolicyName><Arn>arn:aws:iam::aws:policy/Unused</Arn><Path>/</Path><DefaultVersionId>v1</DefaultVersionId>
        <PolicyVersionList><member><Document>${encodedDocument(doc())}</Document><VersionId>v1</VersionId><IsDefaultVersion>true</IsDefaultVersion></member></PolicyVersionList>
      </member>
    </Policies>`,
);

let server: IamPagesServer | undefined;
let client: IAMClient | undefined;

async function start(respond: IamPageResponder): Promise<IAMClient> {
  server = await startIamPagesServer(respond);
  client = new IAMClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  });
  return client;
}

afterEach(async () => {
  client?.destroy();
  await server?.stop();
  server = undefined;
});

describe('readAuthorizationSnapshot: pages, encoding, boundaries', () => {
  it('follows Marker across pages and sends the page size', async () => {
    const iam = await start((params) => (params.Marker === 'page-2' ? PAGE_2 : PAGE_1));
    const snapshot = await readAuthorizationSnapshot(iam, { pageSize: 1, now: 5 });
    expect(server?.requests.map((r) => [r.Action, r.Marker, r.MaxItems])).toEqual([
      ['GetAccountAuthorizationDetails', undefined, '1'],
      ['GetAccountAuthorizationDetails', 'page-2', '1'],
    ]);
    expect(snapshot.account).toBe(A);
    expect(snapshot.users.map((u) => u.name)).toEqual(['erin']);
    expect(snapshot.groups.map((g) => g.name)).toEqual(['ops']);
    expect(snapshot.roles[0]?.trustPolicy.Statement).toEqual([
      { Effect: 'Allow', Principal: { AWS: A }, Action: 'sts:AssumeRole' },
    ]);
  });

  it('URL-decodes documents, keeps user boundaries and default versions, drops unreferenced policies', async () => {
    const iam = await start((params) => (params.Marker === 'page-2' ? PAGE_2 : PAGE_1));
    const snapshot = await readAuthorizationSnapshot(iam);
    const erin = snapshot.users[0];
    expect(erin?.inlinePolicies).toEqual([{ name: 'odd', document: odd }]);
    expect(erin?.permissionsBoundary).toBe(BOUNDARY);
    expect(erin?.createdAt).toBe(Date.UTC(2024, 1, 3, 4, 5, 6));
    expect(snapshot.policies).toEqual([
      {
        arn: BOUNDARY,
        name: 'boundary',
        path: '/',
        defaultVersionId: 'v2',
        document: doc({ Effect: 'Allow', Action: 'sts:*', Resource: '*' }),
      },
    ]);
  });

  it('leaves out an unreadable document and lists it as a problem', async () => {
    const iam = await start((params) => (params.Marker === 'page-2' ? PAGE_2 : PAGE_1));
    const snapshot = await readAuthorizationSnapshot(iam);
    expect(snapshot.problems).toEqual([
      {
        entity: 'user erin inline policy broken',
        message: expect.stringContaining('neither JSON nor URL-encoded JSON'),
      },
    ]);
  });

  it('reports a referenced managed policy that IAM did not return', async () => {
    const iam = await start(() =>
      PAGE_1.replace('<IsTruncated>true</IsTruncated>', '<IsTruncated>false</IsTruncated>'),
    );
    const snapshot = await readAuthorizationSnapshot(iam);
    expect(snapshot.problems).toContainEqual({
      entity: `managed policy ${BOUNDARY}`,
      message: 'referenced but not returned by IAM',
    });
  });
});

describe('readAuthorizationSnapshot: errors', () => {
  it('turns AccessDenied into an IamSnapshotError naming the permission needed', async () => {
    const iam = await start(() => iamError(403, 'AccessDenied', 'User: arn:aws:iam::1:user/x is not authorized'));
    const error = await readAuthorizationSnapshot(iam).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IamSnapshotError);
    expect(error).toMatchObject({ name: 'IamSnapshotError', code: 'AccessDenied' });
    expect((error as Error).message).toContain('iam:GetAccountAuthorizationDetails');
    expect((error as Error).cause).toMatchObject({ name: 'AccessDenied' });
  });

  it('rethrows errors it does not recognise', async () => {
    const iam = await start(() => iamError(400, 'SomethingNew', 'new failure'));
    const error = await readAuthorizationSnapshot(iam).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(IamSnapshotError);
    expect(error).toMatchObject({ name: 'SomethingNew' });
  });

  it('stops a server that paginates for ever', async () => {
    const iam = await start((_params, index) => authorizationPage('', `again-${index}`));
    await expect(readAuthorizationSnapshot(iam, { maxPages: 3, account: A })).rejects.toMatchObject({
      name: 'IamSnapshotError',
      code: 'TooManyPages',
    });
    expect(server?.requests).toHaveLength(3);
  });

  it('asks for the account when nothing in IAM names it', async () => {
    const iam = await start(() => authorizationPage(''));
    await expect(readAuthorizationSnapshot(iam)).rejects.toMatchObject({ code: 'UnknownAccount' });
    await expect(readAuthorizationSnapshot(iam, { account: A })).resolves.toMatchObject({ account: A, users: [] });
  });
});
