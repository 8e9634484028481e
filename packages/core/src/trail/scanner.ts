import type { DeniedAttempt, PrincipalAlias, RoleSwitch } from '../model.js';
import { TrailFileError } from './TrailFileError.js';
import { toRoleSwitch } from './toRoleSwitch.js';

/** One thing found in a trail file. */
export type TrailItem =
  | { kind: 'switch'; switch: RoleSwitch }
  | { kind: 'denied'; denied: DeniedAttempt }
  | { kind: 'alias'; alias: PrincipalAlias };

/** The layout a trail file turned out to have. */
export type TrailFormat = 'records-object' | 'array' | 'ndjson' | 'lookup-events' | 'digest' | 'insight';

/** Why records (or whole files) were skipped. */
export type TrailSkipReason =
  | 'service-caller'
  | 'not-a-switch'
  | 'malformed'
  | 'too-large'
  | 'too-deep'
  | 'digest-file'
  | 'insight-file';

/** Where one malformed or too-large record is in its file, and why it was skipped. */
export interface SkippedRecord {
  /** The record's position in the file (0-based, counting every record read). */
  index: number;
  reason: 'malformed' | 'too-large';
  /** What is wrong with it, one line. */
  detail: string;
}

/** At most this many `SkippedRecord`s are kept per file (the counts in `skipped` are always complete). */
export const MAX_SKIPPED_RECORDS = 10_000;

/** What reading one trail file found. */
export interface TrailStats {
  /** The detected layout; undefined only if nothing could be read. */
  format: TrailFormat | undefined;
  /** Whether the bytes were gzip. */
  gzip: boolean;
  /** Bytes taken from the source (compressed size for gzip). */
  bytesRead: number;
  /** Records (array elements / NDJSON values) read. */
  records: number;
  switches: number;
  denied: number;
  /** Principal-id aliases emitted (after de-duplication within the file). */
  aliases: number;
  /** Records skipped per reason; `digest-file` / `insight-file` count whole files (1). */
  skipped: Record<TrailSkipReason, number>;
  /** Each malformed or too-large record: where it is and why (the first `MAX_SKIPPED_RECORDS`). */
  skippedRecords: SkippedRecord[];
}

/** A fresh, all-zero stats object. */
export function emptyTrailStats(): TrailStats {
  return {
    format: undefined,
    gzip: false,
    bytesRead: 0,
    records: 0,
    switches: 0,
    denied: 0,
    aliases: 0,
    skipped: {
      'service-caller': 0,
      'not-a-switch': 0,
      malformed: 0,
      'too-large': 0,
      'too-deep': 0,
      'digest-file': 0,
      'insight-file': 0,
    },
    skippedRecords: [],
  };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
/** Deepest nesting of the file's top level, and of one record that may be a switch (deeper: `too-deep`). */
const MAX_DEPTH = 512;
/** Records larger than this are counted `too-large` and never parsed (CloudTrail records are far smaller). */
const MAX_RECORD_BYTES = 16 * 1024 * 1024;
/** The top-level object is buffered until its `Records`/`Events` array is found; this bounds that buffer. */
const MAX_TOP_BYTES = 64 * 1024 * 1024;
/** Byte patterns one of which every switch candidate contains (`\u` catches escaped event names). */
const MARKERS = [Buffer.from('AssumeRole'), Buffer.from('SwitchRole'), Buffer.from('\\u')];
/** How every record starts in CloudTrail's own layout; these bytes cannot occur inside a JSON string. */
const RECORD_START = Buffer.from('{"eventVersion":');
/** `"eventName"` (any spacing after it); `indexOf` is far faster for a needle whose first byte is rare. */
const EVENT_NAME_TAIL = Buffer.from('ventName"');
/** Length of `"eventName":"`, the compact form whose value can be checked in place. */
const EVENT_NAME_COMPACT = 13;

/** The position of the next `"eventName"` key-like string at or after `from`, or -1. */
function _nextEventName(buf: Buffer, from: number): number {
  let at = buf.indexOf(EVENT_NAME_TAIL, from + 2);
  while (at >= 0 && !(buf[at - 1] === 0x65 && buf[at - 2] === QUOTE)) at = buf.indexOf(EVENT_NAME_TAIL, at + 1);
  return at < 0 ? -1 : at - 2;
}
/** The fast path's carried-over partial record is bounded; longer records go to the exact scanner. */
const MAX_CARRY_BYTES = 1024 * 1024;

/** The JSON nesting depth at `end` when scanning `[start, end)` from depth 0 (strings skipped). */
function _depthAtEnd(buf: Buffer, start: number, end: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < end; i++) {
    const c = buf[i] as number;
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
    else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) depth--;
  }
  return depth;
}

