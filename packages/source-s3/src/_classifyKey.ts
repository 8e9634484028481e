import { parseTrailLayout } from './_trailLayout.js';

/** What a bucket key holds. Stand-in until `classifyTrailKey` from core is used here. */
export function classifyKey(key: string): 'log' | 'digest' | 'insight' | 'other' {
  const layout = parseTrailLayout(key);
  if (layout?.folder === 'CloudTrail-Digest') return 'digest';
  if (layout?.folder === 'CloudTrail-Insight') return 'insight';
  const name = key.slice(key.lastIndexOf('/') + 1);
  if (name.includes('_CloudTrail-Digest_')) return 'digest';
  if (name.includes('_CloudTrail-Insight_')) return 'insight';
  const json = name.endsWith('.json.gz') || name.endsWith('.json');
  if (json && (layout?.folder === 'CloudTrail' || name.includes('_CloudTrail_'))) return 'log';
  return 'other';
}
