/** Lambda trigger events in the shapes AWS sends, written for these tests. */

/** How S3 notifications and Batch Operations write a key: form-encoded, `/` kept. */
export function encodeKey(key: string): string {
  return encodeURIComponent(key).replaceAll('%2F', '/').replaceAll('%20', '+');
}

function s3Record(bucket: string, key: string) {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'eu-west-1',
    eventTime: '2026-06-30T11:00:00.000Z',
    eventName: 'ObjectCreated:Put',
    userIdentity: { principalId: 'AWS:AROAE2ECLOUDTRAIL01:regionalDeliverySession' },
    requestParameters: { sourceIPAddress: '198.51.100.30' },
    responseElements: { 'x-amz-request-id': 'E2E0000000000001', 'x-amz-id-2': 'e2e/id2' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'lastswitch-ingest',
      bucket: { name: bucket, ownerIdentity: { principalId: 'A3E2EEXAMPLE' }, arn: `arn:aws:s3:::${bucket}` },
      object: {
        key: encodeKey(key),
        size: 1024,
        eTag: '0123456789abcdef0123456789abcdef',
        sequencer: '0A1B2C3D4E5F678901',
      },
    },
  };
}

/** A direct S3 → Lambda notification. */
export function s3Event(bucket: string, keys: string[]) {
  return { Records: keys.map((key) => s3Record(bucket, key)) };
}

/** S3 → SQS → Lambda: one message per key, the S3 event as the body. */
export function sqsEvent(bucket: string, keys: string[]) {
  return {
    Records: keys.map((key, i) => ({
      messageId: `0e2e0000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
      receiptHandle: `AQEBe2e${i}`,
      body: JSON.stringify(s3Event(bucket, [key])),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '1782817200000',
        SenderId: 'AIDAE2ES3SENDER00001',
        ApproximateFirstReceiveTimestamp: '1782817200001',
      },
      messageAttributes: {},
      md5OfBody: '00000000000000000000000000000000',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:111111111111:lastswitch-ingest',
      awsRegion: 'eu-west-1',
    })),
  };
}

/** S3 Batch Operations invoking Lambda, schema 2.0: one task per key. */
export function batchEvent(bucket: string, keys: string[]) {
  return {
    invocationSchemaVersion: '2.0',
    invocationId: 'YXNkbGZqYWRmaiBhc2RmdW9hZHNmZGpmaGFzbGtkaGZza2RmaAo',
    job: { id: 'f3cc4f60-61f6-4a2b-8a21-d07600c373ce', userArguments: {} },
    tasks: keys.map((key, i) => ({
      taskId: `dGFza${i + 1}`,
      s3Bucket: bucket,
      s3Key: encodeKey(key),
      s3VersionId: null,
    })),
  };
}
