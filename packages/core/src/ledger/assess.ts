import { LastswitchError } from '../errors.js';
import type {
  Assessment,
  LedgerColumns,
  LedgerEntry,
  LedgerStore,
  PairAssessment,
  PrincipalAlias,
  PrincipalAssessment,
  PrincipalRef,
  RoleRef,
  RosterEntry,
  SwitchMethod,
} from '../model.js';
import { aliasKey, mergeLedgerEntry, mergePrincipalAlias, ownerSideLinkSource, pairKey } from './fold.js';
import { RosterError, rosterCoversRole, rosterPrincipalRef, rosterRoleRef } from './roster.js';

/** One day in milliseconds. */
export const DAY_MS = 86_400_000;

/** Options of `assessLedger`. */
export interface AssessOptions {
  /** The moment to assess at, epoch ms (core has no clock: pass `Date.now()` yourself). */
  now: number;
  /** A pair is `stale` once its last switch is this many days (or more) before `now`. */
  staleAfterDays: number;
  /** Principal-id aliases that resolve role-owner-side (`unresolved`) principals; latest `seenAt` wins. */
  aliases?: Iterable<PrincipalAlias> | AsyncIterable<PrincipalAlias>;
  /** Who is allowed to switch into what; adds `never` pairs for grants nobody used. */
  roster?: readonly RosterEntry[];
  /** A roster entry whose `since` is fewer than this many days before `now` is not `never` yet. Default: `staleAfterDays`. */
  graceDays?: number;
}

/**
 * Internal: pair `i`'s principal as a number (equal numbers, equal principal keys), by the `pairs`
 * array `assessLedger` returned. Renderers take it as a hint to find a principal's bytes without a
 * lookup per pair; they check it against the pair (the array may have changed since).
 */
export const _principalGroups = new WeakMap<readonly PairAssessment[], Uint32Array>();

/** Options of `assessLedger` that are not valid (e.g. a negative `staleAfterDays`). */
export class AssessOptionsError extends LastswitchError {
  override name = 'AssessOptionsError';
}

type Entries = Iterable<LedgerEntry> | AsyncIterable<LedgerEntry>;

// Stryker disable next-line BlockStatement: `for await` reads a sync iterable too (the sync loop is only faster)
function _isSync<T>(items: Iterable<T> | AsyncIterable<T>): items is Iterable<T> {
  // Stryker disable next-line StringLiteral: as above, every iterable would go through `for await`
  return typeof (items as Iterable<T>)[Symbol.iterator] === 'function';
}

function _checkDays(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new AssessOptionsError(`${name} must be a finite number of days ≥ 0, got ${String(value)}`);
  }
  return value;
}

/** The principal id of an unresolved key `unresolved:ACCOUNT:PRINCIPALID`, else the ref's name. */
function _principalId(principal: PrincipalRef): string {
  const prefix = `unresolved:${principal.account}:`;
  return principal.key.startsWith(prefix) ? principal.key.slice(prefix.length) : principal.name;
}

/**
 * Resolves an unresolved (account, principal id): a direct alias learned from the caller side, else
 * an owner-side link to a session whose console `SwitchRole` names the user (the latest such wins).
 */
function _aliasResolver(
  aliases: Map<string, PrincipalAlias>,
): (account: string, id: string) => PrincipalRef | undefined {
  const links = new Map<string, PrincipalAlias[]>();
  for (const alias of aliases.values()) {
    const source = ownerSideLinkSource(alias.principalId);
    if (source === undefined || alias.principal.kind !== 'unresolved') continue;
    const key = aliasKey(alias.account, source);
    const list = links.get(key);
    if (list === undefined) links.set(key, [alias]);
    else list.push(alias);
  }
  const known = new Map<string, PrincipalRef | undefined>();
  return (account, id) => {
    const key = aliasKey(account, id);
    if (known.has(key)) return known.get(key);
    const direct = aliases.get(key);
    let found: PrincipalAlias | undefined = direct?.principal.kind === 'unresolved' ? undefined : direct;
    if (found === undefined) {
      for (const link of links.get(key) ?? []) {
        const target = aliases.get(aliasKey(link.principal.account, link.principal.name));
        if (target !== undefined && target.principal.kind !== 'unresolved') found = mergePrincipalAlias(found, target);
      }
    }
    known.set(key, found?.principal);
    return found?.principal;
  };
}

