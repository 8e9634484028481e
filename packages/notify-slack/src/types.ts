/** A Block Kit text object. */
export interface SlackText {
  type: 'plain_text' | 'mrkdwn';
  text: string;
  emoji?: boolean;
  /** mrkdwn only: when true, Slack acts on explicit `<...>` markup only, never on bare URLs, names or `@here`. */
  verbatim?: boolean;
}

/** The Block Kit blocks lastswitch renders. */
export type SlackBlock =
  | { type: 'header'; text: SlackText & { type: 'plain_text' } }
  | { type: 'section'; text: SlackText & { type: 'mrkdwn' } }
  | { type: 'context'; elements: (SlackText & { type: 'mrkdwn' })[] }
  | { type: 'divider' };

/** One Incoming Webhook payload: the blocks, plus a plain fallback `text` for notifications. */
export interface SlackMessage {
  /** Shown in notifications and by clients that cannot render blocks. */
  text: string;
  blocks: SlackBlock[];
  unfurl_links?: boolean;
  unfurl_media?: boolean;
}

/** Options for `toSlackMessages`. */
export interface SlackMessageOptions {
  /** The header of every message; the default is "lastswitch: unused AWS role access". */
  title?: string;
  /** Slack mention markup put in the first message, e.g. `<!here>`, `<@U0123ABCD>`, `<!subteam^S0123>`. */
  mention?: string;
  /** A link shown under the summary, e.g. to the runbook or the full report. */
  link?: { url: string; text: string };
  /** At most this many blocks per message (3 to 50, default 50: Slack's limit). */
  maxBlocksPerMessage?: number;
  /**
   * At most this many characters of text per message, summed over its blocks (4,000 to 40,000,
   * default 10,000). Slack rejects long messages with `msg_blocks_too_long` at an undocumented
   * total, reported between 11k and 13k characters, well before 50 full sections.
   */
  maxCharsPerMessage?: number;
}
