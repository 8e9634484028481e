import { IAMClient } from '@aws-sdk/client-iam';
import { IdentitystoreClient } from '@aws-sdk/client-identitystore';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SSOAdminClient } from '@aws-sdk/client-sso-admin';
import { STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOTO_SETUP_MS, type MotoServer, motoCredentials, startMoto } from '../../../test/servers/moto.js';
import { readIdentityCenterSnapshot, readOrganizationSnapshots } from '../src/index.js';
import { iamError, startIamPagesServer } from './iam-pages-server.js';
import { type JsonPagesServer, pageOf, startJsonPagesServer } from './jsonPagesServer.js';

// Paging beyond one page and throttling, against local stand-ins (moto ignores page sizes and never
// throttles); STS and IAM of the readable accounts are moto's.
const REGION = 'us-east-1';
const client = <T>(Client: new (config: object) => T, endpoint: string, maxAttempts = 4): T =>
  new Client({ endpoint, region: REGION, credentials: motoCredentials, maxAttempts });

let moto: MotoServer;
beforeAll(async () => {
  moto = await startMoto({ awsManagedPolicies: false });
}, MOTO_SETUP_MS);
afterAll(async () => {
  await moto?.stop();
});

const id = (n: number) => String(100000000000 + n);

describe('readOrganizationSnapshots', () => {
  let organizations: JsonPagesServer;
  const accounts = [1, 2, 3, 4, 5, 6, 7].map((n) => ({
    Id: id(n),
    Name: `account-${n}`,
    State: n === 4 ? 'SUSPENDED' : 'ACTIVE',
  }));

  beforeAll(async () => {
    organizations = await startJsonPagesServer((operation, body, count) => {
      if (operation !== 'ListAccounts') return { status: 400, error: 'InvalidInputException' };
      // Throttled twice, then every page of three.
      if (count < 2) return { status: 400, error: 'TooManyRequestsException', message: 'Rate exceeded' };
      const page = pageOf(accounts, 3, body.NextToken);
      return { Accounts: page.items, ...(page.next ? { NextToken: page.next } : {}) };
    });
  });
  afterAll(async () => {
    await organizations?.stop();
  });

  it('reads every page, retries throttling, skips the suspended account, and fails one account without stopping the others', async () => {
    // The IAM of account 6 is throttled past every retry.
    const throttled = await startIamPagesServer(() => iamError(400, 'Throttling', 'Rate exceeded'));
    const done: string[] = [];
    try {
      const result = await readOrganizationSnapshots({
        organizations: client(OrganizationsClient, organizations.endpoint),
        sts: client(STSClient, moto.endpoint),
        roleName: 'audit',
        concurrency: 2,
        now: 1_700_000_000_000,
        iamClientFor: (account, credentials) =>
          account === id(6)
            ? client(IAMClient, throttled.endpoint, 2)
            : new IAMClient({ endpoint: moto.endpoint, region: REGION, credentials, maxAttempts: 2 }),
        onResult: (r, n, total) => done.push(`${n}/${total} ${r.account} ${r.ok}`),
      });
      expect(organizations.requests.filter((r) => r.operation === 'ListAccounts').map((r) => r.body.NextToken)).toEqual(
        [undefined, undefined, undefined, 't1', 't2'],
      );
      expect(result.skipped).toEqual([{ account: id(4), name: 'account-4', reason: 'the account is SUSPENDED' }]);
      expect(result.results.map((r) => `${r.account} ${r.ok}`)).toEqual(
        [1, 2, 3, 5, 6, 7].map((n) => `${id(n)} ${n !== 6}`),
      );
      const failed = result.results.find((r) => !r.ok);
      expect(failed && !failed.ok ? failed.reason : '').toContain(
        'cannot read IAM: IAM failed GetAccountAuthorizationDetails (Throttling)',
      );
      expect(done).toHaveLength(6);
      expect(done.at(-1)?.startsWith('6/6 ')).toBe(true);
      for (const r of result.results) if (r.ok) expect(r.snapshot.account).toBe(r.account);
      expect(throttled.requests.length).toBe(2);
    } finally {
      await throttled.stop();
    }
  });
});

