import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AddUserToGroupCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  ListPolicyVersionsCommand,
  PutGroupPolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  type AuthorizationSnapshot,
  assessLedger,
  canonicalJson,
  grantsFromSnapshot,
  type LedgerEntry,
  MemoryLedgerStore,
  planRemovals,
  principalRefFromArn,
  renderPlan,
  roleRefFromArn,
} from '@lastswitch/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  MOTO_ACCOUNT,
  MOTO_SETUP_MS,
  type MotoServer,
  motoCredentials,
  startMoto,
} from '../../../test/servers/moto.js';
import {
  applyPlan,
  Journal,
  type JournalRecord,
  type PlanFile,
  parsePlanFile,
  readAuthorizationSnapshot,
  type StepOutcome,
  undoJournal,
} from '../src/index.js';

// apply → snapshot → undo against moto's IAM: only the planned changes happen, and undo restores everything.
const A = MOTO_ACCOUNT;
const DAY = 86_400_000;
// Ahead of the clock, so the users moto creates now are older than the 0-day grace period.
const NOW = Date.now() + 3_600_000;
const role = (name: string) => `arn:aws:iam::${A}:role/${name}`;
const userArn = (name: string) => `arn:aws:iam::${A}:user/${name}`;
const policyArn = (name: string) => `arn:aws:iam::${A}:policy/${name}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const assume = (Resource: string | string[], extra: object = {}) => ({
  Effect: 'Allow',
  Action: 'sts:AssumeRole',
  Resource,
  ...extra,
});

let moto: MotoServer;
let iam: IAMClient;
let dir: string;

beforeAll(async () => {
  moto = await startMoto({ awsManagedPolicies: false });
  iam = new IAMClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: motoCredentials });
  dir = await mkdtemp(join(tmpdir(), 'lastswitch-apply-'));
}, MOTO_SETUP_MS);

afterAll(async () => {
  iam?.destroy();
  await moto?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await moto.reset();
  await build();
});

/** The account: one of each kind of step, plus two that must stay review steps. */
async function build(): Promise<void> {
  const send = iam.send.bind(iam) as (command: unknown) => Promise<unknown>;
  const rootTrust = doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' });
  for (const name of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'tina']) {
    await send(new CreateUserCommand({ UserName: name }));
  }
  for (const name of ['Admin', 'ReadOnly', 'Ops', 'dev-a', 'dev-b', 'svc']) {
    await send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: rootTrust }));
  }
  await send(
    new CreateRoleCommand({
      RoleName: 'Local',
      AssumeRolePolicyDocument: doc({
        Sid: 'People',
        Effect: 'Allow',
        Principal: { AWS: [userArn('tina'), `arn:aws:iam::${A}:root`] },
        Action: 'sts:AssumeRole',
      }),
    }),
  );
  // alice: an inline statement with a stale role (edit-statement).
  await send(
    new PutUserPolicyCommand({
      UserName: 'alice',
      PolicyName: 'switch',
      PolicyDocument: doc(assume([role('Admin'), role('ReadOnly')], { Sid: 'People' })),
    }),
  );
  // bob: a group he never uses (remove-from-group); alice uses it, so it stays.
  await send(new CreateGroupCommand({ GroupName: 'devs' }));
  await send(new AddUserToGroupCommand({ GroupName: 'devs', UserName: 'alice' }));
  await send(new AddUserToGroupCommand({ GroupName: 'devs', UserName: 'bob' }));
  await send(
    new PutGroupPolicyCommand({
      GroupName: 'devs',
      PolicyName: 'dev-switch',
      PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:*', Resource: `arn:aws:iam::${A}:role/dev-*` }),
    }),
  );
  // carol: her own managed policy at IAM's five-version limit; one statement unused (new default version).
  await send(
    new CreatePolicyCommand({ PolicyName: 'carol-switch', PolicyDocument: doc(assume(role('Ops'), { Sid: 'v1' })) }),
  );
  for (const v of [2, 3, 4, 5]) {
    await send(
      new CreatePolicyVersionCommand({
        PolicyArn: policyArn('carol-switch'),
        PolicyDocument:
          v === 5
            ? doc(assume(role('Ops'), { Sid: 'Ops' }), assume(role('ReadOnly'), { Sid: 'Old' }))
            : doc(assume(role('Ops'), { Sid: `v${v}` })),
        SetAsDefault: true,
      }),
    );
  }
  await send(new AttachUserPolicyCommand({ UserName: 'carol', PolicyArn: policyArn('carol-switch') }));
  // dave: a managed policy he never uses (detach-policy).
  await send(new CreatePolicyCommand({ PolicyName: 'dave-switch', PolicyDocument: doc(assume(role('Admin'))) }));
  await send(new AttachUserPolicyCommand({ UserName: 'dave', PolicyArn: policyArn('dave-switch') }));
  // erin: a managed policy also attached to a role: never edited automatically (review).
  await send(
    new CreatePolicyCommand({
      PolicyName: 'shared-switch',
      PolicyDocument: doc(assume(role('Ops'), { Sid: 'Used' }), assume(role('Admin'), { Sid: 'Unused' })),
    }),
  );
  await send(new AttachUserPolicyCommand({ UserName: 'erin', PolicyArn: policyArn('shared-switch') }));
  await send(new AttachRolePolicyCommand({ RoleName: 'svc', PolicyArn: policyArn('shared-switch') }));
  // frank: a statement that also allows S3 (review).
  await send(
    new PutUserPolicyCommand({
      UserName: 'frank',
      PolicyName: 'mixed',
      PolicyDocument: doc({ Effect: 'Allow', Action: ['sts:AssumeRole', 's3:*'], Resource: [role('Admin')] }),
    }),
  );
}

const entry = (who: string, roleName: string, daysAgo: number): LedgerEntry => ({
  principal: principalRefFromArn(userArn(who)),
  role: roleRefFromArn(role(roleName)),
  firstSeen: NOW - 400 * DAY,
  lastSeen: NOW - daysAgo * DAY,
  methods: ['AssumeRole'],
  lastEventId: `${who}-${roleName}`,
});
const LEDGER = [
  entry('alice', 'Admin', 3),
  entry('alice', 'ReadOnly', 300),
  entry('alice', 'dev-a', 2),
  entry('carol', 'Ops', 1),
  entry('erin', 'Ops', 1),
];

async function snapshot(): Promise<AuthorizationSnapshot> {
  return await readAuthorizationSnapshot(iam, { account: A, now: NOW });
}

async function makePlan(s: AuthorizationSnapshot): Promise<PlanFile> {
  const assessment = await assessLedger(LEDGER, { now: NOW, staleAfterDays: 90 });
  const plan = planRemovals(assessment, grantsFromSnapshot(s), {
    graceDays: 0,
    snapshots: [s],
    madeFrom: [{ file: 'iam.json', sha256: '0'.repeat(64), account: A }],
  });
  return parsePlanFile(JSON.parse(renderPlan(plan, 'json')));
}

/** Every policy document and relation of a snapshot, one line each, ignoring order and the snapshot time. */
function normalise(s: AuthorizationSnapshot): Map<string, string> {
  const out = new Map<string, string>();
  for (const u of s.users) {
    out.set(`user ${u.name} groups`, canonicalJson([...u.groups].sort()));
    out.set(`user ${u.name} attached`, canonicalJson([...u.attachedPolicies].sort()));
    for (const p of u.inlinePolicies) out.set(`user ${u.name} inline ${p.name}`, canonicalJson(p.document));
  }
  for (const g of s.groups) {
    out.set(`group ${g.name} attached`, canonicalJson([...g.attachedPolicies].sort()));
    for (const p of g.inlinePolicies) out.set(`group ${g.name} inline ${p.name}`, canonicalJson(p.document));
  }
  for (const r of s.roles) {
    out.set(`role ${r.name} trust`, canonicalJson(r.trustPolicy));
    out.set(`role ${r.name} attached`, canonicalJson([...r.attachedPolicies].sort()));
  }
  for (const p of s.policies) out.set(`policy ${p.name}`, canonicalJson({ v: p.defaultVersionId, d: p.document }));
  return out;
}

function changedKeys(a: Map<string, string>, b: Map<string, string>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).sort();
}

const byOutcome = (steps: StepOutcome[]) =>
  Object.fromEntries(
    [...new Set(steps.map((s) => s.outcome))].map((o) => [o, steps.filter((s) => s.outcome === o).length]),
  );

async function versionIds(name: string): Promise<string[]> {
  const out = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: policyArn(name) }));
  return (out.Versions ?? []).map((v) => `${v.VersionId}${v.IsDefaultVersion ? '*' : ''}`).sort();
}

let n = 0;
const journalPath = () => join(dir, `journal-${++n}.jsonl`);
const options = (journal?: Journal) => ({
  clients: { iam },
  plan: { sha256: 'f'.repeat(64), file: 'plan.json' },
  ...(journal ? { journal } : {}),
  sleep: async () => {},
});

describe('applyPlan and undoJournal against moto', () => {
  it('plans one step of each kind, keeping shared and mixed statements for review', async () => {
    const plan = await makePlan(await snapshot());
    const steps = plan.actions.map((a) => `${a.principal.name} ${a.kind}`).sort();
    expect(steps).toEqual([
      'alice edit-statement',
      'bob remove-from-group',
      'carol remove-statement',
      'dave detach-policy',
      'erin review',
      'frank review',
      'tina remove-trust-principal',
    ]);
  });

  it('applies only the planned changes, then undo restores the original exactly', async () => {
    const before = await snapshot();
    const plan = await makePlan(before);
    const dry = await applyPlan(plan, { ...options(), dryRun: true });
    expect(byOutcome(dry.steps)).toEqual({ 'would-apply': 5, review: 2 });
    expect(changedKeys(normalise(before), normalise(await snapshot()))).toEqual([]);

    const path = journalPath();
    const applied = await applyPlan(plan, options(await Journal.open(path)));
    expect(byOutcome(applied.steps)).toEqual({ applied: 5, review: 2 });
    expect(applied.refused + applied.failed).toBe(0);

    const after = await snapshot();
    // dave-switch leaves the snapshot only because a snapshot keeps just the policies something holds.
    expect(changedKeys(normalise(before), normalise(after))).toEqual([
      'policy carol-switch',
      'policy dave-switch',
      'role Local trust',
      'user alice inline switch',
      'user bob groups',
      'user dave attached',
    ]);
    const get = (s: AuthorizationSnapshot, kind: 'users' | 'roles' | 'policies', name: string) =>
      (s[kind] as { name: string }[]).find((x) => x.name === name) as never;
    expect(
      (get(after, 'users', 'alice') as AuthorizationSnapshot['users'][number]).inlinePolicies[0]?.document,
    ).toEqual(JSON.parse(doc(assume([role('Admin')], { Sid: 'People' }))));
    expect((get(after, 'users', 'bob') as AuthorizationSnapshot['users'][number]).groups).toEqual([]);
    expect((get(after, 'roles', 'Local') as AuthorizationSnapshot['roles'][number]).trustPolicy).toEqual(
      JSON.parse(
        doc({
          Sid: 'People',
          Effect: 'Allow',
          Principal: { AWS: [`arn:aws:iam::${A}:root`] },
          Action: 'sts:AssumeRole',
        }),
      ),
    );
    // The five-version limit: the oldest non-default version (v1) made room for the new default, its document journaled first.
    expect(await versionIds('carol-switch')).toEqual(['v2', 'v3', 'v4', 'v5', 'v6*']);
    const lines = (await readFile(path, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as JournalRecord);
    const carolBefore = lines.find((l) => l.type === 'before' && l.target.includes('carol-switch'));
    expect(carolBefore).toMatchObject({
      deleteVersion: { versionId: 'v1', document: JSON.parse(doc(assume(role('Ops'), { Sid: 'v1' }))) },
    });
    expect(lines.map((l) => l.type)).toEqual(['start', ...Array(5).fill(['before', 'after']).flat()]);

    const undone = await undoJournal(await Journal.open(path), options());
    expect(byOutcome(undone.steps)).toEqual({ restored: 5 });
    expect(undone.steps.map((s) => s.step)).toEqual(
      applied.steps
        .filter((s) => s.outcome === 'applied')
        .map((s) => s.step)
        .reverse(),
    );
    expect(changedKeys(normalise(before), normalise(await snapshot()))).toEqual([]);
    // v1 cannot come back under its id: its document is back as a new, non-default version.
    expect(await versionIds('carol-switch')).toEqual(['v2', 'v3', 'v4', 'v5*', 'v7']);

    const again = await undoJournal(await Journal.open(path), options());
    expect(byOutcome(again.steps)).toEqual({ 'already-restored': 5 });
    // An undone journal is never reused to apply again: that would skip steps it shows applied.
    await expect(applyPlan(plan, options(await Journal.open(path)))).rejects.toThrow('has been undone');
  });

  it('refuses a step whose policy changed after the plan was made, and applies the others', async () => {
    const before = await snapshot();
    const plan = await makePlan(before);
    const drifted = doc(assume([role('Admin'), role('ReadOnly'), role('Ops')], { Sid: 'People' }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'switch', PolicyDocument: drifted }));
    const result = await applyPlan(plan, options(await Journal.open(journalPath())));
    const alice = result.steps.find((s) => s.summary.includes('alice'));
    expect(alice).toMatchObject({
      outcome: 'refused',
      reason:
        "the live state of inline policy switch of user alice differs from the plan's recorded prior state (changed since the plan was made)",
    });
    expect(byOutcome(result.steps)).toEqual({ applied: 4, refused: 1, review: 2 });
    const after = await snapshot();
    expect(after.users.find((u) => u.name === 'alice')?.inlinePolicies[0]?.document).toEqual(JSON.parse(drifted));
  });

  it('never removes a grant the ledger shows active at apply time', async () => {
    const plan = await makePlan(await snapshot());
    const store = new MemoryLedgerStore();
    // bob switched into dev-b after the plan was made.
    await store.apply([entry('bob', 'dev-b', 0)]);
    const result = await applyPlan(plan, {
      ...options(await Journal.open(journalPath())),
      ledger: { store, now: NOW },
    });
    const bob = result.steps.find((s) => s.summary.includes('bob'));
    expect(bob?.outcome).toBe('refused');
    expect(bob?.reason).toContain(`the ledger shows bob switching into ${role('dev-b')} 0 days ago (active)`);
    expect(result.changed).toBe(4);
    expect((await snapshot()).users.find((u) => u.name === 'bob')?.groups).toEqual(['devs']);
  });

  it('after a crash between two steps, a rerun finishes without applying anything twice, and undo restores all', async () => {
    const before = await snapshot();
    const plan = await makePlan(before);
    const path = journalPath();
    let changes = 0;
    const crash = async () => {
      changes++;
      if (changes === 3) throw new Error('simulated crash');
    };
    await expect(applyPlan(plan, { ...options(await Journal.open(path)), afterChange: crash })).rejects.toThrow(
      'simulated crash',
    );
    const rerun = await applyPlan(plan, options(await Journal.open(path)));
    expect(byOutcome(rerun.steps)).toEqual({ 'already-applied': 3, applied: 2, review: 2 });
    const lines = (await readFile(path, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as JournalRecord);
    const befores = lines.filter((l) => l.type === 'before').map((l) => (l as { step: number }).step);
    expect(new Set(befores).size).toBe(befores.length);
    expect(befores).toHaveLength(5);
    expect(lines.filter((l) => l.type === 'after' && l.recovered)).toHaveLength(1);
    expect(await versionIds('carol-switch')).toEqual(['v2', 'v3', 'v4', 'v5', 'v6*']);

    const undone = await undoJournal(await Journal.open(path), options());
    expect(byOutcome(undone.steps)).toEqual({ restored: 5 });
    expect(changedKeys(normalise(before), normalise(await snapshot()))).toEqual([]);
  });

  it('undo refuses a step whose state changed after apply, and restores the rest', async () => {
    const before = await snapshot();
    const plan = await makePlan(before);
    const path = journalPath();
    await applyPlan(plan, options(await Journal.open(path)));
    await iam.send(new AddUserToGroupCommand({ GroupName: 'devs', UserName: 'bob' }));
    const undone = await undoJournal(await Journal.open(path), options());
    expect(byOutcome(undone.steps)).toEqual({ restored: 4, refused: 1 });
    expect(undone.steps.find((s) => s.outcome === 'refused')?.reason).toBe(
      'the live state of membership of user bob in group devs changed since lastswitch applied the step',
    );
  });

  it('refuses a journal written for another plan', async () => {
    const plan = await makePlan(await snapshot());
    const path = journalPath();
    await applyPlan({ ...plan, actions: [] }, options(await Journal.open(path)));
    await expect(
      applyPlan(plan, { ...options(await Journal.open(path)), plan: { sha256: 'e'.repeat(64) } }),
    ).rejects.toThrow('was written for another plan');
  });
});
