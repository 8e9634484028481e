import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArnError, parseArn, principalRefFromArn, roleRefFromArn } from '../src/arn.js';

describe('parseArn', () => {
  it.each([
    [
      'arn:aws:iam::123456789012:role/Admin',
      { partition: 'aws', service: 'iam', region: '', account: '123456789012', resource: 'role/Admin' },
    ],
    [
      'arn:aws-cn:sts::123456789012:assumed-role/R/s',
      { partition: 'aws-cn', service: 'sts', region: '', account: '123456789012', resource: 'assumed-role/R/s' },
    ],
    [
      'arn:aws-us-gov:logs:us-gov-west-1:123456789012:log-group:g:*',
      {
        partition: 'aws-us-gov',
        service: 'logs',
        region: 'us-gov-west-1',
        account: '123456789012',
        resource: 'log-group:g:*',
      },
    ],
    [
      'arn:aws-iso-b:iam::123456789012:role/Admin',
      { partition: 'aws-iso-b', service: 'iam', region: '', account: '123456789012', resource: 'role/Admin' },
    ],
    [
      'arn:aws-eusc:sts::123456789012:assumed-role/R/s',
      { partition: 'aws-eusc', service: 'sts', region: '', account: '123456789012', resource: 'assumed-role/R/s' },
    ],
    [
      'arn:aws:s3:::my-bucket/key',
      { partition: 'aws', service: 's3', region: '', account: '', resource: 'my-bucket/key' },
    ],
    [
      'arn:aws:iam::aws:policy/ReadOnlyAccess',
      { partition: 'aws', service: 'iam', region: '', account: 'aws', resource: 'policy/ReadOnlyAccess' },
    ],
  ])('parses %s', (text, expected) => {
    expect(parseArn(text)).toEqual(expected);
  });

  it.each([
    ['', 'not-arn'],
    ['arn', 'not-arn'],
    ['urn:aws:iam::123456789012:role/A', 'not-arn'],
    ['arn:aws:iam::123456789012', 'too-few-parts'],
    ['arn:aws:iam:123456789012:role/A', 'too-few-parts'],
    ['arn:gcp:iam::123456789012:role/A', 'unknown-partition'],
    ['arn:aws:::123456789012:role/A', 'empty-service'],
    ['arn:aws:iam::12345678901:role/A', 'bad-account'],
    ['arn:aws:iam::12345678901x:role/A', 'bad-account'],
    ['arn:aws:iam::123456789012:', 'empty-resource'],
    ['arn:aws:iam::123456789012:role/A\n', 'control-character'],
    [`arn:aws:iam::123456789012:role/${'a'.repeat(3000)}`, 'too-long'],
  ])('rejects %j with reason %s', (text, reason) => {
    const error = (() => {
      try {
        parseArn(text);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ArnError);
    expect((error as ArnError).reason).toBe(reason);
    expect((error as ArnError).name).toBe('ArnError');
  });

  it('rejects non-strings with a typed error', () => {
    expect(() => parseArn(42 as unknown as string)).toThrow(ArnError);
  });

  it('never throws anything but ArnError on any string', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `arn:aws:${s}`),
          fc.string().map((s) => `arn:aws:iam::123456789012:${s}`),
        ),
        (text) => {
          try {
            const arn = parseArn(text);
            expect(`arn:${arn.partition}:${arn.service}:${arn.region}:${arn.account}:${arn.resource}`).toBe(text);
          } catch (e) {
            expect(e).toBeInstanceOf(ArnError);
          }
        },
      ),
    );
  });
});

