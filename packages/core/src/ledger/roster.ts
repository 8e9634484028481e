import { ArnError, principalRefFromArn, roleRefFromArn } from '../arn.js';
import { LastswitchError } from '../errors.js';
import type { PrincipalRef, RoleRef, RosterEntry } from '../model.js';

/** A roster that cannot be read; `line` (1-based), `entry` (0-based) and `field` say where. */
export class RosterError extends LastswitchError {
  override name = 'RosterError';
  /** The 1-based line of the problem, when known. */
  readonly line?: number;
  /** The 0-based index of the roster entry (JSON) or data row (CSV), when known. */
  readonly entry?: number;
  /** The field at fault (`principal`, `role`, `since`, `source`), when there is one. */
  readonly field?: string;

  constructor(
    message: string,
    where: { line?: number; entry?: number; field?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    if (where.line !== undefined) this.line = where.line;
    if (where.entry !== undefined) this.entry = where.entry;
    if (where.field !== undefined) this.field = where.field;
  }
}

/** Roster file formats `parseRoster` reads. */
export type RosterFormat = 'json' | 'csv';

const FIELDS = ['principal', 'role', 'since', 'source'] as const;
type Field = (typeof FIELDS)[number];
const MAX_FIELD_LENGTH = 2048;

function _show(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

/** True when a role value is a pattern (`*` or `?` anywhere) rather than one role ARN. */
export function isRolePattern(role: string): boolean {
  return role.includes('*') || role.includes('?');
}

/**
 * Matches `text` against a glob with `*` (any run, also empty) and `?` (one character), case
 * sensitively like IAM resource patterns. Greedy leftmost segment search: no backtracking
 * beyond the segment being tried, so at most O(text × pattern) and usually linear.
 */
export function matchesGlob(pattern: string, text: string): boolean {
  const segments = pattern.split('*');
  const first = segments[0] ?? '';
  if (segments.length === 1) return text.length === first.length && _matchAt(first, text, 0);
  const last = segments[segments.length - 1] ?? '';
  if (text.length < first.length + last.length) return false;
  if (!_matchAt(first, text, 0) || !_matchAt(last, text, text.length - last.length)) return false;
  let at = first.length;
  const end = text.length - last.length;
  for (let i = 1; i < segments.length - 1; i++) {
    const seg = segments[i] ?? '';
    if (seg.length === 0) continue;
    const found = _find(seg, text, at, end);
    if (found < 0) return false;
    at = found + seg.length;
  }
  return true;
}

function _matchAt(seg: string, text: string, at: number): boolean {
  if (at < 0 || at + seg.length > text.length) return false;
  for (let i = 0; i < seg.length; i++) {
    const c = seg.charCodeAt(i);
    if (c !== 63 /* ? */ && c !== text.charCodeAt(at + i)) return false;
  }
  return true;
}

function _find(seg: string, text: string, from: number, end: number): number {
  if (!seg.includes('?')) {
    const i = text.indexOf(seg, from);
    return i >= 0 && i + seg.length <= end ? i : -1;
  }
  for (let i = from; i + seg.length <= end; i++) if (_matchAt(seg, text, i)) return i;
  return -1;
}

/** Whether a roster role value (ARN, pattern, or absent = any role) covers a role. */
export function rosterCoversRole(rosterRole: string | undefined, role: RoleRef): boolean {
  if (rosterRole === undefined || rosterRole === '*') return true;
  if (!isRolePattern(rosterRole)) return rosterRole === role.key || rosterRole === role.arn;
  return matchesGlob(rosterRole, role.key) || matchesGlob(rosterRole, role.arn);
}

/**
 * The `RoleRef` a roster role value stands for: a role ARN gives the role (path-insensitive key);
 * a pattern gives a ref whose `key` and `arn` are the pattern, and absence gives the pattern `*`.
 */
export function rosterRoleRef(rosterRole: string | undefined): RoleRef {
  if (rosterRole === undefined) return { key: '*', account: '', name: '*', arn: '*' };
  if (!isRolePattern(rosterRole)) return roleRefFromArn(rosterRole);
  const parts = rosterRole.split(':');
  const account = parts.length >= 6 && !isRolePattern(parts[4] ?? '') ? (parts[4] ?? '') : '';
  const resource = parts.length >= 6 ? parts.slice(5).join(':') : rosterRole;
  const name = resource.startsWith('role/') ? resource.slice(resource.lastIndexOf('/') + 1) : resource;
  return { key: rosterRole, account, name: name === '' ? '*' : name, arn: rosterRole };
}

/** Principal keys a roster may name verbatim, for identities that have no principal ARN. */
const KEY_PREFIXES = ['source-identity:', 'saml:', 'web-identity:', 'unresolved:'] as const;

/**
 * The principal a roster entry names: a principal ARN (IAM user ARNs path-insensitively), or a
 * ledger principal key for identities without one: `source-identity:VALUE`,
 * `saml:PROVIDER_ARN:NAME`, `web-identity:PROVIDER:NAME` or `unresolved:ACCOUNT:PRINCIPALID`.
 */
export function rosterPrincipalRef(entry: RosterEntry): PrincipalRef {
  const text = entry.principal;
  const prefix = KEY_PREFIXES.find((p) => text.startsWith(p));
  if (prefix === undefined) return principalRefFromArn(text);
  const rest = text.slice(prefix.length);
  if (prefix === 'source-identity:') {
    if (rest === '') throw new RosterError(`principal ${_show(text)} has an empty source identity`);
    return { key: text, kind: 'role-session', account: '', name: rest };
  }
  if (prefix === 'unresolved:') {
    const colon = rest.indexOf(':');
    const account = colon < 0 ? '' : rest.slice(0, colon);
    const id = colon < 0 ? '' : rest.slice(colon + 1);
    if (account.length !== 12 || !_isDigits(account) || id === '') {
      throw new RosterError(`principal ${_show(text)} must look like unresolved:ACCOUNT:PRINCIPALID`);
    }
    return { key: text, kind: 'unresolved', account, name: id };
  }
  // The provider is an ARN (five colons of its own) or a bare name; the name may hold colons
  // (a web-identity subject such as `repo:OWNER/REPO:ref:refs/heads/main`).
  let colon = -1;
  for (let seen = 0, at = 0; seen < (rest.startsWith('arn:') ? 6 : 1); seen++, at = colon + 1) {
    colon = rest.indexOf(':', at);
    if (colon < 0) break;
  }
  const provider = colon < 0 ? '' : rest.slice(0, colon);
  const name = colon < 0 ? '' : rest.slice(colon + 1);
  if (provider === '' || name === '') {
    throw new RosterError(`principal ${_show(text)} must look like ${prefix}PROVIDER:NAME`);
  }
  const account = provider.startsWith('arn:') ? (provider.split(':', 5)[4] ?? '') : '';
  return { key: text, kind: prefix === 'saml:' ? 'saml' : 'web-identity', account, name };
}

function _isDigits(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Rejects over-long values and control characters (`source` may hold tabs and line breaks). */
function _checkText(value: string, field: Field, where: { line?: number; entry?: number }): string {
  if (value.length > MAX_FIELD_LENGTH) {
    throw new RosterError(`${_where(where)}: ${field} is longer than ${MAX_FIELD_LENGTH} characters`, {
      ...where,
      field,
    });
  }
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const allowed = field === 'source' && (c === 0x09 || c === 0x0a || c === 0x0d);
    if ((c < 0x20 || c === 0x7f) && !allowed) {
      throw new RosterError(`${_where(where)}: ${field} contains a control character`, { ...where, field });
    }
  }
  return value;
}

function _where(where: { line?: number; entry?: number }): string {
  if (where.line !== undefined && where.entry !== undefined) return `roster entry ${where.entry} (line ${where.line})`;
  if (where.line !== undefined) return `roster line ${where.line}`;
  return `roster entry ${where.entry ?? '?'}`;
}

/** ISO 8601 date (`2025-01-31`) or date-time with zone; anything else is rejected. */
function _parseSince(value: string | number, where: { line?: number; entry?: number }): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && Number.isInteger(value) && value >= 0) return value;
    throw new RosterError(`${_where(where)}: since ${value} is not a non-negative epoch-millisecond integer`, {
      ...where,
      field: 'since',
    });
  }
  const bad = () =>
    new RosterError(
      `${_where(where)}: since ${_show(value)} is not an ISO 8601 date (YYYY-MM-DD) or date-time with a zone (YYYY-MM-DDTHH:MM:SSZ)`,
      { ...where, field: 'since' },
    );
  const digits = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const c = value.charCodeAt(i);
      if (c < 48 || c > 57) return false;
    }
    return true;
  };
  if (value.length < 10 || !digits(0, 4) || value[4] !== '-' || !digits(5, 7) || value[7] !== '-' || !digits(8, 10)) {
    throw bad();
  }
  let text = value;
  if (value.length === 10) text = `${value}T00:00:00Z`;
  else {
    const last = value[value.length - 1];
    const zoned = last === 'Z' || last === 'z' || value[value.length - 6] === '+' || value[value.length - 6] === '-';
    if (value[10] !== 'T' && value[10] !== 't' && value[10] !== ' ') throw bad();
    if (!zoned) throw bad();
  }
  const at = Date.parse(text);
  if (!Number.isFinite(at)) throw bad();
  // Date.parse rolls 2025-02-30 over to March; reject dates that do not exist.
  const day = new Date(Date.parse(`${value.slice(0, 10)}T00:00:00Z`));
  if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== value.slice(0, 10)) throw bad();
  return at;
}