/** One JSON value found by `_values`: its extent, its deepest nesting, and whether it is an object or array. */
interface _Piece {
  from: number;
  to: number;
  depth: number;
  nested: boolean;
}

/**
 * `[start, end)` as a sequence of JSON values — a record and whatever sits beside it (numbers,
 * strings, literals, arrays, other objects) — separated by single commas (`commas`) or by
 * whitespace only (NDJSON); undefined when it is not one (it ends unclosed, or a separator is off).
 * Values are only delimited here: `JSON.parse` judges each one.
 */
function _values(buf: Buffer, start: number, end: number, commas: boolean): _Piece[] | undefined {
  const pieces: _Piece[] = [];
  let i = start;
  while (true) {
    while (i < end && _isSpace(buf[i] as number)) i++;
    if (i >= end) return undefined;
    const from = i;
    const first = buf[i] as number;
    let depth = 0;
    let deepest = 0;
    if (first === OPEN_OBJECT || first === OPEN_ARRAY) {
      let inString = false;
      for (; i < end; i++) {
        const c = buf[i] as number;
        if (inString) {
          if (c === BACKSLASH) i++;
          else if (c === QUOTE) inString = false;
        } else if (c === QUOTE) inString = true;
        else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
          if (++depth > deepest) deepest = depth;
        } else if ((c === CLOSE_OBJECT || c === CLOSE_ARRAY) && --depth === 0) {
          i++;
          break;
        }
      }
      if (depth !== 0) return undefined;
    } else if (first === QUOTE) {
      for (i++; i < end; i++) {
        const c = buf[i] as number;
        if (c === BACKSLASH) i++;
        else if (c === QUOTE) break;
      }
      if (i >= end) return undefined;
      i++;
    } else if (first === COMMA || first === CLOSE_OBJECT || first === CLOSE_ARRAY) {
      return undefined;
    } else {
      while (i < end) {
        const c = buf[i] as number;
        if (_isSpace(c) || c === COMMA || c === OPEN_OBJECT || c === OPEN_ARRAY || c === QUOTE) break;
        i++;
      }
    }
    pieces.push({ from, to: i, depth: deepest, nested: deepest > 0 });
    while (i < end && _isSpace(buf[i] as number)) i++;
    if (i >= end) return pieces;
    if (buf[i] === COMMA) {
      if (!commas) return undefined;
      i++;
    } else if (commas) return undefined;
  }
}

/** `[start, end)` parsed, when it is exactly one JSON object; undefined otherwise. */
function _parseObject(buf: Buffer, start: number, end: number): object | undefined {
  let value: unknown;
  try {
    value = JSON.parse(buf.toString('utf8', start, end));
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
}

/**
 * Whether a parsed value nests objects and arrays more than `limit` deep (the value itself being
 * level 1, as `_values` counts brackets); stops descending past the limit.
 */
function _deeperThan(value: object, limit: number): boolean {
  if (limit <= 0) return true;
  if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item === 'object' && item !== null && _deeperThan(item, limit - 1)) return true;
    }
    return false;
  }
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (typeof item === 'object' && item !== null && _deeperThan(item, limit - 1)) return true;
  }
  return false;
}

/** Whether the string value at `at` starts with a switch event name, or is escaped. */
function _startsWithMarker(buf: Buffer, at: number, end: number): boolean {
  if (buf[at] === 0x5c) return true;
  for (let m = 0; m < 2; m++) {
    const marker = MARKERS[m] as Buffer;
    if (at + marker.length > end) continue;
    let k = 0;
    while (k < marker.length && buf[at + k] === marker[k]) k++;
    if (k === marker.length) return true;
  }
  return false;
}

/** A `lookup-events` element: the record is the JSON string in `CloudTrailEvent`. */
function _isLookupEvent(value: unknown): value is { CloudTrailEvent: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>).CloudTrailEvent === 'string' &&
    !('eventVersion' in value) &&
    !('eventName' in value)
  );
}

function _isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

type _Phase = 'start' | 'top' | 'records' | 'after' | 'ndjson' | 'done';

