/** What an object in a CloudTrail bucket is, judged by its key. */
export type TrailKeyKind = 'log' | 'digest' | 'insight' | 'other';

/**
 * Classifies a (URL-decoded) bucket key or path: `.../CloudTrail/...` log files,
 * `.../CloudTrail-Digest/...` digests, `.../CloudTrail-Insight/...` Insights files, or other.
 */
export function classifyTrailKey(key: string): TrailKeyKind {
  if (typeof key !== 'string' || key.length === 0) return 'other';
  const slash = Math.max(key.lastIndexOf('/'), key.lastIndexOf('\\'));
  const base = key.slice(slash + 1);
  const dir = `/${key.slice(0, slash + 1).replaceAll('\\', '/')}`;
  if (dir.includes('/CloudTrail-Digest/') || base.includes('_CloudTrail-Digest_')) return 'digest';
  if (dir.includes('/CloudTrail-Insight/') || base.includes('_CloudTrail-Insight_')) return 'insight';
  const json = base.endsWith('.json.gz') || base.endsWith('.json');
  if (json && (dir.includes('/CloudTrail/') || base.includes('_CloudTrail_'))) return 'log';
  return 'other';
}
