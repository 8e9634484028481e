import { type DynamoDBDocumentClient, ScanCommand, type ScanCommandOutput, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type ApplyResult,
  aliasKey,
  type LedgerEntry,
  type LedgerStore,
  type LedgerUpdate,
  mergeLedgerEntry,
  mergePrincipalAlias,
  type PrincipalAlias,
  type PrincipalRef,
  pairKey,
} from '@lastswitch/core';
import {
  _aliasFromItem,
  _aliasItemKey,
  _entryFromItem,
  _invalidAlias,
  _invalidUpdate,
  _oldPairState,
  _orderKey,
  _pairItemKey,
  ALIAS_TYPE,
  type OldPairState,
  PAIR_TYPE,
  type RawItem,
} from './_items.js';
import {
  _awsErrorName,
  _FATAL_ERRORS,
  _reasonOf,
  _toLedgerError,
  DynamoDBLedgerError,
  type DynamoDBLedgerOperation,
  DynamoDBLedgerWriteError,
  type NotLandedItem,
} from './DynamoDBLedgerError.js';
import { _checkTableName } from './ledgerTableDefinition.js';

/** Options of `new DynamoDBLedgerStore(...)`. */
export interface DynamoDBLedgerStoreOptions {
  /**
   * The document client, built and configured by the caller (region, credentials, retries). The
   * store relies on its retry strategy for throttling and 5xx errors; raise `maxAttempts` for
   * large backfills.
   */
  client: DynamoDBDocumentClient;
  /** The ledger table (see `ledgerTableDefinition`). */
  tableName: string;
  /** Write requests in flight at once during `apply` (default 16). */
  concurrency?: number;
  /** Parallel Scan segments for `entries()` and `aliases()` (default 1: one sequential Scan). */
  segments?: number;
  /** Strongly consistent Scans (twice the read cost; default false). */
  consistentRead?: boolean;
  /**
   * Deadline of one request, the SDK's own retries included (default 60 000 ms): a request still
   * unanswered then (a frozen endpoint) fails with "no answer from DynamoDB within …". Set the
   * client's `requestHandler` `connectionTimeout`/`requestTimeout` too, so each attempt is bounded.
   */
  requestTimeoutMs?: number;
  /** Further rounds for item writes that still failed after the SDK's retries (default 3). */
  retryRounds?: number;
  /** Wait before retry round n is n − 1 times this (default 1 000 ms). */
  retryDelayMs?: number;
  /** Told before each retry round of `apply`: how many item writes failed, and why. */
  onRetry?: (event: LedgerRetryEvent) => void;
}

/** What `onRetry` is told before a retry round. */
export interface LedgerRetryEvent {
  /** The round about to start (2 for the first retry). */
  round: number;
  /** Item writes to retry. */
  failed: number;
  /** Item writes of the whole call. */
  of: number;
  /** The first failure, one line. */
  reason: string;
}

/** Per-call options of `entries()` and `aliases()`. */
export interface LedgerScanOptions {
  /** Parallel Scan segments for this read (default: the store's `segments`). */
  segments?: number;
}

const DEFAULT_CONCURRENCY = 16;
const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
const DEFAULT_RETRY_ROUNDS = 3;
const DEFAULT_RETRY_DELAY_MS = 1_000;
/** Items named in a write error's message (all are in its `notLanded`). */
const NAMED_IN_MESSAGE = 3;

/** One item write of `apply`. */
interface _WriteTask {
  item: NotLandedItem;
  run: () => Promise<void>;
}
/** Attempts at one pair's follow-up write while concurrent writers keep changing it. */
const MAX_PAIR_ROUNDS = 8;

interface Counts {
  writes: number;
  heldBack: number;
}

/**
 * The lastswitch ledger on DynamoDB: one item per (principal, role), written with conditional
 * updates so an older event never overwrites a newer one, read back with paginated Scans.
 *
 * @example
 * ```ts
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 8 }));
 * const store = new DynamoDBLedgerStore({ client, tableName: 'lastswitch-ledger' });
 * const result = await store.apply(foldSwitches(file.switches), foldAliases(file.aliases));
 * for await (const entry of store.entries()) console.log(entry.principal.key, entry.lastSeen);
 * ```
 */