/** Stalest first (never seen, then oldest last switch), then by principal and role name and key. */
export function comparePairAssessments(a: PairAssessment, b: PairAssessment): number {
  const at = a.lastSeen ?? Number.NEGATIVE_INFINITY;
  const bt = b.lastSeen ?? Number.NEGATIVE_INFINITY;
  if (at < bt) return -1;
  if (at > bt) return 1;
  return (
    _cmp(a.principal.name, b.principal.name) ||
    _cmp(a.principal.key, b.principal.key) ||
    _cmp(a.role.name, b.role.name) ||
    _cmp(a.role.key, b.role.key)
  );
}

/**
 * Indices 0…n-1 by whole second of `lastSeen(i)` (undefined first), then index: a native numeric
 * sort of (second, index) packed into doubles. Undefined when the keys would not fit in a double.
 */
function _bySecond(n: number, lastSeen: (i: number) => number | undefined): Uint32Array | undefined {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const at = lastSeen(i);
    if (at === undefined) continue;
    min = Math.min(min, at);
    max = Math.max(max, at);
  }
  const slots = 2 ** Math.ceil(Math.log2(n + 1));
  const base = Math.floor(min / 1000);
  // -Infinity when nothing has a lastSeen (then every key is its index); NaN stops it too.
  const span = Math.floor(max / 1000) - base + 2;
  if (!(span * slots <= Number.MAX_SAFE_INTEGER)) return undefined;
  const keys = new Float64Array(n);
  let sorted = true;
  for (let i = 0; i < n; i++) {
    const at = lastSeen(i);
    keys[i] = (at === undefined ? 0 : Math.floor(at / 1000) - base + 1) * slots + i;
    if (i > 0 && (keys[i] as number) < (keys[i - 1] as number)) sorted = false;
  }
  if (!sorted) keys.sort();
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = (keys[i] as number) % slots;
  return order;
}

/**
 * Sorts pairs in place like `comparePairAssessments`, fast: `_bySecond`'s numeric sort, then the
 * full comparator only within runs that share a second. Falls back to the comparator when the keys
 * would not fit. `groups[i]` (pair i's principal group) moves with its pair.
 */
function _sortPairs(pairs: PairAssessment[], groups: number[]): void {
  const n = pairs.length;
  // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement: both ways give the comparator's order; the keys only pay from 64 pairs
  if (n < 64) {
    _sortRange(pairs, groups, 0, n);
    return;
  }
  const second = (p: PairAssessment) =>
    p.lastSeen === undefined ? Number.NEGATIVE_INFINITY : Math.floor(p.lastSeen / 1000);
  // Pairs made from columns come in second order already: then only runs within a second move.
  let bySecond = true;
  for (let i = 1; i < n && bySecond; i++) {
    bySecond = second(pairs[i - 1] as PairAssessment) <= second(pairs[i] as PairAssessment);
  }
  if (!bySecond) {
    const order = _bySecond(n, (i) => (pairs[i] as PairAssessment).lastSeen);
    if (order === undefined) {
      _sortRange(pairs, groups, 0, n);
      return;
    }
    _placeInOrder(pairs, groups, order, 0);
  }
  let start = 0;
  for (let i = 1; i <= n; i++) {
    if (i < n && second(pairs[i] as PairAssessment) === second(pairs[start] as PairAssessment)) continue;
    // Stryker disable next-line ArithmeticOperator: `i + start > 1` only also sorts runs of one
    if (i - start > 1) _sortRange(pairs, groups, start, i);
    start = i;
  }
}

