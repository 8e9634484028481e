import { TrailFileError } from '@lastswitch/core';
import { S3SourceError } from '@lastswitch/source-s3';
import { DynamoDBLedgerError } from '@lastswitch/store-dynamodb';
import { describe, expect, it } from 'vitest';
import { describeFailure } from '../src/describeFailure.js';

const target = { bucket: 'trail', key: 'AWSLogs/1/x.json.gz' };
const s3 = (reason: ConstructorParameters<typeof S3SourceError>[0]) => new S3SourceError(reason, target, reason);
const dynamo = (awsErrorName?: string) =>
  new DynamoDBLedgerError('failed', {
    tableName: 'ledger',
    operation: 'apply',
    ...(awsErrorName ? { awsErrorName } : {}),
  });

describe('describeFailure', () => {
  it.each([
    [s3('not-found'), 's3:not-found', false],
    [s3('access-denied'), 's3:access-denied', false],
    [s3('kms-access-denied'), 's3:kms-access-denied', false],
    [s3('throttled'), 's3:throttled', true],
    [s3('timeout'), 's3:timeout', true],
    [new TrailFileError('bad-gzip', 'not gzip'), 'trail:bad-gzip', false],
    [new TrailFileError('truncated', 'cut'), 'trail:truncated', false],
    [new TrailFileError('wrong-shape', 'no Records'), 'trail:wrong-shape', false],
    // A stream that broke while core read it: the S3 error inside decides.
    [new TrailFileError('source-error', 'read failed', { cause: s3('interrupted') }), 's3:interrupted', true],
    [new TrailFileError('source-error', 'read failed', { cause: new Error('?') }), 'unexpected', true],
    [dynamo('ProvisionedThroughputExceededException'), 'dynamodb:ProvisionedThroughputExceededException', true],
    [dynamo('ThrottlingException'), 'dynamodb:ThrottlingException', true],
    [dynamo('ResourceNotFoundException'), 'dynamodb:ResourceNotFoundException', false],
    [dynamo('AccessDeniedException'), 'dynamodb:AccessDeniedException', false],
    [dynamo(), 'dynamodb:unreachable', true],
    [Object.assign(new Error('late'), { name: 'TimeoutError' }), 'timeout', true],
    [new Error('boom', { cause: s3('network') }), 's3:network', true],
    [new TypeError('surprise'), 'unexpected', true],
    ['a string', 'unexpected', true],
  ])('%s → %s', (error, reason, retryable) => {
    const described = describeFailure(error);
    expect(described).toMatchObject({ reason, retryable });
    expect(described.message.length).toBeGreaterThan(0);
  });

  it('keeps the message to one short line', () => {
    const described = describeFailure(new Error(`${'x'.repeat(2000)}\nsecond line`));
    expect(described.message).not.toContain('\n');
    expect(described.message.length).toBeLessThanOrEqual(501);
  });
});