export class DynamoDBLedgerStore implements LedgerStore {
  /** The ledger table. */
  readonly tableName: string;
  readonly #client: DynamoDBDocumentClient;
  readonly #concurrency: number;
  readonly #segments: number;
  readonly #consistentRead: boolean;
  readonly #requestTimeoutMs: number;
  readonly #retryRounds: number;
  readonly #retryDelayMs: number;
  readonly #onRetry: ((event: LedgerRetryEvent) => void) | undefined;

  constructor(options: DynamoDBLedgerStoreOptions) {
    _checkTableName(options?.tableName);
    this.tableName = options.tableName;
    if (typeof options.client?.send !== 'function') {
      throw this.#configError('client must be a DynamoDBDocumentClient');
    }
    this.#client = options.client;
    this.#concurrency = this.#checkCount('concurrency', options.concurrency ?? DEFAULT_CONCURRENCY, 1_000);
    this.#segments = this.#checkCount('segments', options.segments ?? 1, 1_000_000);
    this.#consistentRead = options.consistentRead === true;
    this.#requestTimeoutMs = this.#checkCount(
      'requestTimeoutMs',
      options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      3_600_000,
    );
    this.#retryRounds = this.#checkCount('retryRounds', (options.retryRounds ?? DEFAULT_RETRY_ROUNDS) + 1, 101) - 1;
    this.#retryDelayMs =
      this.#checkCount('retryDelayMs', (options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS) + 1, 600_001) - 1;
    if (options.onRetry !== undefined && typeof options.onRetry !== 'function') {
      throw this.#configError('onRetry must be a function');
    }
    this.#onRetry = options.onRetry;
  }

  /**
   * Merges updates and aliases into the table: one conditional write per pair (two when the update
   * holds an event older than the stored `firstSeen` or a method the newer item lacks) and one per
   * alias. Invalid input is rejected before anything is written. Every item is attempted; writes
   * that still fail after the SDK's retries are retried in further rounds while rounds make progress,
   * then the call rejects with `DynamoDBLedgerWriteError` listing exactly the items that did not
   * land (a missing table or denied access stops at once). Applying the same updates again is safe.
   */
  async apply(updates: readonly LedgerUpdate[], aliases: readonly PrincipalAlias[] = []): Promise<ApplyResult> {
    if (!Array.isArray(updates)) throw this.#inputError('updates must be an array');
    if (!Array.isArray(aliases)) throw this.#inputError('aliases must be an array');
    updates.forEach((u, i) => {
      const problem = _invalidUpdate(u);
      if (problem) throw this.#inputError(`update #${i}${_describePair(u)}: ${problem}`);
    });
    aliases.forEach((a, i) => {
      const problem = _invalidAlias(a);
      if (problem) throw this.#inputError(`alias #${i}: ${problem}`);
    });

    const pairs = new Map<string, LedgerUpdate>();
    for (const u of updates) {
      const key = pairKey(u.principal.key, u.role.key);
      pairs.set(key, mergeLedgerEntry(pairs.get(key), u));
    }
    const byAlias = new Map<string, PrincipalAlias>();
    for (const a of aliases) {
      const key = aliasKey(a.account, a.principalId);
      byAlias.set(key, mergePrincipalAlias(byAlias.get(key), a));
    }

    const counts: Counts = { writes: 0, heldBack: 0 };
    const tasks: _WriteTask[] = [
      ...[...pairs.values()].map((u) => ({
        item: { kind: 'pair', principalKey: u.principal.key, roleKey: u.role.key } as const,
        run: () => this.#writePair(u, counts),
      })),
      ...[...byAlias.values()].map((a) => ({
        item: { kind: 'alias', account: a.account, principalId: a.principalId } as const,
        run: () => this.#writeAlias(a, counts),
      })),
    ];
    // Every item is attempted; what failed is retried in further rounds while they make progress.
    let pending = tasks;
    let landed = 0;
    for (let round = 1; pending.length > 0; round++) {
      const outcome = await _runPool(pending, this.#concurrency);
      const left = [...outcome.failed.map((f) => f.task), ...outcome.notStarted];
      landed += pending.length - left.length;
      if (left.length === 0) break;
      const error = outcome.fatal ?? outcome.failed[0]?.error;
      if (outcome.fatal !== undefined || left.length === pending.length || round > this.#retryRounds) {
        throw this.#writeError(left, tasks.length, landed, round, error);
      }
      this.#onRetry?.({ round: round + 1, failed: left.length, of: tasks.length, reason: _reasonOf(error) });
      await new Promise((resolve) => setTimeout(resolve, this.#retryDelayMs * round));
      pending = left;
    }
    return { pairs: updates.length, aliases: aliases.length, ...counts };
  }

  /** Every (principal, role) entry, streamed page by page from a paginated (optionally parallel) Scan. */
  async *entries(options: LedgerScanOptions = {}): AsyncGenerator<LedgerEntry> {
    for await (const item of this.#scan('entries', PAIR_TYPE, options)) {
      yield this.#decode('entries', item, _entryFromItem);
    }
  }

  /** Every principal alias, one per (account, principal id), streamed from a paginated Scan. */
  async *aliases(options: LedgerScanOptions = {}): AsyncGenerator<PrincipalAlias> {
    for await (const item of this.#scan('aliases', ALIAS_TYPE, options)) {
      yield this.#decode('aliases', item, _aliasFromItem);
    }
  }

  /** The newest-wins write of one pair, then the follow-up write a late older event needs. */
  async #writePair(u: LedgerUpdate, counts: Counts): Promise<void> {
    let old = await this.#writeNewest(u, counts);
    for (let round = 1; old !== undefined; round++) {
      if (round > MAX_PAIR_ROUNDS) {
        throw new DynamoDBLedgerError(`the item of${_describePair(u)} kept changing under concurrent writers`, {
          tableName: this.tableName,
          operation: 'apply',
        });
      }
      const next = await this.#writeOlder(u, old, counts);
      old = next === 'gone' ? await this.#writeNewest(u, counts) : next;
    }
  }

  /**
   * Sets `lastSeen`, `lastEventId` and the display fields when the update is newer than the item
   * (later `lastSeen`, ties broken by the greater event id, as core's `mergeLedgerEntry`), keeps
   * the item's `firstSeen` if it has one, and adds the methods. Returns what the item held when a
   * follow-up write may be needed (older `firstSeen` or, if held back, methods), else undefined.
   */
  async #writeNewest(u: LedgerUpdate, counts: Counts): Promise<OldPairState | undefined> {
    const order = _orderKey(u.lastEventId);
    const names: Record<string, string> = {
      '#lastSeen': 'lastSeen',
      '#firstSeen': 'firstSeen',
      '#lastEventId': 'lastEventId',
      '#lastEventOrder': 'lastEventOrder',
      '#itemType': 'itemType',
      '#principalArn': 'principalArn',
      '#roleAccount': 'roleAccount',
      '#roleName': 'roleName',
      '#roleArn': 'roleArn',
      ..._principalNames(),
    };
    const values: Record<string, unknown> = {
      ':lastSeen': u.lastSeen,
      ':firstSeen': u.firstSeen,
      ':lastEventId': u.lastEventId,
      ':order': order,
      ':itemType': PAIR_TYPE,
      ':roleAccount': u.role.account,
      ':roleName': u.role.name,
      ':roleArn': u.role.arn,
      ..._principalValues(u.principal),
    };
    const set = [
      '#lastSeen = :lastSeen',
      '#firstSeen = if_not_exists(#firstSeen, :firstSeen)',
      '#lastEventId = :lastEventId',
      '#itemType = :itemType',
      '#roleAccount = :roleAccount',
      '#roleName = :roleName',
      '#roleArn = :roleArn',
      ..._principalSet(u.principal),
    ];
    const remove: string[] = [];
    if (u.principal.arn === undefined) remove.push('#principalArn');
    if (order === u.lastEventId) remove.push('#lastEventOrder');
    else set.push('#lastEventOrder = :order');
    let expression = `SET ${set.join(', ')}`;
    if (u.methods.length > 0) {
      names['#methods'] = 'methods';
      values[':methods'] = new Set(u.methods);
      expression += ' ADD #methods :methods';
    }
    if (remove.length > 0) expression += ` REMOVE ${remove.join(', ')}`;
    try {
      const out = await this.#send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: _pairItemKey(u.principal.key, u.role.key),
          UpdateExpression: expression,
          ConditionExpression:
            'attribute_not_exists(#lastSeen) OR #lastSeen < :lastSeen OR (#lastSeen = :lastSeen AND ' +
            '((attribute_not_exists(#lastEventOrder) AND #lastEventId < :order) OR #lastEventOrder < :order))',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'UPDATED_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
        counts,
      );
      const before = _oldPairState(out.Attributes);
      // Newer than an existing item: the update may also reach further back (#writeOlder decides).
      return before.firstSeen === undefined ? undefined : { firstSeen: before.firstSeen, methods: u.methods };
    } catch (error) {
      if (!_isConditionFailure(error)) throw error;
      counts.heldBack += 1;
      const before = _oldPairState((error as { Item?: unknown }).Item);
      return _needsOlderWrite(u, before) ? before : undefined;
    }
  }

  /**
   * Lowers `firstSeen` (only while the item's is later) and adds missing methods. Returns the
   * item's new state if a concurrent writer changed it first, `'gone'` if it was deleted.
   */
  async #writeOlder(u: LedgerUpdate, old: OldPairState, counts: Counts): Promise<OldPairState | 'gone' | undefined> {
    if (!_needsOlderWrite(u, old)) return undefined;
    const lower = old.firstSeen === undefined || old.firstSeen > u.firstSeen;
    const missing = u.methods.filter((m) => !old.methods.includes(m));
    const names: Record<string, string> = { '#lastSeen': 'lastSeen' };
    const values: Record<string, unknown> = {};
    const clauses: string[] = [];
    let condition = 'attribute_exists(#lastSeen)';
    if (lower) {
      names['#firstSeen'] = 'firstSeen';
      values[':firstSeen'] = u.firstSeen;
      clauses.push('SET #firstSeen = :firstSeen');
      condition += ' AND (attribute_not_exists(#firstSeen) OR #firstSeen > :firstSeen)';
    }
    if (missing.length > 0) {
      names['#methods'] = 'methods';
      values[':methods'] = new Set(missing);
      clauses.push('ADD #methods :methods');
    }
    try {
      await this.#send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: _pairItemKey(u.principal.key, u.role.key),
          UpdateExpression: clauses.join(' '),
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
        counts,
      );
      return undefined;
    } catch (error) {
      if (!_isConditionFailure(error)) throw error;
      counts.heldBack += 1;
      const item = (error as { Item?: unknown }).Item;
      return item === undefined ? 'gone' : _oldPairState(item);
    }
  }

  /** Stores an alias unless the item was seen later (ties: the greater principal key wins, as core). */
  async #writeAlias(a: PrincipalAlias, counts: Counts): Promise<void> {
    const order = _orderKey(a.principal.key);
    const names: Record<string, string> = {
      '#itemType': 'itemType',
      '#seenAt': 'seenAt',
      '#principalKey': 'principalKey',
      '#principalOrder': 'principalOrder',
      '#principalArn': 'principalArn',
      ..._principalNames(),
    };
    const values: Record<string, unknown> = {
      ':itemType': ALIAS_TYPE,
      ':seenAt': a.seenAt,
      ':principalKey': a.principal.key,
      ':order': order,
      ..._principalValues(a.principal),
    };
    const set = [
      '#itemType = :itemType',
      '#seenAt = :seenAt',
      '#principalKey = :principalKey',
      ..._principalSet(a.principal),
    ];
    const remove: string[] = [];
    if (a.principal.arn === undefined) remove.push('#principalArn');
    if (order === a.principal.key) remove.push('#principalOrder');
    else set.push('#principalOrder = :order');
    try {
      await this.#send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: _aliasItemKey(a.account, a.principalId),
          UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression:
            'attribute_not_exists(#seenAt) OR #seenAt < :seenAt OR (#seenAt = :seenAt AND ' +
            '((attribute_not_exists(#principalOrder) AND #principalKey < :order) OR #principalOrder < :order))',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
        counts,
      );
    } catch (error) {
      if (!_isConditionFailure(error)) throw error;
      counts.heldBack += 1;
    }
  }

  async #send(command: UpdateCommand, counts: Counts): Promise<{ Attributes?: Record<string, unknown> }> {
    counts.writes += 1;
    return await this.#request('apply', command);
  }

  /** Sends one command with the store's deadline (the SDK's retries included). */
  async #request<T>(operation: DynamoDBLedgerOperation, command: UpdateCommand | ScanCommand): Promise<T> {
    const deadline = AbortSignal.timeout(this.#requestTimeoutMs);
    try {
      return (await this.#client.send(command as UpdateCommand, { abortSignal: deadline })) as T;
    } catch (error) {
      if (!deadline.aborted) throw error;
      throw new DynamoDBLedgerError(
        `no answer from DynamoDB within ${this.#requestTimeoutMs} ms (the SDK's retries included); is the endpoint reachable?`,
        { tableName: this.tableName, operation, cause: error },
      );
    }
  }

  /** The one-line error naming the items that did not land. */
  #writeError(
    left: readonly _WriteTask[],
    total: number,
    landed: number,
    rounds: number,
    error: unknown,
  ): DynamoDBLedgerWriteError {
    const named = left.slice(0, NAMED_IN_MESSAGE).map((t) => _describeItem(t.item));
    const more = left.length > NAMED_IN_MESSAGE ? ` and ${left.length - NAMED_IN_MESSAGE} more` : '';
    const awsErrorName =
      error instanceof DynamoDBLedgerError ? error.awsErrorName : (_awsErrorName(error) ?? undefined);
    return new DynamoDBLedgerWriteError(
      `${left.length} of ${total} item writes did not land after ${rounds} round${rounds === 1 ? '' : 's'} ` +
        `(${named.join('; ')}${more}); the other ${landed} were written; applying the same updates again is safe: ` +
        _reasonOf(error),
      {
        tableName: this.tableName,
        notLanded: left.map((t) => t.item),
        landed,
        rounds,
        ...(awsErrorName ? { awsErrorName } : {}),
        cause: error,
      },
    );
  }

  /** Items of one type from a paginated Scan; with several segments, pages from all of them as they arrive. */
  async *#scan(
    operation: DynamoDBLedgerOperation,
    itemType: string,
    options: LedgerScanOptions,
  ): AsyncGenerator<RawItem> {
    const segments = this.#checkCount('segments', options.segments ?? this.#segments, 1_000_000);
    const fetchPage = async (segment: number, startKey: Record<string, unknown> | undefined) => {
      try {
        const page: ScanCommandOutput = await this.#request(
          operation,
          new ScanCommand({
            TableName: this.tableName,
            FilterExpression: '#itemType = :itemType',
            ExpressionAttributeNames: { '#itemType': 'itemType' },
            ExpressionAttributeValues: { ':itemType': itemType },
            ConsistentRead: this.#consistentRead,
            ...(segments > 1 ? { Segment: segment, TotalSegments: segments } : {}),
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        return { segment, page };
      } catch (error) {
        throw _toLedgerError(error, this.tableName, operation, segments > 1 ? `Scan segment ${segment}` : 'Scan');
      }
    };
    // One page in flight per segment: memory stays bounded by `segments` pages whatever the table size.
    const pending = new Map<number, ReturnType<typeof fetchPage>>();
    const request = (segment: number, startKey?: Record<string, unknown>) => {
      const promise = fetchPage(segment, startKey);
      promise.catch(() => {}); // handled by the race below, or abandoned when the caller stops early
      pending.set(segment, promise);
    };
    for (let segment = 0; segment < segments; segment++) request(segment);
    while (pending.size > 0) {
      const { segment, page } = await Promise.race(pending.values());
      pending.delete(segment);
      if (page.LastEvaluatedKey) request(segment, page.LastEvaluatedKey);
      yield* (page.Items ?? []) as RawItem[];
    }
  }

  #decode<T>(operation: DynamoDBLedgerOperation, item: RawItem, decode: (item: RawItem) => T): T {
    try {
      return decode(item);
    } catch (error) {
      throw new DynamoDBLedgerError(
        `the item pk=${JSON.stringify(item.pk)} sk=${JSON.stringify(item.sk)} is not a ledger item: ${(error as Error).message}`,
        { tableName: this.tableName, operation, cause: error },
      );
    }
  }

  #checkCount(name: string, value: unknown, max: number): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
      throw this.#configError(`${name} must be an integer from 1 to ${max}, got ${String(value)}`);
    }
    return value;
  }

  #configError(message: string): DynamoDBLedgerError {
    return new DynamoDBLedgerError(message, { tableName: this.tableName, operation: 'configure' });
  }

  #inputError(message: string): DynamoDBLedgerError {
    return new DynamoDBLedgerError(`${message}; nothing was written`, {
      tableName: this.tableName,
      operation: 'apply',
    });
  }
}