/** Sorts `pairs[start…end)` by `comparePairAssessments` (stable), `groups` alike. */
function _sortRange(pairs: PairAssessment[], groups: number[], start: number, end: number): void {
  const order: number[] = [];
  for (let k = start; k < end; k++) order.push(k);
  order.sort((a, b) => comparePairAssessments(pairs[a] as PairAssessment, pairs[b] as PairAssessment) || a - b);
  _placeInOrder(pairs, groups, order, start);
}

/** Puts pair `order[k]`, and its group, at `start + k` for every k. */
function _placeInOrder(pairs: PairAssessment[], groups: number[], order: ArrayLike<number>, start: number): void {
  const sortedPairs = Array.from(order, (i) => pairs[i] as PairAssessment);
  const sortedGroups = Array.from(order, (i) => groups[i] as number);
  for (let k = 0; k < sortedPairs.length; k++) {
    pairs[start + k] = sortedPairs[k] as PairAssessment;
    groups[start + k] = sortedGroups[k] as number;
  }
}

function _comparePrincipals(a: PrincipalAssessment, b: PrincipalAssessment): number {
  const at = a.lastSeen ?? Number.NEGATIVE_INFINITY;
  const bt = b.lastSeen ?? Number.NEGATIVE_INFINITY;
  if (at < bt) return -1;
  if (at > bt) return 1;
  return _cmp(a.principal.name, b.principal.name) || _cmp(a.principal.key, b.principal.key);
}

function _cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Assesses a ledger at `now`: every (principal, role) pair is `active` (last switch fewer than
 * `staleAfterDays` days ago) or `stale`; with a roster, grants nobody used are `never` (unless
 * granted within `graceDays`). Role-owner-side principals that an alias resolves are merged into
 * the resolved principal. Pairs and principals come stalest first, then by name. Reads each entry
 * once; cost grows with pairs × log(pairs). Takes entries, or the same entries as `LedgerColumns`
 * (same result, without an object per entry).
 */
