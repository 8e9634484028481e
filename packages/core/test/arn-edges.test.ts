import { describe, expect, it } from 'vitest';
import { ArnError, parseArn, principalRefFromArn, roleRefFromArn } from '../src/arn.js';

// The edges of ARN parsing, one table per rule (#19: a mutation run found them unpinned).
const A = '111122223333';

const reasonOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return e instanceof ArnError ? e.reason : 'not an ArnError';
  }
  return undefined;
};

describe('parseArn edges', () => {
  it.each(['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f', 'aws-eusc'])(
    'knows partition %s',
    (partition) => {
      expect(parseArn(`arn:${partition}:iam::${A}:role/R`).partition).toBe(partition);
    },
  );

  it.each(['', 'aws-iso-x', 'AWS', 'aws-'])('rejects partition %j', (partition) => {
    expect(reasonOf(() => parseArn(`arn:${partition}:iam::${A}:role/R`))).toBe('unknown-partition');
  });

  it('takes ARNs up to 2048 characters', () => {
    const head = `arn:aws:s3:::`;
    expect(parseArn(`${head}${'b'.repeat(2048 - head.length)}`).resource).toHaveLength(2048 - head.length);
    const tooLong = `${head}${'b'.repeat(2049 - head.length)}`;
    expect(() => parseArn(tooLong)).toThrow('ARN is 2049 characters, more than 2048');
  });

  it.each([
    ['\u001f', 'control-character'],
    ['\u007f', 'control-character'],
    ['\u0000', 'control-character'],
    [' ', undefined],
    ['~', undefined],
    ['\u00e9', undefined],
  ])('a resource with %j: %s', (c, reason) => {
    expect(reasonOf(() => parseArn(`arn:aws:s3:::a${c}b`))).toBe(reason);
  });

  it.each([
    ['', undefined],
    ['aws', undefined],
    ['012345678999', undefined],
    ['900000000000', undefined],
    ['01234567899/', 'bad-account'],
    ['0123456789;9', 'bad-account'],
    ['0123456789012', 'bad-account'],
    ['awsx', 'bad-account'],
  ])('account %j: %s', (account, reason) => {
    expect(reasonOf(() => parseArn(`arn:aws:s3::${account}:b`))).toBe(reason);
  });

  it('says what is wrong, showing the ARN as JSON and at most 80 characters of it', () => {
    expect(() => parseArn('urn:x')).toThrow('"urn:x" is not an ARN (it must start with "arn:")');
    const long = `urn:${'x'.repeat(100)}`;
    expect(() => parseArn(long)).toThrow(`${JSON.stringify(`${long.slice(0, 80)}…`)} is not an ARN`);
    const eighty = `urn:${'x'.repeat(76)}`;
    expect(() => parseArn(eighty)).toThrow(`${JSON.stringify(eighty)} is not an ARN`);
    expect(() => parseArn('arn:aws:iam')).toThrow(`ARN "arn:aws:iam" has fewer than six ':'-separated parts`);
    expect(() => parseArn('arn:gcp:iam::1:r')).toThrow(
      `ARN "arn:gcp:iam::1:r" has partition "gcp"; expected one of aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc`,
    );
    expect(() => parseArn('arn:aws:::1:r')).toThrow('ARN "arn:aws:::1:r" has no service');
    expect(() => parseArn('arn:aws:iam::1:r')).toThrow('ARN "arn:aws:iam::1:r" has account "1"; expected 12 digits');
    expect(() => parseArn(`arn:aws:iam::${A}:`)).toThrow(`ARN "arn:aws:iam::${A}:" has no resource`);
    expect(() => parseArn('arn:aws:s3:::a\u0001')).toThrow('ARN "arn:aws:s3:::a\\u0001" contains a control character');
    expect(() => parseArn(7 as unknown as string)).toThrow('ARN must be a string, got number');
    expect(reasonOf(() => parseArn(null as unknown as string))).toBe('not-a-string');
  });
});

