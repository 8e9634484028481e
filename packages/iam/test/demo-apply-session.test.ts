import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { type AuthorizationSnapshot, canonicalJson, type IdentityCenterSnapshot } from '@lastswitch/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  awsEnvironment,
  type CliRun,
  DEMO_NOW,
  DEMO_STALE_AFTER,
  type DemoSnapshots,
  normaliseSnapshots,
  readDemoSnapshots,
  runApplySession,
  type SessionResult,
  seedMoto,
} from '../../../examples/sample-trail/applySession.js';
import { type MotoServer, startMoto } from '../../../test/servers/moto.js';
import type { CliContext } from '../../cli/src/context.js';
import { runCli } from '../../cli/src/program.js';

// `pnpm demo:apply`'s session (the one the CLI README shows), with the CLI in process: the sample
// snapshots built in moto, then scan → snapshots → plan → apply → apply again → undo.
const sample = fileURLToPath(new URL('../../../examples/sample-trail', import.meta.url));

let moto: MotoServer;
let work: string;
let snapshots: DemoSnapshots;
let session: SessionResult;
let transcript = '';

async function cli(args: string[], env: Record<string, string>): Promise<CliRun> {
  const out = new PassThrough();
  let output = '';
  out.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const ctx: CliContext = { stdout: out, stderr: out, env: { ...env }, cwd: work, exitCode: 0 };
  const code = await runCli(['node', 'lastswitch', ...args], ctx);
  return { code, output };
}

beforeAll(async () => {
  moto = await startMoto({ awsManagedPolicies: false });
  work = await mkdtemp(join(tmpdir(), 'lastswitch-demo-apply-'));
  snapshots = await readDemoSnapshots(join(sample, 'snapshots'));
  await seedMoto(moto.endpoint, snapshots);
  session = await runApplySession({
    endpoint: moto.endpoint,
    work,
    sample,
    snapshots,
    cli,
    log: (text) => {
      transcript += `${text}\n`;
    },
  });
}, 300_000);

afterAll(async () => {
  await moto?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Every policy document of a snapshot set, keyed by where it is (`account user carol inline deploy`). */
function documents(set: { iam: AuthorizationSnapshot[] }): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of set.iam) {
    for (const [kind, list] of [
      ['user', s.users],
      ['group', s.groups],
      ['role', s.roles],
    ] as const) {
      for (const e of list) {
        for (const p of e.inlinePolicies)
          out.set(`${s.account} ${kind} ${e.name} inline ${p.name}`, canonicalJson(p.document));
      }
    }
    for (const r of s.roles) out.set(`${s.account} role ${r.name} trust`, canonicalJson(r.trustPolicy));
    for (const p of s.policies)
      out.set(`${s.account} managed ${p.arn} ${p.defaultVersionId}`, canonicalJson(p.document));
  }
  return out;
}

/** Who holds what, beyond documents: IAM group memberships and attachments, Identity Center assignments and memberships. */
function holdings(set: { iam: AuthorizationSnapshot[]; identityCenter: IdentityCenterSnapshot }): string[] {
  const ic = set.identityCenter;
  const name = (id: string) =>
    ic.users.find((u) => u.id === id)?.userName ?? ic.groups.find((g) => g.id === id)?.displayName ?? id;
  const set_ = ic.permissionSets;
  return [
    ...set.iam.flatMap((s) => [
      ...s.users.flatMap((u) => u.groups.map((g) => `${s.account} ${u.name} in group ${g}`)),
      ...[...s.users, ...s.groups, ...s.roles].flatMap((e) =>
        e.attachedPolicies.map((a) => `${s.account} ${e.name} has ${a}`),
      ),
    ]),
    ...ic.assignments.map(
      (a) =>
        `${a.accountId} ${set_.find((p) => p.arn === a.permissionSetArn)?.name} to ${a.principalType} ${name(a.principalId)}`,
    ),
    ...ic.groups.flatMap((g) => g.members.map((m) => `${name(m.userId)} in ${g.displayName}`)),
  ].sort();
}

