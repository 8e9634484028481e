import {
  assessLedger,
  type LedgerEntry,
  principalRefFromArn,
  type RosterEntry,
  roleRefFromArn,
} from '@lastswitch/core';
import { describe, expect, it } from 'vitest';
import { toSlackMessages } from '../src/index.js';
import { DAY, NOW } from './assessments.js';

/** A ledger entry for a principal ARN and role ARN, last switched `daysAgo` days before NOW. */
function entry(principalArn: string, roleArn: string, daysAgo: number): LedgerEntry {
  const lastSeen = NOW - daysAgo * DAY - 60_000;
  return {
    principal: principalRefFromArn(principalArn),
    role: roleRefFromArn(roleArn),
    firstSeen: lastSeen - 10 * DAY,
    lastSeen,
    methods: ['AssumeRole'],
    lastEventId: `event-${principalArn}-${roleArn}`,
  };
}

function sectionsText(messages: ReturnType<typeof toSlackMessages>): string {
  return messages
    .flatMap((message) => message.blocks)
    .map((block) => (block.type === 'section' ? block.text.text : ''))
    .join('\n');
}

describe('toSlackMessages with an assessment from core', () => {
  it('renders what assessLedger produces, roster grants and patterns included', async () => {
    const ledger = [
      entry(
        'arn:aws:iam::111122223333:user/ops/erin',
        'arn:aws:iam::210987654321:role/OrganizationAccountAccessRole',
        200,
      ),
      entry('arn:aws:iam::111122223333:user/alice', 'arn:aws:iam::444455556666:role/Admin', 120),
      entry('arn:aws:iam::111122223333:user/alice', 'arn:aws:iam::444455556666:role/ReadOnly', 3),
      entry('arn:aws:iam::111122223333:user/dave', 'arn:aws:iam::444455556666:role/Developer', 1),
    ];
    const roster: RosterEntry[] = [
      {
        principal: 'arn:aws:iam::111122223333:user/carol',
        role: 'arn:aws:iam::444455556666:role/Audit*',
        source: 'policy AssumeAudit',
      },
      { principal: 'arn:aws:iam::111122223333:user/frank', source: 'group admins' },
      { principal: 'arn:aws:iam::111122223333:user/dave', role: 'arn:aws:iam::444455556666:role/Developer' },
    ];
    const assessment = await assessLedger(ledger, { now: NOW, staleAfterDays: 90, roster });
    const messages = toSlackMessages(assessment);
    expect(messages).toHaveLength(1);
    const summary = messages[0]?.blocks[1];
    expect(summary?.type === 'section' && summary.text.text).toBe(
      '*1 principal* has not switched role at all in 90 days; *1 more* holds roles they have not used in 90 days; ' +
        '*2 principals* are allowed roles they have never switched into.',
    );
    const text = sectionsText(messages);
    expect(text).toContain(
      '*erin* · IAM user · account `111122223333`\n• `OrganizationAccountAccessRole` in `210987654321`: last switch 200 days ago',
    );
    expect(text).toContain(
      '*alice* · IAM user · account `111122223333` · still active in 1 other role\n• `Admin` in `444455556666`: last switch 120 days ago',
    );
    expect(text).toContain('• `Audit*` in `444455556666`: allowed, never switched (allowed by policy AssumeAudit)');
    expect(text).toContain(
      '*frank* · IAM user · account `111122223333`\n• any role: allowed, never switched (allowed by group admins)',
    );
    expect(text).not.toContain('*dave*');
  });
});