/**
 * The streaming scanner: tracks JSON structure byte by byte (strings skipped with `indexOf`),
 * finds record boundaries, and `JSON.parse`s only records that contain a marker.
 */
export class _TrailScanner {
  /** Items found since the caller last drained this. */
  out: TrailItem[] = [];
  private phase: _Phase = 'start';
  private depth = 0;
  /** Open brackets by depth: the records array's own levels plus MAX_DEPTH inside a record. */
  private readonly stack = new Uint8Array(MAX_DEPTH + 3);
  private inString = false;
  private escaped = false;
  private inScalar = false;
  private recordDepth = 0;
  private offset = 0;
  // The open record.
  private recordStart = -1;
  private recordParts: Buffer[] = [];
  private recordBytes = 0;
  private recordTooLarge = false;
  /** The open record nests deeper than MAX_DEPTH: deeper levels are counted, not kept on the stack. */
  private recordTooDeep = false;
  // Top-level object, until its records array is found.
  private topParts: Buffer[] = [];
  private topBytes = 0;
  private topStart = 0;
  private expectKey = false;
  private keyBytes: number[] | undefined;
  private lastKey = '';
  private sawRecordsKey = false;
  // Marker positions in the current chunk.
  private markChunk: Buffer | undefined;
  /** The chunk `push` is scanning. */
  private chunk: Buffer | undefined;
  private readonly markAt = new Array<number>(MARKERS.length).fill(-1);
  private readonly markFrom = new Array<number>(MARKERS.length).fill(0);
  /** Aliases by account + principal id, the latest sighting kept; emitted when the file ends. */
  private readonly aliasSeen = new Map<string, PrincipalAlias>();
  // Fast path state.
  private fast: boolean | undefined;
  private carry: Buffer | undefined;
  private nameBuf: Buffer | undefined;
  private nameAt = -1;
  private nameFrom = 0;
  /** Set by `finish`: no more input, so nothing may be carried over. */
  private ending = false;

  constructor(
    private readonly stats: TrailStats,
    private readonly key: string | undefined,
  ) {}

  /** True once the file is known to need no more bytes (digest / Insights). */
  get done(): boolean {
    return this.phase === 'done';
  }

  /** Scans one chunk of decompressed bytes. */
  push(input: Buffer): void {
    let buf = input;
    let i = 0;
    if (this.carry !== undefined) {
      const carry = this.carry;
      this.carry = undefined;
      i = this.fast ? this.joinCarry(carry, input) : -1;
      if (i < 0) {
        this.offset -= carry.length;
        buf = Buffer.concat([carry, input]);
        i = 0;
      }
    }
    this.chunk = buf;
    while (i < buf.length && this.phase !== 'done') {
      switch (this.phase) {
        case 'start':
          i = this.scanStart(buf, i);
          break;
        case 'top':
          i = this.scanTop(buf, i);
          break;
        case 'records':
        case 'ndjson':
          if (this.fast === undefined) {
            i = this.decideFast(buf, i);
            if (this.fast === undefined) break;
          }
          i = this.fast ? this.scanFast(buf, i) : this.scanRecords(buf, i);
          break;
        case 'after':
          i = this.scanAfter(buf, i);
          break;
      }
    }
    if (this.phase === 'top' && !this.sawRecordsKey) {
      this.keepTop(buf.subarray(this.topStart));
    }
    if (
      (this.phase === 'records' || this.phase === 'ndjson') &&
      !this.fast &&
      this.depth > this.recordDepth &&
      !this.recordTooLarge
    ) {
      const part = buf.subarray(this.recordStart);
      this.recordBytes += part.length;
      if (this.recordBytes > MAX_RECORD_BYTES) {
        this.recordTooLarge = true;
        this.recordParts = [];
      } else {
        this.recordParts.push(part);
      }
    }
    this.recordStart = 0;
    this.topStart = 0;
    this.offset += buf.length;
    this.markChunk = undefined;
    this.nameBuf = undefined;
    this.chunk = undefined;
  }

