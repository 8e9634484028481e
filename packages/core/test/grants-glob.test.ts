import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchArnPattern, matchGlob, patternCanMatchRole, patternCovers } from '../src/grants/index.js';

describe('matchGlob', () => {
  it.each([
    ['abc', 'abc', true],
    ['abc', 'abd', false],
    ['abc', 'ab', false],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['*', '', true],
    ['*', 'anything', true],
    ['a*', 'a', true],
    ['*c', 'abc', true],
    ['a*c', 'ac', true],
    ['a*c', 'abcbc', true],
    ['a*c', 'abcb', false],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'aXcYb', false],
    ['*ab*ab*', 'ab', false],
    ['*ab*ab*', 'abab', true],
    ['*aab*', 'aaab', true],
    ['**', 'x', true],
    ['a*?', 'a', false],
    ['a*?', 'ab', true],
    ['', '', true],
    ['', 'x', false],
    // A partial match that fails part-way resumes from the longest border of what matched (KMP):
    // neither from scratch nor further on.
    ['*aabb*', 'aababb', false],
    ['*aaab*', 'aaaab', true],
    ['*aabaaaa*', 'aabaaabaaaa', true],
  ])('%j against %j → %s', (pattern, text, expected) => {
    expect(matchGlob(pattern, text)).toBe(expected);
  });

  it('agrees with an anchored regular expression on random patterns', () => {
    const alphabet = fc.constantFrom('a', 'b', '*', '?');
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 8 }).map((c) => c.join('')),
        fc.array(fc.constantFrom('a', 'b'), { maxLength: 10 }).map((c) => c.join('')),
        (pattern, text) => {
          // Reference only (short, trusted inputs): the implementation itself uses no regex.
          const reference = new RegExp(`^${pattern.replaceAll('?', '.').replaceAll('*', '.*')}$`, 's');
          expect(matchGlob(pattern, text)).toBe(reference.test(text));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('handles hostile inputs that make backtracking matchers explode', () => {
    const pattern = `${'*a'.repeat(200)}*b`;
    const text = 'a'.repeat(20_000);
    expect(matchGlob(pattern, text)).toBe(false);
    expect(matchGlob(pattern, `${text}b`)).toBe(true);
  });
});

describe('matchArnPattern', () => {
  const admin = 'arn:aws:iam::222222222222:role/Admin';
  it.each([
    ['*', admin, true],
    [admin, admin, true],
    ['arn:aws:iam::222222222222:role/admin', admin, false],
    ['arn:aws:iam::*:role/Admin', admin, true],
    ['arn:aws:iam::2222222222??:role/Ad*', admin, true],
    ['arn:aws:iam::222222222222:role/*', 'arn:aws:iam::222222222222:role/team/Dev', true],
    ['arn:aws:iam::222222222222:role/Admin', 'arn:aws:iam::222222222222:role/people/Admin', false],
    ['arn:aws:iam::222222222222:*', admin, true],
    ['arn:aws:iam::*:user/*', admin, false],
    // Wildcards stay inside their ARN part: the account `*` cannot swallow `:role`.
    ['arn:aws:iam::*:Admin', admin, false],
    // A pattern with fewer than six parts is matched as one string (broadest reading).
    ['arn:aws:iam::*', admin, true],
    ['arn:aws:*', admin, true],
    ['', admin, false],
    // Six parts on both sides: the region `*` cannot swallow `:ACCOUNT`, so the account part is `function`.
    ['arn:aws:lambda:*:function:f', 'arn:aws:lambda:us-east-1:111111111111:function:f', false],
    // An empty first part is still a part.
    [':*:a:b:c:d', ':x:y:a:b:c:d', false],
  ])('%j against %j → %s', (pattern, arn, expected) => {
    expect(matchArnPattern(pattern, arn)).toBe(expected);
  });
});

describe('patternCovers', () => {
  it.each([
    ['*', 'arn:aws:iam::*:role/*', true],
    ['arn:aws:iam::*:role/*', '*', false],
    ['arn:aws:iam::*:role/*', 'arn:aws:iam::2:role/dev-*', true],
    ['arn:aws:iam::2:role/dev-*', 'arn:aws:iam::*:role/dev-*', false],
    ['arn:aws:iam::2:role/dev-*', 'arn:aws:iam::2:role/dev-a', true],
    ['arn:aws:iam::2:role/dev-*', 'arn:aws:iam::2:role/prod-a', false],
    ['arn:aws:iam::2:role/dev-?', 'arn:aws:iam::2:role/dev-*', false],
    ['arn:aws:iam::2:role/dev-*', 'arn:aws:iam::2:role/dev-?', true],
    ['*', '*', true],
    ['', 'arn:aws:iam::2:role/dev-a', false],
    ['arn:aws:iam::2:role/dev-?', 'arn:aws:iam::2:role/dev-?', true],
  ])('%j covers %j → %s', (outer, inner, expected) => {
    expect(patternCovers(outer, inner)).toBe(expected);
  });
});

describe('patternCanMatchRole', () => {
  it.each([
    ['*', true],
    ['arn:aws:iam::1:role/x', true],
    ['arn:aws:iam::*:*', true],
    ['arn:aws:iam::1:r*', true],
    ['arn:aws:iam::1:user/x', false],
    ['arn:aws:s3:::bucket/*', false],
    ['arn:aws:iam:us-east-1:1:role/x', false],
    ['arn:aws-cn:iam::1:role/x', true],
    ['not-an-arn', false],
    ['urn:aws:iam::1:role/x', false],
    ['arn:aws:sts::1:role/x', false],
    ['arn:aws-xx:iam::1:role/x', false],
    ['arn:aws:iam::1:r?le/x', true],
    ['arn:aws:iam::1:role/', false],
  ])('%j → %s', (pattern, expected) => {
    expect(patternCanMatchRole(pattern)).toBe(expected);
  });
});
