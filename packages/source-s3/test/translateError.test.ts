import { S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { translateError } from '../src/_translateError.js';
import { S3SourceError } from '../src/index.js';

function sdkError(name: string, status: number, message = name): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message,
  });
}

function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code}`), { code });
}

const target = { bucket: 'trail', key: 'AWSLogs/1/x.json.gz' };

describe('translateError', () => {
  it.each([
    [sdkError('NoSuchKey', 404), 'not-found', false],
    [sdkError('NotFound', 404), 'not-found', false],
    [sdkError('NoSuchVersion', 404), 'not-found', false],
    [sdkError('NoSuchBucket', 404), 'bucket-not-found', false],
    [sdkError('AccessDenied', 403, 'Access Denied'), 'access-denied', false],
    [sdkError('InvalidAccessKeyId', 403), 'access-denied', false],
    [sdkError('ExpiredToken', 400), 'access-denied', false],
    [
      sdkError(
        'AccessDenied',
        403,
        'User: arn:aws:sts::1:assumed-role/ingest/fn is not authorized to perform: kms:Decrypt on the resource associated with this ciphertext',
      ),
      'kms-access-denied',
      false,
    ],
    [sdkError('KMS.DisabledException', 400), 'kms-access-denied', false],
    [sdkError('KMS.NotFoundException', 400), 'kms-access-denied', false],
    // KMS failing or throttling behind S3 is not a missing permission: a retry can help.
    [sdkError('KMS.ThrottlingException', 400), 'throttled', true],
    [sdkError('KMS.LimitExceededException', 400), 'throttled', true],
    [sdkError('KMS.KMSInternalException', 500), 'unavailable', true],
    [sdkError('KMS.DependencyTimeoutException', 503), 'timeout', true],
    [sdkError('KMS.constructor', 400), 'kms-access-denied', false],
    [sdkError('InvalidObjectState', 403), 'archived', false],
    [sdkError('SlowDown', 503), 'throttled', true],
    [sdkError('InternalError', 500), 'unavailable', true],
    [sdkError('ServiceUnavailable', 503), 'unavailable', true],
    [sdkError('RequestTimeout', 400), 'timeout', true],
    [Object.assign(new Error('timed out'), { name: 'TimeoutError' }), 'timeout', true],
    [socketError('ECONNRESET'), 'network', true],
    [socketError('ECONNREFUSED'), 'network', true],
    [socketError('ETIMEDOUT'), 'timeout', true],
  ])('%s → %s', (error, reason, retryable) => {
    const translated = translateError(error, target);
    expect(translated).toBeInstanceOf(S3SourceError);
    expect(translated).toMatchObject({ reason, retryable, bucket: 'trail', key: 'AWSLogs/1/x.json.gz', cause: error });
    expect((translated as Error).message).toContain('s3://trail/AWSLogs/1/x.json.gz');
  });

  it.each([[new TypeError('boom')], [sdkError('InvalidArgument', 400)], ['a string'], [null], [undefined]])(
    'returns an error it does not recognise unchanged: %s',
    (error) => {
      expect(translateError(error, target)).toBe(error);
    },
  );
});
