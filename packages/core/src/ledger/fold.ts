import type { LedgerEntry, LedgerUpdate, PrincipalAlias, RoleSwitch, SwitchMethod } from '../model.js';

/** The ledger key of a (principal, role) pair: principal key and role key, NUL-separated. */
export function pairKey(principalKey: string, roleKey: string): string {
  return `${principalKey}\u0000${roleKey}`;
}

/** The key of an alias: account and principal id, NUL-separated. */
export function aliasKey(account: string, principalId: string): string {
  return `${account}\u0000${principalId}`;
}

/** Prefix of the alias id under which a console `SwitchRole` names the user behind a session. */
const CONSOLE_SESSION_PREFIX = 'console:';
/** Separates the caller's principal id from the session in an owner-side link alias id. */
const LINK_SEPARATOR = '>';

/**
 * The alias id of a console session (`AROA…:SESSION`) as a signin `SwitchRole` teaches it, kept
 * apart from the same session's own principal id so role chaining from it is not re-attributed.
 */
export function consoleSessionAliasId(sessionId: string): string {
  return `${CONSOLE_SESSION_PREFIX}${sessionId}`;
}

/**
 * The alias id of an owner-side link: the caller's principal id and the session it created
 * (never a real principal id, which cannot contain `>`), one per (caller, session).
 */
export function ownerSideLinkAliasId(callerPrincipalId: string, sessionId: string): string {
  return `${callerPrincipalId}${LINK_SEPARATOR}${sessionId}`;
}

/** The caller's principal id of an owner-side link alias id, or undefined for an ordinary alias. */
export function ownerSideLinkSource(aliasId: string): string | undefined {
  const at = aliasId.indexOf(LINK_SEPARATOR);
  return at > 0 ? aliasId.slice(0, at) : undefined;
}

/**
 * True when `a` is the newer side of a merge: the later `lastSeen`, ties broken by the greater
 * `lastEventId`, so the result never depends on the order updates arrive in.
 */
export function isNewerUpdate(
  a: Pick<LedgerUpdate, 'lastSeen' | 'lastEventId'>,
  b: Pick<LedgerUpdate, 'lastSeen' | 'lastEventId'>,
): boolean {
  // Stryker disable next-line EqualityOperator: equal times never get here, so `>=` is `>`
  if (a.lastSeen !== b.lastSeen) return a.lastSeen > b.lastSeen;
  return a.lastEventId > b.lastEventId;
}

/** The sorted, duplicate-free union of two method lists (inputs need not be sorted). */
function _unionMethods(a: readonly SwitchMethod[], b: readonly SwitchMethod[]): SwitchMethod[] {
  // Stryker disable all: a fast path only; the general return below gives the same list (the
  // mutants that would let a repeat or a wrong order through are restored and killed)
  if (a === b || (a.length === b.length && a.every((m, i) => m === b[i]))) {
    let sorted = true;
    // Stryker restore EqualityOperator
    for (let i = 1; i < a.length && sorted; i++) sorted = (a[i - 1] as SwitchMethod) < (a[i] as SwitchMethod);
    // Stryker disable all
    if (sorted) return [...a];
  }
  // Stryker restore all
  return [...new Set([...a, ...b])].sort();
}

function _displayKey(u: LedgerUpdate): string {
  return `${u.principal.arn ?? ''}\u0000${u.principal.name}\u0000${u.principal.kind}\u0000${u.role.arn}\u0000${u.role.name}`;
}

/** The newer of two sides; a full tie (same time and event id) goes to the greater display fields. */
function _newerSide(a: LedgerUpdate, u: LedgerUpdate): LedgerUpdate {
  if (a.lastSeen !== u.lastSeen || a.lastEventId !== u.lastEventId) return isNewerUpdate(u, a) ? u : a;
  return _displayKey(u) > _displayKey(a) ? u : a;
}

/**
 * Merges an update into an entry (or starts one): max `lastSeen`, min `firstSeen`, the union of
 * methods; `lastEventId` and the display fields (principal, role ARNs and names) come from the
 * newer side (later `lastSeen`, ties broken by the greater `lastEventId`, then by the greater
 * display fields, so no order can change the result). Never mutates its inputs.
 */
export function mergeLedgerEntry(a: LedgerEntry | undefined, u: LedgerUpdate): LedgerEntry {
  if (a === undefined) {
    return {
      principal: { ...u.principal },
      role: { ...u.role },
      firstSeen: u.firstSeen,
      lastSeen: u.lastSeen,
      methods: _unionMethods(u.methods, u.methods),
      lastEventId: u.lastEventId,
    };
  }
  const newer = _newerSide(a, u);
  return {
    principal: { ...newer.principal },
    role: { ...newer.role },
    firstSeen: Math.min(a.firstSeen, u.firstSeen),
    lastSeen: newer.lastSeen,
    methods: _unionMethods(a.methods, u.methods),
    lastEventId: newer.lastEventId,
  };
}

/**
 * Folds switches into one `LedgerUpdate` per (principal key, role key): max `lastSeen`, min
 * `firstSeen`, every method seen, and the event id and display fields of the latest switch.
 * The result is the same whatever order the switches come in, sorted by principal then role key.
 */
export function foldSwitches(switches: Iterable<RoleSwitch>): LedgerUpdate[] {
  const byPair = new Map<string, LedgerUpdate>();
  for (const s of switches) {
    const key = pairKey(s.principal.key, s.role.key);
    const update: LedgerUpdate = {
      principal: s.principal,
      role: s.role,
      firstSeen: s.at,
      lastSeen: s.at,
      methods: [s.method],
      lastEventId: s.eventId,
    };
    byPair.set(key, mergeLedgerEntry(byPair.get(key), update));
  }
  return [...byPair.entries()].sort(_byKey).map(([, u]) => u);
}

/**
 * Merges two aliases for the same (account, principal id): the later `seenAt` wins, ties broken
 * by the greater principal key, so the result does not depend on order.
 */
export function mergePrincipalAlias(a: PrincipalAlias | undefined, b: PrincipalAlias): PrincipalAlias {
  if (a === undefined) return { ...b, principal: { ...b.principal } };
  // Stryker disable next-line EqualityOperator: `b.seenAt >= a.seenAt` is only reached when they differ
  const bWins = b.seenAt !== a.seenAt ? b.seenAt > a.seenAt : b.principal.key > a.principal.key;
  const winner = bWins ? b : a;
  return { ...winner, principal: { ...winner.principal } };
}

/** Folds aliases into one per (account, principal id), the most recently seen winning; sorted by account then id. */
export function foldAliases(aliases: Iterable<PrincipalAlias>): PrincipalAlias[] {
  const byId = new Map<string, PrincipalAlias>();
  for (const alias of aliases) {
    const key = aliasKey(alias.account, alias.principalId);
    byId.set(key, mergePrincipalAlias(byId.get(key), alias));
  }
  return [...byId.entries()].sort(_byKey).map(([, a]) => a);
}

function _byKey(a: [string, unknown], b: [string, unknown]): number {
  // Stryker disable next-line EqualityOperator,ConditionalExpression: map keys are unique (never equal), and V8's sort only asks `< 0`
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}