export async function assessLedger(entries: Entries | LedgerColumns, options: AssessOptions): Promise<Assessment> {
  const now = options.now;
  if (!Number.isFinite(now)) {
    throw new AssessOptionsError(`now must be epoch milliseconds, got ${String(now)}`);
  }
  const staleAfterDays = _checkDays('staleAfterDays', options.staleAfterDays);
  const graceDays = _checkDays('graceDays', options.graceDays ?? staleAfterDays);
  const staleMs = staleAfterDays * DAY_MS;

  const aliases = new Map<string, PrincipalAlias>();
  if (options.aliases !== undefined) {
    const add = (alias: PrincipalAlias) => {
      const key = aliasKey(alias.account, alias.principalId);
      aliases.set(key, mergePrincipalAlias(aliases.get(key), alias));
    };
    if (_isSync(options.aliases)) for (const alias of options.aliases) add(alias);
    else for await (const alias of options.aliases) add(alias);
  }
  const resolver = _aliasResolver(aliases);
  const resolve = (principal: PrincipalRef) =>
    principal.kind === 'unresolved' && aliases.size > 0
      ? (resolver(principal.account, _principalId(principal)) ?? principal)
      : principal;
  const roster = _rosterByPrincipal(options.roster ?? []);

  // One frozen `via` per distinct method list, shared by its pairs (a million pairs have a handful).
  const vias = new Map<string, readonly SwitchMethod[]>();
  const viaOf = (methods: readonly SwitchMethod[]) => {
    const key = methods.length === 1 ? (methods[0] as string) : methods.join(' ');
    let via = vias.get(key);
    if (via === undefined) {
      via = Object.freeze([...methods]);
      vias.set(key, via);
    }
    return via;
  };
  const pairs: PairAssessment[] = [];
  // Each pair's principal as a number (one per principal key), beside it: grouping pairs by
  // principal then looks up no key per pair (at a million pairs, a Map lookup in report order
  // misses the cache each time and cost more than the rest of the assessment).
  const groups: number[] = [];
  const groupOf = new Map<string, number>();
  const group = (key: string) => {
    let id = groupOf.get(key);
    if (id === undefined) {
      id = groupOf.size;
      groupOf.set(key, id);
    }
    return id;
  };
  // Per roster principal, the display of its latest pair (whatever order entries come in): what
  // its `never` pairs show.
  const ledgerPrincipals = new Map<string, { principal: PrincipalRef; lastSeen: number }>();
  const addPair = (
    groupId: number,
    principal: PrincipalRef,
    role: RoleRef,
    firstSeen: number,
    lastSeen: number,
    via: readonly SwitchMethod[],
  ) => {
    const elapsed = now - lastSeen;
    const pair: PairAssessment = {
      principal,
      role,
      status: elapsed >= staleMs ? 'stale' : 'active',
      lastSeen,
      firstSeen,
      daysSince: Math.max(0, Math.floor(elapsed / DAY_MS)),
      via,
    };
    const listed = roster.size === 0 ? undefined : roster.get(principal.key);
    if (listed !== undefined) {
      for (const grant of listed.grants) {
        if (rosterCoversRole(grant.entry.role, role)) {
          grant.used = true;
          if (pair.allowedBy === undefined) pair.allowedBy = grant.entry;
        }
      }
      const latest = ledgerPrincipals.get(principal.key);
      if (latest === undefined || _isLater(principal, lastSeen, latest.principal, latest.lastSeen)) {
        ledgerPrincipals.set(principal.key, { principal, lastSeen });
      }
    }
    pairs.push(pair);
    groups.push(groupId);
  };
  if (_isColumns(entries)) _columnPairs(entries, resolve, groupOf, viaOf, addPair);
  else {
    const ledger = new Map<string, Map<string, LedgerEntry>>();
    const addEntry = (raw: LedgerEntry) => {
      const principal = resolve(raw.principal);
      const entry = principal === raw.principal ? raw : { ...raw, principal };
      let roles = ledger.get(entry.principal.key);
      if (roles === undefined) {
        roles = new Map();
        ledger.set(entry.principal.key, roles);
      }
      const before = roles.get(entry.role.key);
      roles.set(entry.role.key, before === undefined ? entry : mergeLedgerEntry(before, entry));
    };
    if (_isSync(entries)) for (const entry of entries) addEntry(entry);
    else for await (const entry of entries) addEntry(entry);
    for (const [key, roles] of ledger) {
      const id = group(key);
      for (const e of roles.values()) addPair(id, e.principal, e.role, e.firstSeen, e.lastSeen, viaOf(e.methods));
    }
  }

  const graceMs = graceDays * DAY_MS;
  const neverKeys = new Set<string>();
  for (const [principalKey, listed] of roster) {
    const principal = ledgerPrincipals.get(principalKey)?.principal ?? listed.principal;
    for (const grant of listed.grants) {
      if (grant.used) continue;
      if (graceMs > 0 && now - (grant.entry.since ?? Number.NEGATIVE_INFINITY) < graceMs) continue;
      const role = rosterRoleRef(grant.entry.role);
      const key = pairKey(principalKey, role.key);
      if (neverKeys.has(key)) continue;
      neverKeys.add(key);
      pairs.push({ principal, role, status: 'never', via: viaOf([]), allowedBy: grant.entry });
      groups.push(group(principal.key));
    }
  }

  _sortPairs(pairs, groups);

  const byPrincipal: (PrincipalAssessment | undefined)[] = new Array(groupOf.size).fill(undefined);
  for (let k = 0; k < pairs.length; k++) {
    const pair = pairs[k] as PairAssessment;
    const id = groups[k] as number;
    const current = byPrincipal[id];
    if (current === undefined) {
      byPrincipal[id] = {
        principal: pair.principal,
        status: pair.status,
        ...(pair.lastSeen === undefined ? {} : { lastSeen: pair.lastSeen, daysSince: pair.daysSince ?? 0 }),
        roles: [pair],
      };
      continue;
    }
    current.roles.push(pair);
    if (pair.lastSeen !== undefined && (current.lastSeen === undefined || pair.lastSeen > current.lastSeen)) {
      current.status = pair.status;
      current.lastSeen = pair.lastSeen;
      current.daysSince = pair.daysSince ?? 0;
      current.principal = pair.principal;
    }
  }
  const principals = byPrincipal.filter((p) => p !== undefined).sort(_comparePrincipals);

  _principalGroups.set(pairs, Uint32Array.from(groups));
  const summary = { principals: principals.length, pairs: pairs.length, active: 0, stale: 0, never: 0 };
  for (const pair of pairs) summary[pair.status] += 1;
  return { generatedAt: now, staleAfterDays, summary, pairs, principals };
}

