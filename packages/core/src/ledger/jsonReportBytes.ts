import type { Assessment, PairAssessment, PrincipalAssessment, PrincipalRef, RoleRef } from '../model.js';
import { _principalGroups, DAY_MS } from './assess.js';

const MAX_ISO_MS = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z, the last four-digit year
const _dayPrefixes = new Map<number, string>();
const _two = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

/** `toISOString()` with the date part cached per day: reports repeat days, and this is their hot path. */
export function isoTime(at: number | undefined): string | null {
  if (at === undefined) return null;
  if (!(at >= 0 && at <= MAX_ISO_MS) || !Number.isInteger(at)) return new Date(at).toISOString();
  const day = Math.floor(at / DAY_MS);
  let prefix = _dayPrefixes.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
    if (_dayPrefixes.size > 10_000) _dayPrefixes.clear();
    _dayPrefixes.set(day, prefix);
  }
  let rest = at - day * DAY_MS;
  const ms = rest % 1000;
  rest = (rest - ms) / 1000;
  const sec = rest % 60;
  rest = (rest - sec) / 60;
  const min = rest % 60;
  const hour = (rest - min) / 60;
  return `${prefix}${_two[hour]}:${_two[min]}:${_two[sec]}.${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
}

const _q = JSON.stringify;
const _nullable = (text: string | null) => (text === null ? 'null' : _q(text));

/** A JSON array of strings as `JSON.stringify(list, null, 2)` writes it at `indent`. */
function jsonStringList(list: readonly string[], indent: string): string {
  if (list.length === 0) return '[]';
  let out = '[';
  for (let i = 0; i < list.length; i++) out += `${i === 0 ? '' : ','}\n${indent}  ${_q(list[i])}`;
  return `${out}\n${indent}]`;
}

const _encoder = new TextEncoder();
const _bytes = (text: string) => _encoder.encode(text);
/** A chunk is handed out once it holds this many bytes (rows are a few hundred bytes each). */
const CHUNK = 65_536;
/** Chunks are views of pools of this size. */
const POOL = 1 << 20;
const I = '      ';

// The constant parts of a row, as bytes.
const ROW_CLOSE = _bytes('\n    }');
const ROW_SEPARATOR = _bytes(',\n');
const STATUS = _bytes(`${I}"status": `);
const LAST_SEEN = _bytes(`,\n${I}"lastSeen": `);
const FIRST_SEEN = _bytes(`,\n${I}"firstSeen": `);
const DAYS_SINCE = _bytes(`,\n${I}"daysSince": `);
const ROLES = _bytes(`,\n${I}"roles": `);
const NULL = _bytes('null');
const EMPTY_LIST = _bytes('[]');
const LIST_OPEN = _bytes('[');
const LIST_CLOSE = _bytes(`\n${I}]`);
const COMMA = _bytes(',');
/** A known status with what follows it in every row (`"lastSeen": `): one copy instead of two. */
const ACTIVE_THEN = _bytes(`${_q('active')},\n${I}"lastSeen": `);
const STALE_THEN = _bytes(`${_q('stale')},\n${I}"lastSeen": `);
const NEVER_THEN = _bytes(`${_q('never')},\n${I}"lastSeen": `);
/** The end of a row without `allowedBy`. */
const NULL_ROW_CLOSE = _bytes(`null\n    }`);
const DIGIT_0 = 48;

/**
 * Pretty JSON as UTF-8, written byte by byte into chunks: no string per row to build, flatten and
 * encode again on the way out. Only ASCII goes through `#ascii`/`#digits`; any other text is encoded.
 */
class _JsonBytes {
  // Rows are written into a pool; a chunk is a view of the pool, which is never written again:
  // a new pool starts when a row does not fit (no copy, no zero-filled buffer per chunk). When the
  // consumer lets the memory be reused, writing starts over at the beginning after each chunk.
  readonly #reuse: boolean;
  readonly #poolBytes: number;
  #pool: Uint8Array;
  #start = 0;
  #at = 0;
  // Fragments many rows share, made once per distinct object: stores hand out one object per
  // principal and role. Day prefixes (`"2026-03-01T`) once per day.
  readonly #principals = new Map<PrincipalRef, Uint8Array>();
  readonly #roles = new Map<RoleRef, Uint8Array>();
  readonly #lists = new Map<string, Uint8Array>();
  readonly #sharedLists = new Map<readonly string[], Uint8Array>();
  readonly #days = new Map<number, Uint8Array>();
  #lastDay = Number.NaN;
  #lastPrefix: Uint8Array | undefined;
  readonly #quoted = new Map<RoleRef, Uint8Array>();
  // Principal bytes by `_principalGroups` number, and the ref each was made from: a pair whose
  // principal is that very ref takes them without a lookup.
  readonly #groupBytes: (Uint8Array | undefined)[] = [];
  readonly #groupRefs: (PrincipalRef | undefined)[] = [];

