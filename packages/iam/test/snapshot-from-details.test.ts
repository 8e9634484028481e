import { readFile } from 'node:fs/promises';
import { grantsFromSnapshot, parseAuthorizationSnapshot } from '@lastswitch/core';
import { describe, expect, it } from 'vitest';
import { IamSnapshotError, snapshotFromAuthorizationDetails } from '../src/index.js';

const fixture = async (): Promise<unknown> =>
  JSON.parse(await readFile(new URL('./fixtures/gaad-cli.json', import.meta.url), 'utf8'));

describe('snapshotFromAuthorizationDetails (saved `aws iam get-account-authorization-details` output)', () => {
  it('reads AWS CLI output: parsed documents, ISO dates, default versions, referenced policies only', async () => {
    const snapshot = snapshotFromAuthorizationDetails(await fixture(), { now: 7 });
    expect(snapshot).toMatchObject({ account: '555566667777', takenAt: 7 });
    expect(snapshot.users[0]).toMatchObject({
      name: 'dana',
      path: '/people/',
      groups: ['ops'],
      createdAt: Date.UTC(2023, 3, 5, 6, 7, 8),
    });
    // The AWS CLI writes dates either way: `2023-04-05T06:07:08+00:00` or `2022-01-01 10:11:12+00:00`.
    expect(snapshot.groups[0]?.createdAt).toBe(Date.UTC(2022, 0, 1, 10, 11, 12));
    expect(snapshot.policies.map((p) => [p.arn, p.defaultVersionId])).toEqual([
      ['arn:aws:iam::555566667777:policy/ops-switch', 'v2'],
    ]);
    // ReadOnlyAccess is attached but absent from the saved output: said, not ignored.
    expect(snapshot.problems).toEqual([
      {
        entity: 'managed policy arn:aws:iam::aws:policy/ReadOnlyAccess',
        message: 'referenced but not returned by IAM',
      },
    ]);
    expect(parseAuthorizationSnapshot(JSON.parse(JSON.stringify(snapshot)))).toEqual(snapshot);
    const grants = grantsFromSnapshot(snapshot).grants.map((g) => [g.source.kind, g.resource]);
    expect(grants).toEqual([
      ['user-inline', 'arn:aws:iam::888899990000:role/Admin'],
      ['group-managed', 'arn:aws:iam::*:role/ops-*'],
    ]);
  });

  it('accepts an array of pages and an explicit account', async () => {
    const details = (await fixture()) as Record<string, unknown>;
    const pages = [
      { UserDetailList: details.UserDetailList },
      { GroupDetailList: details.GroupDetailList, Policies: details.Policies },
    ];
    const snapshot = snapshotFromAuthorizationDetails(pages, { now: 1, account: '555566667777' });
    expect(snapshot.users).toHaveLength(1);
    expect(snapshot.groups).toHaveLength(1);
  });

  it.each([[{}], [[]], [null], ['text'], [{ Users: [] }], [[{ UserDetailList: [] }, 3]]])(
    'rejects %j with a typed error',
    (input) => {
      expect(() => snapshotFromAuthorizationDetails(input, { now: 1 })).toThrow(IamSnapshotError);
    },
  );
});
