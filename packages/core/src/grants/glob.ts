/**
 * IAM wildcard matching without regular expressions: `*` matches any run of characters, `?`
 * exactly one. Patterns are split at `*` and each piece is found leftmost (which is optimal for
 * globs), so there is no backtracking: O(|pattern| + |text|) when the pattern has no `?`
 * (KMP search), O(|pattern| × |text|) at worst with `?`.
 */
import { ARN_PARTITIONS } from '../arn.js';

/** True when the piece (no `*`, `?` = any one character) matches `text` at `at`. */
function _pieceAt(piece: string, text: string, at: number): boolean {
  if (at + piece.length > text.length) return false;
  for (let i = 0; i < piece.length; i++) {
    const p = piece.charCodeAt(i);
    if (p !== 63 /* ? */ && p !== text.charCodeAt(at + i)) return false;
  }
  return true;
}

/** The first index in [`from`, `end` - length] where `piece` occurs in `text`, or -1. KMP when `piece` has no `?`. */
function _find(piece: string, text: string, from: number, end: number): number {
  if (piece.length === 0) return from;
  if (piece.includes('?')) {
    for (let at = from; at + piece.length <= end; at++) if (_pieceAt(piece, text, at)) return at;
    return -1;
  }
  const failure = new Int32Array(piece.length);
  for (let i = 1, k = 0; i < piece.length; i++) {
    while (k > 0 && piece.charCodeAt(i) !== piece.charCodeAt(k)) k = failure[k - 1] ?? 0;
    if (piece.charCodeAt(i) === piece.charCodeAt(k)) k++;
    failure[i] = k;
  }
  for (let i = from, k = 0; i < end; i++) {
    while (k > 0 && text.charCodeAt(i) !== piece.charCodeAt(k)) k = failure[k - 1] ?? 0;
    if (text.charCodeAt(i) === piece.charCodeAt(k)) k++;
    if (k === piece.length) return i - piece.length + 1;
  }
  return -1;
}

/** Matches `text` against a `*`/`?` wildcard pattern (case-sensitive, whole string). */
export function matchGlob(pattern: string, text: string): boolean {
  const pieces = pattern.split('*');
  const first = pieces[0] ?? '';
  if (pieces.length === 1) return first.length === text.length && _pieceAt(first, text, 0);
  const last = pieces[pieces.length - 1] ?? '';
  if (first.length + last.length > text.length) return false;
  if (!_pieceAt(first, text, 0) || !_pieceAt(last, text, text.length - last.length)) return false;
  let at = first.length;
  const end = text.length - last.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i] ?? '';
    const found = _find(piece, text, at, end);
    if (found < 0) return false;
    at = found + piece.length;
  }
  return true;
}

/** True when the text contains `*` or `?`. */
export function hasWildcard(text: string): boolean {
  return text.includes('*') || text.includes('?');
}

/** Splits an ARN (or ARN pattern) at its first five colons; undefined when it has fewer. */
function _arnParts(text: string): string[] | undefined {
  const parts: string[] = [];
  let start = 0;
  while (parts.length < 5) {
    const colon = text.indexOf(':', start);
    if (colon < 0) return undefined;
    parts.push(text.slice(start, colon));
    start = colon + 1;
  }
  parts.push(text.slice(start));
  return parts;
}

/**
 * Matches an ARN against an IAM `Resource` pattern: `*` alone matches everything; otherwise each
 * of the six `:`-separated parts is matched separately, as IAM does.
 */
export function matchArnPattern(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  const p = _arnParts(pattern);
  const a = _arnParts(arn);
  if (!p || !a) return matchGlob(pattern, arn);
  for (let i = 0; i < 6; i++) if (!matchGlob(p[i] ?? '', a[i] ?? '')) return false;
  return true;
}

/**
 * True when every ARN that `inner` matches is also matched by `outer` (so a Deny on `outer`
 * removes all of `inner`). Exact for `*`, for ARNs without wildcards, and for `outer` without
 * `?`; otherwise answers false ("not provably covered").
 */
export function patternCovers(outer: string, inner: string): boolean {
  if (outer === '*') return true;
  if (inner === '*') return false;
  if (!hasWildcard(inner)) return matchArnPattern(outer, inner);
  if (outer.includes('?')) return outer === inner;
  // `outer`'s literal characters can only meet literal characters of `inner`, so `inner`'s
  // wildcards all fall inside `outer`'s `*` runs and stay covered however they expand.
  return matchArnPattern(outer, inner);
}

/** True when some IAM role ARN (`arn:*:iam::*:role/…`) could match the `Resource` pattern. */
export function patternCanMatchRole(pattern: string): boolean {
  if (pattern === '*') return true;
  const p = _arnParts(pattern);
  if (!p) return false;
  const [arn = '', partition = '', service = '', region = '', , resource = ''] = p;
  if (!matchGlob(arn, 'arn') || !matchGlob(service, 'iam')) return false;
  if (!ARN_PARTITIONS.some((name) => matchGlob(partition, name))) return false;
  if (!matchGlob(region, '')) return false;
  const prefix = 'role/';
  for (let i = 0; i < prefix.length; i++) {
    const c = resource[i];
    if (c === '*') return true;
    if (c === undefined || (c !== '?' && c !== prefix[i])) return false;
  }
  return resource.length > prefix.length;
}
