import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { LastswitchError } from '@lastswitch/core';

/** What `claim` found: the message is ours to send, was sent, or was being sent by a run that never finished. */
export type ClaimOutcome = 'claimed' | 'sent' | 'in-flight';

/**
 * Records which messages of a report run were posted, so a retried run posts each at most once.
 * A run is named by its scheduled time (or the invocation's request id); messages by index.
 */
export interface DeliveryLog {
  /** Claims message `index` of `run` before it is sent; anything but `claimed` means do not send it. */
  claim(run: string, index: number, total: number): Promise<ClaimOutcome>;
  /** Slack accepted the message. */
  markSent(run: string, index: number): Promise<void>;
  /** Slack refused the message or it was not sent: a retry may claim it again. */
  release(run: string, index: number): Promise<void>;
}

/** A delivery record could not be read or written; the report stops rather than risk posting twice. */
export class DeliveryLogError extends LastswitchError {
  override name = 'DeliveryLogError';
}

/** Options for `DynamoDBDeliveryLog`. */
export interface DynamoDBDeliveryLogOptions {
  client: Pick<DynamoDBDocumentClient, 'send'>;
  /** The ledger table: delivery items sit beside the ledger's and are ignored by its reads (`itemType`). */
  tableName: string;
  /** The clock, epoch ms (for `expiresAt`). */
  now: () => number;
  /** Days a record is kept before DynamoDB's TTL removes it (default 35). */
  keepDays?: number;
}

const DAY_SECONDS = 86_400;

/** Delivery records in the ledger table: `pk = D#<run>`, `sk = M#<index>`, `itemType = delivery`, expiring through TTL. */
export class DynamoDBDeliveryLog implements DeliveryLog {
  readonly #client: Pick<DynamoDBDocumentClient, 'send'>;
  readonly #table: string;
  readonly #now: () => number;
  readonly #keepSeconds: number;

  constructor(options: DynamoDBDeliveryLogOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
    this.#now = options.now;
    this.#keepSeconds = (options.keepDays ?? 35) * DAY_SECONDS;
  }

  async claim(run: string, index: number, total: number): Promise<ClaimOutcome> {
    const at = this.#now();
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#table,
          Item: {
            ...key(run, index),
            itemType: 'delivery',
            status: 'sending',
            total,
            claimedAt: new Date(at).toISOString(),
            expiresAt: Math.floor(at / 1000) + this.#keepSeconds,
          },
          // A released (refused) message may be claimed again; a sent or in-flight one never.
          ConditionExpression: 'attribute_not_exists(pk) OR #status = :released',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':released': 'released' },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'claimed';
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') {
        return statusOf(error) === 'sent' ? 'sent' : 'in-flight';
      }
      throw this.#error('claim', run, index, error);
    }
  }

  async markSent(run: string, index: number): Promise<void> {
    await this.#set(run, index, 'sent');
  }

  async release(run: string, index: number): Promise<void> {
    await this.#set(run, index, 'released');
  }

  async #set(run: string, index: number, status: 'sent' | 'released'): Promise<void> {
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: key(run, index),
          UpdateExpression: 'SET #status = :status, #at = :at',
          ExpressionAttributeNames: { '#status': 'status', '#at': `${status}At` },
          ExpressionAttributeValues: { ':status': status, ':at': new Date(this.#now()).toISOString() },
        }),
      );
    } catch (error) {
      throw this.#error(status === 'sent' ? 'mark sent' : 'release', run, index, error);
    }
  }

  #error(what: string, run: string, index: number, error: unknown): DeliveryLogError {
    const name = error instanceof Error ? error.name : 'Error';
    return new DeliveryLogError(
      `could not ${what} the delivery record of message ${index + 1} of run ${run} in table ${this.#table} (${name})`,
      { cause: error },
    );
  }
}

function key(run: string, index: number): { pk: string; sk: string } {
  return { pk: `D#${run}`, sk: `M#${String(index).padStart(4, '0')}` };
}

/** The `status` of the item a failed condition returned (plain with lib-dynamodb, or an attribute value). */
function statusOf(error: unknown): string | undefined {
  const status = (error as { Item?: Record<string, unknown> }).Item?.status;
  if (typeof status === 'string') return status;
  const value = (status as { S?: unknown } | undefined)?.S;
  return typeof value === 'string' ? value : undefined;
}
