import * as z from 'zod/mini';
import { LastswitchError } from '../errors.js';
import { _describeIssue } from '../trail/schema.js';

/** The Lambda trigger an event came through (the outermost envelope). */
export type TriggerKind = 's3' | 'sns' | 'sqs' | 'eventbridge' | 's3-batch';

/** One trail object to read. */
export interface TrailObjectRef {
  bucket: string;
  /** The object key, URL-decoded. */
  key: string;
  versionId?: string;
  /** SQS `messageId` or S3 Batch `taskId`: what to report back when this object fails. */
  itemId?: string;
  /**
   * EventBridge only: the key URL-decoded (`+` as space), when that differs from `key`. AWS does not
   * document whether EventBridge encodes keys (its samples show none needing it), so `key` is read
   * as given and this form only if S3 does not find `key`.
   */
  alternateKey?: string;
}

/**
 * Why an item was not read, for code to act on: `test-event`, `validation-message` and
 * `not-object-created` are expected and harmless; `unrecognised`, `undecodable-key` and
 * `no-bucket` mean the item could not be understood and should be retried or dead-lettered.
 */
export type IgnoredCode =
  | 'test-event'
  | 'validation-message'
  | 'not-object-created'
  | 'unrecognised'
  | 'undecodable-key'
  | 'no-bucket';

/** Something in the event that is deliberately not an object to read. */
export interface IgnoredItem {
  code: IgnoredCode;
  /** Why, for people: e.g. `s3:TestEvent`, `CloudTrail validation message.`, `not an ObjectCreated event (...)`. */
  reason: string;
  itemId?: string;
}

/** What a Lambda trigger event asks the ingest handler to read. */
export interface TrailObjects {
  kind: TriggerKind;
  objects: TrailObjectRef[];
  ignored: IgnoredItem[];
  /** Present for S3 Batch Operations, whose response must echo these. */
  batch?: { invocationId: string; invocationSchemaVersion: string };
}

/** Why an event was not understood. */
export type EnvelopeErrorReason = 'unrecognised' | 'invalid';

/** An event that is none of the trigger envelopes lastswitch accepts, or a broken one. */
export class EnvelopeError extends LastswitchError {
  override name = 'EnvelopeError';
  /** The machine-readable reason. */
  readonly reason: EnvelopeErrorReason;

  constructor(reason: EnvelopeErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** One S3 event notification record (direct, or inside SNS / SQS). */
export const S3EventRecordSchema = z.object({
  eventSource: z.literal('aws:s3'),
  eventName: z.string(),
  s3: z.object({
    bucket: z.object({ name: z.string().check(z.minLength(1)) }),
    object: z.object({ key: z.string(), versionId: z.optional(z.nullable(z.string())) }),
  }),
});

/** An S3 event notification: `{ Records: [...] }`. */
export const S3EventSchema = z.object({ Records: z.array(z.unknown()) });

/** The test event S3 sends when a notification is configured. */
export const S3TestEventSchema = z.object({ Event: z.literal('s3:TestEvent') });

/** One SNS record as Lambda receives it. */
export const SnsRecordSchema = z.object({
  EventSource: z.literal('aws:sns'),
  Sns: z.object({ Message: z.string(), MessageId: z.optional(z.string()) }),
});

/** An SNS notification as delivered to SQS without raw message delivery. */
export const SnsNotificationSchema = z.object({
  Type: z.literal('Notification'),
  Message: z.string(),
  MessageId: z.optional(z.string()),
});

/** One SQS record as Lambda receives it. */
export const SqsRecordSchema = z.object({
  eventSource: z.literal('aws:sqs'),
  messageId: z.string().check(z.minLength(1)),
  body: z.string(),
});

/** CloudTrail's own SNS message: the bucket and the keys of the files it just delivered. */
export const CloudTrailNotificationSchema = z.object({
  s3Bucket: z.string().check(z.minLength(1)),
  s3ObjectKey: z.array(z.string()),
});

/** An EventBridge event (S3 "Object Created" or anything else). */
export const EventBridgeEventSchema = z.object({
  'detail-type': z.string(),
  source: z.string(),
  detail: z.unknown(),
});

/** The detail of an S3 "Object Created" EventBridge event. */
export const EventBridgeObjectCreatedSchema = z.object({
  bucket: z.object({ name: z.string().check(z.minLength(1)) }),
  object: z.object({ key: z.string(), 'version-id': z.optional(z.nullable(z.string())) }),
});

/** An S3 Batch Operations invocation, schema 1.0 (`s3BucketArn`) or 2.0 (`s3Bucket`). */
export const S3BatchEventSchema = z.object({
  invocationSchemaVersion: z.enum(['1.0', '2.0']),
  invocationId: z.string().check(z.minLength(1)),
  tasks: z.array(
    z.object({
      taskId: z.string().check(z.minLength(1)),
      s3Key: z.string(),
      s3VersionId: z.optional(z.nullable(z.string())),
      s3BucketArn: z.optional(z.nullable(z.string())),
      s3Bucket: z.optional(z.nullable(z.string())),
    }),
  ),
});

const VALIDATION_MESSAGE = 'CloudTrail validation message.';

/** Decodes an S3 notification key: `+` is a space, then percent-decoding. */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replaceAll('+', ' '));
}

