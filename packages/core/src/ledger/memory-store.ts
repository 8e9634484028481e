import type { ApplyResult, LedgerEntry, LedgerStore, LedgerUpdate, PrincipalAlias } from '../model.js';
import { aliasKey, mergeLedgerEntry, mergePrincipalAlias, pairKey } from './fold.js';

function _sameEntry(a: LedgerEntry, b: LedgerEntry): boolean {
  return (
    a.firstSeen === b.firstSeen &&
    a.lastSeen === b.lastSeen &&
    a.lastEventId === b.lastEventId &&
    a.methods.length === b.methods.length &&
    a.methods.every((m, i) => m === b.methods[i]) &&
    a.principal.arn === b.principal.arn &&
    a.principal.name === b.principal.name &&
    a.principal.kind === b.principal.kind &&
    a.principal.account === b.principal.account &&
    a.role.arn === b.role.arn &&
    a.role.name === b.role.name &&
    a.role.account === b.role.account
  );
}

/** An async iterable over a snapshot, one settled promise per item (cheaper than an async generator). */
function _iterate<T>(items: readonly T[]): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      let i = 0;
      return {
        next: () =>
          Promise.resolve(
            i < items.length ? { done: false, value: items[i++] as T } : { done: true as const, value: undefined },
          ),
        return: () => {
          i = items.length;
          return Promise.resolve({ done: true as const, value: undefined });
        },
      };
    },
  };
}

/**
 * A `LedgerStore` in memory: for tests, one-off runs and as the reference every other store is
 * checked against. `writes` counts updates that changed an entry; `heldBack` those that did not.
 */
export class MemoryLedgerStore implements LedgerStore {
  readonly #entries = new Map<string, LedgerEntry>();
  readonly #aliases = new Map<string, PrincipalAlias>();
  /** Equal principals, roles and method lists are stored once (frozen), keeping a large ledger small. */
  readonly #interned = new Map<string, object>();

  #intern<T extends object>(key: string, value: T): T {
    const known = this.#interned.get(key);
    if (known !== undefined) return known as T;
    this.#interned.set(key, Object.freeze(value));
    return value;
  }

  /** Stored entries are frozen, so they can be handed out without copying and still never change. */
  #frozen(e: LedgerEntry): LedgerEntry {
    const p = e.principal;
    const r = e.role;
    return Object.freeze({
      ...e,
      principal: this.#intern(
        `p\u0000${p.key}\u0000${p.kind}\u0000${p.account}\u0000${p.name}\u0000${p.arn ?? '\u0001'}`,
        p,
      ),
      role: this.#intern(`r\u0000${r.key}\u0000${r.account}\u0000${r.name}\u0000${r.arn}`, r),
      methods: this.#intern(`m\u0000${e.methods.join(',')}`, e.methods),
    });
  }

  /** Number of (principal, role) entries held. */
  get size(): number {
    return this.#entries.size;
  }

  /** Merges updates (max `lastSeen`, min `firstSeen`, union of methods) and aliases (latest `seenAt` wins). */
  async apply(updates: readonly LedgerUpdate[], aliases: readonly PrincipalAlias[] = []): Promise<ApplyResult> {
    let writes = 0;
    let heldBack = 0;
    for (const update of updates) {
      const key = pairKey(update.principal.key, update.role.key);
      const before = this.#entries.get(key);
      const after = mergeLedgerEntry(before, update);
      if (before !== undefined && _sameEntry(before, after)) {
        heldBack += 1;
        continue;
      }
      this.#entries.set(key, this.#frozen(after));
      writes += 1;
    }
    for (const alias of aliases) {
      const key = aliasKey(alias.account, alias.principalId);
      const before = this.#aliases.get(key);
      const after = mergePrincipalAlias(before, alias);
      if (before !== undefined && after.seenAt === before.seenAt && after.principal.key === before.principal.key) {
        heldBack += 1;
        continue;
      }
      Object.freeze(after.principal);
      this.#aliases.set(key, Object.freeze(after));
      writes += 1;
    }
    return { pairs: updates.length, aliases: aliases.length, writes, heldBack };
  }

  /** Every entry, as frozen values: changing one throws instead of changing the store. */
  entries(): AsyncIterable<LedgerEntry> {
    return _iterate([...this.#entries.values()]);
  }

  /** Every alias, one per (account, principal id), as frozen values. */
  aliases(): AsyncIterable<PrincipalAlias> {
    return _iterate([...this.#aliases.values()]);
  }
}