/** Whether display `a` seen at `aAt` is later than `b` at `bAt`; a tie goes to the greater ARN, then name. */
function _isLater(a: PrincipalRef, aAt: number, b: PrincipalRef, bAt: number): boolean {
  if (aAt !== bAt) return aAt > bAt;
  return _cmp(a.arn ?? '', b.arn ?? '') > 0 || (a.arn === b.arn && _cmp(a.name, b.name) > 0);
}

type Grants = Map<string, { principal: PrincipalRef; grants: { entry: RosterEntry; used: boolean }[] }>;

/** The roster by principal key, each grant not used yet; a bad entry is a `RosterError` naming it. */
function _rosterByPrincipal(roster: readonly RosterEntry[]): Grants {
  const byPrincipal: Grants = new Map();
  roster.forEach((entry, index) => {
    let principal: PrincipalRef;
    try {
      principal = rosterPrincipalRef(entry);
      rosterRoleRef(entry.role);
    } catch (error) {
      throw new RosterError(
        `roster entry ${index}: ${error instanceof Error ? error.message : String(error)}`,
        { entry: index },
        { cause: error },
      );
    }
    const listed = byPrincipal.get(principal.key);
    if (listed === undefined) byPrincipal.set(principal.key, { principal, grants: [{ entry, used: false }] });
    else listed.grants.push({ entry, used: false });
  });
  return byPrincipal;
}

function _isColumns(entries: Entries | LedgerColumns): entries is LedgerColumns {
  return (entries as LedgerColumns).lastSeen instanceof Float64Array;
}

/** Column `name` must hold the first `length` entries. */
function _checkColumn(name: string, column: { length: number }, length: number): void {
  if (column.length < length) {
    throw new AssessOptionsError(`columns: ${name} holds ${column.length} entries, fewer than length ${length}`);
  }
}

/** Distinct keys numbered from `numbers.size` on (`numbers` gets them): `ids[i]` is the number of `keyOf(i)`. */
function _keyIds(
  count: number,
  keyOf: (index: number) => string,
  numbers = new Map<string, number>(),
): { ids: Uint32Array; distinct: number } {
  const ids = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const key = keyOf(i);
    let id = numbers.get(key);
    if (id === undefined) {
      id = numbers.size;
      numbers.set(key, id);
    }
    ids[i] = id;
  }
  return { ids, distinct: numbers.size };
}

/**
 * The pairs of columnar entries, as `assessLedger` makes them from entry objects: principals
 * resolved once per principal ref, and entries that resolve to the same pair merged with
 * `mergeLedgerEntry` (rare: only an alias can make them meet, so only they become objects).
 */
