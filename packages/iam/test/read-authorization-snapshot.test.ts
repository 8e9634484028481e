import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutGroupPolicyCommand,
  PutRolePermissionsBoundaryCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { parseAuthorizationSnapshot } from '@lastswitch/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MOTO_ACCOUNT,
  MOTO_SETUP_MS,
  type MotoServer,
  motoCredentials,
  startMoto,
} from '../../../test/servers/moto.js';
import { readAuthorizationSnapshot } from '../src/index.js';

const A = MOTO_ACCOUNT;
const doc = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const assumeStatement = (resource: string | string[], extra: object = {}) => ({
  Effect: 'Allow',
  Action: 'sts:AssumeRole',
  Resource: resource,
  ...extra,
});

let moto: MotoServer;
let client: IAMClient;
let boundaryArn: string;
let devPolicyArn: string;

beforeAll(async () => {
  moto = await startMoto();
  client = new IAMClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: motoCredentials });
  await client.send(new CreateUserCommand({ UserName: 'alice', Path: '/ops/' }));
  await client.send(new CreateUserCommand({ UserName: 'bob' }));
  await client.send(new CreateUserCommand({ UserName: 'carol+ext@example.com' }));
  // Characters that URL encoding must round-trip: space, '+', '%', '&', quotes, non-ASCII.
  await client.send(
    new PutUserPolicyCommand({
      UserName: 'alice',
      PolicyName: 'switch-to-admin',
      PolicyDocument: doc([
        assumeStatement(`arn:aws:iam::${A}:role/Admin`, { Sid: 'Admin' }),
        { Sid: 'Odd chars % + & "q" é', Effect: 'Deny', Action: 'sts:AssumeRole', Resource: '*' },
      ]),
    }),
  );
  const dev = await client.send(
    new CreatePolicyCommand({
      PolicyName: 'dev-switch',
      Path: '/switch/',
      PolicyDocument: doc([assumeStatement(`arn:aws:iam::${A}:role/dev-old`)]),
    }),
  );
  devPolicyArn = dev.Policy?.Arn ?? '';
  await client.send(
    new CreatePolicyVersionCommand({
      PolicyArn: devPolicyArn,
      PolicyDocument: doc([assumeStatement(`arn:aws:iam::*:role/dev-*`)]),
      SetAsDefault: true,
    }),
  );
  const boundary = await client.send(
    new CreatePolicyCommand({
      PolicyName: 'boundary',
      PolicyDocument: doc([{ Effect: 'Allow', Action: 's3:*', Resource: '*' }]),
    }),
  );
  boundaryArn = boundary.Policy?.Arn ?? '';
  await client.send(new CreateGroupCommand({ GroupName: 'developers' }));
  await client.send(new AddUserToGroupCommand({ GroupName: 'developers', UserName: 'alice' }));
  await client.send(new AddUserToGroupCommand({ GroupName: 'developers', UserName: 'bob' }));
  await client.send(new AttachGroupPolicyCommand({ GroupName: 'developers', PolicyArn: devPolicyArn }));
  await client.send(
    new PutGroupPolicyCommand({
      GroupName: 'developers',
      PolicyName: 'readonly-switch',
      PolicyDocument: doc([
        assumeStatement(`arn:aws:iam::${A}:role/ReadOnly`, {
          Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
        }),
      ]),
    }),
  );
  await client.send(
    new AttachUserPolicyCommand({ UserName: 'bob', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }),
  );
  await client.send(
    new CreateRoleCommand({
      RoleName: 'Admin',
      Path: '/people/',
      AssumeRolePolicyDocument: doc([
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' },
      ]),
    }),
  );
  await client.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'Admin', PermissionsBoundary: boundaryArn }));
  await client.send(
    new AttachRolePolicyCommand({ RoleName: 'Admin', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }),
  );
}, MOTO_SETUP_MS);

afterAll(async () => {
  client?.destroy();
  await moto?.stop();
});

describe('readAuthorizationSnapshot against moto', () => {
  it('reads users with paths, groups, inline and managed policies, roles and the account id', async () => {
    const snapshot = await readAuthorizationSnapshot(client, { now: 1_700_000_000_000 });
    expect(snapshot).toMatchObject({ format: 'lastswitch.authorization-snapshot', version: 1, account: A });
    expect(snapshot.takenAt).toBe(1_700_000_000_000);
    expect(snapshot.problems).toEqual([]);
    expect(snapshot.users.map((u) => u.name).sort()).toEqual(['alice', 'bob', 'carol+ext@example.com']);

    const alice = snapshot.users.find((u) => u.name === 'alice');
    expect(alice).toMatchObject({ arn: `arn:aws:iam::${A}:user/ops/alice`, path: '/ops/', groups: ['developers'] });
    expect(alice?.id).not.toBe('');
    expect(alice?.createdAt).toBeGreaterThan(Date.UTC(2020, 0, 1));
    expect(alice?.inlinePolicies).toEqual([
      {
        name: 'switch-to-admin',
        document: {
          Version: '2012-10-17',
          Statement: [
            { Sid: 'Admin', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${A}:role/Admin` },
            { Sid: 'Odd chars % + & "q" é', Effect: 'Deny', Action: 'sts:AssumeRole', Resource: '*' },
          ],
        },
      },
    ]);

    const group = snapshot.groups.find((g) => g.name === 'developers');
    expect(group?.attachedPolicies).toEqual([devPolicyArn]);
    expect(group?.inlinePolicies[0]?.name).toBe('readonly-switch');
    expect(group?.inlinePolicies[0]?.document.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: `arn:aws:iam::${A}:role/ReadOnly`,
        Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
      },
    ]);

    const role = snapshot.roles.find((r) => r.name === 'Admin');
    expect(role).toMatchObject({ arn: `arn:aws:iam::${A}:role/people/Admin`, path: '/people/' });
    expect(role?.permissionsBoundary).toBe(boundaryArn);
    expect(role?.trustPolicy.Statement).toEqual([
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' },
    ]);
  });

  it('keeps only the managed policies something references, each with its default version', async () => {
    const snapshot = await readAuthorizationSnapshot(client);
    const arns = snapshot.policies.map((p) => p.arn).sort();
    expect(arns).toEqual(
      [
        'arn:aws:iam::aws:policy/AdministratorAccess',
        'arn:aws:iam::aws:policy/ReadOnlyAccess',
        boundaryArn,
        devPolicyArn,
      ].sort(),
    );
    const dev = snapshot.policies.find((p) => p.arn === devPolicyArn);
    expect(dev).toMatchObject({ name: 'dev-switch', path: '/switch/', defaultVersionId: 'v2' });
    expect(dev?.document.Statement).toEqual([assumeStatement('arn:aws:iam::*:role/dev-*')]);
  });

  it('is JSON-serialisable: a round trip passes the core schema unchanged', async () => {
    const snapshot = await readAuthorizationSnapshot(client);
    const roundTrip = JSON.parse(JSON.stringify(snapshot)) as unknown;
    expect(parseAuthorizationSnapshot(roundTrip)).toEqual(snapshot);
  });

  it('honours an explicit account id', async () => {
    const snapshot = await readAuthorizationSnapshot(client, { account: '210987654321' });
    expect(snapshot.account).toBe('210987654321');
  });
});