function _isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function _parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Collects objects and ignored items, tagging both with the SQS message or task they came from. */
class _Collector {
  readonly objects: TrailObjectRef[] = [];
  readonly ignored: IgnoredItem[] = [];

  add(
    ref: { bucket: string; key: string; versionId?: string | null | undefined; alternateKey?: string },
    itemId: string | undefined,
  ): void {
    this.objects.push({
      bucket: ref.bucket,
      key: ref.key,
      ...(typeof ref.versionId === 'string' && ref.versionId.length > 0 ? { versionId: ref.versionId } : {}),
      ...(itemId === undefined ? {} : { itemId }),
      ...(ref.alternateKey === undefined ? {} : { alternateKey: ref.alternateKey }),
    });
  }

  ignore(code: IgnoredCode, reason: string, itemId: string | undefined): void {
    this.ignored.push(itemId === undefined ? { code, reason } : { code, reason, itemId });
  }

  /** Adds the objects of an S3 event notification (`{Records: [...]}` of `aws:s3`) or its test event. */
  s3Event(value: unknown, itemId: string | undefined): boolean {
    if (S3TestEventSchema.safeParse(value).success) {
      this.ignore('test-event', 's3:TestEvent', itemId);
      return true;
    }
    const event = S3EventSchema.safeParse(value);
    if (!event.success) return false;
    const records = event.data.Records.map((r) => S3EventRecordSchema.safeParse(r));
    if (records.length === 0 || records.some((r) => !r.success)) return false;
    for (const record of records) {
      if (!record.success) continue;
      const { eventName, s3 } = record.data;
      if (!eventName.startsWith('ObjectCreated:')) {
        this.ignore('not-object-created', `not an ObjectCreated event (${eventName.slice(0, 64)})`, itemId);
        continue;
      }
      let key: string;
      try {
        key = decodeS3Key(s3.object.key);
      } catch {
        this.ignore('undecodable-key', `undecodable key ${JSON.stringify(s3.object.key.slice(0, 200))}`, itemId);
        continue;
      }
      this.add({ bucket: s3.bucket.name, key, versionId: s3.object.versionId }, itemId);
    }
    return true;
  }

  /** An SNS message text: CloudTrail's own notification, its validation message, or an S3 event. */
  snsMessage(message: string, itemId: string | undefined): boolean {
    if (message.trim() === VALIDATION_MESSAGE) {
      this.ignore('validation-message', VALIDATION_MESSAGE, itemId);
      return true;
    }
    const value = _parseJson(message);
    return this.cloudTrailNotification(value, itemId) || this.s3Event(value, itemId);
  }

  cloudTrailNotification(value: unknown, itemId: string | undefined): boolean {
    const note = CloudTrailNotificationSchema.safeParse(value);
    if (!note.success) return false;
    // CloudTrail's notification carries the keys as they are, not URL-encoded.
    for (const key of note.data.s3ObjectKey) this.add({ bucket: note.data.s3Bucket, key }, itemId);
    return true;
  }

  eventBridge(value: unknown, itemId: string | undefined): boolean {
    const event = EventBridgeEventSchema.safeParse(value);
    if (!event.success) return false;
    if (event.data.source !== 'aws.s3' || event.data['detail-type'] !== 'Object Created') {
      this.ignore(
        'not-object-created',
        `EventBridge ${event.data.source} "${event.data['detail-type'].slice(0, 64)}" is not an S3 Object Created event`,
        itemId,
      );
      return true;
    }
    const detail = EventBridgeObjectCreatedSchema.safeParse(event.data.detail);
    if (!detail.success) return false;
    // EventBridge carries the key as it is (its documented samples are not URL-encoded); keep the
    // decoded reading too, in case a key was encoded after all.
    const key = detail.data.object.key;
    let decoded: string | undefined;
    try {
      decoded = decodeS3Key(key);
    } catch {
      decoded = undefined; // not a valid encoding ("%z"), so the key can only be meant as it is
    }
    this.add(
      {
        bucket: detail.data.bucket.name,
        key,
        versionId: detail.data.object['version-id'],
        ...(decoded !== undefined && decoded !== key ? { alternateKey: decoded } : {}),
      },
      itemId,
    );
    return true;
  }

  /** An SQS body: an S3 event, an SNS notification, a raw CloudTrail notification or an EventBridge event. */
  sqsBody(body: string, itemId: string): void {
    // SNS raw message delivery puts CloudTrail's plain-text validation message in the body as is.
    if (body.trim() === VALIDATION_MESSAGE) {
      this.ignore('validation-message', VALIDATION_MESSAGE, itemId);
      return;
    }
    const value = _parseJson(body);
    if (value === undefined) {
      this.ignore('unrecognised', 'unrecognised SQS message: the body is not JSON', itemId);
      return;
    }
    const sns = SnsNotificationSchema.safeParse(value);
    if (sns.success) {
      if (!this.snsMessage(sns.data.Message, itemId))
        this.ignore('unrecognised', 'unrecognised SNS message in SQS', itemId);
      return;
    }
    if (this.s3Event(value, itemId) || this.cloudTrailNotification(value, itemId) || this.eventBridge(value, itemId))
      return;
    if (typeof value === 'string' && value.trim() === VALIDATION_MESSAGE) {
      this.ignore('validation-message', VALIDATION_MESSAGE, itemId);
      return;
    }
    this.ignore('unrecognised', 'unrecognised SQS message', itemId);
  }
}

