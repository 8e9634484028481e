/**
 * End to end through core: trail files (written here in CloudTrail's shapes) → collectTrailFile →
 * foldSwitches/foldAliases → MemoryLedgerStore in every delivery order, with replays →
 * assessStore with a roster → every report format.
 */
import { gzipSync } from 'node:zlib';
import {
  assessStore,
  collectTrailFile,
  foldAliases,
  foldSwitches,
  MemoryLedgerStore,
  renderReport,
  toReportJson,
} from '@lastswitch/core';
import { describe, expect, it } from 'vitest';

const IDENTITY = '111111111111';
const TARGET = '222222222222';
const TOKEN = 'FQoGZXIvYXdzEXAMPLESESSIONTOKENnever-leaks';
const NOW = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;
const at = (daysAgo: number) => new Date(NOW - daysAgo * DAY).toISOString().replace('.000Z', 'Z');

const erin = {
  type: 'IAMUser',
  principalId: 'AIDAEXAMPLEERIN00001',
  arn: `arn:aws:iam::${IDENTITY}:user/ops/erin`,
  accountId: IDENTITY,
  accessKeyId: 'AKIAEXAMPLEERIN00001',
  userName: 'erin',
};

/** A successful cross-account AssumeRole as the caller's trail records it. */
function callerSide(daysAgo: number, eventId: string, shared: string) {
  return {
    eventVersion: '1.08',
    userIdentity: erin,
    eventTime: at(daysAgo),
    eventSource: 'sts.amazonaws.com',
    eventName: 'AssumeRole',
    awsRegion: 'eu-west-1',
    sourceIPAddress: '198.51.100.7',
    requestParameters: { roleArn: `arn:aws:iam::${TARGET}:role/team/Admin`, roleSessionName: 'erin' },
    responseElements: {
      credentials: { accessKeyId: 'ASIAEXAMPLE000000001', sessionToken: TOKEN, expiration: 'Jan 1, 2026, 1:00:00 AM' },
      assumedRoleUser: {
        assumedRoleId: 'AROAEXAMPLEADMIN0001:erin',
        arn: `arn:aws:sts::${TARGET}:assumed-role/Admin/erin`,
      },
    },
    requestID: `req-${eventId}`,
    eventID: eventId,
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: IDENTITY,
    sharedEventID: shared,
    eventCategory: 'Management',
  };
}

/** The same call as the role owner's trail records it: only account and principal id. */
function ownerSide(daysAgo: number, eventId: string, shared: string) {
  return {
    ...callerSide(daysAgo, eventId, shared),
    userIdentity: { type: 'AWSAccount', principalId: erin.principalId, accountId: IDENTITY },
    recipientAccountId: TARGET,
  };
}

/** A console role switch by frank into ReadOnly. */
function consoleSwitch(daysAgo: number, eventId: string) {
  return {
    eventVersion: '1.08',
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLEREADONLY1:frank',
      arn: `arn:aws:sts::${TARGET}:assumed-role/ReadOnly/frank`,
      accountId: TARGET,
    },
    eventTime: at(daysAgo),
    eventSource: 'signin.amazonaws.com',
    eventName: 'SwitchRole',
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.8',
    requestParameters: null,
    responseElements: { SwitchRole: 'Success' },
    additionalEventData: {
      SwitchFrom: `arn:aws:iam::${IDENTITY}:user/frank`,
      RedirectTo: 'https://console.aws.amazon.com',
    },
    eventID: eventId,
    readOnly: false,
    eventType: 'AwsConsoleSignIn',
    managementEvent: true,
    recipientAccountId: TARGET,
    eventCategory: 'Management',
  };
}

/** An AssumeRole that was denied: never a switch. */
function denied(daysAgo: number, eventId: string) {
  return {
    ...callerSide(daysAgo, eventId, `shared-${eventId}`),
    userIdentity: {
      ...erin,
      principalId: 'AIDAEXAMPLEMALLORY01',
      arn: `arn:aws:iam::${IDENTITY}:user/mallory`,
      userName: 'mallory',
    },
    errorCode: 'AccessDenied',
    errorMessage: `User: arn:aws:iam::${IDENTITY}:user/mallory is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${TARGET}:role/team/Admin`,
    requestParameters: null,
    responseElements: null,
  };
}

