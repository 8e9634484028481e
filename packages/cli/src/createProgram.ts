import type { Command } from 'commander';
import { registerApplyCommand } from './commands/apply.js';
import { registerIamCommand } from './commands/iam.js';
import { registerLedgerCommand } from './commands/ledger.js';
import { registerNotifyCommand } from './commands/notify.js';
import { registerPlanCommand } from './commands/plan.js';
import { registerReportCommand } from './commands/report.js';
import { registerScanCommand } from './commands/scan.js';
import { registerSsoCommand } from './commands/sso.js';
import { registerUndoCommand } from './commands/undo.js';
import type { CliContext } from './context.js';
import { createBaseProgram, type RegisterCommand } from './program.js';

/** The commands in help order (`runCli` loads the same ones lazily, from `COMMANDS`). */
const REGISTERS: readonly RegisterCommand[] = [
  registerScanCommand,
  registerReportCommand,
  registerNotifyCommand,
  registerIamCommand,
  registerSsoCommand,
  registerPlanCommand,
  registerLedgerCommand,
  registerApplyCommand,
  registerUndoCommand,
];

/** Builds the `lastswitch` program: every command registered on one commander `Command`. */
export function createProgram(ctx: CliContext): Command {
  const program = createBaseProgram(ctx);
  for (const register of REGISTERS) register(program, ctx);
  return program;
}
