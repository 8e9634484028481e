import type { ScanTarget } from './discoverLocalFiles.js';
import { describeFailure, type ScanFailure } from './scanFiles.js';

/** An `s3://bucket/prefix` source. */
export interface S3Source {
  url: string;
  bucket: string;
  prefix: string;
}

/** What listing the S3 sources found. */
export interface S3Discovery {
  targets: ScanTarget[];
  skipped: Map<string, number>;
  /** Sources whose listing failed, with the reason. */
  failures: ScanFailure[];
  close(): void;
}

/** Lists S3 sources (the SDK is imported here, only when an `s3://` source is given). */
export async function discoverS3Objects(sources: readonly S3Source[], since: Date | undefined): Promise<S3Discovery> {
  const [{ S3Client }, { listTrailObjects, openTrailObject }] = await Promise.all([
    import('@aws-sdk/client-s3'),
    import('@lastswitch/source-s3'),
  ]);
  const client = new S3Client({ followRegionRedirects: true });
  const targets: ScanTarget[] = [];
  const skipped = new Map<string, number>();
  const failures: ScanFailure[] = [];
  for (const source of sources) {
    try {
      for await (const object of listTrailObjects(client, {
        bucket: source.bucket,
        prefix: source.prefix,
        since,
        onSkip: (_key, reason) => {
          const label =
            reason === 'before-since' ? 'before --since' : reason === 'not-a-log-file' ? 'not a trail file' : reason;
          skipped.set(label, (skipped.get(label) ?? 0) + 1);
        },
      })) {
        const { bucket, key } = object;
        targets.push({
          display: `s3://${bucket}/${key}`,
          key,
          size: object.size,
          open: () => openTrailObject(client, { bucket, key }),
        });
      }
    } catch (error) {
      failures.push({ file: source.url, reason: describeFailure(error) });
    }
  }
  return { targets, skipped, failures, close: () => client.destroy() };
}
