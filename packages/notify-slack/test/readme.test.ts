import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toSlackMessages } from '../src/index.js';
import { bigReport, realisticAssessment } from './assessments.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('shows exactly what toSlackMessages renders for the sample assessment', () => {
    const start = readme.indexOf('<!-- sample:start -->\n```json\n');
    const end = readme.indexOf('```\n<!-- sample:end -->');
    expect(start).toBeGreaterThan(-1);
    expect(end).toBeGreaterThan(start);
    const shown = JSON.parse(readme.slice(start + '<!-- sample:start -->\n```json\n'.length, end));
    const [rendered] = toSlackMessages(realisticAssessment(), {
      mention: '<!here>',
      link: { url: 'https://wiki.example.com/runbooks/access-review', text: 'Access review runbook' },
    });
    expect(shown).toEqual(rendered);
  });

  it('states how many messages a report of 300 stale principals takes', () => {
    const count = toSlackMessages(bigReport()).length;
    expect(readme).toContain(`four roles each takes ${count} messages`);
  });
});