  constructor(reuse: boolean, poolBytes: number) {
    this.#reuse = reuse;
    this.#poolBytes = poolBytes;
    this.#pool = new Uint8Array(poolBytes);
  }

  /** Bytes written since the last `take`. */
  get size(): number {
    return this.#at - this.#start;
  }

  /** The bytes written since the last `take`. */
  take(): Uint8Array {
    const chunk = this.#pool.subarray(this.#start, this.#at);
    this.#start = this.#at;
    return chunk;
  }

  /** After the consumer is done with the last chunk: write over it, when it allowed that. */
  taken(): void {
    if (this.#reuse) this.#start = this.#at = 0;
  }

  /** Makes room for `bytes` more: a new pool, holding the part of a chunk written so far. */
  #room(bytes: number): void {
    if (this.#at + bytes <= this.#pool.length) return;
    const pending = this.#pool.subarray(this.#start, this.#at);
    this.#pool = new Uint8Array(Math.max(this.#poolBytes, (pending.length + bytes) * 2));
    this.#pool.set(pending);
    this.#start = 0;
    this.#at = pending.length;
  }

  bytes(bytes: Uint8Array): void {
    const n = bytes.length;
    this.#room(n);
    // A few bytes (the constant parts of a row) copy faster by hand than through `set`.
    if (n <= 24) {
      const b = this.#pool;
      const at = this.#at;
      for (let k = 0; k < n; k++) b[at + k] = bytes[k] as number;
    } else this.#pool.set(bytes, this.#at);
    this.#at += n;
  }

  /** Any text, as UTF-8. */
  text(text: string): void {
    this.#room(text.length * 3);
    this.#at += _encoder.encodeInto(text, this.#pool.subarray(this.#at)).written;
  }

  /** A JSON number (`null` when absent); whole days written digit by digit. */
  days(days: number | undefined): void {
    if (typeof days !== 'number' || !Number.isSafeInteger(days) || days < 0) {
      this.text(_q(days ?? null));
      return;
    }
    this.#room(16);
    const b = this.#pool;
    let digits = 1;
    for (let rest = days; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    let rest = days;
    for (let k = digits - 1; k >= 0; k--) {
      b[this.#at + k] = DIGIT_0 + (rest % 10);
      rest = Math.floor(rest / 10);
    }
    this.#at += digits;
  }

  /**
   * A time as a JSON string, like `JSON.stringify(new Date(at).toISOString())` (`null` when absent),
   * then `then` (the constant that follows it in a row).
   */
  time(at: number | undefined, then: Uint8Array): void {
    if (at === undefined) {
      this.bytes(NULL);
      this.bytes(then);
      return;
    }
    if (!(at >= 0 && at <= MAX_ISO_MS) || !Number.isInteger(at)) {
      this.text(_q(isoTime(at)));
      this.bytes(then);
      return;
    }
    const day = Math.floor(at / DAY_MS);
    // Rows come stalest first, so a row's lastSeen is most often on the day of the row before's.
    let prefix = day === this.#lastDay ? this.#lastPrefix : this.#days.get(day);
    if (prefix === undefined) {
      prefix = _bytes(`"${new Date(day * DAY_MS).toISOString().slice(0, 11)}`);
      if (this.#days.size > 10_000) this.#days.clear();
      this.#days.set(day, prefix);
    }
    this.#lastDay = day;
    this.#lastPrefix = prefix;
    // One room check and one position for the whole time: `"YYYY-MM-DDT` hh:mm:ss.mmmZ" and `then`.
    this.#room(prefix.length + 14 + then.length);
    const b = this.#pool;
    let i = this.#at;
    for (let k = 0; k < prefix.length; k++) b[i++] = prefix[k] as number;
    // The time of day in ms fits 32 bits: integer arithmetic from here (a double's `%` is slow).
    const rest = (at - day * DAY_MS) | 0;
    const ms = rest % 1000;
    const secs = ((rest - ms) / 1000) | 0;
    const sec = secs % 60;
    const mins = ((secs - sec) / 60) | 0;
    const min = mins % 60;
    const hour = ((mins - min) / 60) | 0;
    b[i] = DIGIT_0 + ((hour / 10) | 0);
    b[i + 1] = DIGIT_0 + (hour % 10);
    b[i + 2] = 58; // :
    b[i + 3] = DIGIT_0 + ((min / 10) | 0);
    b[i + 4] = DIGIT_0 + (min % 10);
    b[i + 5] = 58;
    b[i + 6] = DIGIT_0 + ((sec / 10) | 0);
    b[i + 7] = DIGIT_0 + (sec % 10);
    b[i + 8] = 46; // .
    b[i + 9] = DIGIT_0 + ((ms / 100) | 0);
    b[i + 10] = DIGIT_0 + (((ms % 100) / 10) | 0);
    b[i + 11] = DIGIT_0 + (ms % 10);
    b[i + 12] = 90; // Z
    b[i + 13] = 34; // "
    i += 14;
    for (let k = 0; k < then.length; k++) b[i++] = then[k] as number;
    this.#at = i;
  }

  /** A status and the `"lastSeen": ` that follows it. */
  status(status: string): void {
    if (status === 'stale') this.bytes(STALE_THEN);
    else if (status === 'active') this.bytes(ACTIVE_THEN);
    else if (status === 'never') this.bytes(NEVER_THEN);
    else {
      this.text(_q(status));
      this.bytes(LAST_SEEN);
    }
  }

  /** `principal(p)` for a pair whose principal is numbered `group` (a hint, checked). */
  principalOf(p: PrincipalRef, group: number): void {
    const bytes = this.#groupBytes[group];
    if (bytes !== undefined && this.#groupRefs[group] === p) {
      this.bytes(bytes);
      return;
    }
    this.#groupBytes[group] = this.principal(p);
    this.#groupRefs[group] = p;
  }

  /** A row's opening brace and its principal's four fields; returns those bytes. */
  principal(p: PrincipalRef): Uint8Array {
    let bytes = this.#principals.get(p);
    if (bytes === undefined) {
      bytes = _bytes(
        `    {\n${I}"principal": ${_q(p.key)},\n${I}"principalArn": ${_nullable(p.arn ?? null)},\n${I}"principalName": ${_q(p.name)},\n${I}"principalAccount": ${_q(p.account)},\n`,
      );
      if (this.#principals.size > 100_000) this.#principals.clear();
      this.#principals.set(p, bytes);
    }
    this.bytes(bytes);
    return bytes;
  }

  /** A pair's role fields and the `"status": ` that follows them. */
  role(r: RoleRef): void {
    let bytes = this.#roles.get(r);
    if (bytes === undefined) {
      bytes = _bytes(
        `${I}"role": ${_q(r.key)},\n${I}"roleArn": ${_q(r.arn)},\n${I}"roleName": ${_q(r.name)},\n${I}"roleAccount": ${_q(r.account)},\n${I}"status": `,
      );
      if (this.#roles.size > 100_000) this.#roles.clear();
      this.#roles.set(r, bytes);
    }
    this.bytes(bytes);
  }

  /** The pairs' role keys as a JSON list of strings (a principal's `roles`), each key's bytes made once per role. */
  roleKeys(pairs: readonly PairAssessment[]): void {
    if (pairs.length === 0) {
      this.bytes(EMPTY_LIST);
      return;
    }
    this.bytes(LIST_OPEN);
    for (let k = 0; k < pairs.length; k++) {
      const role = (pairs[k] as PairAssessment).role;
      let quoted = this.#quoted.get(role);
      if (quoted === undefined) {
        quoted = _bytes(`\n${I}  ${_q(role.key)}`);
        if (this.#quoted.size > 100_000) this.#quoted.clear();
        this.#quoted.set(role, quoted);
      }
      if (k > 0) this.bytes(COMMA);
      this.bytes(quoted);
    }
    this.bytes(LIST_CLOSE);
  }

  /**
   * A pair's `via` list (short; assessments share one array per list) between the `"via": ` before
   * it and the `"allowedBy": ` after it.
   */
  via(list: readonly string[]): void {
    let bytes = this.#sharedLists.get(list);
    if (bytes === undefined) {
      const key = list.length === 1 ? (list[0] as string) : list.join('\u0000');
      bytes = this.#lists.get(key);
      if (bytes === undefined) {
        bytes = _bytes(`,\n${I}"via": ${jsonStringList(list, I)},\n${I}"allowedBy": `);
        if (this.#lists.size > 1000) this.#lists.clear();
        this.#lists.set(key, bytes);
      }
      if (this.#sharedLists.size > 1000) this.#sharedLists.clear();
      this.#sharedLists.set(list, bytes);
    }
    this.bytes(bytes);
  }
}

/**
 * One pair exactly as `JSON.stringify(toReportJson(a), null, 2)` writes it inside `"pairs"`;
 * `group` numbers its principal (`_principalGroups`), when known.
 */
function _pair(p: PairAssessment, out: _JsonBytes, group: number | undefined): void {
  if (group === undefined) out.principal(p.principal);
  else out.principalOf(p.principal, group);
  out.role(p.role);
  out.status(p.status);
  out.time(p.lastSeen, FIRST_SEEN);
  out.time(p.firstSeen, DAYS_SINCE);
  out.days(p.daysSince);
  out.via(p.via);
  const a = p.allowedBy;
  if (a === undefined) out.bytes(NULL_ROW_CLOSE);
  else {
    out.text(
      `{\n${I}  "role": ${_nullable(a.role ?? null)},\n${I}  "since": ${_nullable(isoTime(a.since))},\n${I}  "source": ${_nullable(a.source ?? null)}\n${I}}`,
    );
    out.bytes(ROW_CLOSE);
  }
}

/** One principal exactly as `JSON.stringify(toReportJson(a), null, 2)` writes it inside `"principals"`. */
function _principal(p: PrincipalAssessment, out: _JsonBytes): void {
  out.principal(p.principal);
  out.bytes(STATUS);
  out.status(p.status);
  out.time(p.lastSeen, DAYS_SINCE);
  out.days(p.daysSince);
  out.bytes(ROLES);
  out.roleKeys(p.roles);
  out.bytes(ROW_CLOSE);
}

/** `"name": [...]` at depth 1, indented like `JSON.stringify(..., null, 2)`, handing out full chunks. */
function* _array<T>(
  name: string,
  items: readonly T[],
  write: (item: T, out: _JsonBytes, group: number | undefined) => void,
  out: _JsonBytes,
  last: boolean,
  groups?: Uint32Array,
): Generator<Uint8Array> {
  const end = last ? '\n' : ',\n';
  if (items.length === 0) {
    out.text(`  ${_q(name)}: []${end}`);
    return;
  }
  out.text(`  ${_q(name)}: [\n`);
  for (let k = 0; k < items.length; k++) {
    write(items[k] as T, out, groups?.[k]);
    if (k === items.length - 1) out.text(`\n  ]${end}`);
    else out.bytes(ROW_SEPARATOR);
    if (out.size >= CHUNK) {
      yield out.take();
      out.taken();
    }
  }
}

/**
 * The JSON report, exactly `JSON.stringify(toReportJson(a), null, 2)` plus a newline, as UTF-8 in
 * chunks of about 64 KB that each end at a row: no report, however large, is ever one string (V8
 * caps strings at 512 MB), and none is built as a string only to be encoded again for writing.
 */
export function* renderJsonReportBytes(
  assessment: Assessment,
  options: {
    reuseBuffer?: boolean;
    /** Bytes of each pool (tests set it tiny, so that writes cross pool ends everywhere). */
    _poolBytes?: number;
  } = {},
): Generator<Uint8Array> {
  const head = JSON.stringify(
    {
      generatedAt: isoTime(assessment.generatedAt),
      staleAfterDays: assessment.staleAfterDays,
      summary: { ...assessment.summary },
    },
    null,
    2,
  );
  const out = new _JsonBytes(options.reuseBuffer === true, options._poolBytes ?? POOL);
  out.text(`${head.slice(0, -2)},\n`);
  const groups = _principalGroups.get(assessment.pairs);
  yield* _array(
    'pairs',
    assessment.pairs,
    _pair,
    out,
    false,
    groups?.length === assessment.pairs.length ? groups : undefined,
  );
  yield* _array('principals', assessment.principals, _principal, out, true);
  out.text('}\n');
  yield out.take();
}