function _kindOfRecords(records: unknown[]): 's3' | 'sns' | 'sqs' | undefined {
  const first = records[0];
  if (!_isObject(first)) return undefined;
  if (first.eventSource === 'aws:s3') return 's3';
  if (first.EventSource === 'aws:sns') return 'sns';
  if (first.eventSource === 'aws:sqs') return 'sqs';
  return undefined;
}

function _invalid(what: string, error: z.core.$ZodError): EnvelopeError {
  return new EnvelopeError('invalid', `${what}: ${_describeIssue(error.issues[0], 'event')}`, { cause: error });
}

/**
 * Turns a Lambda trigger event into the trail objects to read: direct S3 notifications, SNS
 * (CloudTrail's own message or a wrapped S3 event), SQS (wrapping S3, SNS, CloudTrail or
 * EventBridge messages), EventBridge "Object Created" and S3 Batch Operations 1.0 / 2.0.
 * Test and validation messages are listed in `ignored`. Throws `EnvelopeError` for anything else.
 */
export function objectsFromEvent(event: unknown): TrailObjects {
  if (!_isObject(event))
    throw new EnvelopeError(
      'unrecognised',
      `a trigger event must be a JSON object, got ${event === null ? 'null' : typeof event}`,
    );
  const out = new _Collector();

  if ('invocationSchemaVersion' in event && 'tasks' in event) {
    const batch = S3BatchEventSchema.safeParse(event);
    if (!batch.success) throw _invalid('S3 Batch Operations event', batch.error);
    for (const task of batch.data.tasks) {
      let bucket = task.s3Bucket ?? undefined;
      if (bucket === undefined && typeof task.s3BucketArn === 'string') {
        const prefix = task.s3BucketArn.indexOf(':::');
        bucket = prefix >= 0 ? task.s3BucketArn.slice(prefix + 3) : undefined;
      }
      if (bucket === undefined || bucket.length === 0) {
        out.ignore('no-bucket', 'task without a bucket', task.taskId);
        continue;
      }
      let key: string;
      try {
        // Batch Operations passes keys URL-encoded, like S3 notifications.
        key = decodeS3Key(task.s3Key);
      } catch {
        out.ignore('undecodable-key', `undecodable key ${JSON.stringify(task.s3Key.slice(0, 200))}`, task.taskId);
        continue;
      }
      out.add({ bucket, key, versionId: task.s3VersionId }, task.taskId);
    }
    return {
      kind: 's3-batch',
      objects: out.objects,
      ignored: out.ignored,
      batch: { invocationId: batch.data.invocationId, invocationSchemaVersion: batch.data.invocationSchemaVersion },
    };
  }

  if ('detail-type' in event && 'source' in event) {
    if (!out.eventBridge(event, undefined)) {
      throw new EnvelopeError(
        'invalid',
        'EventBridge S3 "Object Created" event without detail.bucket.name and detail.object.key',
      );
    }
    return { kind: 'eventbridge', objects: out.objects, ignored: out.ignored };
  }

  if (S3TestEventSchema.safeParse(event).success) {
    out.ignore('test-event', 's3:TestEvent', undefined);
    return { kind: 's3', objects: [], ignored: out.ignored };
  }

  if (Array.isArray(event.Records)) {
    const records = event.Records as unknown[];
    const kind = _kindOfRecords(records);
    if (kind === 's3') {
      if (!out.s3Event(event, undefined))
        throw new EnvelopeError('invalid', 'S3 event notification with a malformed record');
      return { kind, objects: out.objects, ignored: out.ignored };
    }
    if (kind === 'sns') {
      for (const raw of records) {
        const record = SnsRecordSchema.safeParse(raw);
        if (!record.success) throw _invalid('SNS event', record.error);
        if (!out.snsMessage(record.data.Sns.Message, undefined)) {
          throw new EnvelopeError(
            'unrecognised',
            'SNS message that is neither a CloudTrail notification nor an S3 event',
          );
        }
      }
      return { kind, objects: out.objects, ignored: out.ignored };
    }
    if (kind === 'sqs') {
      for (const raw of records) {
        const record = SqsRecordSchema.safeParse(raw);
        if (!record.success) throw _invalid('SQS event', record.error);
        out.sqsBody(record.data.body, record.data.messageId);
      }
      return { kind, objects: out.objects, ignored: out.ignored };
    }
    if (records.length === 0) throw new EnvelopeError('unrecognised', 'an event with an empty Records array');
  }

  throw new EnvelopeError('unrecognised', 'not an S3, SNS, SQS, EventBridge or S3 Batch Operations event');
}
