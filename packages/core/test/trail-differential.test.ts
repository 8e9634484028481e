import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeRecordGenerator } from '../bench/generate-trail.js';
import { collectTrailFile, toRoleSwitch } from '../src/trail/index.js';

/** A realistic file from the benchmark's generator (fixed seed), big enough to span many chunks. */
const records = (() => {
  const next = makeRecordGenerator(7);
  return Array.from({ length: 3000 }, () => JSON.parse(next()) as Record<string, unknown>);
})();

/** Computed on first use inside a test, never at import (so Stryker's per-test coverage sees who uses it). */
function _once<T>(make: () => T): () => T {
  let cached: { value: T } | undefined;
  return () => {
    cached ??= { value: make() };
    return cached.value;
  };
}

/** The obvious, slow oracle: parse everything, attribute every element on its own. */
function oracleOf(elements: readonly unknown[]) {
  const switches: string[] = [];
  const denied: string[] = [];
  const aliases = new Map<string, string>();
  for (const element of elements) {
    const outcome = toRoleSwitch(element);
    if (outcome.kind === 'skipped') continue;
    if (outcome.alias) {
      const a = outcome.alias;
      aliases.set(`${a.account} ${a.principalId}`, `${a.account} ${a.principalId} ${a.principal.key} ${a.seenAt}`);
    }
    if (outcome.kind === 'switch')
      switches.push(`${outcome.switch.eventId} ${outcome.switch.principal.key} ${outcome.switch.role.key}`);
    else denied.push(`${outcome.denied.eventId} ${outcome.denied.principal.key} ${outcome.denied.role?.key}`);
  }
  return { switches, denied, aliases: [...aliases.values()].sort() };
}

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
  const expected = _once(oracle);

  it('the generated file has switches, denied attempts and ordinary calls', () => {
    expect(expected().switches.length).toBeGreaterThan(20);
    expect(expected().denied.length).toBeGreaterThan(0);
    expect(expected().skipped['not-a-switch']).toBeGreaterThan(2500);
  });

  it.each([
    ['CloudTrail layout, gzip (fast path)', () => gzipSync(JSON.stringify({ Records: records }))],
    ['NDJSON (fast path)', () => Buffer.from(records.map((r) => JSON.stringify(r)).join('\n'))],
    ['pretty-printed (exact scanner)', () => Buffer.from(JSON.stringify({ Records: records }, null, 2))],
  ])('%s', async (_name, bytes) => {
    const result = await collectTrailFile(bytes());
    expect(result.switches.map((s) => `${s.eventId} ${s.principal.key} ${s.role.key}`)).toEqual(expected().switches);
    expect(result.denied.map((d) => `${d.eventId} ${d.principal.key} ${d.role?.key}`)).toEqual(expected().denied);
    expect(result.stats.records).toBe(records.length);
    expect(result.stats.skipped['not-a-switch']).toBe(expected().skipped['not-a-switch']);
    expect(result.stats.skipped.malformed).toBe(0);
  });
});

/** Values that are not records: what a damaged or hand-edited file can hold beside real records. */
const junk = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 12 }),
  fc.constant(null),
  fc.constant(true),
  fc.constant([]),
  fc.constant({}),
  fc.constant([1, {}]),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.integer(), fc.string({ maxLength: 6 })), { maxKeys: 3 }),
);

/** Real switches, denied attempts and ordinary calls from the generated file, in file order. */
const sample = _once(() => {
  const picked: Record<string, unknown>[] = [];
  let switches = 0;
  let noise = 0;
  for (const record of records) {
    const kind = toRoleSwitch(record).kind;
    if (kind !== 'skipped' && switches < 24) {
      picked.push(record);
      switches++;
    } else if (kind === 'skipped' && noise < 24) {
      picked.push(record);
      noise++;
    }
  }
  return picked;
});

const layouts: [string, (elements: unknown[]) => Buffer][] = [
  ['CloudTrail layout (fast path)', (e) => Buffer.from(JSON.stringify({ Records: e }))],
  ['bare array (fast path)', (e) => Buffer.from(JSON.stringify(e))],
  ['NDJSON (fast path)', (e) => Buffer.from(e.map((v) => JSON.stringify(v)).join('\n'))],
  ['pretty-printed (exact scanner)', (e) => Buffer.from(JSON.stringify({ Records: e }, null, 2))],
];

