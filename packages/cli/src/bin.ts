import { namedCommand } from './namedCommand.js';
import { VERSION } from './version.js';

// `lastswitch --version` answers before anything else is loaded, so it costs little more than Node's own start-up.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  // The SDK warns on every run under Node 20, which this CLI supports; the warning is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // `lastswitch report | head`: the reader has gone, so stop quietly (with the exit code so far)
  // instead of dying on an unhandled EPIPE with a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  // The program is a bundle of its own (one file to compile); `--debug` traces point into the sources.
  // `scan` and `report` have smaller bundles, each holding that command alone (the same program
  // otherwise); the report one has no snapshot readers, so `report --grants` loads the whole program.
  if (args.includes('--debug')) process.setSourceMapsEnabled(true);
  const command = namedCommand(process.argv);
  const program: typeof import('./program.js') =
    command === 'scan'
      ? await import(new URL('./scanProgram.js', import.meta.url).href)
      : command === 'report' && !args.some((arg) => arg === '--grants' || arg.startsWith('--grants='))
        ? await import(new URL('./reportProgram.js', import.meta.url).href)
        : await import(new URL('./program.js', import.meta.url).href);
  const { runCli } = program;
  process.exitCode = await runCli(process.argv);
}