describe('roleRefFromArn', () => {
  it.each([
    [
      'arn:aws:iam::111122223333:role/OpsAdmin',
      {
        key: 'arn:aws:iam::111122223333:role/OpsAdmin',
        account: '111122223333',
        name: 'OpsAdmin',
        arn: 'arn:aws:iam::111122223333:role/OpsAdmin',
      },
    ],
    [
      'arn:aws:iam::111122223333:role/platform/OpsAdmin',
      {
        key: 'arn:aws:iam::111122223333:role/OpsAdmin',
        account: '111122223333',
        name: 'OpsAdmin',
        arn: 'arn:aws:iam::111122223333:role/platform/OpsAdmin',
      },
    ],
    [
      'arn:aws:sts::111122223333:assumed-role/OpsAdmin/erin',
      {
        key: 'arn:aws:iam::111122223333:role/OpsAdmin',
        account: '111122223333',
        name: 'OpsAdmin',
        arn: 'arn:aws:iam::111122223333:role/OpsAdmin',
      },
    ],
    [
      'arn:aws-cn:sts::111122223333:assumed-role/OpsAdmin/erin',
      {
        key: 'arn:aws-cn:iam::111122223333:role/OpsAdmin',
        account: '111122223333',
        name: 'OpsAdmin',
        arn: 'arn:aws-cn:iam::111122223333:role/OpsAdmin',
      },
    ],
    [
      'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_AdministratorAccess_0123456789abcdef',
      {
        key: 'arn:aws:iam::111122223333:role/AWSReservedSSO_AdministratorAccess_0123456789abcdef',
        account: '111122223333',
        name: 'AWSReservedSSO_AdministratorAccess_0123456789abcdef',
        arn: 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_AdministratorAccess_0123456789abcdef',
      },
    ],
  ])('%s', (text, expected) => {
    expect(roleRefFromArn(text)).toEqual(expected);
  });

  it('gives one key for a role with a path and its assumed-role session', () => {
    expect(roleRefFromArn('arn:aws:iam::111122223333:role/platform/OpsAdmin').key).toBe(
      roleRefFromArn('arn:aws:sts::111122223333:assumed-role/OpsAdmin/1700000000000').key,
    );
  });

  it.each([
    ['arn:aws:iam::111122223333:user/erin', 'not-a-role'],
    ['arn:aws:iam::111122223333:role/', 'bad-name'],
    ['arn:aws:iam::111122223333:role//x', 'bad-name'],
    ['arn:aws:iam::111122223333:role/a b', 'bad-name'],
    ['arn:aws:iam::aws:role/x', 'bad-account'],
    ['arn:aws:sts::111122223333:assumed-role/', 'bad-name'],
  ])('rejects %s (%s)', (text, reason) => {
    expect(() => roleRefFromArn(text)).toThrow(expect.objectContaining({ reason }));
  });
});

describe('principalRefFromArn', () => {
  it.each([
    [
      'arn:aws:iam::111122223333:user/erin',
      { key: 'arn:aws:iam::111122223333:user/erin', kind: 'iam-user', account: '111122223333', name: 'erin' },
    ],
    [
      'arn:aws:iam::111122223333:user/ops/erin',
      { key: 'arn:aws:iam::111122223333:user/erin', kind: 'iam-user', account: '111122223333', name: 'erin' },
    ],
    [
      'arn:aws-us-gov:iam::111122223333:user/erin',
      { key: 'arn:aws-us-gov:iam::111122223333:user/erin', kind: 'iam-user', account: '111122223333', name: 'erin' },
    ],
    [
      'arn:aws:iam::111122223333:root',
      { key: 'arn:aws:iam::111122223333:root', kind: 'root', account: '111122223333', name: 'root' },
    ],
    [
      'arn:aws:sts::111122223333:assumed-role/Dev/erin@example.com',
      {
        key: 'arn:aws:sts::111122223333:assumed-role/Dev/erin@example.com',
        kind: 'role-session',
        account: '111122223333',
        name: 'erin@example.com',
      },
    ],
    [
      'arn:aws:iam::111122223333:role/ci/Deployer',
      {
        key: 'arn:aws:iam::111122223333:role/Deployer',
        kind: 'role-session',
        account: '111122223333',
        name: 'Deployer',
      },
    ],
    [
      'arn:aws:sts::111122223333:federated-user/bob',
      {
        key: 'arn:aws:sts::111122223333:federated-user/bob',
        kind: 'federated-user',
        account: '111122223333',
        name: 'bob',
      },
    ],
  ])('%s', (text, expected) => {
    expect(principalRefFromArn(text)).toEqual({ ...expected, arn: text });
  });

  it.each([
    ['arn:aws:iam::111122223333:group/admins', 'not-a-principal'],
    ['arn:aws:s3:::bucket', 'not-a-principal'],
    ['arn:aws:sts::111122223333:assumed-role/Dev', 'bad-name'],
    ['arn:aws:iam::111122223333:user/ops/', 'bad-name'],
    ['not an arn', 'not-arn'],
  ])('rejects %s (%s)', (text, reason) => {
    expect(() => principalRefFromArn(text)).toThrow(expect.objectContaining({ reason }));
  });

  it('runs in linear time on hostile input (no backtracking)', () => {
    const hostile = `arn:aws:iam::111122223333:user/${'a/'.repeat(1000)}`;
    expect(() => principalRefFromArn(hostile)).toThrow(ArnError);
  });
});
