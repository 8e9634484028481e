import { Command, CommanderError } from 'commander';
import type { CliContext } from './context.js';
import { ExitCode, UsageError } from './errors.js';
import { namedCommand } from './namedCommand.js';
import { VERSION } from './version.js';

/** Adds one command (its options, help and action) to the program. */
export type RegisterCommand = (program: Command, ctx: CliContext) => void;

const EXAMPLES = `
Examples:
  $ lastswitch scan ./trail                        # read CloudTrail files into .lastswitch/ledger.db
  $ lastswitch report --stale-after 90             # who has not switched into a role for 90 days
  $ lastswitch notify slack --webhook-url-env SLACK_WEBHOOK_URL
  $ lastswitch iam snapshot --output iam-prod.json  # who is allowed to switch into what (one file per account)
  $ lastswitch plan --grants iam-*.json             # dry run: the policy changes that remove unused grants
  $ lastswitch ledger export --output ledger.json   # the ledger as portable, diffable JSON
  $ lastswitch apply plan.json --yes                # carry out a JSON plan (journaled); undo puts it back

Stores (--store, or $LASTSWITCH_STORE): sqlite:PATH (default sqlite:.lastswitch/ledger.db), file:PATH (a JSON
ledger) or dynamodb:TABLE. \`lastswitch ledger export\` / \`import\` move a ledger between them.
Exit codes: 0 ok, 1 some files failed, a delivery failed or the ledger does not exist, 2 bad usage,
3 \`report --fail-on\` found stale or never-used access.
Run \`lastswitch <command> --help\` for a command's options.
`;

/** The `lastswitch` program without its commands: global options, help text, error output. */
export function createBaseProgram(ctx: CliContext): Command {
  const program = new Command('lastswitch')
    .description(
      'Find who has stopped switching into your AWS roles: scan CloudTrail, report stale access, notify Slack.',
    )
    .version(VERSION, '-V, --version')
    .option('--debug', 'print stack traces with errors')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.stdout.write(text),
      writeErr: (text) => ctx.stderr.write(text),
      // Commander's usage errors, as one line like every other error; the arguments they echo
      // (`--webhok-url=https://hooks.slack.com/...`) may hold a webhook URL, so URLs are redacted.
      outputError: (text, write) => write(`lastswitch: ${usageErrorLine(text)}\n`),
    })
    .showSuggestionAfterError(true)
    .addHelpText('after', EXAMPLES);
  return program;
}

/** `https://user:pw@host/path?query` → `https://host/***`: what a usage error may show of a URL. */
function redactUrls(text: string): string {
  return text.replace(/(https?:\/\/)(?:[^\s/@'"]*@)?([^\s/?#'"]*)[^\s'"]*/gi, '$1$2/***');
}

/** A commander error (`error: unknown option '--x'\n(Did you mean --y?)`) as one redacted line with the help hint. */
function usageErrorLine(text: string): string {
  const line = text.trim().split('\n').join(' ');
  return `${redactUrls(line.startsWith('error: ') ? line : `error: ${line}`)} (add --help for usage)`;
}

/** One line for an error: its message and its causes' messages, newlines folded. */
export function formatError(error: unknown): string {
  const parts: string[] = [];
  for (let current: unknown = error, depth = 0; current !== undefined && depth < 4; depth++) {
    // A validator's issue list (zod) is a JSON dump, not a sentence: the wrapping message says it.
    if (depth > 0 && current instanceof Error && current.name === 'ZodError') break;
    const message = current instanceof Error ? current.message : String(current);
    if (message && !parts.some((part) => part.includes(message))) parts.push(message);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ').split('\n').join(' ');
}

/** A short fix for errors whose cause is common and whose message does not say what to do. */
function hintFor(error: unknown): string {
  const text = formatError(error);
  if (text.includes('Region is missing')) return ' (set AWS_REGION, or AWS_PROFILE with a region)';
  if (
    (error as Error).name === 'CredentialsProviderError' ||
    text.includes('Could not load credentials') ||
    text.includes('Token is expired') ||
    text.includes('The SSO session')
  ) {
    return ' (no AWS credentials: set AWS_PROFILE, run `aws sso login`, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)';
  }
  if (
    (error as { awsErrorName?: string }).awsErrorName === 'ResourceNotFoundException' ||
    (error as Error).name === 'DynamoDBStoreError'
  ) {
    return ' (`lastswitch scan --store dynamodb:TABLE --create-table` creates it)';
  }
  return '';
}

/** A command of the program, loaded only when it is needed. */
export interface CommandEntry {
  name: string;
  load: () => Promise<RegisterCommand>;
}

/**
 * Runs the program made of `commands` on `argv` (as `process.argv`) and resolves to the exit code
 * (see `runCli`). The command named first is all that is loaded; help, an unknown command or none
 * at all loads every one of `commands`, for the list and the suggestions.
 */
export async function runCommands(
  argv: readonly string[],
  ctx: CliContext,
  commands: readonly CommandEntry[],
): Promise<number> {
  const program = createBaseProgram(ctx);
  const named = namedCommand(argv);
  const only = commands.find((command) => command.name === named);
  const registers = await Promise.all((only ? [only] : commands).map((command) => command.load()));
  for (const register of registers) register(program, ctx);
  const debug = argv.includes('--debug');
  // `lastswitch help bogus`: commander would print the general help; an unknown command is a usage error.
  const asked = argv[2] === 'help' ? argv[3] : undefined;
  if (asked !== undefined && !asked.startsWith('-') && !program.commands.some((c) => c.name() === asked)) {
    ctx.stderr.write(
      `lastswitch: error: unknown command '${redactUrls(asked.slice(0, 100))}' (run lastswitch --help for the commands)\n`,
    );
    return ExitCode.usage;
  }
  try {
    await program.parseAsync([...argv]);
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.ok;
      // `lastswitch help scan` asked for help (0); `lastswitch` or `lastswitch notify` alone did not (usage).
      if (error.code === 'commander.help' && error.exitCode === 0) return ExitCode.ok;
      return ExitCode.usage;
    }
    const usage = error instanceof UsageError;
    // The message says what went wrong in the CLI's words; class names are for --debug.
    ctx.stderr.write(`lastswitch: error: ${formatError(error)}${hintFor(error)}\n`);
    if (debug && error instanceof Error && error.stack) ctx.stderr.write(`${error.stack}\n`);
    return usage ? ExitCode.usage : ExitCode.failed;
  }
}