  /** Ends the input: throws `TrailFileError` if the file stopped in the middle of something. */
  finish(): void {
    this.ending = true;
    if (this.carry !== undefined) {
      // The last record of the fast path, and what follows it, go through the exact scanner.
      const rest = this.carry;
      this.carry = undefined;
      this.leaveFast(0);
      this.offset -= rest.length;
      this.push(rest);
    }
    switch (this.phase) {
      case 'start':
        throw this.error('empty', 'the file is empty (no JSON value)');
      case 'top':
        throw this.error('truncated', 'the file ends inside its top-level object');
      case 'records':
        throw this.error('truncated', `the file ends inside its records (after ${this.stats.records} records)`);
      case 'ndjson':
        if (this.depth > 0 || this.inString) {
          throw this.error('truncated', `the file ends inside a record (after ${this.stats.records} records)`);
        }
        break;
      default:
        break;
    }
    for (const alias of this.aliasSeen.values()) {
      this.stats.aliases++;
      this.out.push({ kind: 'alias', alias });
    }
    this.aliasSeen.clear();
  }

  /**
   * The fast path is taken when records start exactly like CloudTrail writes them
   * (`{"eventVersion":` with no whitespace); anything else is read by the exact scanner.
   */
  private decideFast(buf: Buffer, i: number): number {
    let j = i;
    if (this.phase === 'ndjson') {
      while (j < buf.length && _isSpace(buf[j] as number)) j++;
      if (j === buf.length) return j;
    }
    this.fast =
      buf.length - j >= RECORD_START.length &&
      buf.compare(RECORD_START, 0, RECORD_START.length, j, j + RECORD_START.length) === 0;
    return this.fast ? j : i;
  }

  /**
   * CloudTrail's compact layout: records start at `{"eventVersion":` (which cannot occur inside
   * a JSON string) and end with `}` before the separator; a record is a candidate when its
   * `"eventName":"` value starts with a marker or is escaped, or when `"eventName"` occurs
   * other than exactly once in that compact form.
   * Any surprise (odd boundary, a candidate that does not parse) hands over to the exact scanner.
   */
  private scanFast(buf: Buffer, from: number): number {
    let pos = from;
    while (true) {
      const next = buf.indexOf(RECORD_START, pos + 1);
      if (next < 0) {
        if (buf.length - pos > MAX_CARRY_BYTES) return this.leaveFast(pos);
        // A copy, so the chunk itself can be collected young.
        this.carry = Buffer.from(buf.subarray(pos));
        return buf.length;
      }
      if (!this.fastBoundary(buf, pos, next)) return this.leaveFast(pos);
      if (this.phase === 'done') return buf.length;
      pos = next;
    }
  }

  /** Checks that `[pos, next)` is one record followed by its separator, then handles it. */
  private fastBoundary(buf: Buffer, pos: number, next: number): boolean {
    let k = next - 1;
    while (k > pos && _isSpace(buf[k] as number)) k--;
    if (this.recordDepth > 0) {
      if (buf[k] !== COMMA) return false;
      k--;
      while (k > pos && _isSpace(buf[k] as number)) k--;
    }
    if (buf[k] !== CLOSE_OBJECT) return false;
    return this.fastRecord(buf, pos, k + 1);
  }

  /**
   * Finishes the record carried over from the last chunk without copying the new chunk: returns
   * where to continue in `input`, or -1 when the caller must concatenate (rare).
   */
  private joinCarry(carry: Buffer, input: Buffer): number {
    const overlap = RECORD_START.length - 1;
    const edge = Buffer.concat([carry.subarray(Math.max(1, carry.length - overlap)), input.subarray(0, overlap)]);
    if (edge.indexOf(RECORD_START) >= 0) return -1;
    const next = input.indexOf(RECORD_START);
    if (next < 0) return -1;
    const record = Buffer.concat([carry, input.subarray(0, next)]);
    if (!this.fastBoundary(record, 0, record.length)) return -1;
    return next;
  }

  private leaveFast(pos: number): number {
    this.fast = false;
    this.depth = this.recordDepth;
    this.inString = false;
    this.escaped = false;
    this.inScalar = false;
    return pos;
  }

