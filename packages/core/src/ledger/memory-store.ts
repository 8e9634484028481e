import type { ApplyResult, LedgerEntry, LedgerStore, LedgerUpdate, PrincipalAlias } from '../model.js';
import { aliasKey, isNewerUpdate, mergeLedgerEntry, mergePrincipalAlias, pairKey } from './fold.js';

function _copyEntry(e: LedgerEntry): LedgerEntry {
  return { ...e, principal: { ...e.principal }, role: { ...e.role }, methods: [...e.methods] };
}

function _sameEntry(a: LedgerEntry, b: LedgerEntry): boolean {
  return (
    a.firstSeen === b.firstSeen &&
    a.lastSeen === b.lastSeen &&
    a.lastEventId === b.lastEventId &&
    a.methods.length === b.methods.length &&
    a.methods.every((m, i) => m === b.methods[i])
  );
}

/** An async iterable over a snapshot, one settled promise per item (cheaper than an async generator). */
function _iterate<T>(items: readonly T[], copy: (item: T) => T): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      let i = 0;
      return {
        next: () =>
          Promise.resolve(
            i < items.length
              ? { done: false, value: copy(items[i++] as T) }
              : { done: true as const, value: undefined },
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
      if (before !== undefined && _sameEntry(before, after) && !isNewerUpdate(update, before)) {
        heldBack += 1;
        continue;
      }
      this.#entries.set(key, after);
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
      this.#aliases.set(key, after);
      writes += 1;
    }
    return { pairs: updates.length, aliases: aliases.length, writes, heldBack };
  }

  /** Every entry (copies: changing one does not change the store). */
  entries(): AsyncIterable<LedgerEntry> {
    return _iterate([...this.#entries.values()], _copyEntry);
  }

  /** Every alias, one per (account, principal id), copied. */
  aliases(): AsyncIterable<PrincipalAlias> {
    return _iterate([...this.#aliases.values()], (a) => ({ ...a, principal: { ...a.principal } }));
  }
}
