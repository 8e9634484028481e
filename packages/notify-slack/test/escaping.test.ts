import type { PrincipalRef } from '@lastswitch/core';
import { describe, expect, it } from 'vitest';
import { type SlackBlock, type SlackMessage, toSlackMessages } from '../src/index.js';
import { assessed, assessment, principal, role } from './assessments.js';

/** Every mrkdwn text object of the messages. */
function mrkdwnTexts(messages: SlackMessage[]): { text: string; verbatim?: boolean }[] {
  return messages.flatMap((message) =>
    message.blocks.flatMap((block: SlackBlock) => {
      if (block.type === 'section') return [block.text];
      if (block.type === 'context') return block.elements;
      return [];
    }),
  );
}

/** The one rendered line that names `needle`. */
function lineWith(messages: SlackMessage[], needle: string): string {
  const lines = mrkdwnTexts(messages)
    .flatMap((text) => text.text.split('\n'))
    .filter((line) => line.includes(needle));
  expect(lines, `lines naming ${needle}`).toHaveLength(1);
  return lines[0] as string;
}

function render(name: string, roleName = 'Admin', kind: 'iam-user' | 'saml' = 'iam-user'): SlackMessage[] {
  return toSlackMessages(
    assessment([
      assessed(principal(name, '111122223333', kind), [{ role: role(roleName), status: 'stale', daysAgo: 200 }]),
    ]),
  );
}

/** Text Slack would turn into a channel-wide or user notification. */
const PING = /<[!@#]|(^|[^＠\w])@(here|channel|everyone)\b/i;
/** Characters that reorder, hide or break a line. */
const INVISIBLE = /[\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/u;

describe('user-controlled text cannot ping a channel or impersonate a line', () => {
  it.each([
    ['@here', 'ops@here'],
    ['@channel', '@channel'],
    ['@everyone', 'x@Everyone'],
    ['<!everyone>', 'a<!everyone>'],
    ['<!channel>', '<!channel>'],
    ['<!here>', 'role<!here>'],
    ['<@U0123ABCD>', '<@U0123ABCD>'],
  ])('a name with %s notifies nobody', (_what, name) => {
    for (const messages of [render(name, 'Admin', 'saml'), render('alice', name)]) {
      for (const text of mrkdwnTexts(messages)) {
        expect(text.text).not.toMatch(PING);
        // verbatim: Slack does not parse bare @here / #channel / URLs in data sections either.
        expect(text.verbatim).toBe(true);
      }
      for (const message of messages) expect(message.text).not.toMatch(PING);
    }
  });

  it('only the configured mention notifies, once, in the first message', () => {
    const messages = toSlackMessages(
      assessment([assessed(principal('@here'), [{ role: role('<!channel>'), status: 'stale', daysAgo: 200 }])]),
      { mention: '<!subteam^S0123ABCD>' },
    );
    const all = mrkdwnTexts(messages).map((text) => text.text);
    const pings = all.flatMap((text) => text.match(/<[!@][^>]*>/g) ?? []);
    expect(pings).toEqual(['<!subteam^S0123ABCD>']);
    expect(all.join('\n')).not.toMatch(/(^|[^＠\w])@(here|channel|everyone)\b/i);
  });

  it.each([
    ['U+202E right-to-left override', 'zed\u202Egpj.exe'],
    ['U+2066 left-to-right isolate', 'zed\u2066x\u2069'],
    ['U+200B zero-width space', 'zed\u200Bmin'],
    ['U+200D zero-width joiner', 'zed\u200Dmin'],
    ['U+FEFF byte-order mark', 'zed\uFEFF'],
    ['U+2028 line separator', 'zed\u2028*bob* · IAM user'],
    ['U+2029 paragraph separator', 'zed\u2029• `Admin`'],
    ['U+0085 next line', 'zed\u0085bob'],
  ])('%s is shown escaped, never acted on', (_what, name) => {
    for (const messages of [render(name), render('carol', name)]) {
      for (const text of mrkdwnTexts(messages)) expect(text.text).not.toMatch(INVISIBLE);
      // Still one line for the principal and one per role: nothing was split off or hidden.
      expect(lineWith(messages, 'zed')).toMatch(/zed\[U\+[0-9A-F]{4}\]/);
    }
  });
});

describe('Slack formatting characters in names cannot break their markup', () => {
  it('a backtick in a role name does not end its code span', () => {
    const roleLine = lineWith(render('alice', 'a`b``c'), '• ');
    // Exactly one code span for the role and one for the account.
    expect(roleLine.split('`')).toHaveLength(5);
    expect(roleLine).toContain("`a'b''c`");
  });

  it.each([
    ['*', 'a*b', '*a∗b*'],
    ['leading and trailing _', '_ops_', '*＿ops＿*'],
    ['~ strikethrough', '~old~', '*～old～*'],
    ['_ and ~ next to *', '*_x_*', '*∗＿x＿∗*'],
    ['_ inside a word stays', 'svc_deploy', '*svc_deploy*'],
    ['~ inside a word stays', 'a~b', '*a~b*'],
  ])('%s in a bold name', (_what, name, shown) => {
    const messages = render(name);
    const line = mrkdwnTexts(messages)
      .flatMap((text) => text.text.split('\n'))
      .find((candidate) => candidate.endsWith('· IAM user · account `111122223333`'));
    expect(line).toBe(`${shown} · IAM user · account \`111122223333\``);
  });
});

describe('principals that would read the same are told apart', () => {
  const sso = (instance: string): PrincipalRef => ({
    key: `saml:AWSSSO_${instance}_DO_NOT_DELETE:peggy@example.com`,
    kind: 'saml',
    account: '',
    name: 'peggy@example.com',
    arn: `saml:AWSSSO_${instance}_DO_NOT_DELETE:peggy@example.com`,
  });
  const lines = (who: PrincipalRef[]) =>
    mrkdwnTexts(
      toSlackMessages(
        assessment(who.map((p) => assessed(p, [{ role: role('Admin'), status: 'stale', daysAgo: 200 }]))),
      ),
    )
      .flatMap((text) => text.text.split('\n'))
      .filter((line) => line.includes('peggy'));

  it('one user name in two Identity Center instances names each instance', () => {
    const shown = lines([sso('1111111111111111'), sso('2222222222222222')]);
    expect(shown).toHaveLength(2);
    expect(shown.some((l) => l.includes('Identity Center 1111111111111111'))).toBe(true);
    expect(shown.some((l) => l.includes('Identity Center 2222222222222222'))).toBe(true);
  });

  it('one instance needs no qualifier', () => {
    const shown = lines([sso('1111111111111111')]);
    expect(shown).toHaveLength(1);
    expect(shown[0]).not.toContain('Identity Center');
  });
});
