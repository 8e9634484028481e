import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeS3Key, EnvelopeError, objectsFromEvent } from '../src/envelope/index.js';
import { publicCorpus } from './_corpus.js';
import * as e from './fixtures/envelope/events.js';

const KEY2 = e.KEY.replace('abcdefgh12345678', 'ijklmnop12345678');
const M1 = 'aaaaaaaa-0000-4000-8000-000000000001';
const M2 = 'aaaaaaaa-0000-4000-8000-000000000002';
const M3 = 'aaaaaaaa-0000-4000-8000-000000000003';

describe('objectsFromEvent', () => {
  it.each([
    [
      'direct S3 (key URL-decoded, + as space)',
      e.s3Event,
      { kind: 's3', objects: [{ bucket: e.BUCKET, key: e.KEY, versionId: 'v1-example' }], ignored: [] },
    ],
    [
      'S3 test event',
      e.s3TestEvent,
      { kind: 's3', objects: [], ignored: [{ code: 'test-event', reason: 's3:TestEvent' }] },
    ],
    [
      'S3 event that is not ObjectCreated',
      { Records: [e.s3Record('ObjectRemoved:Delete')] },
      {
        kind: 's3',
        objects: [],
        ignored: [{ code: 'not-object-created', reason: 'not an ObjectCreated event (ObjectRemoved:Delete)' }],
      },
    ],
    [
      "SNS with CloudTrail's own message (keys as they are)",
      e.snsEvent(JSON.stringify(e.cloudTrailMessage)),
      {
        kind: 'sns',
        objects: [
          { bucket: e.BUCKET, key: e.KEY },
          { bucket: e.BUCKET, key: KEY2 },
        ],
        ignored: [],
      },
    ],
    [
      'SNS CloudTrail validation message',
      e.snsEvent('CloudTrail validation message.'),
      { kind: 'sns', objects: [], ignored: [{ code: 'validation-message', reason: 'CloudTrail validation message.' }] },
    ],
    [
      'SNS-wrapped S3 event',
      e.snsEvent(JSON.stringify(e.s3Event)),
      { kind: 'sns', objects: [{ bucket: e.BUCKET, key: e.KEY, versionId: 'v1-example' }], ignored: [] },
    ],
    [
      'SNS-wrapped S3 test event',
      e.snsEvent(JSON.stringify(e.s3TestEvent)),
      { kind: 'sns', objects: [], ignored: [{ code: 'test-event', reason: 's3:TestEvent' }] },
    ],
    [
      'EventBridge Object Created (key as it is, its decoded reading as the alternate)',
      e.eventBridgeObjectCreated,
      {
        kind: 'eventbridge',
        objects: [{ bucket: e.BUCKET, key: e.KEY, versionId: 'v2-example', alternateKey: e.KEY.replaceAll('+', ' ') }],
        ignored: [],
      },
    ],
    [
      'EventBridge event of another type',
      { ...e.eventBridgeObjectCreated, 'detail-type': 'Object Deleted' },
      {
        kind: 'eventbridge',
        objects: [],
        ignored: [
          {
            code: 'not-object-created',
            reason: 'EventBridge aws.s3 "Object Deleted" is not an S3 Object Created event',
          },
        ],
      },
    ],
    [
      'S3 Batch Operations 1.0 (bucket from ARN)',
      e.batchV1,
      {
        kind: 's3-batch',
        objects: [{ bucket: e.BUCKET, key: e.KEY, versionId: '3', itemId: 'dGFzay0x' }],
        ignored: [],
        batch: { invocationId: 'YmF0Y2gtaW52b2NhdGlvbi0x', invocationSchemaVersion: '1.0' },
      },
    ],
    [
      'S3 Batch Operations 2.0 (null version, an undecodable key reported per task)',
      e.batchV2,
      {
        kind: 's3-batch',
        objects: [{ bucket: e.BUCKET, key: e.KEY, itemId: 'dGFzay0y' }],
        ignored: [{ code: 'undecodable-key', reason: 'undecodable key "bad%ZZkey"', itemId: 'dGFzay0z' }],
        batch: { invocationId: 'YmF0Y2gtaW52b2NhdGlvbi0y', invocationSchemaVersion: '2.0' },
      },
    ],
  ])('%s', (_name, event, expected) => {
    expect(objectsFromEvent(JSON.parse(JSON.stringify(event)))).toEqual(expected);
  });

  it('SQS wrapping S3, SNS, raw CloudTrail and test messages: every object carries its messageId', () => {
    const event = e.sqsEvent(
      e.sqsRecord(M1, JSON.stringify(e.s3Event)),
      e.sqsRecord(M2, e.snsBody(JSON.stringify(e.cloudTrailMessage))),
      e.sqsRecord(M3, JSON.stringify(e.cloudTrailMessage)),
      e.sqsRecord('m4', JSON.stringify(e.s3TestEvent)),
      e.sqsRecord('m5', e.snsBody('CloudTrail validation message.')),
      e.sqsRecord('m6', JSON.stringify(e.eventBridgeObjectCreated)),
      e.sqsRecord('m7', 'not json at all'),
      // SNS → SQS with raw message delivery: the body is CloudTrail's message text itself.
      e.sqsRecord('m9', 'CloudTrail validation message.'),
      e.sqsRecord('m8', JSON.stringify({ hello: 'world' })),
    );
    expect(objectsFromEvent(event)).toEqual({
      kind: 'sqs',
      objects: [
        { bucket: e.BUCKET, key: e.KEY, versionId: 'v1-example', itemId: M1 },
        { bucket: e.BUCKET, key: e.KEY, itemId: M2 },
        { bucket: e.BUCKET, key: KEY2, itemId: M2 },
        { bucket: e.BUCKET, key: e.KEY, itemId: M3 },
        { bucket: e.BUCKET, key: KEY2, itemId: M3 },
        {
          bucket: e.BUCKET,
          key: e.KEY,
          versionId: 'v2-example',
          itemId: 'm6',
          alternateKey: e.KEY.replaceAll('+', ' '),
        },
      ],
      ignored: [
        { code: 'test-event', reason: 's3:TestEvent', itemId: 'm4' },
        { code: 'validation-message', reason: 'CloudTrail validation message.', itemId: 'm5' },
        { code: 'unrecognised', reason: 'unrecognised SQS message: the body is not JSON', itemId: 'm7' },
        { code: 'validation-message', reason: 'CloudTrail validation message.', itemId: 'm9' },
        { code: 'unrecognised', reason: 'unrecognised SQS message', itemId: 'm8' },
      ],
    });
  });

  it.each([
    ['null', null, 'unrecognised'],
    ['a string', 'hello', 'unrecognised'],
    ['an empty object', {}, 'unrecognised'],
    ['empty Records', { Records: [] }, 'unrecognised'],
    ['Records of unknown source', { Records: [{ eventSource: 'aws:kinesis' }] }, 'unrecognised'],
    ['a broken S3 record', { Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: {} }] }, 'invalid'],
    ['an SNS message of another kind', e.snsEvent('{"hello":"world"}'), 'unrecognised'],
    ['an SQS record without messageId', { Records: [{ eventSource: 'aws:sqs', body: '{}' }] }, 'invalid'],
    ['S3 Batch with an unknown schema', { ...e.batchV1, invocationSchemaVersion: '3.0' }, 'invalid'],
    [
      'EventBridge Object Created without a key',
      { ...e.eventBridgeObjectCreated, detail: { bucket: { name: 'b' } } },
      'invalid',
    ],
  ])('%s → EnvelopeError (%s)', (_name, event, reason) => {
    let error: unknown;
    try {
      objectsFromEvent(event);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(EnvelopeError);
    expect((error as EnvelopeError).reason).toBe(reason);
    expect((error as EnvelopeError).name).toBe('EnvelopeError');
  });

  it('never throws anything but EnvelopeError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.record({ Records: fc.array(fc.jsonValue()) }),
          fc.record({
            Records: fc.array(
              fc.record({
                eventSource: fc.constantFrom('aws:s3', 'aws:sqs'),
                body: fc.string(),
                messageId: fc.string(),
              }),
            ),
          }),
        ),
        (event) => {
          try {
            const result = objectsFromEvent(event);
            expect(Array.isArray(result.objects)).toBe(true);
          } catch (error) {
            expect(error).toBeInstanceOf(EnvelopeError);
          }
        },
      ),
    );
  });
});

