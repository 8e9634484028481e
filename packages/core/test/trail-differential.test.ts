import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { makeRecordGenerator } from '../bench/generate-trail.js';
import { collectTrailFile, toRoleSwitch } from '../src/trail/index.js';

/** A realistic file from the benchmark's generator (fixed seed), big enough to span many chunks. */
const records = (() => {
  const next = makeRecordGenerator(7);
  return Array.from({ length: 3000 }, () => JSON.parse(next()) as Record<string, unknown>);
})();

/** The obvious, slow oracle: parse everything, attribute every record. */
function oracle() {
  const switches: string[] = [];
  const denied: string[] = [];
  const skipped: Record<string, number> = {};
  for (const record of records) {
    const outcome = toRoleSwitch(record);
    if (outcome.kind === 'switch')
      switches.push(`${outcome.switch.eventId} ${outcome.switch.principal.key} ${outcome.switch.role.key}`);
    else if (outcome.kind === 'denied')
      denied.push(`${outcome.denied.eventId} ${outcome.denied.principal.key} ${outcome.denied.role?.key}`);
    else skipped[outcome.reason] = (skipped[outcome.reason] ?? 0) + 1;
  }
  return { switches, denied, skipped };
}

describe('the streaming reader agrees with parsing everything', () => {
  const expected = oracle();

  it('the generated file has switches, denied attempts and ordinary calls', () => {
    expect(expected.switches.length).toBeGreaterThan(20);
    expect(expected.denied.length).toBeGreaterThan(0);
    expect(expected.skipped['not-a-switch']).toBeGreaterThan(2500);
  });

  it.each([
    ['CloudTrail layout, gzip (fast path)', () => gzipSync(JSON.stringify({ Records: records }))],
    ['NDJSON (fast path)', () => Buffer.from(records.map((r) => JSON.stringify(r)).join('\n'))],
    ['pretty-printed (exact scanner)', () => Buffer.from(JSON.stringify({ Records: records }, null, 2))],
  ])('%s', async (_name, bytes) => {
    const result = await collectTrailFile(bytes());
    expect(result.switches.map((s) => `${s.eventId} ${s.principal.key} ${s.role.key}`)).toEqual(expected.switches);
    expect(result.denied.map((d) => `${d.eventId} ${d.principal.key} ${d.role?.key}`)).toEqual(expected.denied);
    expect(result.stats.records).toBe(records.length);
    expect(result.stats.skipped['not-a-switch']).toBe(expected.skipped['not-a-switch']);
    expect(result.stats.skipped.malformed).toBe(0);
  });
});
