import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeRecordGenerator } from '../bench/generate-trail.js';
import { _pickRecord, _recordFields } from '../src/trail/pickRecord.js';
import { _describeIssue, CloudTrailRecordSchema } from '../src/trail/schema.js';
import { publicCorpus } from './_corpus.js';

/**
 * `_pickRecord` is attribution's stand-in for `CloudTrailRecordSchema.safeParse`: for every input
 * it must give exactly zod's data (same fields, same order, same undefined/null), or, exactly when
 * zod rejects the input, the line `_describeIssue` makes of zod's first issue.
 */

type Def = { type: string; innerType?: { _zod: { def: Def } }; shape?: Record<string, { _zod: { def: Def } }> };
type Described = string | [string, 'string' | 'required' | 'non-empty' | Described[]];

/** The schema's fields as `_recordFields` spells them, read off zod's definitions. */
function describeShape(shape: Record<string, { _zod: { def: Def } }>): Described[] {
  return Object.entries(shape).map(([key, schema]) => {
    let def = schema._zod.def;
    const wrappers: string[] = [];
    while (def.type === 'optional' || def.type === 'nullable') {
      wrappers.push(def.type);
      def = (def.innerType as { _zod: { def: Def } })._zod.def;
    }
    const optional = wrappers.includes('optional') && wrappers.includes('nullable');
    if (def.type === 'string') {
      if (optional) return key;
      const checks = (def as { checks?: unknown[] }).checks ?? [];
      return [key, checks.length > 0 ? 'non-empty' : 'required'];
    }
    if (def.type === 'object' && optional) return [key, describeShape(def.shape ?? {})];
    return [key, `unexpected ${wrappers.join(' ')} ${def.type}` as 'string'];
  });
}

function describeFields(fields: typeof _recordFields): Described[] {
  return fields.map((field) => {
    if (typeof field === 'string') return field;
    const [key, check] = field;
    if (check === '!') return [key, 'required'];
    if (check === '!1') return [key, 'non-empty'];
    return [key, describeFields(check)];
  });
}

/** Keys in order, all the way down: `toStrictEqual` does not compare order. */
function keyPaths(value: unknown, path = ''): string[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) => [`${path}${key}`, ...keyPaths(inner, `${path}${key}.`)]);
}

function expectSameAsZod(input: Record<string, unknown>): void {
  const zod = CloudTrailRecordSchema.safeParse(input);
  const picked = _pickRecord(input);
  if (!zod.success) {
    // Rejected, with zod's first issue in the words attribution reports it in.
    expect(picked).toBe(_describeIssue(zod.error.issues[0], 'record'));
    return;
  }
  expect(picked).toStrictEqual(zod.data);
  expect(keyPaths(picked)).toEqual(keyPaths(zod.data));
}

/** Any JSON-ish value (and undefined), shallow: what a field may hold in a malformed record. */
const anyValue = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.string({ maxLength: 6 }),
  fc.constant(''),
  fc.integer(),
  fc.boolean(),
  fc.constant([]),
  fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }),
  fc.constant({}),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 }),
);

/** An object for `fields`: each field absent, well-typed, or anything at all; plus stray keys. */
function objectFor(fields: typeof _recordFields, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const entries = fields.map((field) => {
    const key = typeof field === 'string' ? field : field[0];
    const check = typeof field === 'string' ? undefined : field[1];
    const good: fc.Arbitrary<unknown> =
      check === undefined
        ? fc.oneof(fc.string({ maxLength: 8 }), fc.constant(null))
        : typeof check === 'string'
          ? fc.string({ maxLength: 8 })
          : depth < 3
            ? fc.oneof(objectFor(check, depth + 1), fc.constant(null))
            : fc.constant(null);
    // Mostly well-typed (so that whole records pass and their copies are compared), sometimes absent or odd.
    const value = fc.oneof({ weight: 6, arbitrary: good }, { weight: 1, arbitrary: anyValue });
    return fc.tuple(fc.constant(key), fc.option(value, { freq: 5, nil: absent }));
  });
  const stray = fc.dictionary(
    fc.oneof(fc.constantFrom('credentials', 'eventCategory', 'tlsDetails', 'Arn', 'ARN'), fc.string({ maxLength: 5 })),
    anyValue,
    { maxKeys: 3 },
  );
  return fc.tuple(fc.tuple(...entries), stray, fc.boolean()).map(([pairs, extra, strayFirst]) => {
    const out: Record<string, unknown> = {};
    const own = () => {
      for (const [key, value] of pairs) if (value !== absent) out[key] = value;
    };
    const strays = () => {
      for (const [key, value] of Object.entries(extra)) if (!(key in out)) out[key] = value;
    };
    if (strayFirst) {
      strays();
      own();
    } else {
      own();
      strays();
    }
    return out;
  });
}