function _entry(
  raw: { principal?: unknown; role?: unknown; since?: unknown; source?: unknown },
  where: { line?: number; entry?: number },
): RosterEntry {
  const { principal, role, since, source } = raw;
  if (typeof principal !== 'string' || principal.trim() === '') {
    throw new RosterError(`${_where(where)}: principal is missing (a principal ARN is required)`, {
      ...where,
      field: 'principal',
    });
  }
  const principalArn = _checkText(principal.trim(), 'principal', where);
  try {
    rosterPrincipalRef({ principal: principalArn });
  } catch (error) {
    const reason = error instanceof ArnError || error instanceof RosterError ? error.message : String(error);
    throw new RosterError(
      `${_where(where)}: principal is not a principal ARN or key: ${reason}`,
      { ...where, field: 'principal' },
      { cause: error },
    );
  }
  const entry: RosterEntry = { principal: principalArn };
  if (role !== undefined && role !== null && !(typeof role === 'string' && role.trim() === '')) {
    if (typeof role !== 'string') {
      throw new RosterError(`${_where(where)}: role must be a string (a role ARN or a pattern with *)`, {
        ...where,
        field: 'role',
      });
    }
    const roleText = _checkText(role.trim(), 'role', where);
    if (isRolePattern(roleText)) {
      if (roleText !== '*' && !roleText.startsWith('arn:')) {
        throw new RosterError(
          `${_where(where)}: role pattern ${_show(roleText)} must be * or start with "arn:" (e.g. arn:aws:iam::*:role/Admin*)`,
          { ...where, field: 'role' },
        );
      }
    } else {
      try {
        roleRefFromArn(roleText);
      } catch (error) {
        const reason = error instanceof ArnError ? error.message : String(error);
        throw new RosterError(
          `${_where(where)}: role is not a role ARN: ${reason}`,
          { ...where, field: 'role' },
          { cause: error },
        );
      }
    }
    entry.role = roleText;
  }
  if (since !== undefined && since !== null && since !== '') {
    if (typeof since !== 'string' && typeof since !== 'number') {
      throw new RosterError(`${_where(where)}: since must be an ISO 8601 date string`, { ...where, field: 'since' });
    }
    entry.since = _parseSince(typeof since === 'string' ? since.trim() : since, where);
  }
  if (source !== undefined && source !== null && source !== '') {
    if (typeof source !== 'string') {
      throw new RosterError(`${_where(where)}: source must be a string`, { ...where, field: 'source' });
    }
    entry.source = _checkText(source, 'source', where);
  }
  return entry;
}

