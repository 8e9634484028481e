import { randomUUID } from 'node:crypto';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import {
  type LedgerEntry,
  type LedgerUpdate,
  MemoryLedgerStore,
  type PrincipalAlias,
  type SwitchMethod,
} from '@lastswitch/core';
import { createLedgerTable, DynamoDBLedgerStore, type DynamoDBLedgerStoreOptions } from '@lastswitch/store-dynamodb';

/** A document client for a local endpoint, with fake credentials; `extra` overrides (e.g. maxAttempts). */
export function localClient(endpoint: string, extra: Partial<DynamoDBClientConfig> = {}): DynamoDBDocumentClient {
  const base = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    ...extra,
  });
  return DynamoDBDocumentClient.from(base);
}

/** A table name nobody else uses. */
export function freshTableName(label: string): string {
  return `ledger-${label}-${randomUUID().slice(0, 8)}`;
}

/** A new ledger table on `client`, named after `label`; returns its name. */
export async function freshTable(client: DynamoDBDocumentClient, label: string): Promise<string> {
  const tableName = freshTableName(label);
  await createLedgerTable(client, tableName, { pollIntervalMs: 50 });
  return tableName;
}

/** A store over a new ledger table that reads consistently; `options` adds to the store's options. */
export async function freshStore(
  client: DynamoDBDocumentClient,
  label: string,
  options: Partial<DynamoDBLedgerStoreOptions> = {},
): Promise<DynamoDBLedgerStore> {
  return new DynamoDBLedgerStore({
    client,
    tableName: await freshTable(client, label),
    consistentRead: true,
    ...options,
  });
}

/** An IAM-user → role update with readable defaults. */
export function update(
  user: string,
  role: string,
  firstSeen: number,
  lastSeen: number,
  methods: SwitchMethod[] = ['AssumeRole'],
  lastEventId = `ev-${user}-${role}-${lastSeen}`,
  extra: { principalArn?: string | null; roleArn?: string } = {},
): LedgerUpdate {
  const principalKey = `arn:aws:iam::111111111111:user/${user}`;
  const roleKey = `arn:aws:iam::222222222222:role/${role}`;
  const principalArn =
    extra.principalArn === null ? undefined : (extra.principalArn ?? `arn:aws:iam::111111111111:user/staff/${user}`);
  return {
    principal: {
      key: principalKey,
      kind: 'iam-user',
      account: '111111111111',
      name: user,
      ...(principalArn === undefined ? {} : { arn: principalArn }),
    },
    role: { key: roleKey, account: '222222222222', name: role, arn: extra.roleArn ?? roleKey },
    firstSeen,
    lastSeen,
    methods: [...methods].sort(),
    lastEventId,
  };
}

/** An alias of `principalId` in account 111111111111 to the IAM user `user`. */
export function alias(principalId: string, user: string, seenAt: number): PrincipalAlias {
  return {
    account: '111111111111',
    principalId,
    seenAt,
    principal: {
      key: `arn:aws:iam::111111111111:user/${user}`,
      kind: 'iam-user',
      account: '111111111111',
      name: user,
      arn: `arn:aws:iam::111111111111:user/${user}`,
    },
  };
}

/** Drains an async iterable. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Entries sorted by (principal key, role key), with absent optional fields dropped, for `toEqual`. */
export function sortEntries(entries: readonly LedgerEntry[]): LedgerEntry[] {
  const clean = entries.map((e) => JSON.parse(JSON.stringify(e)) as LedgerEntry);
  return clean.sort((a, b) => {
    const ka = `${a.principal.key}\u0000${a.role.key}`;
    const kb = `${b.principal.key}\u0000${b.role.key}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

/** Aliases sorted by (account, principal id), for `toEqual`. */
export function sortAliases(aliases: readonly PrincipalAlias[]): PrincipalAlias[] {
  const clean = aliases.map((a) => JSON.parse(JSON.stringify(a)) as PrincipalAlias);
  return clean.sort((a, b) => {
    const ka = `${a.account}\u0000${a.principalId}`;
    const kb = `${b.account}\u0000${b.principalId}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

/** The reference ledger: the batches applied in order to core's `MemoryLedgerStore`. */
export async function expectedLedger(
  batches: readonly (readonly LedgerUpdate[])[],
  aliasBatches: readonly (readonly PrincipalAlias[])[] = [],
): Promise<{ entries: LedgerEntry[]; aliases: PrincipalAlias[] }> {
  const memory = new MemoryLedgerStore();
  const rounds = Math.max(batches.length, aliasBatches.length);
  for (let i = 0; i < rounds; i++) await memory.apply(batches[i] ?? [], aliasBatches[i] ?? []);
  return {
    entries: sortEntries(await collect(memory.entries())),
    aliases: sortAliases(await collect(memory.aliases())),
  };
}

/** Every raw item of a table, through a plain paginated Scan. */
export async function rawItems(client: DynamoDBDocumentClient, tableName: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateScan({ client }, { TableName: tableName, ConsistentRead: true })) {
    items.push(...((page.Items ?? []) as Record<string, unknown>[]));
  }
  return items;
}