const absent = Symbol('absent');

describe('_pickRecord', () => {
  it('checks the fields CloudTrailRecordSchema declares, in its order, as it checks them', () => {
    const shape = (CloudTrailRecordSchema as unknown as { shape: Record<string, { _zod: { def: Def } }> }).shape;
    expect(describeFields(_recordFields)).toEqual(describeShape(shape));
  });

  it('gives what zod gives, or names the issue zod names first exactly when zod rejects (random records)', () => {
    fc.assert(
      fc.property(objectFor(_recordFields), (input) => expectSameAsZod(input)),
      { numRuns: 3000 },
    );
  });

  it('strips what attribution does not read: credentials never come along', () => {
    const record = {
      eventSource: 'sts.amazonaws.com',
      eventName: 'AssumeRole',
      eventTime: '2024-01-01T00:00:00Z',
      eventID: 'e1',
      responseElements: {
        credentials: { sessionToken: 'SECRET', accessKeyId: 'ASIA' },
        assumedRoleUser: { arn: 'arn:aws:sts::1:assumed-role/R/s', assumedRoleId: 'AROA:s', extra: 1 },
      },
    };
    const picked = _pickRecord(record);
    if (typeof picked === 'string') throw new Error(`rejected: ${picked}`);
    expect(JSON.stringify(picked)).not.toContain('SECRET');
    expect(picked.responseElements).toStrictEqual({
      assumedRoleUser: { arn: 'arn:aws:sts::1:assumed-role/R/s', assumedRoleId: 'AROA:s' },
    });
    expectSameAsZod(record);
  });

  it('rejects what zod rejects at each level, naming the same field: a missing or empty eventID, a number, an array for an object', () => {
    const base = { eventSource: 's', eventName: 'n', eventTime: 't', eventID: 'e' };
    const { eventID: _, ...withoutId } = base;
    for (const input of [
      withoutId,
      { ...base, eventID: '' },
      { ...base, eventName: null },
      { ...base, errorCode: 5 },
      { ...base, userIdentity: [] },
      { ...base, userIdentity: 'IAMUser' },
      { ...base, userIdentity: { sessionContext: { sourceIdentity: 1 } } },
      { ...base, responseElements: { assumedRoleUser: [] } },
      { ...base, additionalEventData: { SwitchFrom: false } },
    ]) {
      expect(typeof _pickRecord(input), JSON.stringify(input)).toBe('string');
      expectSameAsZod(input);
    }
    // Present but undefined or null is kept as zod keeps it.
    expectSameAsZod({ ...base, userIdentity: undefined, requestParameters: null, awsRegion: undefined });
  });

  it("gives what zod gives for the benchmark generator's records", () => {
    const next = makeRecordGenerator(11);
    for (let i = 0; i < 2000; i++) expectSameAsZod(JSON.parse(next()) as Record<string, unknown>);
  });

  it('gives what zod gives for every record of the public corpus', () => {
    const root = publicCorpus();
    let records = 0;
    for (const folder of ['stratus-red-team', 'trailscraper', 'elastic-integrations']) {
      for (const name of readdirSync(join(root, folder))) {
        if (name.endsWith('.gz')) continue;
        const text = readFileSync(join(root, folder, name), 'utf8');
        let values: unknown[];
        try {
          const whole = JSON.parse(text) as unknown;
          values = Array.isArray(whole) ? whole : ((whole as { Records?: unknown[] }).Records ?? [whole]);
        } catch {
          values = text
            .split('\n')
            .filter((line) => line.trim() !== '')
            .map((line) => JSON.parse(line) as unknown);
        }
        for (const value of values) {
          if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
          expectSameAsZod(value as Record<string, unknown>);
          records++;
        }
      }
    }
    expect(records).toBeGreaterThan(20);
  });
});