function _principalNames(): Record<string, string> {
  return {
    '#principalKind': 'principalKind',
    '#principalAccount': 'principalAccount',
    '#principalName': 'principalName',
  };
}

function _principalValues(p: PrincipalRef): Record<string, unknown> {
  return {
    ':principalKind': p.kind,
    ':principalAccount': p.account,
    ':principalName': p.name,
    ...(p.arn === undefined ? {} : { ':principalArn': p.arn }),
  };
}

function _principalSet(p: PrincipalRef): string[] {
  return [
    '#principalKind = :principalKind',
    '#principalAccount = :principalAccount',
    '#principalName = :principalName',
    ...(p.arn === undefined ? [] : ['#principalArn = :principalArn']),
  ];
}

function _needsOlderWrite(u: LedgerUpdate, old: OldPairState): boolean {
  return old.firstSeen === undefined || old.firstSeen > u.firstSeen || u.methods.some((m) => !old.methods.includes(m));
}

function _isConditionFailure(error: unknown): boolean {
  return _awsErrorName(error) === 'ConditionalCheckFailedException';
}

function _describePair(u: unknown): string {
  const x = u as { principal?: { key?: unknown }; role?: { key?: unknown } } | null;
  const p = x?.principal?.key;
  const r = x?.role?.key;
  return typeof p === 'string' && typeof r === 'string' ? ` (${p.slice(0, 200)} → ${r.slice(0, 200)})` : '';
}

