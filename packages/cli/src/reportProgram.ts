import { registerReportCommand } from './commands/report.js';
import { type CliContext, processContext } from './context.js';
import { runCommands } from './runCommands.js';

/**
 * `runCli` for an argument list that names `report` (what `bin.js` loads then): the same program
 * with the report command alone, built as a bundle of its own. It holds none of the other commands
 * nor what only they use (zod's classic API, the report renderers), so a report starts sooner.
 */
export async function runCli(argv: readonly string[], ctx: CliContext = processContext()): Promise<number> {
  return runCommands(argv, ctx, [{ name: 'report', load: async () => registerReportCommand }]);
}
