import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { s3ClientConfig } from './servers/s3-local.js';

describe('DynamoDB Local', () => {
  const client = new DynamoDBClient({
    endpoint: inject('dynamodbEndpoint'),
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const doc = DynamoDBDocumentClient.from(client);
  afterAll(() => client.destroy());

  it('creates a table and round-trips an item', async () => {
    await client.send(
      new CreateTableCommand({
        TableName: 'smoke',
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      }),
    );
    const item = { pk: 'arn:aws:iam::111111111111:user/erin', seen: ['AssumeRole'], n: 3 };
    await doc.send(new PutCommand({ TableName: 'smoke', Item: item }));
    const got = await doc.send(new GetCommand({ TableName: 'smoke', Key: { pk: item.pk } }));
    expect(got.Item).toEqual(item);
  });
});

describe('s3rver', () => {
  const s3 = new S3Client(s3ClientConfig(inject('s3Endpoint')));
  afterAll(() => s3.destroy());

  it('stores a gzip object and streams it back byte-exact', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'smoke-bytes' }));
    const payload = gzipSync(Buffer.from(JSON.stringify({ Records: [{ eventName: 'AssumeRole' }] }).repeat(200)));
    await s3.send(
      new PutObjectCommand({
        Bucket: 'smoke-bytes',
        Key: 'AWSLogs/111111111111/CloudTrail/us-east-1/2026/01/02/file.json.gz',
        Body: Readable.from([payload.subarray(0, 100), payload.subarray(100)]),
        ContentLength: payload.length,
      }),
    );
    const got = await s3.send(
      new GetObjectCommand({
        Bucket: 'smoke-bytes',
        Key: 'AWSLogs/111111111111/CloudTrail/us-east-1/2026/01/02/file.json.gz',
      }),
    );
    const chunks: Buffer[] = [];
    for await (const chunk of got.Body as Readable) chunks.push(chunk as Buffer);
    const back = Buffer.concat(chunks);
    expect(back.equals(payload)).toBe(true);
    expect(gunzipSync(back).toString()).toContain('AssumeRole');
  });

  it('lists 2,500 objects across pages', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'smoke-list' }));
    const keys = Array.from({ length: 2500 }, (_, i) => `AWSLogs/p/${String(i).padStart(5, '0')}.json.gz`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(
        keys.slice(i, i + 50).map((Key) => s3.send(new PutObjectCommand({ Bucket: 'smoke-list', Key, Body: 'x' }))),
      );
    }
    const listed: string[] = [];
    let pages = 0;
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: 'smoke-list', Prefix: 'AWSLogs/p/' })) {
      pages += 1;
      for (const object of page.Contents ?? []) if (object.Key) listed.push(object.Key);
    }
    expect(pages).toBe(3);
    expect(listed).toEqual(keys);
  }, 120_000);
});