const trailFiles = {
  identityTrail: { Records: [callerSide(200, 'evt-0200', 'shared-0200')] },
  // The role owner's copy of a later call whose caller-side file has not arrived (yet).
  targetTrail: {
    Records: [ownerSide(20, 'evt-0020-owner', 'shared-0020'), consoleSwitch(120, 'evt-0120'), denied(1, 'evt-0001')],
  },
  lateIdentityTrail: { Records: [callerSide(300, 'evt-0300', 'shared-0300')] },
};

async function readAll() {
  const folded = [];
  for (const [name, body] of Object.entries(trailFiles)) {
    const file = await collectTrailFile(gzipSync(Buffer.from(JSON.stringify(body))));
    folded.push({
      name,
      updates: foldSwitches(file.switches),
      aliases: foldAliases(file.aliases),
      denied: file.denied.length,
    });
  }
  return folded;
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

const roster = [
  {
    principal: `arn:aws:iam::${IDENTITY}:user/erin`,
    role: `arn:aws:iam::${TARGET}:role/Admin`,
    source: 'group admins',
  },
  { principal: `arn:aws:iam::${IDENTITY}:user/frank`, role: `arn:aws:iam::${TARGET}:role/ReadOnly*` },
  { principal: `arn:aws:iam::${IDENTITY}:user/frank`, role: `arn:aws:iam::${TARGET}:role/Deploy` },
  { principal: `arn:aws:iam::${IDENTITY}:user/gina`, since: NOW - 400 * DAY },
];

describe('trail files to reports', () => {
  it('gives the same report for every delivery order and replay, with the role-owner side resolved', async () => {
    const files = await readAll();
    expect(files.map((f) => [f.name, f.updates.length, f.aliases.length, f.denied])).toEqual([
      ['identityTrail', 1, 1, 0],
      ['targetTrail', 2, 3, 1],
      ['lateIdentityTrail', 1, 1, 0],
    ]);
    const reports = new Set<string>();
    for (const order of [...permutations(files), [...files, ...files.slice(0, 2)]]) {
      const store = new MemoryLedgerStore();
      for (const file of order) await store.apply(file.updates, file.aliases);
      reports.add(renderReport(await assessStore(store, { now: NOW, staleAfterDays: 90, roster }), 'json'));
    }
    expect(reports.size).toBe(1);

    const json = JSON.parse([...reports][0] as string) as ReturnType<typeof toReportJson>;
    expect(json.pairs.map((p) => [p.principalName, p.roleName, p.status, p.daysSince, p.via])).toEqual([
      ['frank', 'Deploy', 'never', null, []],
      ['gina', '*', 'never', null, []],
      ['frank', 'ReadOnly', 'stale', 120, ['SwitchRole']],
      ['erin', 'Admin', 'active', 20, ['AssumeRole']],
    ]);
    const erinAdmin = json.pairs[3];
    expect(erinAdmin).toMatchObject({
      principal: `arn:aws:iam::${IDENTITY}:user/erin`,
      principalArn: `arn:aws:iam::${IDENTITY}:user/ops/erin`,
      role: `arn:aws:iam::${TARGET}:role/Admin`,
      firstSeen: new Date(NOW - 300 * DAY).toISOString(),
      lastSeen: new Date(NOW - 20 * DAY).toISOString(),
      allowedBy: { role: `arn:aws:iam::${TARGET}:role/Admin`, since: null, source: 'group admins' },
    });
    expect(json.principals.map((p) => [p.principalName, p.status, p.daysSince])).toEqual([
      ['gina', 'never', null],
      ['frank', 'stale', 120],
      ['erin', 'active', 20],
    ]);
  });

  it('keeps an owner-side caller as unresolved:<account>:<principalId> until an alias arrives', async () => {
    const [, target] = await readAll();
    const store = new MemoryLedgerStore();
    await store.apply(target?.updates ?? [], target?.aliases ?? []);
    const json = toReportJson(await assessStore(store, { now: NOW, staleAfterDays: 90 }));
    expect(json.pairs.map((p) => p.principal)).toContain(`unresolved:${IDENTITY}:${erin.principalId}`);
  });

  it('never writes a session token into any report', async () => {
    const store = new MemoryLedgerStore();
    for (const file of await readAll()) await store.apply(file.updates, file.aliases);
    const assessment = await assessStore(store, { now: NOW, staleAfterDays: 90, roster });
    for (const format of ['table', 'markdown', 'csv', 'json'] as const) {
      for (const by of ['pair', 'principal'] as const) {
        const out = renderReport(assessment, format, { by });
        expect(out).not.toContain(TOKEN);
        expect(out).not.toContain('ASIAEXAMPLE');
      }
    }
  });
});
