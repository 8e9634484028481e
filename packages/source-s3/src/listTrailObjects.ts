import { ListObjectsV2Command, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { classifyTrailKey } from '@lastswitch/core';
import { dayFolder, parseTrailLayout, startOfDay } from './_trailLayout.js';
import { translateError } from './_translateError.js';
import { S3SourceError } from './S3SourceError.js';

/** What to list. */
export interface ListTrailObjectsOptions {
  bucket: string;
  /** Key prefix, e.g. `AWSLogs/o-abc123/` or `AWSLogs/111122223333/CloudTrail/eu-west-1/2025/`; default: the whole bucket. */
  prefix?: string;
  /**
   * Only files of this UTC day or later, by the `YYYY/MM/DD` folders of the key (by `lastModified` for a
   * key outside CloudTrail's layout). Each region folder is listed from that day's folder on, so S3 never
   * returns the older days, and digest and Insights folders are stepped over.
   */
  since?: Date;
  /** Keys per `ListObjectsV2` page (1–1000); default 1000. */
  pageSize?: number;
  /** Called for each key left out, with the reason. */
  onSkip?: (key: string, reason: TrailObjectSkipReason) => void;
  /** Aborts the listing. */
  abortSignal?: AbortSignal;
}

/** Why a listed key was left out. */
export type TrailObjectSkipReason = 'digest' | 'insight' | 'not-a-log-file' | 'before-since';

/** One CloudTrail log file found by `listTrailObjects`. */
export interface TrailObjectSummary {
  bucket: string;
  key: string;
  /** Size in bytes (compressed, as stored). */
  size: number;
  lastModified: Date;
}

interface ListContext {
  client: S3Client;
  bucket: string;
  rootPrefix: string;
  pageSize: number;
  sinceDay: number | undefined;
  since: number | undefined;
  onSkip: ((key: string, reason: TrailObjectSkipReason) => void) | undefined;
  abortSignal: AbortSignal | undefined;
}

const SKIPPED_FOLDERS = new Set(['CloudTrail-Digest', 'CloudTrail-Insight']);

async function listPage(
  ctx: ListContext,
  prefix: string,
  extra: { startAfter?: string; token?: string; maxKeys?: number },
): Promise<ListObjectsV2CommandOutput> {
  try {
    return await ctx.client.send(
      new ListObjectsV2Command({
        Bucket: ctx.bucket,
        Prefix: prefix || undefined,
        StartAfter: extra.token ? undefined : extra.startAfter,
        ContinuationToken: extra.token,
        MaxKeys: extra.maxKeys ?? ctx.pageSize,
      }),
      { abortSignal: ctx.abortSignal },
    );
  } catch (error) {
    throw translateError(error, { bucket: ctx.bucket, prefix: ctx.rootPrefix });
  }
}

function nextToken(ctx: ListContext, page: ListObjectsV2CommandOutput): string | undefined {
  if (!page.IsTruncated) return undefined;
  if (!page.NextContinuationToken) {
    throw new S3SourceError(
      'unavailable',
      { bucket: ctx.bucket, prefix: ctx.rootPrefix },
      `S3 said the listing of s3://${ctx.bucket}/${ctx.rootPrefix} continues but gave no continuation token`,
    );
  }
  return page.NextContinuationToken;
}

function keep(ctx: ListContext, key: string, size: number | undefined, lastModified: Date | undefined) {
  const kind = classifyTrailKey(key);
  if (kind !== 'log') {
    ctx.onSkip?.(key, kind === 'digest' || kind === 'insight' ? kind : 'not-a-log-file');
    return undefined;
  }
  const modified = lastModified ?? new Date(0);
  if (ctx.sinceDay !== undefined && ctx.since !== undefined) {
    const day = parseTrailLayout(key)?.day;
    const recent = day !== undefined ? day >= ctx.sinceDay : modified.getTime() >= ctx.since;
    if (!recent) {
      ctx.onSkip?.(key, 'before-since');
      return undefined;
    }
  }
  return { bucket: ctx.bucket, key, size: size ?? 0, lastModified: modified };
}

/** Every key under `prefix`, page by page. */
async function* listFlat(ctx: ListContext, prefix: string, startAfter?: string): AsyncGenerator<TrailObjectSummary> {
  let token: string | undefined;
  do {
    const page = await listPage(ctx, prefix, { startAfter, token });
    for (const object of page.Contents ?? []) {
      if (!object.Key) continue;
      const found = keep(ctx, object.Key, object.Size, object.LastModified);
      if (found) yield found;
    }
    token = nextToken(ctx, page);
  } while (token);
}

/** Keys per probe: enough to step over a few stray keys, small enough not to fetch a region's worth. */
const PROBE_KEYS = 50;

/** The first key after every key that starts with `folder` (which ends with `/`): `/` + 1 is `0`. */
function after(folder: string): string {
  return `${folder.slice(0, -1)}0`;
}

/**
 * Lists from the `since` day on without a delimiter (which not every S3-compatible store gets right):
 * probe for the next key; when it lies in a region folder, list that folder from `REGION/YYYY/MM/DD`
 * on, then jump past the folder; digest and Insights folders are jumped over unlisted.
 */
async function* listSince(ctx: ListContext, prefix: string, sinceDay: number): AsyncGenerator<TrailObjectSummary> {
  const listed = new Set<string>();
  let cursor: string | undefined;
  for (;;) {
    const page = await listPage(ctx, prefix, { startAfter: cursor, maxKeys: Math.min(PROBE_KEYS, ctx.pageSize) });
    let jumped = false;
    for (const object of page.Contents ?? []) {
      const key = object.Key;
      if (!key) continue;
      cursor = key;
      const layout = parseTrailLayout(key);
      if (layout && SKIPPED_FOLDERS.has(layout.folder)) {
        cursor = after(layout.folderPrefix);
        jumped = true;
        break;
      }
      const region = layout?.regionPrefix;
      if (region === undefined) {
        const found = keep(ctx, key, object.Size, object.LastModified);
        if (found) yield found;
        continue;
      }
      if (listed.has(region)) continue;
      listed.add(region);
      yield* listFlat(ctx, prefix.length > region.length ? prefix : region, `${region}${dayFolder(sinceDay)}`);
      cursor = after(region);
      jumped = true;
      break;
    }
    if (!jumped && !page.IsTruncated) return;
    if (cursor === undefined) return;
  }
}

/**
 * Lists the CloudTrail log files in a bucket or under a prefix, page by page (never the whole
 * listing in memory), for backfills. Digest and Insights files and other keys are left out.
 * Throws `S3SourceError` (`bucket-not-found`, `access-denied`, ...) naming the bucket and prefix.
 *
 * @example
 * ```ts
 * for await (const object of listTrailObjects(s3, { bucket: 'trail-bucket', prefix: 'AWSLogs/', since: new Date('2025-01-01') })) {
 *   console.log(object.key, object.size);
 * }
 * ```
 */
export async function* listTrailObjects(
  client: S3Client,
  options: ListTrailObjectsOptions,
): AsyncGenerator<TrailObjectSummary, void, undefined> {
  const since = options.since?.getTime();
  if (since !== undefined && !Number.isFinite(since)) {
    throw new RangeError('listTrailObjects: `since` is an invalid Date');
  }
  const pageSize = options.pageSize ?? 1000;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
    throw new RangeError(`listTrailObjects: \`pageSize\` must be an integer from 1 to 1000, got ${pageSize}`);
  }
  const ctx: ListContext = {
    client,
    bucket: options.bucket,
    rootPrefix: options.prefix ?? '',
    pageSize,
    since,
    sinceDay: since === undefined ? undefined : startOfDay(since),
    onSkip: options.onSkip,
    abortSignal: options.abortSignal,
  };
  if (ctx.sinceDay === undefined) yield* listFlat(ctx, ctx.rootPrefix);
  else yield* listSince(ctx, ctx.rootPrefix, ctx.sinceDay);
}
