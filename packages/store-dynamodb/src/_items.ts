import type { LedgerEntry, LedgerUpdate, PrincipalAlias, PrincipalKind, SwitchMethod } from '@lastswitch/core';

/**
 * The single-table layout (see README): a pair item is `pk = P#<principal key>`,
 * `sk = R#<role key>`; an alias item is `pk = A#<account>`, `sk = I#<principal id>`.
 */
export const PAIR_PK = 'P#';
export const PAIR_SK = 'R#';
export const ALIAS_PK = 'A#';
export const ALIAS_SK = 'I#';
export const PAIR_TYPE = 'pair';
export const ALIAS_TYPE = 'alias';

/** DynamoDB's key size limits, in UTF-8 bytes. */
const MAX_PK_BYTES = 2048;
const MAX_SK_BYTES = 1024;

const PRINCIPAL_KINDS: ReadonlySet<string> = new Set<PrincipalKind>([
  'iam-user',
  'root',
  'role-session',
  'federated-user',
  'saml',
  'web-identity',
  'unresolved',
]);

/** A raw item as the document client returns it. */
export type RawItem = Record<string, unknown>;

/**
 * A string whose UTF-8 byte order (DynamoDB's string order) equals the UTF-16 code-unit order of
 * `s` (JavaScript's `<`, used by core's tie-breaks): code units from U+D800 up are shifted by 0x800
 * onto valid scalar values. Identical to `s` for every string without such units (e.g. all ASCII).
 */
export function _orderKey(s: string): string {
  let out: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    if (unit >= 0xd800 && out === undefined) out = s.slice(0, i);
    if (out !== undefined) out += String.fromCodePoint(unit >= 0xd800 ? unit + 0x800 : unit);
  }
  return out ?? s;
}

function _utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Why an update cannot be stored, or undefined when it can. */
export function _invalidUpdate(u: unknown): string | undefined {
  if (typeof u !== 'object' || u === null) return 'an update is not an object';
  const x = u as Partial<LedgerUpdate>;
  const p = x.principal;
  const r = x.role;
  if (typeof p !== 'object' || p === null) return 'principal is missing';
  if (typeof r !== 'object' || r === null) return 'role is missing';
  for (const [field, value] of [
    ['principal.key', p.key],
    ['role.key', r.key],
  ] as const) {
    if (typeof value !== 'string' || value.length === 0) return `${field} must be a non-empty string`;
  }
  for (const [field, value] of [
    ['principal.account', p.account],
    ['principal.name', p.name],
    ['role.account', r.account],
    ['role.name', r.name],
    ['role.arn', r.arn],
    ['lastEventId', x.lastEventId],
  ] as const) {
    if (typeof value !== 'string') return `${field} must be a string`;
  }
  if (p.arn !== undefined && typeof p.arn !== 'string') return 'principal.arn must be a string when present';
  if (typeof p.kind !== 'string' || !PRINCIPAL_KINDS.has(p.kind))
    return `principal.kind "${String(p.kind)}" is unknown`;
  if (typeof x.firstSeen !== 'number' || !Number.isFinite(x.firstSeen)) return 'firstSeen must be a finite number';
  if (typeof x.lastSeen !== 'number' || !Number.isFinite(x.lastSeen)) return 'lastSeen must be a finite number';
  if (x.firstSeen > x.lastSeen) return `firstSeen (${x.firstSeen}) is after lastSeen (${x.lastSeen})`;
  if (!Array.isArray(x.methods) || x.methods.some((m) => typeof m !== 'string' || m.length === 0)) {
    return 'methods must be an array of non-empty strings';
  }
  if (_utf8Bytes(p.key as string) + PAIR_PK.length > MAX_PK_BYTES)
    return 'principal.key is longer than DynamoDB allows';
  if (_utf8Bytes(r.key as string) + PAIR_SK.length > MAX_SK_BYTES) return 'role.key is longer than DynamoDB allows';
  return undefined;
}

/** Why an alias cannot be stored, or undefined when it can. */
export function _invalidAlias(a: unknown): string | undefined {
  if (typeof a !== 'object' || a === null) return 'an alias is not an object';
  const x = a as Partial<PrincipalAlias>;
  if (typeof x.account !== 'string' || x.account.length === 0) return 'account must be a non-empty string';
  if (typeof x.principalId !== 'string' || x.principalId.length === 0) return 'principalId must be a non-empty string';
  if (typeof x.seenAt !== 'number' || !Number.isFinite(x.seenAt)) return 'seenAt must be a finite number';
  const p = x.principal;
  if (typeof p !== 'object' || p === null) return 'principal is missing';
  if (typeof p.key !== 'string' || p.key.length === 0) return 'principal.key must be a non-empty string';
  if (typeof p.account !== 'string' || typeof p.name !== 'string') return 'principal.account and name must be strings';
  if (p.arn !== undefined && typeof p.arn !== 'string') return 'principal.arn must be a string when present';
  if (typeof p.kind !== 'string' || !PRINCIPAL_KINDS.has(p.kind))
    return `principal.kind "${String(p.kind)}" is unknown`;
  if (_utf8Bytes(x.account) + ALIAS_PK.length > MAX_PK_BYTES) return 'account is longer than DynamoDB allows';
  if (_utf8Bytes(x.principalId) + ALIAS_SK.length > MAX_SK_BYTES) return 'principalId is longer than DynamoDB allows';
  return undefined;
}

