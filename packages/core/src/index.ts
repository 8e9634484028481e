/**
 * @lastswitch/core — read CloudTrail, attribute role switches, keep a ledger, find stale access.
 *
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs';
 * import { assessLedger, collectTrailFile, foldAliases, foldSwitches, MemoryLedgerStore, renderReport } from '@lastswitch/core';
 *
 * const store = new MemoryLedgerStore();
 * const file = await collectTrailFile(createReadStream('trail.json.gz'));
 * await store.apply(foldSwitches(file.switches), foldAliases(file.aliases));
 * const assessment = await assessLedger(store.entries(), { now: Date.now(), staleAfterDays: 90, aliases: store.aliases() });
 * console.log(renderReport(assessment, 'table'));
 * ```
 */

export * from './envelope/index.js';
export { LastswitchError } from './errors.js';
export * from './grants/index.js';
export * from './ledger/index.js';
export type {
  AccessStatus,
  ApplyResult,
  Assessment,
  DeniedAttempt,
  LedgerColumns,
  LedgerEntry,
  LedgerStore,
  LedgerUpdate,
  PairAssessment,
  PrincipalAlias,
  PrincipalAssessment,
  PrincipalKind,
  PrincipalRef,
  RoleRef,
  RoleSwitch,
  RosterEntry,
  SwitchMethod,
} from './model.js';
export * from './trail/index.js';