describe('keys with spaces, +, % and unicode, on every trigger kind', () => {
  const KEY = 'org trail/a+b%c/AWSLogs/111122223333/CloudTrail/eu-west-1/2025/03/01/café ünï 𝄞.json.gz';
  /** How S3 notifications and Batch Operations encode a key: form encoding, `/` kept. */
  const ENCODED = KEY.split('/')
    .map((segment) => encodeURIComponent(segment).replaceAll('%20', '+'))
    .join('/');
  const s3Event = { Records: [e.s3Record('ObjectCreated:Put', ENCODED)] };
  const ctMessage = { s3Bucket: e.BUCKET, s3ObjectKey: [KEY] };
  const eventBridge = (key: string) => ({
    ...e.eventBridgeObjectCreated,
    detail: { ...e.eventBridgeObjectCreated.detail, object: { ...e.eventBridgeObjectCreated.detail.object, key } },
  });
  const batch = (version: '1.0' | '2.0') => {
    const base = version === '1.0' ? e.batchV1 : e.batchV2;
    return { ...base, tasks: [{ ...base.tasks[0], s3Key: ENCODED }] };
  };

  it('the encoding round-trips (the fixture is what S3 sends)', () => {
    expect(ENCODED).toContain('org+trail/a%2Bb%25c/');
    expect(decodeS3Key(ENCODED)).toBe(KEY);
  });

  it.each([
    ['direct S3 (URL-encoded)', s3Event],
    ['SNS-wrapped S3 event', e.snsEvent(JSON.stringify(s3Event))],
    ["SNS with CloudTrail's message (as it is)", e.snsEvent(JSON.stringify(ctMessage))],
    ['SQS-wrapped S3 event', e.sqsEvent(e.sqsRecord(M1, JSON.stringify(s3Event)))],
    ['SQS-wrapped SNS-wrapped S3 event', e.sqsEvent(e.sqsRecord(M1, e.snsBody(JSON.stringify(s3Event))))],
    ['SQS-wrapped CloudTrail message', e.sqsEvent(e.sqsRecord(M1, JSON.stringify(ctMessage)))],
    ['EventBridge, key as it is', eventBridge(KEY)],
    ['SQS-wrapped EventBridge, key as it is', e.sqsEvent(e.sqsRecord(M1, JSON.stringify(eventBridge(KEY))))],
    ['S3 Batch Operations 1.0 (URL-encoded)', batch('1.0')],
    ['S3 Batch Operations 2.0 (URL-encoded)', batch('2.0')],
  ])('%s: the exact key', (_name, event) => {
    const found = objectsFromEvent(JSON.parse(JSON.stringify(event)));
    expect(found.ignored).toEqual([]);
    expect(found.objects.map((o) => o.key)).toEqual([KEY]);
    // "%c" is no valid encoding, so an EventBridge key with it can only be meant as it is.
    expect(found.objects[0]?.alternateKey).toBeUndefined();
  });

  it('EventBridge with an encoded key: read as given, with the decoded key as the alternate', () => {
    const found = objectsFromEvent(eventBridge(ENCODED));
    expect(found.objects).toEqual([expect.objectContaining({ key: ENCODED, alternateKey: KEY })]);
  });

  it('EventBridge with a plain CloudTrail key: no alternate', () => {
    const plain =
      'AWSLogs/111122223333/CloudTrail/eu-west-1/2025/03/01/111122223333_CloudTrail_eu-west-1_20250301T0005Z_x.json.gz';
    expect(objectsFromEvent(eventBridge(plain)).objects[0]).not.toHaveProperty('alternateKey');
  });
});

