import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  editStatementResources,
  hasStatements,
  removeStatement,
  removeTrustPrincipals,
} from '../src/grants/editPolicy.js';

const V = '2012-10-17';
const allow = (Resource: unknown) => ({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource });
const doc = (...Statement: unknown[]) => ({ Version: V, Statement }) as never;
const trust = (Principal: unknown) => doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal });

describe('editStatementResources', () => {
  it.each([
    ['a list keeps being a list', ['a', 'b'], ['a'], [], ['b']],
    ['a string stays a string', 'a', ['a'], ['b'], 'b'],
    ['a string with one more becomes a list', 'a', [], ['b'], ['a', 'b']],
    ['nothing is added twice', ['a'], [], ['a'], ['a']],
  ])('%s', (_name, Resource, remove, add, expected) => {
    expect(editStatementResources(doc(allow(Resource)), 0, remove, add)).toEqual(doc(allow(expected)));
  });

  it('removes the statement when no resource is left', () => {
    expect(editStatementResources(doc(allow(['a']), allow('b')), 0, ['a'])).toEqual(doc(allow('b')));
  });

  it.each([
    ['a missing statement', doc(allow('a')), 1],
    ['a null statement', doc(null), 0],
    ['no Resource', doc({ Effect: 'Allow', Action: 'sts:AssumeRole' }), 0],
    ['a Resource list holding a number', doc(allow(['a', 5])), 0],
    ['a document without Statement', { Version: V } as never, 0],
  ])('answers undefined for %s', (_name, document, index) => {
    expect(editStatementResources(document, index, ['a'])).toBeUndefined();
  });
});

describe('removeStatement', () => {
  it.each([-1, 2])('answers undefined for index %i', (index) => {
    expect(removeStatement(doc(allow('a'), allow('b')), index)).toBeUndefined();
  });

  it('removes the statement at the index, a single statement object included', () => {
    expect(removeStatement(doc(allow('a'), allow('b')), 1)).toEqual(doc(allow('a')));
    expect(removeStatement({ Version: V, Statement: allow('a') } as never, 0)).toEqual(doc());
  });
});

describe('removeTrustPrincipals', () => {
  it.each([
    ['a string AWS principal, leaving nobody: the statement goes', { AWS: 'arn:1' }, undefined],
    ['one of a list, which stays a list', { AWS: ['arn:1', 'arn:2'] }, { AWS: ['arn:2'] }],
    [
      'the AWS principals, keeping the service',
      { AWS: 'arn:1', Service: 'ec2.amazonaws.com' },
      { Service: 'ec2.amazonaws.com' },
    ],
  ])('takes out %s', (_name, Principal, kept) => {
    const expected = kept === undefined ? doc() : trust(kept);
    expect(removeTrustPrincipals(trust(Principal), 0, ['arn:1'])).toEqual(expected);
  });

  it.each([
    ['names none of them', { AWS: ['arn:2'] }],
    ['has no AWS principal', { Service: 'ec2.amazonaws.com' }],
    ['has a number among its AWS principals', { AWS: ['arn:1', 5] }],
    ['has no Principal object', '*'],
  ])('answers undefined when the statement %s', (_name, Principal) => {
    expect(removeTrustPrincipals(trust(Principal), 0, ['arn:1'])).toBeUndefined();
  });
});

describe('hasStatements and canonicalJson', () => {
  it.each([
    [{ Version: V }, false],
    [doc(), false],
    [{ Version: V, Statement: allow('a') }, true],
    [doc(allow('a')), true],
  ])('%j has statements → %s', (document, expected) => {
    expect(hasStatements(document as never)).toBe(expected);
  });

  it('sorts keys at every level, drops undefined values and keeps array order', () => {
    expect(canonicalJson({ b: [2, { d: 1, c: 'x' }], a: null, z: undefined })).toBe(
      '{"a":null,"b":[2,{"c":"x","d":1}]}',
    );
    expect(canonicalJson({ b: 1, a: 2 })).toBe(canonicalJson({ a: 2, b: 1 }));
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson('s')).toBe('"s"');
  });
});