  /**
   * One record of the fast path (with anything beside it before the next record start, each
   * element judged on its own); false when it must be re-read by the exact scanner.
   */
  private fastRecord(buf: Buffer, start: number, end: number): boolean {
    if (!this.isCandidate(buf, start, end)) {
      this.stats.records++;
      this.stats.skipped['not-a-switch']++;
      return true;
    }
    // Nearly always the bytes are one record: parsed as a whole, with no byte-by-byte delimiting.
    // Anything else (several values, a scalar, JSON.parse failing) is delimited below.
    const whole = _parseObject(buf, start, end);
    if (whole !== undefined) {
      if (_deeperThan(whole, MAX_DEPTH)) {
        this.stats.records++;
        this.stats.skipped['too-deep']++;
      } else this.handleRecord(whole);
      return true;
    }
    const pieces = _values(buf, start, end, this.recordDepth > 0);
    if (pieces === undefined) {
      // Unclosed: the end boundary was a nested object that looks like a record; the start is
      // sound, so the exact scanner takes over here. Otherwise it is one malformed record.
      if (_depthAtEnd(buf, start, end) > 0) return false;
      this.stats.records++;
      this.skipRecord('malformed', 'not valid JSON');
      return true;
    }
    for (const piece of pieces) {
      if (!piece.nested) this.scalarRecord();
      else if (pieces.length > 1 && !this.isCandidate(buf, piece.from, piece.to)) {
        this.stats.records++;
        this.stats.skipped['not-a-switch']++;
      } else if (piece.depth > MAX_DEPTH) {
        this.stats.records++;
        this.stats.skipped['too-deep']++;
      } else this.parseRecord(buf, piece.from, piece.to);
    }
    return true;
  }

  /**
   * Whether the record in `[start, end)` may yield something and so must be parsed: the first
   * record (it tells an Insights file), or one holding a marker, unless it has no escape and one
   * compact `"eventName"` whose value is not a switch (a switch beside it would bring its own).
   * Both scanners use this, so a record is judged the same in every layout.
   */
  private isCandidate(buf: Buffer, start: number, end: number): boolean {
    if (this.stats.records === 0) return true;
    if (this.markerIn(buf, start, end, 2)) return true;
    const at = this.eventNameIn(buf, start, end);
    if (at >= 0 && buf[at + 11] === COLON && buf[at + 12] === QUOTE) {
      const again = _nextEventName(buf, at + 1);
      if (buf === this.chunk) {
        this.nameFrom = at + 1;
        this.nameAt = again;
      }
      if (again < 0 || again >= end) return _startsWithMarker(buf, at + EVENT_NAME_COMPACT, end);
    }
    return this.markerIn(buf, start, end, 0) || this.markerIn(buf, start, end, 1);
  }

  /** The first `"eventName"` in `[start, end)`, or -1; cached through the current chunk. */
  private eventNameIn(buf: Buffer, start: number, end: number): number {
    let at: number;
    if (buf !== this.chunk) at = _nextEventName(buf, start);
    else {
      if (this.nameBuf !== buf || (this.nameAt >= 0 && this.nameAt < start) || this.nameFrom > start) {
        this.nameBuf = buf;
        this.nameFrom = start;
        this.nameAt = _nextEventName(buf, start);
      }
      at = this.nameAt;
    }
    return at < end ? at : -1;
  }

  /** Parses and attributes one record of known extent; malformed if it is not JSON. */
  private parseRecord(buf: Buffer, start: number, end: number): void {
    let value: unknown;
    try {
      value = JSON.parse(buf.toString('utf8', start, end));
    } catch {
      this.stats.records++;
      this.skipRecord('malformed', 'not valid JSON');
      return;
    }
    this.handleRecord(value);
  }

  private error(
    reason: 'empty' | 'truncated' | 'not-json' | 'wrong-shape',
    message: string,
    cause?: unknown,
  ): TrailFileError {
    return new TrailFileError(reason, message, { key: this.key, cause });
  }

  private scanStart(buf: Buffer, i: number): number {
    const n = buf.length;
    while (i < n) {
      const c = buf[i] as number;
      if (_isSpace(c)) {
        i++;
        continue;
      }
      // A UTF-8 byte-order mark before the first value, possibly split across chunks.
      if (c === 0xef && this.offset + i === 0) {
        if (n - i < 3 && !this.ending) {
          this.carry = Buffer.from(buf.subarray(i));
          return n;
        }
        if (buf[i + 1] === 0xbb && buf[i + 2] === 0xbf) {
          i += 3;
          continue;
        }
      }
      if (c === OPEN_ARRAY) {
        this.stats.format = 'array';
        this.stack[0] = OPEN_ARRAY;
        this.depth = 1;
        this.recordDepth = 1;
        this.phase = 'records';
        return i + 1;
      }
      if (c === OPEN_OBJECT) {
        this.stack[0] = OPEN_OBJECT;
        this.depth = 1;
        this.phase = 'top';
        this.topStart = i;
        this.expectKey = true;
        return i + 1;
      }
      throw this.error(
        'not-json',
        `the file does not start with a JSON object or array (byte 0x${c.toString(16).padStart(2, '0')} at offset ${this.offset + i})`,
      );
    }
    return i;
  }