describe('pnpm demo:apply: plan → apply → undo on the sample data in moto', () => {
  it('plans from the snapshots taken in moto exactly what the sample snapshots plan (same steps, same words)', async () => {
    const fromSample = await cli(
      [
        'plan',
        '--grants',
        join(sample, 'snapshots', 'iam'),
        join(sample, 'snapshots', 'sso.json'),
        '--now',
        DEMO_NOW,
        '--stale-after',
        DEMO_STALE_AFTER,
        '--format',
        'json',
      ],
      {},
    );
    expect(fromSample.code).toBe(0);
    const json = fromSample.output.slice(0, fromSample.output.lastIndexOf('}') + 1);
    const expected = (JSON.parse(json) as SessionResult['plan']).actions.map(
      (a) => `${a.step} ${a.kind}: ${a.summary}`,
    );
    expect(expected).toHaveLength(7);
    expect(session.plan.actions.map((a) => `${a.step} ${a.kind}: ${a.summary}`)).toEqual(expected);
  });

  it('the dry run changes nothing and names every step it would apply', () => {
    const dry = session.runs['dry-run']?.output ?? '';
    expect(dry).toContain('Would apply 7 steps (0 already applied); 0 would be refused, 0 could not be checked.');
    expect(dry.match(/^step \d would apply: /gm)).toHaveLength(7);
  });

  it('apply removes exactly the planned grants and leaves every other policy document as it was', () => {
    expect(session.runs.apply?.output).toContain('Applied 7 steps (0 already applied), refused 0, failed 0.');
    const before = documents(session.before);
    const after = documents(session.afterApply);
    // The three inline policies whose only statement went; every other document byte-for-byte the same.
    const gone = [...before.keys()].filter((k) => !after.has(k)).sort();
    expect(gone).toEqual([
      '111111111111 user carol inline deploy',
      '111111111111 user dave inline billing',
      '111111111111 user frank inline oncall',
    ]);
    for (const [key, document] of after) expect([key, document]).toEqual([key, before.get(key)]);
    const lost = holdings(session.before).filter((h) => !holdings(session.afterApply).includes(h));
    expect(lost).toEqual(
      [
        '111111111111 erin in group readers',
        '222222222222 AdministratorAccess to GROUP platform-admins',
        '333333333333 ReadOnlyAccess to USER heidi@example.com',
        'ivan@example.com in platform-admins',
      ].sort(),
    );
    expect(holdings(session.afterApply).filter((h) => !holdings(session.before).includes(h))).toEqual([]);
    expect(session.applyExact).toBe(true);
  });

  it('apply again with the same journal does nothing twice', async () => {
    expect(session.runs.rerun?.output).toContain('Applied 0 steps (7 already applied), refused 0, failed 0.');
    const lines = (await readFile(join(work, 'plan.journal.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; step?: number });
    const changed = lines.filter((l) => l.type === 'before').map((l) => l.step);
    expect(changed).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(lines.filter((l) => l.type === 'undo-before').map((l) => l.step)).toEqual([7, 6, 5, 4, 3, 2, 1]);
  });

  it('undo restores the snapshot taken before apply (normalised)', () => {
    expect(session.runs.undo?.output).toContain('Restored 7 steps (0 already restored), refused 0, failed 0.');
    // Each line says what was put back, Identity Center principals by name.
    expect(session.runs.undo?.output).toContain(
      'step 7 restored: membership of Identity Center user ivan@example.com in group platform-admins\n',
    );
    expect(session.runs.undo?.output).toContain(
      'step 5 restored: assignment of permission set AdministratorAccess to group platform-admins in account 222222222222\n',
    );
    expect(session.runs.undo?.output).toContain('step 1 restored: inline policy deploy of user carol\n');
    expect(canonicalJson(normaliseSnapshots(session.afterUndo))).toBe(
      canonicalJson(normaliseSnapshots(session.before)),
    );
    expect(documents(session.afterUndo)).toEqual(documents(session.before));
    expect(holdings(session.afterUndo)).toEqual(holdings(session.before));
    expect(session.undoExact).toBe(true);
  });

  it('after undo, the journal is refused for apply (exit 2) and a second undo restores nothing', async () => {
    // Settled from the journal alone, before any AWS call (no credentials given): dry run or not.
    for (const yes of [['--yes'], []]) {
      const again = await cli(['apply', 'plan.json', ...yes, '--journal', 'plan.journal.jsonl', '--now', DEMO_NOW], {});
      expect(again.code).toBe(2);
      expect(again.output).toContain('plan.journal.jsonl has been undone; apply the plan again with a new journal');
    }
    const unknownStep = await cli(['undo', 'plan.journal.jsonl', '--only', '3,9'], {});
    expect(unknownStep.code).toBe(2);
    expect(unknownStep.output).toContain('--only names 1 step the journal shows no change for: 9');
    const undo = await cli(
      ['undo', 'plan.journal.jsonl', '--yes'],
      await awsEnvironment(moto.endpoint, '111111111111'),
    );
    expect(undo.code).toBe(0);
    expect(undo.output).toContain('Restored 0 steps (7 already restored), refused 0, failed 0.');
  });
});

describe('the CLI README', () => {
  // Moto's port, the journal's clock and (with another moto version) its seeded instance id vary.
  const stable = (text: string) =>
    text
      .replace(/http:\/\/127\.0\.0\.1:\d+/g, 'http://127.0.0.1:PORT')
      .replace(/ssoins-[0-9a-z]{16}/g, 'ssoins-ID')
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, 'TIME');

  it('shows lines of this very session: every line of its session block is in the output (trimmed parts marked […])', async () => {
    const readme = await readFile(fileURLToPath(new URL('../../cli/README.md', import.meta.url)), 'utf8');
    const from = readme.indexOf('#### A full session on the demo data');
    const open = readme.indexOf('```console\n', from);
    const close = readme.indexOf('\n```', open + 1);
    expect(from).toBeGreaterThan(0);
    const block = readme.slice(open + '```console\n'.length, close).split('\n');
    const shown = block.filter((line) => line !== '' && !line.startsWith('[…'));
    expect(shown.length).toBeGreaterThan(30);
    const actual = new Set(stable(transcript).split('\n'));
    expect(shown.map(stable).filter((line) => !actual.has(line))).toEqual([]);
  });
});

describe('plan, apply and undo --help', () => {
  it.each([
    ['plan', ['Identity Center assignments to remove', '$ lastswitch apply plan.json', '0: no grace']],
    ['apply', ['Exit codes: 0 ok (a dry run also when steps would be refused)', 'a step could not be checked']],
    ['undo', ['a restored Identity Center group membership gets a new', 'membership id']],
  ])('%s --help says what a user needs', async (command, texts) => {
    const run = await cli([command, '--help'], {});
    expect(run.code).toBe(0);
    for (const text of texts) expect(run.output.replace(/\s+/g, ' ')).toContain(text);
  });
});

describe('apply --yes without a ledger', () => {
  it('stops before anything is read or journaled unless --allow-empty (a mistyped --store must not switch the re-check off)', async () => {
    const env = await awsEnvironment(moto.endpoint, '111111111111');
    const args = ['apply', 'plan.json', '--yes', '--store', 'sqlite:typo/ledger.db', '--journal', 'typo.jsonl'];
    const run = await cli(args, env);
    expect(run.code).toBe(1);
    expect(run.output).toContain('there is no ledger at sqlite:typo/ledger.db');
    expect(run.output).not.toContain('step ');
    await expect(readFile(join(work, 'typo.jsonl'), 'utf8')).rejects.toThrow('ENOENT');
    const dry = await cli(['apply', 'plan.json', '--store', 'sqlite:typo/ledger.db', '--journal', 'typo.jsonl'], env);
    expect(dry.code).toBe(0);
    expect(dry.output).toContain('warning: there is no ledger at sqlite:typo/ledger.db');
    const allowed = await cli([...args.slice(0, 5), '--allow-empty', '--only', '1', '--journal', 'allow.jsonl'], env);
    expect(allowed.code).toBe(0);
    expect(allowed.output).toContain('warning: there is no ledger at sqlite:typo/ledger.db');
    expect(allowed.output).toContain('step 1 applied: Remove statement "Deploy"');
    expect((await cli(['undo', 'allow.jsonl', '--yes'], env)).output).toContain('Restored 1 step');
  });
});

describe('apply and undo when AWS cannot be reached', () => {
  it('without credentials: one line with the hint, before any step, exit 1', async () => {
    const saved = { ...process.env };
    // The SDK's own credential chain reads process.env and ~/.aws: point both at nothing.
    for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
    Object.assign(process.env, {
      AWS_SHARED_CREDENTIALS_FILE: join(work, 'none', 'credentials'),
      AWS_CONFIG_FILE: join(work, 'none', 'config'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    try {
      for (const args of [
        ['apply', 'plan.json', '--now', DEMO_NOW, '--journal', 'no-credentials.jsonl'],
        ['undo', 'plan.journal.jsonl'],
      ]) {
        const run = await cli(args, { AWS_ENDPOINT_URL: moto.endpoint, AWS_REGION: 'us-east-1' });
        expect(run.code).toBe(1);
        expect(run.output).toContain('no AWS credentials: set AWS_PROFILE');
        expect(run.output).not.toContain('step ');
      }
    } finally {
      process.env = saved;
    }
  });

  it('a dry run whose steps could not be read exits 1 and names them', async () => {
    const env = { ...(await awsEnvironment(moto.endpoint, '111111111111')), AWS_ENDPOINT_URL: 'http://127.0.0.1:9' };
    const run = await cli(
      ['apply', 'plan.json', '--now', DEMO_NOW, '--only', '1', '--journal', 'unreachable.jsonl'],
      env,
    );
    expect(run.code).toBe(1);
    expect(run.output).toContain('step 1 FAILED: Remove statement "Deploy"');
    expect(run.output).toContain('could not read inline policy deploy of user carol: connect ECONNREFUSED');
    expect(run.output).toContain(
      'Would apply 0 steps (0 already applied); 0 would be refused, 1 could not be checked.',
    );
  });
});
