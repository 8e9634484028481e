import { readFileSync } from 'node:fs';
import {
  isRolePattern,
  matchesGlob,
  parseRoster,
  RosterError,
  rosterCoversRole,
  rosterPrincipalRef,
  rosterRoleRef,
} from '@lastswitch/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RosterEntry } from '../src/model.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/ledger/${name}`, import.meta.url), 'utf8');

const expected: RosterEntry[] = [
  {
    principal: 'arn:aws:iam::111111111111:user/ops/erin',
    role: 'arn:aws:iam::222222222222:role/Admin',
    since: Date.UTC(2025, 0, 15),
    source: 'group ops',
  },
  {
    principal: 'arn:aws:iam::111111111111:user/frank',
    role: 'arn:aws:iam::*:role/ReadOnly*',
    since: Date.UTC(2025, 2, 1, 9, 30),
    source: 'policy "read", statement 2',
  },
  { principal: 'arn:aws:iam::111111111111:user/grace' },
];

describe('parseRoster', () => {
  it.each([
    ['CSV with header, comments, quoting and blank lines', 'roster.csv', undefined],
    ['CSV, format given', 'roster.csv', 'csv'],
    ['JSON object with a roster array and a bare ARN string', 'roster.json', undefined],
    ['JSON, format given', 'roster.json', 'json'],
  ] as const)('reads %s', (_name, file, format) => {
    expect(parseRoster(fixture(file), format)).toEqual(expected);
  });

  it.each<[string, string, RosterEntry[]]>([
    ['an empty CSV', '', []],
    ['an empty JSON array', '[]', []],
    [
      'CSV without header, principal only',
      'arn:aws:iam::111111111111:user/a\n',
      [{ principal: 'arn:aws:iam::111111111111:user/a' }],
    ],
    [
      'CSV with a reordered header and CRLF',
      'role,principal\r\narn:aws:iam::222222222222:role/R,arn:aws:iam::111111111111:user/a\r\n',
      [{ principal: 'arn:aws:iam::111111111111:user/a', role: 'arn:aws:iam::222222222222:role/R' }],
    ],
    [
      'a UTF-8 BOM and a quoted field spanning lines',
      '\uFEFFprincipal,source\narn:aws:iam::111111111111:user/a,"two\nlines"\n',
      [{ principal: 'arn:aws:iam::111111111111:user/a', source: 'two\nlines' }],
    ],
    [
      'JSON epoch-ms since and null role',
      '[{"principal":"arn:aws:iam::111111111111:user/a","role":null,"since":1735689600000}]',
      [{ principal: 'arn:aws:iam::111111111111:user/a', since: 1735689600000 }],
    ],
    [
      'a since with an offset',
      'arn:aws:iam::111111111111:user/a,*,2025-01-01T02:00:00+02:00',
      [{ principal: 'arn:aws:iam::111111111111:user/a', role: '*', since: Date.UTC(2025, 0, 1) }],
    ],
    [
      'principal keys for identities without an ARN',
      'source-identity:alice@example.com\nsaml:arn:aws:iam::111111111111:saml-provider/Okta:bob\nweb-identity:accounts.google.com:carol\nunresolved:111111111111:AROAEXAMPLE:sess',
      [
        { principal: 'source-identity:alice@example.com' },
        { principal: 'saml:arn:aws:iam::111111111111:saml-provider/Okta:bob' },
        { principal: 'web-identity:accounts.google.com:carol' },
        { principal: 'unresolved:111111111111:AROAEXAMPLE:sess' },
      ],
    ],
    [
      'a role with a path and a root principal',
      'arn:aws:iam::111111111111:root,arn:aws:iam::222222222222:role/team/R',
      [{ principal: 'arn:aws:iam::111111111111:root', role: 'arn:aws:iam::222222222222:role/team/R' }],
    ],
  ])('reads %s', (_name, text, entries) => {
    expect(parseRoster(text)).toEqual(entries);
  });

  it.each<[string, string, 'json' | 'csv' | undefined, { line?: number; entry?: number; field?: string }, string]>([
    ['invalid JSON', '[\n  {"principal": "x" "role": 1}\n]', 'json', { line: 2 }, 'not valid JSON'],
    ['JSON cut short', '[\n  {"principal": }\n]', 'json', {}, 'not valid JSON'],
    ['JSON that is not a list', '{"principal":"arn:aws:iam::111111111111:user/a"}', 'json', {}, 'must be an array'],
    ['a JSON entry that is a number', '[42]', 'json', { entry: 0 }, 'must be an object'],
    [
      'an unknown JSON field',
      '[{"principal":"arn:aws:iam::111111111111:user/a","rol":"x"}]',
      'json',
      { entry: 0, field: 'rol' },
      'unknown field',
    ],
    [
      'a missing principal',
      '[{"role":"arn:aws:iam::222222222222:role/R"}]',
      'json',
      { entry: 0, field: 'principal' },
      'principal is missing',
    ],
    [
      'a principal that is no ARN',
      'principal\nerin\n',
      'csv',
      { line: 2, entry: 0, field: 'principal' },
      'not a principal ARN',
    ],
    [
      'a principal that is a bucket',
      'arn:aws:s3:::bucket',
      'csv',
      { line: 1, field: 'principal' },
      'not a principal ARN',
    ],
    [
      'a role that is a user',
      'arn:aws:iam::111111111111:user/a,arn:aws:iam::111111111111:user/b',
      'csv',
      { line: 1, field: 'role' },
      'not a role ARN',
    ],
    [
      'a pattern that is not an ARN',
      'arn:aws:iam::111111111111:user/a,Admin*',
      'csv',
      { line: 1, field: 'role' },
      'must be * or start with "arn:"',
    ],
    [
      'a since that is not a date',
      '# c\n\narn:aws:iam::111111111111:user/a,,yesterday',
      'csv',
      { line: 3, field: 'since' },
      'not an ISO 8601 date',
    ],
    [
      'a since on a day that does not exist',
      'arn:aws:iam::111111111111:user/a,,2025-02-30',
      'csv',
      { line: 1, field: 'since' },
      'not an ISO 8601 date',
    ],
    [
      'a since without a zone',
      'arn:aws:iam::111111111111:user/a,,2025-02-03T10:00:00',
      'csv',
      { line: 1, field: 'since' },
      'not an ISO 8601 date',
    ],
    [
      'a negative epoch since',
      '[{"principal":"arn:aws:iam::111111111111:user/a","since":-1}]',
      'json',
      { entry: 0, field: 'since' },
      'epoch-millisecond',
    ],
    ['too many CSV fields', 'arn:aws:iam::111111111111:user/a,*,,src,extra', 'csv', { line: 1 }, 'expected at most 4'],
    ['an unknown CSV column', 'principal,rolle\n', 'csv', { line: 1, field: 'rolle' }, 'unknown column'],
    ['a repeated CSV column', 'principal,role,role\n', 'csv', { line: 1, field: 'role' }, 'appears twice'],
    ['an unclosed quote', 'arn:aws:iam::111111111111:user/a,"oops\n', 'csv', { line: 1 }, 'never closed'],
    ['a stray quote', 'arn:aws:iam::111111111111:user/a,ab"c', 'csv', { line: 1 }, 'quote inside an unquoted field'],
    [
      'a control character',
      'arn:aws:iam::111111111111:user/a,*,,bad\u0007',
      'csv',
      { line: 1, field: 'source' },
      'control character',
    ],
  ])('rejects %s with a RosterError naming where', (_name, text, format, where, message) => {
    let error: unknown;
    try {
      parseRoster(text, format);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RosterError);
    const rosterError = error as RosterError;
    expect(rosterError.name).toBe('RosterError');
    expect(rosterError.message).toContain(message);
    expect({ line: rosterError.line, entry: rosterError.entry, field: rosterError.field }).toMatchObject(where);
  });

  it('rejects an unknown format', () => {
    expect(() => parseRoster('[]', 'xml' as 'json')).toThrow(RosterError);
  });

  it('never throws anything but a RosterError, whatever the text (property)', () => {
    const pieces = fc.constantFrom(
      'arn:aws:iam::111111111111:user/a',
      ',',
      '"',
      '\n',
      '\r\n',
      '*',
      '2025-01-01',
      '[',
      '{',
      '}',
      ']',
      ':',
      '#',
      ' ',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(pieces, { maxLength: 30 }).map((p) => p.join('')),
        ),
        (text) => {
          try {
            parseRoster(text);
          } catch (e) {
            expect(e).toBeInstanceOf(RosterError);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('role patterns', () => {
  it.each([
    ['*', 'anything', true],
    ['arn:aws:iam::*:role/Admin*', 'arn:aws:iam::222222222222:role/AdminFull', true],
    ['arn:aws:iam::*:role/Admin*', 'arn:aws:iam::222222222222:role/ReadOnly', false],
    ['arn:aws:iam::222222222222:role/*', 'arn:aws:iam::222222222222:role/team/Admin', true],
    ['arn:aws:iam::222222222222:role/*', 'arn:aws:iam::333333333333:role/Admin', false],
    ['arn:aws:iam::2222222222??:role/A', 'arn:aws:iam::222222222233:role/A', true],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'aXbYcZ', false],
    ['a*b*c', 'acb', false],
    ['*ab', 'ab', true],
    ['a*a', 'a', false],
    ['exact', 'exact', true],
    ['exact', 'exactly', false],
    ['a?c', 'ac', false],
  ])('%s matches %s: %s', (pattern, text, match) => {
    expect(matchesGlob(pattern, text)).toBe(match);
  });

  it('matches a long hostile pattern without blowing up', () => {
    const pattern = `${'*a'.repeat(200)}b`;
    expect(matchesGlob(pattern, 'a'.repeat(2000))).toBe(false);
  });

  it('agrees with a reference matcher on random patterns (property)', () => {
    const reference = (p: string, s: string): boolean => {
      // Dynamic programming over (pattern, text) prefixes.
      let row = Array.from({ length: s.length + 1 }, (_, j) => j === 0);
      for (const c of p) {
        const next = Array.from({ length: s.length + 1 }, () => false);
        next[0] = c === '*' && (row[0] ?? false);
        for (let j = 1; j <= s.length; j++) {
          next[j] =
            c === '*'
              ? (row[j] ?? false) || (next[j - 1] ?? false)
              : (row[j - 1] ?? false) && (c === '?' || c === s[j - 1]);
        }
        row = next;
      }
      return row[s.length] ?? false;
    };
    const alphabet = fc.constantFrom('a', 'b', '*', '?');
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 8 }),
        fc.array(fc.constantFrom('a', 'b'), { maxLength: 10 }),
        (p, s) => {
          expect(matchesGlob(p.join(''), s.join(''))).toBe(reference(p.join(''), s.join('')));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('covers roles by key or full ARN, and refs a pattern by itself', () => {
    const role = {
      key: 'arn:aws:iam::222222222222:role/Admin',
      account: '222222222222',
      name: 'Admin',
      arn: 'arn:aws:iam::222222222222:role/team/Admin',
    };
    expect(rosterCoversRole(undefined, role)).toBe(true);
    expect(rosterCoversRole('arn:aws:iam::222222222222:role/team/Admin', role)).toBe(true);
    expect(rosterCoversRole('arn:aws:iam::222222222222:role/Admin', role)).toBe(true);
    expect(rosterCoversRole('arn:aws:iam::222222222222:role/team/*', role)).toBe(true);
    expect(rosterCoversRole('arn:aws:iam::222222222222:role/other/*', role)).toBe(false);
    expect(isRolePattern('arn:aws:iam::222222222222:role/A?')).toBe(true);
    expect(rosterRoleRef('arn:aws:iam::222222222222:role/Admin*')).toEqual({
      key: 'arn:aws:iam::222222222222:role/Admin*',
      account: '222222222222',
      name: 'Admin*',
      arn: 'arn:aws:iam::222222222222:role/Admin*',
    });
    expect(rosterRoleRef(undefined)).toEqual({ key: '*', account: '', name: '*', arn: '*' });
    expect(rosterRoleRef('arn:aws:iam::222222222222:role/team/Admin').key).toBe('arn:aws:iam::222222222222:role/Admin');
  });
});

describe('rosterPrincipalRef: keys whose name holds colons', () => {
  it.each([
    [
      'web-identity:arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com:repo:example/app:ref:refs/heads/main',
      'web-identity',
      '222222222222',
      'repo:example/app:ref:refs/heads/main',
    ],
    ['web-identity:accounts.google.com:carol', 'web-identity', '', 'carol'],
    ['saml:arn:aws:iam::111111111111:saml-provider/Okta:bob', 'saml', '111111111111', 'bob'],
    ['saml:AWSSSO_0123_DO_NOT_DELETE:peggy@example.com', 'saml', '', 'peggy@example.com'],
  ])('%s', (principal, kind, account, name) => {
    expect(rosterPrincipalRef({ principal })).toEqual({ key: principal, kind, account, name });
  });
});