describe('IAM names', () => {
  it.each([
    ['0', true],
    ['9', true],
    ['A', true],
    ['Z', true],
    ['a', true],
    ['z', true],
    ['+=,.@_-', true],
    ['x'.repeat(64), true],
    ['x'.repeat(65), false],
    ['a:b', false],
    ['a?b', false],
    ['a[b', false],
    ['a`b', false],
    ['a{b', false],
    ['a*b', false],
    ['a!b', false],
  ])('role and user name %j is valid: %s', (name, valid) => {
    expect(reasonOf(() => roleRefFromArn(`arn:aws:iam::${A}:role/${name}`))).toBe(valid ? undefined : 'bad-name');
    expect(reasonOf(() => principalRefFromArn(`arn:aws:iam::${A}:user/${name}`))).toBe(valid ? undefined : 'bad-name');
  });

  it.each([
    ['a/b/Name', true],
    ['a//Name', false],
    ['/a/Name', false],
    ['a//b/Name', false],
    ['/Name', false],
    ['a/', false],
  ])('the path of role/%s is valid: %s', (rest, valid) => {
    expect(reasonOf(() => roleRefFromArn(`arn:aws:iam::${A}:role/${rest}`))).toBe(valid ? undefined : 'bad-name');
  });

  it('says which name is wrong', () => {
    expect(() => roleRefFromArn(`arn:aws:iam::${A}:role/a b`)).toThrow(
      `ARN "arn:aws:iam::${A}:role/a b" does not end in a valid role name`,
    );
    expect(() => principalRefFromArn(`arn:aws:iam::${A}:user/a b`)).toThrow(
      `ARN "arn:aws:iam::${A}:user/a b" does not end in a valid user name`,
    );
    expect(() => roleRefFromArn(`arn:aws:sts::${A}:assumed-role/a b/s`)).toThrow(
      `ARN "arn:aws:sts::${A}:assumed-role/a b/s" does not carry a valid role name`,
    );
    expect(() => roleRefFromArn(`arn:aws:iam::aws:role/R`)).toThrow(
      'ARN "arn:aws:iam::aws:role/R" must carry a 12-digit account',
    );
    expect(() => roleRefFromArn(`arn:aws:iam::${A}:user/u`)).toThrow(
      `ARN "arn:aws:iam::${A}:user/u" names neither an IAM role nor an assumed-role session`,
    );
  });
});

describe('roles and principals by service', () => {
  it.each([
    [`arn:aws:sts::${A}:role/R`, 'not-a-role'],
    [`arn:aws:iam::${A}:assumed-role/R/s`, 'not-a-role'],
    [`arn:aws:sts::aws:assumed-role/R/s`, 'bad-account'],
    [`arn:aws:sts::${A}:assumed-role/R`, undefined],
  ])('roleRefFromArn(%s): %s', (text, reason) => {
    expect(reasonOf(() => roleRefFromArn(text))).toBe(reason);
  });

  it('a session-less assumed-role ARN still names its role', () => {
    expect(roleRefFromArn(`arn:aws:sts::${A}:assumed-role/R`)).toEqual({
      key: `arn:aws:iam::${A}:role/R`,
      account: A,
      name: 'R',
      arn: `arn:aws:iam::${A}:role/R`,
    });
  });

  it.each([
    [`arn:aws:iam::aws:root`, 'bad-account'],
    [`arn:aws:iam:::user/u`, 'bad-account'],
    [`arn:aws:sts:::federated-user/u`, 'bad-account'],
    [`arn:aws:sts::${A}:federated-user/`, 'bad-name'],
    [`arn:aws:sts::${A}:federated-user/a b`, 'bad-name'],
    [`arn:aws:sts::${A}:assumed-role/R/`, 'bad-name'],
    [`arn:aws:sts::${A}:assumed-role/R/a b`, 'bad-name'],
    [`arn:aws:sts::${A}:assumed-role/R/${'s'.repeat(256)}`, undefined],
    [`arn:aws:sts::${A}:assumed-role/R/${'s'.repeat(257)}`, 'bad-name'],
    [`arn:aws:sts::${A}:assumed-role/R/!~`, undefined],
    [`arn:aws:sts::${A}:assumed-role/R/a/b`, undefined],
    [`arn:aws:sts::${A}:federated-user/${'f'.repeat(256)}`, undefined],
    [`arn:aws:sts::${A}:federated-user/${'f'.repeat(257)}`, 'bad-name'],
    [`arn:aws:iam::${A}:rootx`, 'not-a-principal'],
    [`arn:aws:sts::${A}:root`, 'not-a-principal'],
    [`arn:aws:s3:::user/u`, 'not-a-principal'],
    [`arn:aws:iam::${A}:federated-user/u`, 'not-a-principal'],
    [`arn:aws:iam::${A}:assumed-role/R/s`, 'not-a-principal'],
  ])('principalRefFromArn(%s): %s', (text, reason) => {
    expect(reasonOf(() => principalRefFromArn(text))).toBe(reason);
  });

  it('keys a session with a "/" in its name by the whole name', () => {
    expect(principalRefFromArn(`arn:aws:sts::${A}:assumed-role/R/a/b`)).toMatchObject({
      key: `arn:aws:sts::${A}:assumed-role/R/a/b`,
      name: 'a/b',
    });
  });

  it('says what is wrong with a session or federated user', () => {
    expect(() => principalRefFromArn(`arn:aws:sts::${A}:assumed-role/R/`)).toThrow(
      `ARN "arn:aws:sts::${A}:assumed-role/R/" does not carry a valid session name`,
    );
    expect(() => principalRefFromArn(`arn:aws:sts::${A}:federated-user/`)).toThrow(
      `ARN "arn:aws:sts::${A}:federated-user/" does not carry a valid federated user name`,
    );
    expect(() => principalRefFromArn(`arn:aws:iam::${A}:group/g`)).toThrow(
      `ARN "arn:aws:iam::${A}:group/g" names no IAM user, root, role or session`,
    );
  });
});