function _columnPairs(
  c: LedgerColumns,
  resolve: (principal: PrincipalRef) => PrincipalRef,
  groupOf: Map<string, number>,
  viaOf: (methods: readonly SwitchMethod[]) => readonly SwitchMethod[],
  addPair: (
    group: number,
    p: PrincipalRef,
    r: RoleRef,
    firstSeen: number,
    lastSeen: number,
    via: readonly SwitchMethod[],
  ) => void,
): void {
  const n = c.length;
  if (!Number.isSafeInteger(n) || n < 0)
    throw new AssessOptionsError(`columns: length must be a whole number ≥ 0, got ${String(n)}`);
  for (const [name, column] of [
    ['principal', c.principal],
    ['role', c.role],
    ['firstSeen', c.firstSeen],
    ['lastSeen', c.lastSeen],
    ['methods', c.methods],
  ] as const) {
    _checkColumn(name, column, n);
  }
  const principals = c.principals.map(resolve);
  const principalIds = _keyIds(principals.length, (i) => (principals[i] as PrincipalRef).key, groupOf);
  const roleIds = _keyIds(c.roles.length, (i) => (c.roles[i] as RoleRef).key);
  const width = roleIds.distinct;
  const check = (i: number) => {
    const p = c.principal[i] as number;
    const r = c.role[i] as number;
    const m = c.methods[i] as number;
    if (p >= principals.length || r >= c.roles.length || m >= c.methodLists.length) {
      throw new AssessOptionsError(
        `columns: entry ${i} points past the principals (${p} of ${principals.length}), roles (${r} of ${c.roles.length}) or method lists (${m} of ${c.methodLists.length})`,
      );
    }
    return (principalIds.ids[p] as number) * width + (roleIds.ids[r] as number);
  };
  // Which entries share a pair: a bit per possible pair while that fits in a few MB, else a set.
  const pairsPossible = principalIds.distinct * width;
  const bits = pairsPossible <= 1 << 28 ? new Uint8Array(Math.ceil(pairsPossible / 8)) : undefined;
  const seen = bits === undefined ? new Set<number>() : undefined;
  const shared = new Map<number, LedgerEntry | undefined>();
  for (let i = 0; i < n; i++) {
    const slot = check(i);
    let again: boolean;
    if (bits !== undefined) {
      const mask = 1 << (slot & 7);
      again = ((bits[slot >>> 3] as number) & mask) !== 0;
      bits[slot >>> 3] = (bits[slot >>> 3] as number) | mask;
    } else {
      again = (seen as Set<number>).has(slot);
      (seen as Set<number>).add(slot);
    }
    if (again) shared.set(slot, undefined);
  }
  const entry = (i: number): LedgerEntry => ({
    principal: principals[c.principal[i] as number] as PrincipalRef,
    role: c.roles[c.role[i] as number] as RoleRef,
    firstSeen: c.firstSeen[i] as number,
    lastSeen: c.lastSeen[i] as number,
    methods: c.methodLists[c.methods[i] as number] as SwitchMethod[],
    lastEventId: c.lastEventId(i),
  });
  if (shared.size > 0) {
    for (let i = 0; i < n; i++) {
      const slot = check(i);
      if (shared.has(slot)) shared.set(slot, mergeLedgerEntry(shared.get(slot), entry(i)));
    }
  }
  // In lastSeen order: the pairs lie in memory in the order a report reads them, and the sort
  // that follows finds them sorted by second already.
  const order = _bySecond(n, (i) => c.lastSeen[i]);
  const vias = c.methodLists.map(viaOf);
  for (let k = 0; k < n; k++) {
    const i = order === undefined ? k : (order[k] as number);
    const slot = shared.size > 0 ? check(i) : -1;
    if (shared.has(slot)) {
      const merged = shared.get(slot);
      if (merged === undefined) continue;
      shared.set(slot, undefined);
      const id = principalIds.ids[c.principal[i] as number] as number;
      addPair(id, merged.principal, merged.role, merged.firstSeen, merged.lastSeen, viaOf(merged.methods));
      continue;
    }
    addPair(
      principalIds.ids[c.principal[i] as number] as number,
      principals[c.principal[i] as number] as PrincipalRef,
      c.roles[c.role[i] as number] as RoleRef,
      c.firstSeen[i] as number,
      c.lastSeen[i] as number,
      vias[c.methods[i] as number] as readonly SwitchMethod[],
    );
  }
}

/**
 * `assessLedger` over a store's entries (its `columns()` when it has them), resolving principals
 * with the store's aliases.
 */
export async function assessStore(store: LedgerStore, options: Omit<AssessOptions, 'aliases'>): Promise<Assessment> {
  const entries = store.columns === undefined ? store.entries() : await store.columns();
  return assessLedger(entries, { ...options, aliases: store.aliases() });
}