describe('a switch is never lost beside junk: every element of the records array is judged on its own', () => {
  it('the sample holds switches and ordinary calls', () => {
    expect(oracleOf(sample()).switches.length).toBeGreaterThan(10);
    expect(sample().length).toBeGreaterThan(40);
  });

  it.each(layouts)('%s: the reported case, {noise},{switch},1,{},{noise}', async (_name, layout) => {
    const [noise, aSwitch] = [
      sample().find((r) => toRoleSwitch(r).kind === 'skipped'),
      sample().find((r) => toRoleSwitch(r).kind === 'switch'),
    ];
    const elements = [noise, aSwitch, 1, {}, noise];
    const result = await collectTrailFile(layout(elements));
    expect(result.switches).toHaveLength(1);
    expect(result.stats.switches).toBe(1);
  });

  it.each(layouts)(
    '%s: junk of every kind, in every position, finds exactly what parsing each element finds',
    async (name, layout) => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.tuple(fc.integer({ min: 0, max: sample().length }), fc.array(junk, { minLength: 1, maxLength: 4 })),
            { minLength: 1, maxLength: 12 },
          ),
          fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: 1, maxLength: 4 }),
          async (insertions, sizes) => {
            const elements: unknown[] = [...sample()];
            // NDJSON is recognised by its first line, so junk goes after the first record there.
            for (const [at, values] of insertions)
              elements.splice(name.startsWith('NDJSON') ? Math.max(1, at) : at, 0, ...values);
            const bytes = layout(elements);
            const chunks: Buffer[] = [];
            for (let at = 0, k = 0; at < bytes.length; k++) {
              const size = sizes[k % sizes.length] as number;
              chunks.push(bytes.subarray(at, at + size));
              at += size;
            }
            const expected = oracleOf(elements);
            const result = await collectTrailFile(chunks);
            expect(result.switches.map((s) => `${s.eventId} ${s.principal.key} ${s.role.key}`)).toEqual(
              expected.switches,
            );
            expect(result.denied.map((d) => `${d.eventId} ${d.principal.key} ${d.role?.key}`)).toEqual(expected.denied);
            expect(
              result.aliases.map((a) => `${a.account} ${a.principalId} ${a.principal.key} ${a.seenAt}`).sort(),
            ).toEqual(expected.aliases);
            if (name.includes('exact')) expect(result.stats.records).toBe(elements.length);
            else expect(result.stats.records).toBeLessThanOrEqual(elements.length);
          },
        ),
        { numRuns: 80 },
      );
    },
  );
});

/** `base` with a value nesting the record `levels` deep in its request parameters. */
function deepRecord(levels: number, base: Record<string, unknown>): Record<string, unknown> {
  let nested: unknown = 'bottom';
  for (let i = 0; i < levels - 2; i++) nested = i % 2 === 0 ? { a: nested } : [nested];
  return { ...base, requestParameters: { ...(base.requestParameters as object), deep: nested } };
}

describe('one depth rule: a record nested too deep is skipped with a reason, in every layout, never the file', () => {
  const noise = () => sample().find((r) => toRoleSwitch(r).kind === 'skipped') as Record<string, unknown>;
  const aSwitch = () => sample().find((r) => toRoleSwitch(r).kind === 'switch') as Record<string, unknown>;

  it.each([
    ['a noise record 600 deep', () => deepRecord(600, noise()), 'not-a-switch'],
    ['a switch record 600 deep', () => deepRecord(600, aSwitch()), 'too-deep'],
    ['a switch record one level past the limit (513 deep)', () => deepRecord(513, aSwitch()), 'too-deep'],
    ['a switch record 2,000 deep', () => deepRecord(2000, aSwitch()), 'too-deep'],
  ] as const)('%s', async (_name, deep, reason) => {
    const expected = oracleOf(sample());
    const elements = [...sample().slice(0, 20), deep(), ...sample().slice(20)];
    const seen = [];
    for (const [, layout] of layouts) {
      const result = await collectTrailFile(layout(elements));
      expect(result.switches.map((s) => `${s.eventId} ${s.principal.key} ${s.role.key}`)).toEqual(expected.switches);
      expect(result.stats.records).toBe(elements.length);
      seen.push({ ...result.stats.skipped });
    }
    for (const skipped of seen) expect(skipped).toEqual(seen[0]);
    expect(seen[0]?.[reason]).toBeGreaterThanOrEqual(1);
    if (reason === 'too-deep') expect(seen[0]?.['too-deep']).toBe(1);
  });

  it('a record exactly at the limit (512 levels) is still read', async () => {
    const atLimit = deepRecord(512, aSwitch());
    for (const [, layout] of layouts) {
      const result = await collectTrailFile(layout([noise(), atLimit]));
      expect(result.stats.skipped['too-deep']).toBe(0);
      expect(result.switches).toHaveLength(1);
    }
  });
});
