import { describe, expect, it } from 'vitest';
import { readStatements, statementCoversAction } from '../src/grants/index.js';

const ASSUME = { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' };
const read = (Statement: unknown) => readStatements({ Version: '2012-10-17', Statement } as never);

describe('readStatements', () => {
  it('reports a document without Statement, and reads an empty list without a problem', () => {
    expect(readStatements({ Version: '2012-10-17' } as never)).toEqual({
      statements: [],
      problems: ['document has no Statement'],
    });
    expect(read([])).toEqual({ statements: [], problems: [] });
  });

  it('reads a single statement object as a one-statement list', () => {
    expect(read(ASSUME)).toEqual({
      statements: [{ index: 0, effect: 'Allow', actions: ['sts:AssumeRole'], resources: ['*'], conditional: false }],
      problems: [],
    });
  });

  it.each([
    ['a string', 'Ops', 'Ops'],
    ['empty', '', undefined],
    ['not a string', 5, undefined],
  ])('keeps a Sid that is %s as %j', (_name, Sid, expected) => {
    expect(read([{ ...ASSUME, Sid }]).statements[0]?.sid).toBe(expected);
  });

  it.each([
    [
      'a list holding a number',
      ['sts:AssumeRole', 5],
      'statement 0 has a Action that is not a string or list of strings',
    ],
    ['a number', 5, 'statement 0 has a Action that is not a string or list of strings'],
  ])('skips a statement whose Action is %s, with a reason', (_name, Action, problem) => {
    expect(read([{ ...ASSUME, Action }, ASSUME])).toEqual({
      statements: [expect.objectContaining({ index: 1 })],
      problems: [problem],
    });
  });

  it.each([
    ['"*"', '*', { any: true, aws: [] }],
    ['{"AWS":"*"}', { AWS: '*' }, { any: true, aws: [] }],
    [
      'a list with "*" and an account',
      { AWS: ['*', 'arn:aws:iam::111111111111:root'] },
      { any: true, aws: ['arn:aws:iam::111111111111:root'] },
    ],
    [
      'AWS principals only',
      { AWS: ['arn:aws:iam::111111111111:root', '222222222222'] },
      { any: false, aws: ['arn:aws:iam::111111111111:root', '222222222222'] },
    ],
    ['a service only', { Service: 'ec2.amazonaws.com' }, { any: false, aws: [] }],
  ])('reads the Principal %s', (_name, Principal, expected) => {
    const { statements, problems } = read([{ ...ASSUME, Principal }]);
    expect(problems).toEqual([]);
    expect(statements[0]?.principals).toEqual(expected);
  });

  it('reads NotPrincipal apart from Principal', () => {
    const [statement] = read([
      { ...ASSUME, Effect: 'Deny', NotPrincipal: { AWS: 'arn:aws:iam::111111111111:root' } },
    ]).statements;
    expect(statement?.notPrincipals).toEqual({ any: false, aws: ['arn:aws:iam::111111111111:root'] });
    expect(statement?.principals).toBeUndefined();
  });

  it.each([
    ['a bare ARN string', 'arn:aws:iam::111111111111:root'],
    ['null', null],
    ['a list', ['arn:aws:iam::111111111111:root']],
    ['an AWS value that is a number', { AWS: 5 }],
  ])('skips a statement whose Principal is %s, with a reason', (_name, Principal) => {
    expect(read([{ ...ASSUME, Principal }])).toEqual({
      statements: [],
      problems: ['statement 0 has a Principal lastswitch cannot read'],
    });
  });
});

describe('statementCoversAction', () => {
  it.each([
    [{ Action: 'sts:*' }, true],
    [{ Action: ['s3:*'] }, false],
    [{ NotAction: 's3:*' }, true],
    [{ NotAction: 'sts:Assume*' }, false],
  ])('%j covers sts:AssumeRole → %s', (fields, expected) => {
    const [statement] = read([{ Effect: 'Allow', Resource: '*', ...fields }]).statements;
    expect(statement && statementCoversAction(statement, 'sts:AssumeRole')).toBe(expected);
  });
});
