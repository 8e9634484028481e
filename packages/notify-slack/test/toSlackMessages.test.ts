import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SLACK_LIMITS, type SlackBlock, SlackConfigError, type SlackMessage, toSlackMessages } from '../src/index.js';
import { assessed, assessment, bigReport, principal, type RoleSpec, realisticAssessment, role } from './assessments.js';

/** Every mrkdwn/plain text of a message, in order. */
function texts(message: SlackMessage): string[] {
  return message.blocks.flatMap((block: SlackBlock) => {
    if (block.type === 'header' || block.type === 'section') return [block.text.text];
    if (block.type === 'context') return block.elements.map((element) => element.text);
    return [];
  });
}

function headerOf(message: SlackMessage): string {
  const first = message.blocks[0];
  if (first?.type !== 'header') throw new Error('the first block is not a header');
  return first.text.text;
}

/** Checks every Slack limit the renderer promises, for every message. */
function expectWithinLimits(messages: SlackMessage[], maxBlocks = 50, maxChars = 10_000): void {
  for (const message of messages) {
    expect(message.blocks.length).toBeLessThanOrEqual(maxBlocks);
    expect(headerOf(message).length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    let chars = 0;
    for (const block of message.blocks) {
      if (block.type === 'section') {
        expect(block.text.text.length).toBeGreaterThan(0);
        expect(block.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      }
    }
    for (const text of texts(message)) chars += text.length;
    expect(chars).toBeLessThanOrEqual(maxChars);
  }
}

function countOccurrences(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

function allText(messages: SlackMessage[]): string {
  return messages.map((message) => texts(message).join('\n')).join('\n');
}

describe('toSlackMessages: content', () => {
  it('renders a realistic assessment: counts, groups in order, roles with days and dates', () => {
    const messages = toSlackMessages(realisticAssessment());
    expect(messages).toHaveLength(1);
    const [message] = messages;
    if (!message) throw new Error('no message');
    expect(headerOf(message)).toBe('lastswitch: unused AWS role access');
    const [summary, ...rest] = texts(message).slice(1);
    expect(summary).toBe(
      '*2 principals* have not switched role at all in 90 days; *2 more* hold roles they have not used in 90 days; ' +
        '*1 principal* is allowed roles they have never switched into.',
    );
    expect(message.text).toContain('2 principals have not switched role at all in 90 days');
    const body = rest.join('\n');
    const order = ['Not switched into any role', '*erin*', '*deploy-bot*', 'Still switching', '*alice*', '*bob*'];
    const positions = [...order, 'Allowed, but never switched', '*carol*'].map((needle) => body.indexOf(needle));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(body).toContain(
      '• `OrganizationAccountAccessRole` in `210987654321`: last switch 212 days ago (2026-04-30)',
    );
    expect(body).toContain('*bob* · IAM user · account `111122223333` · still active in 2 other roles');
    expect(body).toContain('• `SecurityAudit` in `444455556666`: allowed, never switched');
    // Active roles and fully active principals are not listed.
    expect(body).not.toContain('*dave*');
    expect(body).not.toContain('`Developer`');
    expect(message.unfurl_links).toBe(false);
  });

  it('says "all clear" when nothing is stale, so people know the check ran', () => {
    const fresh = assessment([
      assessed(principal('alice'), [{ role: role('Admin'), status: 'active', daysAgo: 3 }]),
      assessed(principal('bob'), [{ role: role('Admin'), status: 'active', daysAgo: 30 }]),
    ]);
    const messages = toSlackMessages(fresh, { mention: '<!here>', title: 'Access review' });
    expect(messages).toHaveLength(1);
    const all = allText(messages);
    expect(headerOf(messages[0] as SlackMessage)).toBe('Access review');
    expect(all).toContain('*All clear.* All 2 principals switched into every role they hold within the last 90 days.');
    expect(all).toContain('Assessed 2 principals and 2 role grants on 2026-11-29 00:00 UTC');
    // Nobody is paged for good news.
    expect(all).not.toContain('<!here>');
    expect(messages[0]?.text).toBe('Access review: All clear: no role has gone unused for 90 days.');
  });

  it('says there is nothing to report when the assessment is empty, rather than "all clear"', () => {
    const [message, ...others] = toSlackMessages(assessment([]));
    expect(others).toEqual([]);
    const all = texts(message as SlackMessage).join('\n');
    expect(all).toContain('*Nothing to report.*');
    expect(all).not.toContain('All clear');
  });

  it('escapes &, < and > in every name, role, source and title', () => {
    const hostile = assessment([
      assessed(principal('a&b<c>@<!channel>', '111122223333', 'saml'), [
        { role: role('R&D<ops>'), status: 'stale', daysAgo: 200 },
      ]),
      assessed(principal('x<y'), [{ role: role('Deploy'), status: 'never', source: '<https://evil.example|click>' }]),
    ]);
    const messages = toSlackMessages(hostile, { title: 'Q&A <team>' });
    const all = allText(messages);
    expect(all).toContain('*a&amp;b&lt;c&gt;@&lt;!channel&gt;* · SAML identity');
    expect(all).toContain('`R&amp;D&lt;ops&gt;`');
    expect(all).toContain('allowed by &lt;https://evil.example|click&gt;');
    expect(all).toContain('*x&lt;y*');
    // No raw control characters survive in mrkdwn: no channel ping, no link.
    for (const message of messages) {
      for (const block of message.blocks) {
        if (block.type === 'section') expect(block.text.text).not.toMatch(/[<>]/);
      }
      expect(message.text).not.toMatch(/[<>]/);
    }
    expect(messages[0]?.text.startsWith('Q&amp;A &lt;team&gt;: ')).toBe(true);
  });

  it('puts the mention in the first message only and the link beside the summary', () => {
    const messages = toSlackMessages(bigReport(), {
      mention: '<!subteam^S0123ABCD|@platform> <@U0456EFGH>',
      link: { url: 'https://wiki.example.com/runbook?team=ops&step=2', text: 'Runbook <access>' },
    });
    expect(messages.length).toBeGreaterThan(1);
    const [first, ...rest] = messages;
    expect(
      texts(first as SlackMessage)[1]?.startsWith('<!subteam^S0123ABCD|@platform> <@U0456EFGH> *300 principals*'),
    ).toBe(true);
    expect(first?.text.startsWith('<!subteam^S0123ABCD|@platform> <@U0456EFGH> ')).toBe(true);
    expect(allText(messages)).toContain(
      '<https://wiki.example.com/runbook?team=ops&amp;step=2|Runbook &lt;access&gt;>',
    );
    for (const message of rest) {
      expect(allText([message])).not.toContain('<@U0456EFGH>');
      expect(message.text).not.toContain('<@U0456EFGH>');
    }
  });

  it('lists each stale role of a principal and computes days when the assessment leaves them out', () => {
    const entry = assessed(principal('erin'), [{ role: role('Admin'), status: 'stale', daysAgo: 100 }]);
    const pair = entry.roles[0];
    if (pair) delete pair.daysSince;
    const all = allText(toSlackMessages(assessment([entry])));
    expect(all).toContain('`Admin` in `444455556666`: last switch 100 days ago (2026-08-20)');
  });
});

describe('toSlackMessages: splitting within Slack limits', () => {
  it('splits 300 stale principals into numbered messages, each principal exactly once, in order', () => {
    const report = bigReport();
    const messages = toSlackMessages(report);
    expect(messages.length).toBeGreaterThan(1);
    expectWithinLimits(messages);
    const total = messages.length;
    messages.forEach((message, index) => {
      expect(headerOf(message)).toBe(`lastswitch: unused AWS role access (${index + 1}/${total})`);
      expect(message.text).toContain(`(${index + 1}/${total})`);
    });
    const all = allText(messages);
    let previous = -1;
    for (const { principal: who } of report.principals) {
      expect(countOccurrences(all, `*${who.name}*`)).toBe(1);
      const position = all.indexOf(`*${who.name}*`);
      expect(position).toBeGreaterThan(previous);
      previous = position;
    }
    expect(countOccurrences(all, '\n• ')).toBe(1200);
    // Later messages say which group they continue.
    expect(texts(messages[1] as SlackMessage)[1]).toBe(
      '*Not switched into any role in 90 days* (300 principals) _(continued)_',
    );
  });

  it.each([3, 4, 5, 7, 50])('never puts more than %i blocks in a message', (maxBlocks) => {
    const report = assessment(
      Array.from({ length: 300 }, (_, i) =>
        assessed(principal(`p${i}`), [{ role: role('Admin'), status: 'stale', daysAgo: 100 }]),
      ),
    );
    const messages = toSlackMessages(report, { maxBlocksPerMessage: maxBlocks });
    expectWithinLimits(messages, maxBlocks);
    const all = allText(messages);
    for (let i = 0; i < 300; i += 1) expect(countOccurrences(all, `*p${i}*`)).toBe(1);
  });

  it('splits one principal with hundreds of stale roles over sections, every role once', () => {
    const roles: RoleSpec[] = Array.from({ length: 400 }, (_, i) => ({
      role: role(`Role-${String(i).padStart(3, '0')}-WithAFairlyLongName`),
      status: 'stale',
      daysAgo: 91 + i,
    }));
    const messages = toSlackMessages(assessment([assessed(principal('hoarder'), roles)]));
    expectWithinLimits(messages);
    const all = allText(messages);
    for (let i = 0; i < 400; i += 1) {
      expect(countOccurrences(all, `\`Role-${String(i).padStart(3, '0')}-WithAFairlyLongName\``)).toBe(1);
    }
    expect(all).toContain('*hoarder* · IAM user · account `111122223333` _(continued)_');
  });

  it('keeps a long title within the header limit together with its numbering', () => {
    const messages = toSlackMessages(bigReport(), { title: 'T'.repeat(400) });
    expectWithinLimits(messages);
    expect(headerOf(messages[0] as SlackMessage)).toMatch(/^T+… \(1\/\d+\)$/);
  });

  it('holds the limits and lists every unused role for any assessment and any limits', () => {
    const name = fc.string({ minLength: 0, maxLength: 300 });
    const roleSpec = fc.record({
      name,
      account: fc.constantFrom('', '444455556666', '*'),
      status: fc.constantFrom('active' as const, 'stale' as const, 'never' as const),
      daysAgo: fc.integer({ min: 0, max: 5000 }),
      source: fc.option(name, { nil: undefined }),
    });
    const principalSpec = fc.record({ name, roles: fc.array(roleSpec, { maxLength: 30 }) });
    fc.assert(
      fc.property(
        fc.array(principalSpec, { maxLength: 60 }),
        fc.integer({ min: 3, max: 50 }),
        fc.integer({ min: 4000, max: 40_000 }),
        (specs, maxBlocks, maxChars) => {
          const principals = specs.map((spec) =>
            assessed(
              principal(spec.name),
              spec.roles.map((r) => ({
                role: { ...role(r.name || 'x'), name: r.name, account: r.account },
                status: r.status,
                ...(r.status === 'never' ? {} : { daysAgo: r.daysAgo }),
                ...(r.source === undefined ? {} : { source: r.source }),
              })),
            ),
          );
          const report = assessment(principals);
          const messages = toSlackMessages(report, { maxBlocksPerMessage: maxBlocks, maxCharsPerMessage: maxChars });
          expectWithinLimits(messages, maxBlocks, maxChars);
          const unused = report.pairs.filter((pair) => pair.status !== 'active').length;
          const lines = messages.flatMap((message) =>
            message.blocks.flatMap((block) =>
              block.type === 'section' ? block.text.text.split('\n').filter((line) => line.startsWith('• ')) : [],
            ),
          );
          const staleWithoutRoles = principals.filter(
            (p) => p.status === 'stale' && !p.roles.some((r) => r.status === 'stale'),
          ).length;
          expect(lines.length).toBe(unused + staleWithoutRoles);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('toSlackMessages: options', () => {
  it.each([
    ['2 blocks', { maxBlocksPerMessage: 2 }, /maxBlocksPerMessage must be a whole number from 3 to 50, got 2/],
    ['51 blocks', { maxBlocksPerMessage: 51 }, /got 51/],
    ['10.5 blocks', { maxBlocksPerMessage: 10.5 }, /got 10.5/],
    ['3,999 characters', { maxCharsPerMessage: 3999 }, /maxCharsPerMessage must be a whole number from 4000 to 40000/],
    ['a blank title', { title: '   ' }, /title must not be empty/],
    ['a bare @here', { mention: '@here' }, /mention must be Slack mention markup/],
    ['a link as mention', { mention: '<!here> <https://evil.example|x>' }, /mention must be Slack mention markup/],
    [
      'over 1,000 characters of mentions',
      { mention: Array.from({ length: 70 }, () => '<@U0123456789>').join(' ') },
      /mention must be at most 1000 characters/,
    ],
    [
      'a link URL over 2,000 characters',
      { link: { url: `https://example.com/${'a'.repeat(2000)}`, text: 'x' } },
      /link.url must be at most 2000 characters/,
    ],
    ['a javascript: link', { link: { url: 'javascript:alert(1)', text: 'x' } }, /link.url must be http or https/],
    ['a link that is not a URL', { link: { url: 'not a url', text: 'x' } }, /link.url is not a valid URL/],
    ['a blank link text', { link: { url: 'https://example.com', text: ' ' } }, /link.text must not be empty/],
  ])('rejects %s with a SlackConfigError', (_name, options, message) => {
    const act = () => toSlackMessages(realisticAssessment(), options);
    expect(act).toThrow(SlackConfigError);
    expect(act).toThrow(message);
  });

  it.each([
    '<!here>',
    '<!channel>',
    '<@U0123ABCD>',
    '<@W0123ABCD>',
    '<!subteam^S0123ABCD>',
    '<!subteam^S01|@ops> <!here>',
  ])('accepts the mention %s', (mention) => {
    const [first] = toSlackMessages(realisticAssessment(), { mention });
    expect(texts(first as SlackMessage)[1]?.startsWith(`${mention} *2 principals*`)).toBe(true);
  });
});