/** The key of a pair's item. */
export function _pairItemKey(principalKey: string, roleKey: string): { pk: string; sk: string } {
  return { pk: PAIR_PK + principalKey, sk: PAIR_SK + roleKey };
}

/** The key of an alias's item. */
export function _aliasItemKey(account: string, principalId: string): { pk: string; sk: string } {
  return { pk: ALIAS_PK + account, sk: ALIAS_SK + principalId };
}

function _str(item: RawItem, name: string): string {
  const v = item[name];
  if (typeof v !== 'string') throw new Error(`attribute ${name} is missing or not a string`);
  return v;
}

function _num(item: RawItem, name: string): number {
  const v = item[name];
  // A document client made with `wrapNumbers` returns NumberValue objects.
  const n = typeof v === 'number' ? v : typeof v === 'object' && v !== null && 'value' in v ? Number(v.value) : NaN;
  if (!Number.isFinite(n)) throw new Error(`attribute ${name} is missing or not a number`);
  return n;
}

function _strings(item: RawItem, name: string): string[] {
  const v = item[name];
  if (v === undefined) return [];
  const values = v instanceof Set ? [...v] : Array.isArray(v) ? v : undefined;
  if (!values || values.some((m) => typeof m !== 'string')) throw new Error(`attribute ${name} is not a string set`);
  return [...new Set(values as string[])].sort();
}

function _stripPrefix(item: RawItem, name: string, prefix: string): string {
  const v = _str(item, name);
  if (!v.startsWith(prefix)) throw new Error(`attribute ${name} does not start with ${prefix}`);
  return v.slice(prefix.length);
}

function _principal(item: RawItem, key: string): LedgerEntry['principal'] {
  const kind = _str(item, 'principalKind');
  if (!PRINCIPAL_KINDS.has(kind)) throw new Error(`principalKind "${kind}" is unknown`);
  const arn = item.principalArn;
  if (arn !== undefined && typeof arn !== 'string') throw new Error('attribute principalArn is not a string');
  return {
    key,
    kind: kind as PrincipalKind,
    account: _str(item, 'principalAccount'),
    name: _str(item, 'principalName'),
    ...(arn === undefined ? {} : { arn }),
  };
}

/** A pair item as a `LedgerEntry`; throws a plain Error naming the bad attribute. */
export function _entryFromItem(item: RawItem): LedgerEntry {
  return {
    principal: _principal(item, _stripPrefix(item, 'pk', PAIR_PK)),
    role: {
      key: _stripPrefix(item, 'sk', PAIR_SK),
      account: _str(item, 'roleAccount'),
      name: _str(item, 'roleName'),
      arn: _str(item, 'roleArn'),
    },
    firstSeen: _num(item, 'firstSeen'),
    lastSeen: _num(item, 'lastSeen'),
    methods: _strings(item, 'methods') as SwitchMethod[],
    lastEventId: _str(item, 'lastEventId'),
  };
}

/** An alias item as a `PrincipalAlias`; throws a plain Error naming the bad attribute. */
export function _aliasFromItem(item: RawItem): PrincipalAlias {
  return {
    account: _stripPrefix(item, 'pk', ALIAS_PK),
    principalId: _stripPrefix(item, 'sk', ALIAS_SK),
    principal: _principal(item, _str(item, 'principalKey')),
    seenAt: _num(item, 'seenAt'),
  };
}

/** The parts of a stored pair a late update may still add to. */
export interface OldPairState {
  firstSeen?: number;
  methods: string[];
}

/**
 * `firstSeen` and `methods` of an item as DynamoDB returned it: either document-client values
 * (`ReturnValues`) or low-level AttributeValues (the `Item` of a failed condition, which the
 * document client leaves unconverted).
 */
export function _oldPairState(item: unknown): OldPairState {
  if (typeof item !== 'object' || item === null) return { methods: [] };
  const attrs = item as Record<string, unknown>;
  const first = attrs.firstSeen;
  let firstSeen: number | undefined;
  if (typeof first === 'number') firstSeen = first;
  else if (typeof first === 'object' && first !== null) {
    const wrapped = 'N' in first ? first.N : 'value' in first ? first.value : undefined;
    if (typeof wrapped === 'string') firstSeen = Number(wrapped);
  }
  const rawMethods = attrs.methods;
  const list =
    rawMethods instanceof Set
      ? [...rawMethods]
      : typeof rawMethods === 'object' && rawMethods !== null && 'SS' in rawMethods && Array.isArray(rawMethods.SS)
        ? rawMethods.SS
        : [];
  const methods = list.filter((m): m is string => typeof m === 'string');
  return firstSeen === undefined || Number.isNaN(firstSeen) ? { methods } : { firstSeen, methods };
}
