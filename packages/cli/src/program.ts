import { type CliContext, processContext } from './context.js';
import { type CommandEntry, runCommands } from './runCommands.js';

export { createBaseProgram, formatError, type RegisterCommand } from './runCommands.js';

/**
 * Every command, in help order, each loaded only when it is needed: `lastswitch scan` reads no
 * module of `report`, `iam` or `apply` (nor what they import), so it starts sooner.
 */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'scan', load: async () => (await import('./commands/scan.js')).registerScanCommand },
  { name: 'report', load: async () => (await import('./commands/report.js')).registerReportCommand },
  { name: 'notify', load: async () => (await import('./commands/notify.js')).registerNotifyCommand },
  { name: 'iam', load: async () => (await import('./commands/iam.js')).registerIamCommand },
  { name: 'sso', load: async () => (await import('./commands/sso.js')).registerSsoCommand },
  { name: 'plan', load: async () => (await import('./commands/plan.js')).registerPlanCommand },
  { name: 'ledger', load: async () => (await import('./commands/ledger.js')).registerLedgerCommand },
  { name: 'apply', load: async () => (await import('./commands/apply.js')).registerApplyCommand },
  { name: 'undo', load: async () => (await import('./commands/undo.js')).registerUndoCommand },
];

/**
 * Runs the CLI on `argv` (as `process.argv`: node, script, arguments) and resolves to the exit code:
 * 0 ok, 1 some files or a delivery failed, 2 bad usage. Errors are one line; `--debug` adds the stack.
 */
export async function runCli(argv: readonly string[], ctx: CliContext = processContext()): Promise<number> {
  return runCommands(argv, ctx, COMMANDS);
}
