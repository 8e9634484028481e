export {
  type AssessOptions,
  AssessOptionsError,
  assessLedger,
  assessStore,
  comparePairAssessments,
  DAY_MS,
} from './assess.js';
export {
  aliasKey,
  consoleSessionAliasId,
  foldAliases,
  foldSwitches,
  isNewerUpdate,
  mergeLedgerEntry,
  mergePrincipalAlias,
  ownerSideLinkAliasId,
  ownerSideLinkSource,
  pairKey,
} from './fold.js';
export { MemoryLedgerStore } from './memory-store.js';
export { type HtmlReportOptions, renderHtmlReport, toScriptJson } from './renderHtmlReport.js';
export {
  csvCell,
  formatAge,
  principalLabel,
  principalProvider,
  REPORT_FORMATS,
  type RenderBytesOptions,
  type RenderOptions,
  type ReportAllowedByJson,
  type ReportFormat,
  type ReportJson,
  ReportOptionsError,
  type ReportPairJson,
  type ReportPrincipalJson,
  renderReport,
  renderReportBytes,
  renderReportChunks,
  toReportJson,
} from './report.js';
export {
  isRolePattern,
  matchesGlob,
  parseRoster,
  RosterError,
  type RosterFormat,
  rosterCoversRole,
  rosterPrincipalRef,
  rosterRoleRef,
} from './roster.js';
