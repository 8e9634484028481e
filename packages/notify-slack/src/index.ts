/**
 * @lastswitch/notify-slack — a lastswitch assessment as Slack Block Kit messages, delivered to an
 * Incoming Webhook in order, paced and with retries.
 *
 * @example
 * ```ts
 * import { SlackWebhookNotifier, toSlackMessages } from '@lastswitch/notify-slack';
 *
 * const messages = toSlackMessages(assessment, { mention: '<!here>' });
 * const notifier = new SlackWebhookNotifier({ webhookUrl: process.env.SLACK_WEBHOOK_URL ?? '' });
 * const { delivered, total } = await notifier.send(messages);
 * ```
 */

export { SlackConfigError, SlackDeliveryError, type SlackDeliveryFailure } from './errors.js';
export { redactWebhookUrl } from './redactWebhookUrl.js';
export { type SendResult, SlackWebhookNotifier, type SlackWebhookNotifierOptions } from './SlackWebhookNotifier.js';
export { escapeText, SLACK_LIMITS, toSlackMessages } from './toSlackMessages.js';
export type { SlackBlock, SlackMessage, SlackMessageOptions, SlackText } from './types.js';