function _lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line += 1;
  return line;
}

function _parseJson(text: string): RosterEntry[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // V8 says "... at position N" (and sometimes "(line L column C)"); report the line.
    const marker = message.lastIndexOf('position ');
    let line: number | undefined;
    if (marker >= 0) {
      const position = Number.parseInt(message.slice(marker + 9), 10);
      if (Number.isFinite(position)) line = _lineAt(text, position);
    }
    throw new RosterError(
      `roster is not valid JSON${line === undefined ? '' : ` (line ${line})`}: ${message}`,
      line === undefined ? {} : { line },
      { cause: error },
    );
  }
  const list = Array.isArray(data)
    ? data
    : data !== null && typeof data === 'object' && Array.isArray((data as { roster?: unknown }).roster)
      ? (data as { roster: unknown[] }).roster
      : undefined;
  if (list === undefined) {
    throw new RosterError('roster JSON must be an array of entries or an object { "roster": [...] }');
  }
  return list.map((item, index) => {
    if (typeof item === 'string') return _entry({ principal: item }, { entry: index });
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new RosterError(
        `roster entry ${index}: must be an object { "principal": "arn:...", "role"?, "since"?, "source"? }`,
        {
          entry: index,
        },
      );
    }
    for (const key of Object.keys(item)) {
      if (!(FIELDS as readonly string[]).includes(key)) {
        throw new RosterError(`roster entry ${index}: unknown field ${_show(key)} (expected ${FIELDS.join(', ')})`, {
          entry: index,
          field: key,
        });
      }
    }
    return _entry(item as Record<string, unknown>, { entry: index });
  });
}

