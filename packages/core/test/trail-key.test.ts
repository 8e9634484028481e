import { describe, expect, it } from 'vitest';
import { classifyTrailKey } from '../src/trail/index.js';

describe('classifyTrailKey', () => {
  it.each([
    [
      'AWSLogs/111122223333/CloudTrail/eu-west-1/2025/03/01/111122223333_CloudTrail_eu-west-1_20250301T0005Z_abcdefgh12345678.json.gz',
      'log',
    ],
    [
      'org/AWSLogs/o-abc123def4/111122223333/CloudTrail/us-east-1/2025/03/01/111122223333_CloudTrail_us-east-1_20250301T0005Z_x.json.gz',
      'log',
    ],
    ['111111111111_CloudTrail_eu-central-1_20171211T1505Z_A6kvhMoVeCsc7v8U.json', 'log'],
    [
      'AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2025/03/01/111122223333_CloudTrail-Digest_eu-west-1_t_eu-west-1_20250301T010000Z.json.gz',
      'digest',
    ],
    ['digests/111122223333_CloudTrail-Digest_eu-west-1_t_eu-west-1_20250301T010000Z.json.gz', 'digest'],
    [
      'AWSLogs/111122223333/CloudTrail-Insight/eu-west-1/2025/03/01/111122223333_CloudTrail-Insight_eu-west-1_20250301T0100Z_x.json.gz',
      'insight',
    ],
    ['C:\\exports\\AWSLogs\\111122223333\\CloudTrail-Digest\\eu-west-1\\x.json.gz', 'digest'],
    ['AWSLogs/111122223333/CloudTrail/eu-west-1/2025/03/01/', 'other'],
    ['AWSLogs/111122223333/Config/eu-west-1/2025/03/01/ConfigSnapshot.json.gz', 'other'],
    ['exports/stratus.json', 'other'],
    ['', 'other'],
  ])('%s → %s', (key, kind) => {
    expect(classifyTrailKey(key)).toBe(kind);
  });
});