describe('readIdentityCenterSnapshot', () => {
  let sso: JsonPagesServer;
  const instanceArn = 'arn:aws:sso:::instance/ssoins-0123456789abcdef';
  const sets = [1, 2, 3].map((n) => `arn:aws:sso:::permissionSet/ssoins-0123456789abcdef/ps-${n}`);
  const users = Array.from({ length: 7 }, (_, n) => ({
    IdentityStoreId: 'd-1',
    UserId: `u-${n}`,
    UserName: `user${n}`,
    DisplayName: `User ${n}`,
    Emails: [{ Value: `user${n}@example.com` }],
    CreatedAt: 1_600_000_000 + n,
  }));
  const groups = [1, 2, 3].map((n) => ({ IdentityStoreId: 'd-1', GroupId: `g-${n}`, DisplayName: `group${n}` }));

  beforeAll(async () => {
    sso = await startJsonPagesServer((operation, body, count) => {
      const paged = <T>(key: string, items: T[], size: number) => {
        const page = pageOf(items, size, body.NextToken);
        return { [key]: page.items, ...(page.next ? { NextToken: page.next } : {}) };
      };
      switch (operation) {
        case 'ListInstances':
          return { Instances: [{ InstanceArn: instanceArn, IdentityStoreId: 'd-1' }] };
        case 'ListPermissionSets':
          return paged('PermissionSets', sets, 2);
        case 'DescribePermissionSet': {
          const arn = String(body.PermissionSetArn);
          return {
            PermissionSet: {
              PermissionSetArn: arn,
              Name: `Set${arn.slice(-1)}`,
              SessionDuration: 'PT8H',
              CreatedDate: 1_600_000_000,
            },
          };
        }
        case 'ListAccountAssignments': {
          // The first three calls are throttled; the SDK retries them.
          if (count < 3) return { status: 400, error: 'ThrottlingException', message: 'Rate exceeded' };
          const assignments = users.map((u) => ({
            AccountId: String(body.AccountId),
            PermissionSetArn: String(body.PermissionSetArn),
            PrincipalType: 'USER',
            PrincipalId: u.UserId,
          }));
          return paged('AccountAssignments', assignments, 3);
        }
        case 'ListUsers':
          return paged('Users', users, 2);
        case 'ListGroups':
          return paged('Groups', groups, 2);
        case 'ListGroupMemberships': {
          const members = users.slice(0, 5).map((u, n) => ({
            IdentityStoreId: 'd-1',
            MembershipId: `m-${String(body.GroupId)}-${n}`,
            GroupId: body.GroupId,
            MemberId: { UserId: u.UserId },
          }));
          return paged('GroupMemberships', members, 2);
        }
        default:
          return { status: 400, error: 'ValidationException', message: `unexpected ${operation}` };
      }
    });
  });
  afterAll(async () => {
    await sso?.stop();
  });

  it('reads every page of every list, retrying throttled calls', async () => {
    const snapshot = await readIdentityCenterSnapshot({
      ssoAdmin: client(SSOAdminClient, sso.endpoint, 5),
      identityStore: client(IdentitystoreClient, sso.endpoint, 5),
      accounts: [id(1), id(2)],
      pageSize: 2,
      concurrency: 1,
      now: 1_700_000_000_000,
    });
    expect(snapshot.instanceArn).toBe(instanceArn);
    expect(snapshot.permissionSets.map((p) => p.name)).toEqual(['Set1', 'Set2', 'Set3']);
    expect(snapshot.permissionSets[0]).toMatchObject({ sessionDuration: 'PT8H', createdAt: 1_600_000_000_000 });
    // 2 accounts x 3 permission sets x 7 users, each list in pages of 3.
    expect(snapshot.assignments).toHaveLength(42);
    expect(snapshot.users.map((u) => u.userName)).toEqual(users.map((u) => u.UserName));
    expect(snapshot.users[6]).toEqual({
      id: 'u-6',
      userName: 'user6',
      displayName: 'User 6',
      emails: ['user6@example.com'],
      createdAt: 1_600_000_006_000,
    });
    expect(snapshot.groups.map((g) => `${g.displayName}:${g.members.length}`)).toEqual([
      'group1:5',
      'group2:5',
      'group3:5',
    ]);
    const calls = (op: string) => sso.requests.filter((r) => r.operation === op);
    expect(calls('ListAccountAssignments')).toHaveLength(3 + 2 * 3 * 3);
    expect(calls('ListUsers').map((r) => r.body.NextToken)).toEqual([undefined, 't1', 't2', 't3']);
    expect(calls('ListUsers').every((r) => r.body.MaxResults === 2)).toBe(true);
    expect(snapshot.problems).toEqual([]);
    expect(JSON.stringify(snapshot)).not.toContain(motoCredentials.secretAccessKey);
  });
});
