import fc from 'fast-check';

/**
 * One ledger row for the large-sort properties: principal `p`, role `r`, and a switch time that is
 * a whole second before `now` with a few milliseconds (many ties within a second), or anywhere.
 */
export const ledgerRowArb = (now: number) =>
  fc.record({
    p: fc.integer({ min: 0, max: 40 }),
    r: fc.integer({ min: 0, max: 9 }),
    at: fc.oneof(
      fc.integer({ min: 0, max: 5 }).map((s) => now - s * 1000 - (s % 3)),
      fc.integer({ min: 0, max: 1e13 }),
    ),
  });
