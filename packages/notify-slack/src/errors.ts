import { LastswitchError } from '@lastswitch/core';

/** A webhook URL or rendering option that lastswitch refuses to use (the URL in the message is redacted). */
export class SlackConfigError extends LastswitchError {
  override name = 'SlackConfigError';
}

/** What a failed `send` knows about the failure; every field is safe to log. */
export interface SlackDeliveryFailure {
  /** How many messages, from the first, Slack accepted before the failure. */
  delivered: number;
  /** How many messages `send` was asked to deliver. */
  total: number;
  /** The zero-based index of the message that failed (equal to `delivered`). */
  failedIndex: number;
  /** How many requests were made for the failed message. */
  attempts: number;
  /** The last HTTP status, absent when no response arrived (network error, timeout). */
  status?: number;
  /** Slack's error string from the response body (`invalid_payload`, `channel_not_found`, ...). */
  slackError?: string;
  /** The webhook URL with its secret path redacted. */
  url: string;
  /** Whether sending the rest again later may succeed (rate limit, 5xx, network) or not (other 4xx). */
  retryable: boolean;
}

/** Slack did not accept a message: carries which messages were delivered, the status and Slack's error string. */
export class SlackDeliveryError extends LastswitchError implements SlackDeliveryFailure {
  override name = 'SlackDeliveryError';
  readonly delivered: number;
  readonly total: number;
  readonly failedIndex: number;
  readonly attempts: number;
  readonly status?: number;
  readonly slackError?: string;
  readonly url: string;
  readonly retryable: boolean;

  constructor(failure: SlackDeliveryFailure, options?: { cause?: unknown }) {
    super(describeFailure(failure), options);
    this.delivered = failure.delivered;
    this.total = failure.total;
    this.failedIndex = failure.failedIndex;
    this.attempts = failure.attempts;
    if (failure.status !== undefined) this.status = failure.status;
    if (failure.slackError !== undefined) this.slackError = failure.slackError;
    this.url = failure.url;
    this.retryable = failure.retryable;
  }
}

function describeFailure(failure: SlackDeliveryFailure): string {
  const what =
    failure.status === undefined
      ? 'could not be reached'
      : `answered HTTP ${failure.status}${failure.slackError ? ` ${failure.slackError}` : ''}`;
  const tries = failure.attempts === 1 ? '1 attempt' : `${failure.attempts} attempts`;
  return (
    `Slack webhook ${failure.url} ${what} for message ${failure.failedIndex + 1} of ${failure.total} ` +
    `(${tries}); ${failure.delivered} of ${failure.total} messages were delivered`
  );
}
