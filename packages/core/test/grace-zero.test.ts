import { describe, expect, it } from 'vitest';
import { assessGrants, grantsFromSnapshot } from '../src/grants/index.js';
import { assessLedger, DAY_MS } from '../src/ledger/index.js';
import { allowAssume, IDENTITY, role, snapshot, TARGET, user } from './grants-fixtures.js';

const NOW = Date.UTC(2026, 1, 16);

// A plan or report made as of a past date can meet principals created after it (a snapshot taken
// today): `graceDays: 0` still means no grace for them; a positive grace keeps them in grace.
describe('graceDays 0 means no grace, also for a principal created after `now`', () => {
  it.each([
    ['grace 0, created 10 days after now', 0, 10 * DAY_MS, false],
    ['grace 0, created just now', 0, 0, false],
    ['grace 30, created 10 days after now', 30, 10 * DAY_MS, true],
    ['grace 30, created 40 days before now', 30, -40 * DAY_MS, false],
  ])('grants: a never-used grant, %s: inGrace %s', async (_name, graceDays, offset, inGrace) => {
    const identity = snapshot(IDENTITY, {
      users: [user('gina', { inline: [[allowAssume(`arn:aws:iam::${TARGET}:role/Admin`)]], createdAt: NOW + offset })],
    });
    const { grants } = grantsFromSnapshot([identity, snapshot(TARGET, { roles: [role('Admin')] })]);
    const assessment = await assessLedger([], { now: NOW, staleAfterDays: 30 });
    const [usage] = assessGrants(assessment, grants, { graceDays });
    expect(usage).toMatchObject({ status: 'never', inGrace });
  });

  it.each([
    ['grace 0, created after now', 0, 10 * DAY_MS, ['never']],
    ['grace 30, created after now', 30, 10 * DAY_MS, []],
  ])('assessment: a roster grant, %s', async (_name, graceDays, offset, statuses) => {
    const a = await assessLedger([], {
      now: NOW,
      staleAfterDays: 30,
      graceDays,
      roster: [{ principal: `arn:aws:iam::${IDENTITY}:user/gina`, since: NOW + offset }],
    });
    expect(a.pairs.map((p) => p.status)).toEqual(statuses);
  });
});
