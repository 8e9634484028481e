import { describe, expect, it } from 'vitest';
import { dayFolder, parseTrailLayout } from '../src/_trailLayout.js';

const day = (text: string) => Date.parse(`${text}T00:00:00Z`);

describe('parseTrailLayout', () => {
  it.each([
    ['AWSLogs/', undefined],
    ['AWSLogs/111122223333', undefined],
    ['AWSLogs/111122223333/', undefined],
    ['AWSLogs/111122223333/CloudTrail/', { folder: 'CloudTrail', folderPrefix: 'AWSLogs/111122223333/CloudTrail/' }],
    [
      'AWSLogs/111122223333/CloudTrail/eu-west-1/',
      {
        folder: 'CloudTrail',
        folderPrefix: 'AWSLogs/111122223333/CloudTrail/',
        regionPrefix: 'AWSLogs/111122223333/CloudTrail/eu-west-1/',
      },
    ],
    [
      'AWSLogs/111122223333/CloudTrail/eu-west-1',
      { folder: 'CloudTrail', folderPrefix: 'AWSLogs/111122223333/CloudTrail/' },
    ],
    [
      'p/q/AWSLogs/o-abc123/111122223333/CloudTrail/eu-west-1/2025/03/09/f.json.gz',
      {
        folder: 'CloudTrail',
        folderPrefix: 'p/q/AWSLogs/o-abc123/111122223333/CloudTrail/',
        regionPrefix: 'p/q/AWSLogs/o-abc123/111122223333/CloudTrail/eu-west-1/',
        day: day('2025-03-09'),
      },
    ],
    [
      'AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2025/03/09/',
      {
        folder: 'CloudTrail-Digest',
        folderPrefix: 'AWSLogs/111122223333/CloudTrail-Digest/',
        regionPrefix: 'AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/',
        day: day('2025-03-09'),
      },
    ],
    [
      'AWSLogs/111122223333/CloudTrail/eu-west-1/2025/02/30/f.json.gz',
      {
        folder: 'CloudTrail',
        folderPrefix: 'AWSLogs/111122223333/CloudTrail/',
        regionPrefix: 'AWSLogs/111122223333/CloudTrail/eu-west-1/',
      },
    ],
    ['AWSLogs/12345/CloudTrail/eu-west-1/2025/03/09/f.json.gz', undefined],
    ['logs/111122223333/CloudTrail/eu-west-1/2025/03/09/f.json.gz', undefined],
    ['', undefined],
  ])('%s', (path, expected) => {
    expect(parseTrailLayout(path)).toEqual(expected);
  });

  it('formats day folders', () => {
    expect(dayFolder(Date.parse('2025-03-09T23:59:59Z'))).toBe('2025/03/09');
  });
});
