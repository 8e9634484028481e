import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IAMClient } from '@aws-sdk/client-iam';
import {
  CreateGroupCommand,
  CreateGroupMembershipCommand,
  CreateUserCommand,
  IdentitystoreClient,
  ListGroupMembershipsForMemberCommand,
} from '@aws-sdk/client-identitystore';
import {
  CreateAccountAssignmentCommand,
  CreatePermissionSetCommand,
  ListAccountAssignmentsCommand,
  ListInstancesCommand,
  SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MOTO_ACCOUNT,
  MOTO_SETUP_MS,
  type MotoServer,
  motoCredentials,
  startMoto,
} from '../../../test/servers/moto.js';
import { applyPlan, Journal, type PlanFile, parsePlanFile, undoJournal } from '../src/index.js';

// Identity Center steps (made by the plan's Identity Center half) carried out against moto's sso-admin and identitystore.
let moto: MotoServer;
let dir: string;
let clients: { iam: IAMClient; ssoAdmin: SSOAdminClient; identityStore: IdentitystoreClient };

beforeAll(async () => {
  moto = await startMoto({ awsManagedPolicies: false });
  const config = { endpoint: moto.endpoint, region: 'us-east-1', credentials: motoCredentials };
  clients = {
    iam: new IAMClient(config),
    ssoAdmin: new SSOAdminClient(config),
    identityStore: new IdentitystoreClient(config),
  };
  dir = await mkdtemp(join(tmpdir(), 'lastswitch-apply-sso-'));
}, MOTO_SETUP_MS);

afterAll(async () => {
  for (const c of Object.values(clients ?? {})) c.destroy();
  await moto?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('Identity Center steps', () => {
  it('deletes an account assignment and a group membership, and undo re-creates both', async () => {
    const { ssoAdmin, identityStore } = clients;
    const instance = (await ssoAdmin.send(new ListInstancesCommand({}))).Instances?.[0];
    const instanceArn = instance?.InstanceArn ?? '';
    const identityStoreId = instance?.IdentityStoreId ?? '';
    const user = await identityStore.send(
      new CreateUserCommand({
        IdentityStoreId: identityStoreId,
        UserName: 'sam',
        DisplayName: 'Sam',
        Name: { GivenName: 'Sam', FamilyName: 'Doe' },
      }),
    );
    const userId = user.UserId ?? '';
    const group = await identityStore.send(
      new CreateGroupCommand({ IdentityStoreId: identityStoreId, DisplayName: 'ops' }),
    );
    const groupId = group.GroupId ?? '';
    const membership = await identityStore.send(
      new CreateGroupMembershipCommand({
        IdentityStoreId: identityStoreId,
        GroupId: groupId,
        MemberId: { UserId: userId },
      }),
    );
    const permissionSet = await ssoAdmin.send(
      new CreatePermissionSetCommand({ InstanceArn: instanceArn, Name: 'Admin' }),
    );
    const permissionSetArn = permissionSet.PermissionSet?.PermissionSetArn ?? '';
    await ssoAdmin.send(
      new CreateAccountAssignmentCommand({
        InstanceArn: instanceArn,
        TargetId: MOTO_ACCOUNT,
        TargetType: 'AWS_ACCOUNT',
        PermissionSetArn: permissionSetArn,
        PrincipalType: 'USER',
        PrincipalId: userId,
      }),
    );
    const assignments = async () =>
      (
        await ssoAdmin.send(
          new ListAccountAssignmentsCommand({
            InstanceArn: instanceArn,
            AccountId: MOTO_ACCOUNT,
            PermissionSetArn: permissionSetArn,
          }),
        )
      ).AccountAssignments?.map((a) => a.PrincipalId) ?? [];
    const memberships = async () =>
      (
        await identityStore.send(
          new ListGroupMembershipsForMemberCommand({ IdentityStoreId: identityStoreId, MemberId: { UserId: userId } }),
        )
      ).GroupMemberships ?? [];

    const principal = { key: `saml:sam`, kind: 'saml', account: MOTO_ACCOUNT, name: 'sam' };
    const plan: PlanFile = parsePlanFile({
      format: 'lastswitch.removal-plan',
      version: 2,
      staleAfterDays: 90,
      actions: [
        {
          step: 1,
          kind: 'delete-account-assignment',
          account: MOTO_ACCOUNT,
          principal,
          summary: 'Delete the Admin assignment of sam',
          grants: [],
          notes: [],
          assignment: {
            instanceArn,
            identityStoreId,
            accountId: MOTO_ACCOUNT,
            permissionSetArn,
            permissionSetName: 'Admin',
            principalType: 'USER',
            principalId: userId,
          },
        },
        {
          step: 2,
          kind: 'remove-from-group',
          account: MOTO_ACCOUNT,
          principal,
          summary: 'Remove sam from Identity Center group ops',
          grants: [],
          notes: [],
          identityStoreGroup: {
            identityStoreId,
            groupId,
            groupName: 'ops',
            userId,
            membershipId: membership.MembershipId ?? '',
            userName: 'sam',
          },
        },
      ],
    });
    const path = join(dir, 'journal.jsonl');
    const run = { clients, plan: { sha256: 'a'.repeat(64) }, sleep: async () => {}, pollDelayMs: 0 };
    const applied = await applyPlan(plan, { ...run, journal: await Journal.open(path) });
    expect(applied.steps.map((s) => s.outcome)).toEqual(['applied', 'applied']);
    expect(await assignments()).toEqual([]);
    expect(await memberships()).toEqual([]);

    // Applying again changes nothing: the journal says both are done.
    const again = await applyPlan(plan, { ...run, journal: await Journal.open(path) });
    expect(again.steps.map((s) => s.outcome)).toEqual(['already-applied', 'already-applied']);

    const undone = await undoJournal(await Journal.open(path), run);
    expect(undone.steps.map((s) => [s.step, s.outcome])).toEqual([
      [2, 'restored'],
      [1, 'restored'],
    ]);
    expect(await assignments()).toEqual([userId]);
    const restored = await memberships();
    expect(restored.map((m) => m.GroupId)).toEqual([groupId]);
    // The re-created membership has a new id, and the journal records it.
    const journal = await Journal.open(path);
    const line = journal.records.find((r) => r.type === 'undo-after' && r.step === 2);
    expect(line).toMatchObject({ outcome: 'restored', result: { membershipId: restored[0]?.MembershipId } });

    // A second apply with a fresh journal sees the assignment again, but a deleted one is refused as drift.
    await applyPlan(plan, { ...run, journal: await Journal.open(join(dir, 'journal-2.jsonl')) });
    const third = await applyPlan(plan, { ...run, journal: await Journal.open(join(dir, 'journal-3.jsonl')) });
    expect(third.steps.map((s) => s.outcome)).toEqual(['refused', 'refused']);
  });
});