/** A pair or alias as the messages name it. */
function _describeItem(item: NotLandedItem): string {
  return item.kind === 'pair'
    ? `${item.principalKey.slice(0, 200)} → ${item.roleKey.slice(0, 200)}`
    : `alias ${item.account}/${item.principalId.slice(0, 200)}`;
}

/** Whether no retry can help (a missing table, denied access, bad credentials). */
function _isFatal(error: unknown): boolean {
  const name = error instanceof DynamoDBLedgerError ? error.awsErrorName : _awsErrorName(error);
  return name !== undefined && _FATAL_ERRORS.has(name);
}

/**
 * Runs every task with at most `concurrency` in flight and collects the failures; after a fatal
 * failure it starts no more and waits for the rest.
 */
async function _runPool(
  tasks: readonly _WriteTask[],
  concurrency: number,
): Promise<{ failed: { task: _WriteTask; error: unknown }[]; notStarted: _WriteTask[]; fatal: unknown }> {
  let next = 0;
  const failed: { task: _WriteTask; error: unknown }[] = [];
  let fatal: unknown;
  const worker = async (): Promise<void> => {
    while (fatal === undefined && next < tasks.length) {
      const task = tasks[next++]!;
      try {
        await task.run();
      } catch (error) {
        failed.push({ task, error });
        if (_isFatal(error)) fatal ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker));
  const notStarted = tasks.slice(next);
  return { failed, notStarted, fatal };
}
