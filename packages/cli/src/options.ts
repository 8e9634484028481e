import { InvalidArgumentError } from 'commander';

/** Parses a positive whole number option (commander argument parser). */
export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1.');
  return n;
}

/** Parses a whole number ≥ 0 (commander argument parser). */
export function parseNonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number of 0 or more.');
  return n;
}

function isDigits(text: string): boolean {
  if (text === '') return false;
  for (const ch of text) if (ch < '0' || ch > '9') return false;
  return true;
}

/**
 * Parses an ISO 8601 date (`2026-02-01`) or date-time with an explicit zone
 * (`2026-02-01T12:00:00Z`, `...+02:00`); a date alone means midnight UTC.
 */
export function parseIsoDate(value: string): Date {
  const datePart = value.slice(0, 10);
  const [y, m, d] = datePart.split('-');
  const dateOk =
    datePart.length === 10 &&
    y?.length === 4 &&
    m?.length === 2 &&
    d?.length === 2 &&
    isDigits(y + m + d) &&
    // A day the calendar has: Date would roll 2026-02-30 over into March without a word.
    new Date(Date.UTC(Number(y), Number(m) - 1, Number(d))).getUTCDate() === Number(d) &&
    Number(m) >= 1 &&
    Number(m) <= 12;
  const rest = value.slice(10);
  const zoned =
    rest === '' || (rest.startsWith('T') && (rest.endsWith('Z') || rest.includes('+') || rest.lastIndexOf('-') > 0));
  const date = new Date(rest === '' ? `${datePart}T00:00:00Z` : value);
  if (!dateOk || !zoned || Number.isNaN(date.getTime())) {
    throw new InvalidArgumentError('expected an ISO 8601 date like 2026-02-01 or 2026-02-01T12:00:00Z (with a zone).');
  }
  return date;
}