describe('decodeS3Key', () => {
  it.each([
    ['a+b', 'a b'],
    ['a%2Bb', 'a+b'],
    ['caf%C3%A9/x%20y', 'café/x y'],
    ['plain/key.json.gz', 'plain/key.json.gz'],
  ])('%s → %s', (encoded, decoded) => {
    expect(decodeS3Key(encoded)).toBe(decoded);
  });
});

const ENVELOPES = publicCorpus('envelopes');

describe(`public envelope samples (${ENVELOPES})`, () => {
  const load = (name: string) => JSON.parse(readFileSync(join(ENVELOPES, name), 'utf8')) as unknown;

  it.each([
    [
      's3Event.json',
      {
        kind: 's3',
        objects: [{ bucket: 'lambda-artifacts-deafc19498e3f2df', key: 'b21b84d653bb07b05b1e6b33684dc11b' }],
      },
    ],
    [
      's3SqsEvent.json',
      {
        kind: 'sqs',
        objects: [
          {
            bucket: 'xxx',
            key: 'test.pdf',
            versionId: 'yd3d4HaWOT2zguDLvIQLU6ptDTwKBnQV',
            itemId: 'ca3e7a89-c358-40e5-8aa0-5da01403c267',
          },
        ],
      },
    ],
    [
      's3EventBridgeNotificationObjectCreatedEvent.json',
      { kind: 'eventbridge', objects: [{ bucket: 'example-bucket', key: 'IMG_m7fzo3.jpg' }] },
    ],
    [
      's3BatchOperationEventSchemaV1.json',
      {
        kind: 's3-batch',
        objects: [
          {
            bucket: 'powertools-dataset',
            key: 'prefix/dataset/dataset.20231222.json.gz',
            versionId: '1',
            itemId: 'dGFza2lkZ29lc2hlcmUK',
          },
        ],
      },
    ],
    [
      's3BatchOperationEventSchemaV2.json',
      {
        kind: 's3-batch',
        objects: [
          {
            bucket: 'powertools-dataset',
            key: 'prefix/dataset/dataset.20231222.json.gz',
            itemId: 'dGFza2lkZ29lc2hlcmUK',
          },
        ],
      },
    ],
  ])('%s', (name, expected) => {
    expect(objectsFromEvent(load(name))).toMatchObject(expected);
  });

  it('snsSqsEvent.json: an SNS message that is no trail notification is reported, per message', () => {
    expect(objectsFromEvent(load('snsSqsEvent.json'))).toEqual({
      kind: 'sqs',
      objects: [],
      ignored: [
        {
          code: 'unrecognised',
          reason: 'unrecognised SNS message in SQS',
          itemId: '79406a00-bf15-46ca-978c-22c3613fcb30',
        },
      ],
    });
  });
});
