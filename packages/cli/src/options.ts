import { InvalidArgumentError } from 'commander';

/** The largest count or number of days an option takes (about 270 years of days). */
export const MAX_OPTION_NUMBER = 100_000;

function isDigits(text: string): boolean {
  if (text === '') return false;
  for (const ch of text) if (ch < '0' || ch > '9') return false;
  return true;
}

/**
 * A whole number in plain decimal digits from `min` to `max`: no sign, spaces, exponent (`1e3`),
 * hex (`0x10`) nor fraction, so what is read is what was meant.
 */
function parseWhole(value: string, min: number, max: number): number {
  const n = isDigits(value) && value.length <= 15 ? Number(value) : Number.NaN;
  if (!(n >= min && n <= max))
    throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}, in digits.`);
  return n;
}

/** Parses a positive whole number option, at most {@link MAX_OPTION_NUMBER} (commander argument parser). */
export function parsePositiveInt(value: string): number {
  return parseWhole(value, 1, MAX_OPTION_NUMBER);
}

/** Parses a whole number ≥ 0, at most {@link MAX_OPTION_NUMBER} (commander argument parser). */
export function parseNonNegativeInt(value: string): number {
  return parseWhole(value, 0, MAX_OPTION_NUMBER);
}

/** The widest table `--width` asks for. */
export const MAX_WIDTH = 10_000;

/** `--width`: a whole number of columns, from 40 to {@link MAX_WIDTH}. */
export function parseWidth(value: string): number {
  return parseWhole(value, 40, MAX_WIDTH);
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