  private keepTop(part: Buffer): void {
    this.topBytes += part.length;
    if (this.topBytes > MAX_TOP_BYTES) {
      throw this.error(
        'wrong-shape',
        `the top-level object has no Records or Events array in its first ${MAX_TOP_BYTES} bytes`,
      );
    }
    this.topParts.push(part);
  }

  /** The top-level object, byte by byte (it is short before its records array). */
  private scanTop(buf: Buffer, i: number): number {
    const n = buf.length;
    while (i < n) {
      const c = buf[i] as number;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) {
          this.inString = false;
          if (this.keyBytes) {
            this.lastKey = Buffer.from(this.keyBytes).toString('utf8');
            this.keyBytes = undefined;
          }
          i++;
          continue;
        }
        if (this.keyBytes && this.keyBytes.length < 64) this.keyBytes.push(c);
        i++;
        continue;
      }
      if (c === QUOTE) {
        this.inString = true;
        if (this.depth === 1 && this.expectKey) this.keyBytes = [];
      } else if (c === COLON && this.depth === 1) {
        this.expectKey = false;
      } else if (c === COMMA && this.depth === 1) {
        this.expectKey = true;
        this.lastKey = '';
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (
          c === OPEN_ARRAY &&
          this.depth === 1 &&
          !this.expectKey &&
          (this.lastKey === 'Records' || this.lastKey === 'Events')
        ) {
          this.stats.format = this.lastKey === 'Records' ? 'records-object' : 'lookup-events';
          this.sawRecordsKey = true;
          this.topParts = [];
          this.topBytes = 0;
          this.stack[1] = OPEN_ARRAY;
          this.depth = 2;
          this.recordDepth = 2;
          this.phase = 'records';
          return i + 1;
        }
        this.open(c, i);
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        this.close(c, i);
        if (this.depth === 0) {
          if (this.sawRecordsKey) {
            this.phase = 'after';
          } else {
            this.keepTop(buf.subarray(this.topStart, i + 1));
            this.decideTop();
          }
          return i + 1;
        }
      }
      i++;
    }
    return i;
  }

  private open(c: number, i: number): void {
    if (this.depth >= MAX_DEPTH)
      throw this.error('not-json', `JSON nested deeper than ${MAX_DEPTH} at offset ${this.offset + i}`);
    this.stack[this.depth] = c;
    this.depth++;
  }

  private close(c: number, i: number): void {
    if (this.depth === 0)
      throw this.error('not-json', `unbalanced '${String.fromCharCode(c)}' at offset ${this.offset + i}`);
    this.depth--;
    if (this.stack[this.depth] !== (c === CLOSE_OBJECT ? OPEN_OBJECT : OPEN_ARRAY)) {
      throw this.error('not-json', `mismatched '${String.fromCharCode(c)}' at offset ${this.offset + i}`);
    }
  }

  /** A top-level object without a records array: a digest, or the first line of NDJSON. */
  private decideTop(): void {
    const text = Buffer.concat(this.topParts).toString('utf8');
    this.topParts = [];
    this.topBytes = 0;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      // Not the parser's message nor the error as cause: V8 quotes the input around the fault,
      // which can be part of a session token.
      throw this.error('not-json', `the top-level object (${text.length} characters) is not valid JSON`);
    }
    const object = value as Record<string, unknown>;
    if (Array.isArray(object.logFiles) || typeof object.digestS3Object === 'string') {
      this.stats.format = 'digest';
      this.stats.skipped['digest-file'] = 1;
      this.phase = 'done';
      return;
    }
    if ('Records' in object || 'Events' in object) {
      throw this.error('wrong-shape', `the top-level ${'Records' in object ? 'Records' : 'Events'} is not an array`);
    }
    if (
      typeof object.eventName === 'string' ||
      typeof object.eventVersion === 'string' ||
      typeof object.eventType === 'string' ||
      typeof object.CloudTrailEvent === 'string'
    ) {
      this.stats.format = 'ndjson';
      this.phase = 'ndjson';
      this.recordDepth = 0;
      this.depth = 0;
      this.handleRecord(object);
      return;
    }
    throw this.error(
      'wrong-shape',
      'the top-level object has neither Records, Events, logFiles nor CloudTrail record fields',
    );
  }

  private scanAfter(buf: Buffer, i: number): number {
    const n = buf.length;
    while (i < n) {
      const c = buf[i] as number;
      if (!_isSpace(c)) {
        throw this.error(
          'not-json',
          `unexpected content after the end of the top-level value at offset ${this.offset + i}`,
        );
      }
      i++;
    }
    return i;
  }

  /** The hot loop: structure only, strings skipped fast, records cut out at `recordDepth`. */
  private scanRecords(buf: Buffer, i: number): number {
    const n = buf.length;
    const rd = this.recordDepth;
    const stack = this.stack;
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escaped;
    while (i < n) {
      if (inString) {
        if (escaped) {
          escaped = false;
          i++;
          continue;
        }
        let j = i;
        const limit = Math.min(n, i + 32);
        let c = 0;
        while (j < limit) {
          c = buf[j] as number;
          if (c === QUOTE || c === BACKSLASH) break;
          j++;
        }
        if (j === limit) {
          if (j === n) {
            i = n;
            break;
          }
          // A long string: jump to the next quote natively, then check it is not escaped.
          const q = buf.indexOf(QUOTE, j);
          if (q < 0) {
            let k = n - 1;
            let slashes = 0;
            while (k >= j && buf[k] === BACKSLASH) {
              slashes++;
              k--;
            }
            escaped = (slashes & 1) === 1;
            i = n;
            break;
          }
          let k = q - 1;
          let slashes = 0;
          while (k >= j && buf[k] === BACKSLASH) {
            slashes++;
            k--;
          }
          if ((slashes & 1) === 0) inString = false;
          i = q + 1;
          continue;
        }
        if (c === BACKSLASH) {
          escaped = true;
          i = j + 1;
          continue;
        }
        inString = false;
        i = j + 1;
        continue;
      }
      const c = buf[i] as number;
      if (c === QUOTE) {
        inString = true;
        if (depth === rd) this.scalarRecord();
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (depth === rd) {
          this.inScalar = false;
          this.recordStart = i;
          this.recordParts = [];
          this.recordBytes = 0;
          this.recordTooLarge = false;
          this.recordTooDeep = false;
        }
        if (depth - rd >= MAX_DEPTH) this.recordTooDeep = true;
        else stack[depth] = c;
        depth++;
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        if (depth === 0)
          throw this.error('not-json', `unbalanced '${String.fromCharCode(c)}' at offset ${this.offset + i}`);
        depth--;
        if (depth - rd < MAX_DEPTH && stack[depth] !== (c === CLOSE_OBJECT ? OPEN_OBJECT : OPEN_ARRAY)) {
          throw this.error('not-json', `mismatched '${String.fromCharCode(c)}' at offset ${this.offset + i}`);
        }
        if (depth === rd) {
          this.depth = depth;
          this.endRecord(buf, i + 1);
          if (this.phase === 'done') return n;
        } else if (depth < rd) {
          // The records array closed.
          this.inScalar = false;
          this.depth = depth;
          this.inString = false;
          this.escaped = false;
          if (depth === 0) {
            this.phase = 'after';
          } else {
            this.phase = 'top';
            this.expectKey = false;
            this.lastKey = '';
            this.topStart = i + 1;
          }
          return i + 1;
        }
      } else if (depth === rd) {
        if (_isSpace(c) || c === COMMA) this.inScalar = false;
        else if (!this.inScalar) {
          this.inScalar = true;
          this.scalarRecord();
        }
      }
      i++;
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    return i;
  }

  /** A record position holding a string, number or literal instead of an object. */
  private scalarRecord(): void {
    this.stats.records++;
    this.skipRecord('malformed', 'a string, number or literal where a record object belongs');
  }

  /** Whether marker `m` occurs in `[start, end)`; searches in the current chunk are cached. */
  private markerIn(buf: Buffer, start: number, end: number, m: number): boolean {
    const marker = MARKERS[m] as Buffer;
    if (buf !== this.chunk) return buf.subarray(start, end).indexOf(marker) >= 0;
    if (this.markChunk !== buf) {
      this.markChunk = buf;
      this.markAt.fill(-1);
      this.markFrom.fill(0);
    }
    let at = this.markAt[m] as number;
    // Cached: "next occurrence at or after markFrom" (or none when at === -2).
    if (at === -1 || (at >= 0 && at < start) || (this.markFrom[m] as number) > start) {
      at = buf.indexOf(marker, start);
      this.markAt[m] = at < 0 ? -2 : at;
      this.markFrom[m] = start;
    }
    return at >= 0 && at + marker.length <= end;
  }

  private endRecord(buf: Buffer, end: number): void {
    this.inScalar = false;
    if (this.recordTooLarge) {
      this.stats.records++;
      this.skipRecord('too-large', `larger than ${MAX_RECORD_BYTES} bytes`);
      this.recordParts = [];
      return;
    }
    let bytes: Buffer;
    let start: number;
    let finish: number;
    let candidate: boolean;
    if (this.recordParts.length === 0) {
      bytes = buf;
      start = this.recordStart;
      finish = end;
      candidate = this.isCandidate(buf, start, end);
    } else {
      this.recordParts.push(buf.subarray(0, end));
      bytes = Buffer.concat(this.recordParts);
      this.recordParts = [];
      start = 0;
      finish = bytes.length;
      if (finish > MAX_RECORD_BYTES) {
        this.stats.records++;
        this.skipRecord('too-large', `larger than ${MAX_RECORD_BYTES} bytes`);
        return;
      }
      candidate = this.isCandidate(bytes, start, finish);
    }
    if (!candidate) {
      this.stats.records++;
      this.stats.skipped['not-a-switch']++;
      return;
    }
    if (this.recordTooDeep) {
      this.stats.records++;
      this.stats.skipped['too-deep']++;
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8', start, finish));
    } catch {
      this.stats.records++;
      this.skipRecord('malformed', 'not valid JSON');
      return;
    }
    if (this.stats.format === 'lookup-events') {
      // What LookupEventSchema accepts: an object (not an array) with a CloudTrailEvent string.
      const event = value as { CloudTrailEvent?: unknown } | null;
      if (
        typeof event !== 'object' ||
        event === null ||
        Array.isArray(event) ||
        typeof event.CloudTrailEvent !== 'string'
      ) {
        this.stats.records++;
        this.skipRecord('malformed', 'a lookup-events element without a CloudTrailEvent string');
        return;
      }
      try {
        value = JSON.parse(event.CloudTrailEvent);
      } catch {
        this.stats.records++;
        this.skipRecord('malformed', 'CloudTrailEvent is not valid JSON');
        return;
      }
    }
    this.handleRecord(value);
  }

  /** Counts a malformed or too-large record (already counted in `records`) and notes where it is. */
  private skipRecord(reason: SkippedRecord['reason'], detail: string): void {
    this.stats.skipped[reason]++;
    const list = this.stats.skippedRecords;
    if (list.length < MAX_SKIPPED_RECORDS) list.push({ index: this.stats.records - 1, reason, detail });
  }

  /** Attributes one parsed record and queues what it yields. */
  private handleRecord(input: unknown): void {
    let value = input;
    if (_isLookupEvent(value)) {
      // One `lookup-events` element outside its `Events` array (`--query Events`, `jq '.Events[]'`).
      try {
        value = JSON.parse(value.CloudTrailEvent);
      } catch {
        this.stats.records++;
        this.skipRecord('malformed', 'CloudTrailEvent is not valid JSON');
        return;
      }
    }
    if (
      this.stats.records === 0 &&
      typeof value === 'object' &&
      value !== null &&
      (value as Record<string, unknown>).eventType === 'AwsCloudTrailInsight'
    ) {
      this.stats.format = 'insight';
      this.stats.skipped['insight-file'] = 1;
      this.phase = 'done';
      return;
    }
    this.stats.records++;
    const outcome = toRoleSwitch(value);
    if (outcome.kind === 'skipped') {
      if (outcome.reason === 'malformed') this.skipRecord('malformed', outcome.detail);
      else this.stats.skipped[outcome.reason]++;
      return;
    }
    if (outcome.alias) {
      const alias = outcome.alias;
      const id = `${alias.account}\u0000${alias.principalId}`;
      const seen = this.aliasSeen.get(id);
      if (!seen || seen.seenAt <= alias.seenAt) this.aliasSeen.set(id, alias);
    }
    if (outcome.kind === 'switch') {
      this.stats.switches++;
      this.out.push({ kind: 'switch', switch: outcome.switch });
    } else {
      this.stats.denied++;
      this.out.push({ kind: 'denied', denied: outcome.denied });
    }
  }
}
