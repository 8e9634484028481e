import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { type Assessment, type HtmlReportOptions, renderHtmlReport } from '@lastswitch/core';

/** Where the report handler writes the HTML access review, and how long its link lasts. */
export interface HtmlReportTarget {
  /** An S3 client (injected; the handler never builds one). */
  s3: S3Client;
  bucket: string;
  /** Key prefix, e.g. `reports/` (default: none). */
  prefix?: string;
  /** Seconds the presigned link stays valid (default 3600). Temporary credentials may end it sooner. */
  linkExpiresInSeconds?: number;
  /** Passed to `renderHtmlReport` (title, grace days…). */
  render?: HtmlReportOptions;
}

/** What `putHtmlReport` wrote; `url` is a presigned GET link — a bearer secret: never log it. */
export interface PutHtmlReport {
  bucket: string;
  key: string;
  bytes: number;
  /** When the link stops working (at the latest), ISO 8601. */
  expiresAt: string;
  url: string;
}

/** The default lifetime of the presigned link: one hour. */
export const DEFAULT_LINK_EXPIRES_SECONDS = 3600;
/** SigV4 presigned URLs cannot live longer than seven days. */
export const MAX_LINK_EXPIRES_SECONDS = 604_800;

/** `reports/access-review-2026-02-16T06-00-00Z.html`: sortable, one per run, no characters S3 needs escaped. */
export function htmlReportKey(prefix: string, generatedAt: number): string {
  const stamp = new Date(generatedAt).toISOString().slice(0, 19).replaceAll(':', '-');
  return `${prefix}access-review-${stamp}Z.html`;
}

/**
 * Renders the assessment as the self-contained HTML access review, writes it to S3 (private,
 * `text/html`, no caching) and returns a presigned GET link that expires after
 * `linkExpiresInSeconds`.
 */
export async function putHtmlReport(assessment: Assessment, target: HtmlReportTarget): Promise<PutHtmlReport> {
  const expiresIn = target.linkExpiresInSeconds ?? DEFAULT_LINK_EXPIRES_SECONDS;
  if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_LINK_EXPIRES_SECONDS) {
    throw new RangeError(`linkExpiresInSeconds must be a whole number from 1 to ${MAX_LINK_EXPIRES_SECONDS}`);
  }
  const html = renderHtmlReport(assessment, target.render);
  const body = Buffer.from(html, 'utf8');
  const key = htmlReportKey(target.prefix ?? '', assessment.generatedAt);
  await target.s3.send(
    new PutObjectCommand({
      Bucket: target.bucket,
      Key: key,
      Body: body,
      ContentType: 'text/html; charset=utf-8',
      CacheControl: 'private, no-store',
    }),
  );
  const url = await getSignedUrl(target.s3, new GetObjectCommand({ Bucket: target.bucket, Key: key }), {
    expiresIn,
  });
  return {
    bucket: target.bucket,
    key,
    bytes: body.length,
    expiresAt: new Date(assessment.generatedAt + expiresIn * 1000).toISOString(),
    url,
  };
}
