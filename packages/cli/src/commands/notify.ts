import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { openStore } from '../store/openStore.js';
import { type AssessOptions, addAssessOptions, assessFromStore, plural } from './_shared.js';

interface NotifySlackOptions extends AssessOptions {
  webhookUrl?: string;
  webhookUrlEnv?: string;
  allowHost?: string[];
  dryRun?: boolean;
  title?: string;
  mention?: string;
}

const EXAMPLES = `
Examples:
  $ SLACK_WEBHOOK_URL=https://hooks.slack.com/services/... lastswitch notify slack --webhook-url-env SLACK_WEBHOOK_URL
  $ lastswitch notify slack --dry-run --stale-after 30          # print the Block Kit messages, send nothing
  $ lastswitch notify slack --webhook-url-env SLACK_WEBHOOK_URL --mention '<!here>' --store dynamodb:lastswitch-ledger

The webhook URL is a secret: prefer --webhook-url-env (a URL given on the command line is visible to
other users of the machine). It is never printed. Only https://hooks.slack.com is accepted unless
--allow-host names another host (a proxy, or a local server in tests).
`;

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/** Registers `lastswitch notify slack`: send the report to a Slack Incoming Webhook. */
export function registerNotifyCommand(program: Command, ctx: CliContext): void {
  const notify = program
    .command('notify')
    .summary('send the report somewhere')
    .description('Send the report to a chat channel.')
    .addHelpText('after', EXAMPLES);
  const slack = notify
    .command('slack')
    .summary('send the report to a Slack Incoming Webhook')
    .description(
      "Send the stale and never-used access to a Slack Incoming Webhook as Block Kit messages (split at Slack's limits, paced, retried). Exit code 1 when Slack does not accept every message; the error says how many were delivered.",
    );
  addAssessOptions(slack)
    .option('--webhook-url <url>', 'the Incoming Webhook URL (prefer --webhook-url-env)')
    .option('--webhook-url-env <name>', 'the environment variable holding the webhook URL')
    .option('--allow-host <host>', 'also accept webhook URLs on this host (repeatable)', collect)
    .option('--title <text>', 'the header of every message')
    .option('--mention <markup>', "Slack mention put in the first message, e.g. '<!here>'")
    .option('--dry-run', 'print the messages as JSON instead of sending them')
    .addHelpText('after', EXAMPLES)
    .action(async (options: NotifySlackOptions) => {
      await runNotifySlack(options, ctx);
    });
}

function webhookUrlFrom(options: NotifySlackOptions, ctx: CliContext): string | undefined {
  if (options.webhookUrl !== undefined && options.webhookUrlEnv !== undefined) {
    throw new UsageError('give either --webhook-url or --webhook-url-env, not both');
  }
  if (options.webhookUrlEnv !== undefined) {
    const value = ctx.env[options.webhookUrlEnv];
    if (value === undefined || value.trim() === '') {
      throw new UsageError(`the environment variable ${options.webhookUrlEnv} (--webhook-url-env) is not set`);
    }
    return value.trim();
  }
  return options.webhookUrl;
}

async function runNotifySlack(options: NotifySlackOptions, ctx: CliContext): Promise<void> {
  const webhookUrl = webhookUrlFrom(options, ctx);
  if (webhookUrl === undefined && !options.dryRun) {
    throw new UsageError('say where to send: --webhook-url-env NAME or --webhook-url URL (or --dry-run)');
  }
  const { SlackWebhookNotifier, toSlackMessages } = await import('@lastswitch/notify-slack');
  // Built before anything is read, so a bad or foreign URL is refused early.
  let notifier: InstanceType<typeof SlackWebhookNotifier> | undefined;
  try {
    notifier =
      webhookUrl === undefined
        ? undefined
        : new SlackWebhookNotifier({ webhookUrl, allowedHosts: options.allowHost ?? [] });
  } catch (error) {
    // SlackConfigError: the message already has the URL redacted; it speaks of the library's
    // options (`webhookUrl`, `allowedHosts`), which are --webhook-url and --allow-host here.
    const message = (error as Error).message
      .replaceAll('webhookUrl', 'the webhook URL')
      .replaceAll('allowedHosts', '--allow-host');
    throw new UsageError(`the webhook URL cannot be used: ${message} (see --allow-host)`);
  }
  const opened = await openStore(options.store, { cwd: ctx.cwd });
  try {
    // A missing store (unless --allow-empty), a corrupt ledger or a missing table: one clear line.
    const { assessment, empty } = await assessFromStore(opened, options, ctx);
    if (empty && assessment.pairs.length === 0) {
      ctx.stderr.write(
        `The ledger ${opened.label} holds no role switches: nothing to report, nothing sent. Run \`lastswitch scan\` first.\n`,
      );
      ctx.exitCode = 1;
      return;
    }
    const messages = toSlackMessages(assessment, { title: options.title, mention: options.mention });
    if (options.dryRun || notifier === undefined) {
      ctx.stdout.write(`${JSON.stringify(messages, null, 2)}\n`);
      ctx.stderr.write(`Dry run: ${plural(messages.length, 'message')} not sent.\n`);
      return;
    }
    const sent = await notifier.send(messages);
    ctx.stderr.write(`Sent ${plural(sent.delivered, 'Slack message')}.\n`);
  } finally {
    opened.close();
  }
}