/** RFC 4180 rows with the 1-based line each starts on; quoted fields may span lines. */
function _csvRows(text: string): { line: number; cells: string[] }[] {
  const rows: { line: number; cells: string[] }[] = [];
  let line = 1;
  let rowLine = 1;
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let wasQuoted = false;
  let i = 0;
  const endRow = () => {
    cells.push(cell);
    rows.push({ line: rowLine, cells });
    cells = [];
    cell = '';
    wasQuoted = false;
  };
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i += 1;
        continue;
      }
      if (c === '\n') line += 1;
      cell += c;
      i += 1;
      continue;
    }
    if (c === '"') {
      if (cell.trim() !== '' || wasQuoted) {
        throw new RosterError(
          `roster line ${line}: a quote inside an unquoted field (quote the whole field and double inner quotes)`,
          { line },
        );
      }
      cell = '';
      quoted = true;
      wasQuoted = true;
      i += 1;
      continue;
    }
    if (c === ',') {
      cells.push(cell);
      cell = '';
      wasQuoted = false;
      i += 1;
      continue;
    }
    if (c === '\r' || c === '\n') {
      endRow();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line += 1;
      rowLine = line;
      continue;
    }
    if (wasQuoted && c !== ' ' && c !== '\t') {
      throw new RosterError(`roster line ${line}: text after a closing quote`, { line });
    }
    cell += c;
    i += 1;
  }
  if (quoted) throw new RosterError(`roster line ${rowLine}: a quoted field is never closed`, { line: rowLine });
  if (cell !== '' || cells.length > 0 || wasQuoted) endRow();
  return rows;
}

function _parseCsv(text: string): RosterEntry[] {
  const rows = _csvRows(text).filter(
    (r) =>
      !(r.cells.length === 1 && (r.cells[0] ?? '').trim() === '') && !(r.cells[0] ?? '').trimStart().startsWith('#'),
  );
  let columns: Field[] = [...FIELDS];
  const first = rows[0];
  if (first?.cells.some((cell) => cell.trim().toLowerCase() === 'principal')) {
    const seen = new Set<string>();
    columns = first.cells.map((cell) => {
      const name = cell.trim().toLowerCase();
      if (!(FIELDS as readonly string[]).includes(name)) {
        throw new RosterError(
          `roster line ${first.line}: unknown column ${_show(cell.trim())} in the header (expected ${FIELDS.join(', ')})`,
          { line: first.line, field: cell.trim() },
        );
      }
      if (seen.has(name)) {
        throw new RosterError(`roster line ${first.line}: column ${_show(name)} appears twice in the header`, {
          line: first.line,
          field: name,
        });
      }
      seen.add(name);
      return name as Field;
    });
    rows.shift();
  }
  return rows.map((row, index) => {
    if (row.cells.length > columns.length) {
      throw new RosterError(
        `roster line ${row.line}: ${row.cells.length} fields, expected at most ${columns.length} (${columns.join(', ')})`,
        { line: row.line, entry: index },
      );
    }
    const raw: Partial<Record<Field, string>> = {};
    row.cells.forEach((cell, i) => {
      const column = columns[i];
      if (column !== undefined) raw[column] = cell.trim();
    });
    return _entry(raw, { line: row.line, entry: index });
  });
}

/**
 * Reads a roster of who is allowed to switch into what: JSON (an array of
 * `{ principal, role?, since?, source? }` or of principal ARN strings, or `{ "roster": [...] }`)
 * or CSV (`principal,role,since,source`; a header row naming the columns, in any order, is optional;
 * `#` comment lines). The format is guessed
 * from the first character when not given. Throws `RosterError` naming the line/entry and field.
 */
export function parseRoster(text: string, format?: RosterFormat): RosterEntry[] {
  if (typeof text !== 'string') throw new RosterError('roster must be text');
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const start = body.trimStart()[0];
  const chosen = format ?? (start === '[' || start === '{' ? 'json' : 'csv');
  if (chosen === 'json') return _parseJson(body);
  if (chosen === 'csv') return _parseCsv(body);
  throw new RosterError(`unknown roster format ${_show(String(chosen))} (expected json or csv)`);
}
