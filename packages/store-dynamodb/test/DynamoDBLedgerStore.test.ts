import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { LastswitchError, type LedgerUpdate, type SwitchMethod } from '@lastswitch/core';
import { createPrng } from '@lastswitch/core/testing';
import {
  createLedgerTable,
  DynamoDBLedgerError,
  DynamoDBLedgerStore,
  ledgerTableDefinition,
} from '@lastswitch/store-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  alias,
  collect,
  expectedLedger,
  freshStore as freshStoreOn,
  freshTableName,
  localClient,
  rawItems,
  sortAliases,
  sortEntries,
  update,
} from './_helpers.js';

const client = localClient(inject('dynamodbEndpoint'));
afterAll(() => client.destroy());

const freshStore = (label: string, options: { concurrency?: number; segments?: number } = {}) =>
  freshStoreOn(client, label, options);

describe('createLedgerTable', () => {
  it('creates the table once and accepts it when it already exists', async () => {
    const tableName = freshTableName('create');
    expect(await createLedgerTable(client, tableName, { pollIntervalMs: 50 })).toEqual({ created: true });
    expect(await createLedgerTable(client, tableName, { pollIntervalMs: 50 })).toEqual({ created: false });
  });

  it('rejects an existing table whose key schema is not the ledger’s', async () => {
    const tableName = freshTableName('other-schema');
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      }),
    );
    const error = await createLedgerTable(client, tableName).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DynamoDBLedgerError);
    expect(error).toBeInstanceOf(LastswitchError);
    expect(error).toMatchObject({ name: 'DynamoDBLedgerError', tableName, operation: 'createTable' });
    expect((error as Error).message).toContain('key schema [id:HASH]');
  });

  it.each(['ab', 'has space', 'slash/name', 'x'.repeat(256)])('rejects the table name %j', async (name) => {
    await expect(createLedgerTable(client, name)).rejects.toMatchObject({
      name: 'DynamoDBLedgerError',
      operation: 'configure',
    });
  });

  it('exports a definition usable as a CreateTable input', async () => {
    const tableName = freshTableName('definition');
    await client.send(new CreateTableCommand({ TableName: tableName, ...ledgerTableDefinition }));
    const store = new DynamoDBLedgerStore({ client, tableName, consistentRead: true });
    await store.apply([update('erin', 'Admin', 1, 2)]);
    expect(sortEntries(await collect(store.entries()))).toEqual(sortEntries([update('erin', 'Admin', 1, 2)]));
    expect(ledgerTableDefinition).toEqual({
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    });
  });
});

describe('DynamoDBLedgerStore options', () => {
  it.each([
    [{ tableName: 'ok-table', concurrency: 0 }, 'concurrency must be an integer'],
    [{ tableName: 'ok-table', concurrency: 1.5 }, 'concurrency must be an integer'],
    [{ tableName: 'ok-table', segments: 0 }, 'segments must be an integer'],
    [{ tableName: 'no' }, 'a table name is 3 to 255'],
  ])('rejects %j', (options, message) => {
    expect(() => new DynamoDBLedgerStore({ client, ...options })).toThrow(message);
  });

  it('rejects a missing client', () => {
    expect(() => new DynamoDBLedgerStore({ tableName: 'ok-table' } as never)).toThrow(DynamoDBLedgerError);
  });
});

describe('apply: the merge is exactly core’s mergeLedgerEntry', () => {
  const T = 1_700_000_000_000;
  const cases: [string, LedgerUpdate[][]][] = [
    ['a single update', [[update('erin', 'Admin', T, T + 10)]]],
    [
      'a newer update after an older one',
      [[update('erin', 'Admin', T, T + 10)], [update('erin', 'Admin', T + 20, T + 30)]],
    ],
    [
      'an older update arriving late, with a new method',
      [[update('erin', 'Admin', T + 20, T + 30)], [update('erin', 'Admin', T, T + 10, ['SwitchRole'])]],
    ],
    [
      'an older update inside the stored range, with a new method',
      [[update('erin', 'Admin', T, T + 30)], [update('erin', 'Admin', T + 10, T + 20, ['SwitchRole'])]],
    ],
    [
      'an update spanning the stored range on both sides',
      [[update('erin', 'Admin', T + 10, T + 20)], [update('erin', 'Admin', T, T + 30, ['SwitchRole'])]],
    ],
    [
      'equal lastSeen: the greater event id wins (greater first)',
      [
        [
          update('erin', 'Admin', T, T + 10, ['AssumeRole'], 'ev-b', {
            roleArn: 'arn:aws:iam::222222222222:role/b/Admin',
          }),
        ],
        [
          update('erin', 'Admin', T, T + 10, ['SwitchRole'], 'ev-a', {
            roleArn: 'arn:aws:iam::222222222222:role/a/Admin',
          }),
        ],
      ],
    ],
    [
      'equal lastSeen: the greater event id wins (greater last)',
      [
        [
          update('erin', 'Admin', T, T + 10, ['SwitchRole'], 'ev-a', {
            roleArn: 'arn:aws:iam::222222222222:role/a/Admin',
          }),
        ],
        [
          update('erin', 'Admin', T, T + 10, ['AssumeRole'], 'ev-b', {
            roleArn: 'arn:aws:iam::222222222222:role/b/Admin',
          }),
        ],
      ],
    ],
    [
      'equal lastSeen and event id (a replay) changes nothing',
      [[update('erin', 'Admin', T, T + 10)], [update('erin', 'Admin', T, T + 10)]],
    ],
    [
      'a newer update without a principal ARN drops the stored one',
      [
        [update('erin', 'Admin', T, T + 10)],
        [update('erin', 'Admin', T + 20, T + 30, ['AssumeRole'], 'ev-z', { principalArn: null })],
      ],
    ],
    [
      'an older update does not change the display fields',
      [
        [update('erin', 'Admin', T + 20, T + 30)],
        [update('erin', 'Admin', T, T + 10, ['AssumeRole'], 'ev-z', { principalArn: 'arn:old' })],
      ],
    ],
    [
      // JavaScript compares UTF-16 code units: U+FF5E sorts after U+1F600 ("\uD83D\uDE00"); UTF-8 bytes say the opposite.
      'event ids compared as JavaScript strings, also beyond the BMP',
      [
        [update('erin', 'Admin', T, T + 10, ['AssumeRole'], 'ev-\u{1F600}')],
        [update('erin', 'Admin', T, T + 10, ['SwitchRole'], 'ev-\uFF5E')],
        [update('erin', 'Admin', T, T + 10, ['AssumeRoleWithSAML'], 'ev-\u{1F601}')],
      ],
    ],
    [
      'two updates for one pair in one call are merged first',
      [[update('erin', 'Admin', T + 20, T + 30), update('erin', 'Admin', T, T + 10, ['SwitchRole'])]],
    ],
  ];

  it.each(cases)('%s', async (_name, batches) => {
    const store = await freshStore('merge');
    for (const batch of batches) await store.apply(batch);
    expect(sortEntries(await collect(store.entries()))).toEqual((await expectedLedger(batches)).entries);
  });

  it('every order of the same batches gives the same ledger', async () => {
    const batches = [
      [update('erin', 'Admin', T + 5, T + 9, ['SwitchRole'], 'ev-1'), update('ana', 'Read', T, T)],
      [update('erin', 'Admin', T, T + 9, ['AssumeRole'], 'ev-2')],
      [update('erin', 'Admin', T + 1, T + 3, ['AssumeRoleWithSAML'], 'ev-3'), update('ana', 'Read', T + 2, T + 4)],
    ];
    const orders = [
      [0, 1, 2],
      [0, 2, 1],
      [1, 0, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0],
      [2, 2, 1, 0, 1],
    ];
    const expected = (await expectedLedger(batches)).entries;
    for (const order of orders) {
      const store = await freshStore('order');
      for (const i of order) await store.apply(batches[i]!);
      expect(sortEntries(await collect(store.entries())), `order ${order.join(',')}`).toEqual(expected);
    }
  });
});

describe('apply: concurrent writers', () => {
  it('several stores applying overlapping files at the same time give the exact ledger', async () => {
    const random = createPrng(7);
    const methods: SwitchMethod[] = ['AssumeRole', 'AssumeRoleWithSAML', 'SwitchRole'];
    for (let round = 0; round < 3; round++) {
      // 6 files over 4 pairs with few distinct times: late older events, ties and new methods collide.
      const files = Array.from({ length: 6 }, (_, f) =>
        Array.from({ length: 4 }, (_, p) => {
          const a = Math.floor(random() * 5);
          const b = Math.floor(random() * 5);
          const pick = methods[Math.floor(random() * methods.length)]!;
          return update(
            `user${p % 2}`,
            `Role${p >> 1}`,
            Math.min(a, b),
            Math.max(a, b),
            [pick],
            `ev-${f}-${Math.floor(random() * 3)}`,
          );
        }),
      );
      const tableName = (await freshStore('concurrent')).tableName;
      const writers = [0, 1, 2].map(() => new DynamoDBLedgerStore({ client, tableName, concurrency: 4 }));
      await Promise.all(files.map((file, i) => writers[i % writers.length]!.apply(file)));
      const reader = new DynamoDBLedgerStore({ client, tableName, consistentRead: true });
      expect(sortEntries(await collect(reader.entries())), `round ${round}`).toEqual(
        (await expectedLedger(files)).entries,
      );
    }
  });
});

describe('apply: aliases', () => {
  it('keeps the most recently seen alias, ties broken by the greater principal key, like core', async () => {
    const batches = [
      [alias('AIDAEXAMPLE1', 'erin', 100), alias('AIDAEXAMPLE2', 'ana', 100)],
      [alias('AIDAEXAMPLE1', 'bob', 50), alias('AIDAEXAMPLE2', 'zed', 100)],
      [alias('AIDAEXAMPLE1', 'carl', 200), alias('AIDAEXAMPLE2', 'abe', 100)],
    ];
    const store = await freshStore('aliases');
    const results = [];
    for (const batch of batches) results.push(await store.apply([], batch));
    expect(sortAliases(await collect(store.aliases()))).toEqual((await expectedLedger([], batches)).aliases);
    expect(results.map((r) => r.heldBack)).toEqual([0, 1, 1]);
    expect(await collect(store.entries())).toEqual([]);
  });
});

describe('apply: what is stored', () => {
  it('stores only the model’s fields: credentials riding along on an update are never written', async () => {
    const store = await freshStore('credentials');
    const secret = 'FwoGZXIvYXdzEXAMPLESESSIONTOKEN';
    const base = update('erin', 'Admin', 1, 2);
    const tainted = {
      ...base,
      principal: { ...base.principal, sessionToken: secret },
      role: { ...base.role, credentials: { sessionToken: secret } },
      responseElements: { credentials: { accessKeyId: 'ASIAEXAMPLE', sessionToken: secret } },
    } as LedgerUpdate;
    const taintedAlias = { ...alias('AIDAEXAMPLE1', 'erin', 2), credentials: { sessionToken: secret } };
    await store.apply([tainted], [taintedAlias]);

    const items = await rawItems(client, store.tableName);
    expect(JSON.stringify(items)).not.toContain(secret);
    expect(JSON.stringify(items)).not.toContain('ASIAEXAMPLE');
    const attributes = new Set(items.flatMap((item) => Object.keys(item)));
    expect([...attributes].sort()).toEqual(
      [
        'pk',
        'sk',
        'itemType',
        'firstSeen',
        'lastSeen',
        'lastEventId',
        'methods',
        'principalKind',
        'principalAccount',
        'principalName',
        'principalArn',
        'roleAccount',
        'roleName',
        'roleArn',
        'seenAt',
        'principalKey',
      ].sort(),
    );
    expect(sortEntries(await collect(store.entries()))).toEqual(sortEntries([base]));
  });

  it('lays items out as the README documents', async () => {
    const store = await freshStore('layout');
    await store.apply(
      [update('erin', 'Admin', 1, 2, ['SwitchRole', 'AssumeRole'], 'ev-1')],
      [alias('AIDAEXAMPLE1', 'erin', 2)],
    );
    const items = await rawItems(client, store.tableName);
    const pair = items.find((i) => i.itemType === 'pair');
    const aliasItem = items.find((i) => i.itemType === 'alias');
    expect(pair).toEqual({
      pk: 'P#arn:aws:iam::111111111111:user/erin',
      sk: 'R#arn:aws:iam::222222222222:role/Admin',
      itemType: 'pair',
      firstSeen: 1,
      lastSeen: 2,
      methods: new Set(['AssumeRole', 'SwitchRole']),
      lastEventId: 'ev-1',
      principalKind: 'iam-user',
      principalAccount: '111111111111',
      principalName: 'erin',
      principalArn: 'arn:aws:iam::111111111111:user/staff/erin',
      roleAccount: '222222222222',
      roleName: 'Admin',
      roleArn: 'arn:aws:iam::222222222222:role/Admin',
    });
    expect(aliasItem).toEqual({
      pk: 'A#111111111111',
      sk: 'I#AIDAEXAMPLE1',
      itemType: 'alias',
      seenAt: 2,
      principalKey: 'arn:aws:iam::111111111111:user/erin',
      principalKind: 'iam-user',
      principalAccount: '111111111111',
      principalName: 'erin',
      principalArn: 'arn:aws:iam::111111111111:user/erin',
    });
  });

  it.each([
    ['firstSeen after lastSeen', { ...update('erin', 'Admin', 5, 2) }, 'firstSeen (5) is after lastSeen (2)'],
    ['a NaN lastSeen', { ...update('erin', 'Admin', 1, 2), lastSeen: Number.NaN }, 'lastSeen must be a finite number'],
    [
      'an empty role key',
      { ...update('erin', 'Admin', 1, 2), role: { key: '', account: '', name: '', arn: '' } },
      'role.key',
    ],
    [
      'an unknown principal kind',
      { ...update('erin', 'Admin', 1, 2), principal: { key: 'k', kind: 'robot', account: '', name: '' } },
      'principal.kind "robot"',
    ],
    [
      'a missing event id',
      { ...update('erin', 'Admin', 1, 2), lastEventId: undefined },
      'lastEventId must be a string',
    ],
    [
      'a principal key too long for a partition key',
      update('x'.repeat(2100), 'Admin', 1, 2),
      'principal.key is longer',
    ],
    ['null', null, 'not an object'],
  ])('rejects %s before writing anything', async (_name, bad, message) => {
    const store = await freshStore('invalid');
    const error = await store.apply([update('ana', 'Read', 1, 2), bad as LedgerUpdate]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DynamoDBLedgerError);
    expect(error).toMatchObject({ operation: 'apply', tableName: store.tableName });
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).toContain('nothing was written');
    expect(await rawItems(client, store.tableName)).toEqual([]);
  });

  it('rejects an invalid alias before writing anything', async () => {
    const store = await freshStore('invalid-alias');
    const bad = { ...alias('AIDAEXAMPLE1', 'erin', 1), account: '' };
    await expect(store.apply([update('ana', 'Read', 1, 2)], [bad])).rejects.toThrow('alias #0: account must be');
    expect(await rawItems(client, store.tableName)).toEqual([]);
  });

  it('returns zero counts and sends nothing for an empty apply', async () => {
    const store = await freshStore('empty');
    expect(await store.apply([])).toEqual({ pairs: 0, aliases: 0, writes: 0, heldBack: 0 });
  });
});

describe('reading', () => {
  it('lets a caller stop reading early without unhandled errors', async () => {
    const store = await freshStore('early', { segments: 3 });
    await store.apply([update('a1', 'R', 1, 2), update('a2', 'R', 1, 2), update('a3', 'R', 1, 2)]);
    for await (const entry of store.entries()) {
      expect(entry.role.name).toBe('R');
      break;
    }
  });

  it('rejects an item that is not a ledger item with an error naming it', async () => {
    const store = await freshStore('corrupt');
    await store.apply([update('erin', 'Admin', 1, 2)]);
    await client.send(
      new PutCommand({
        TableName: store.tableName,
        Item: { pk: 'P#x', sk: 'R#y', itemType: 'pair', lastSeen: 'soon' },
      }),
    );
    const error = await collect(store.entries()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DynamoDBLedgerError);
    expect(error).toMatchObject({ operation: 'entries', tableName: store.tableName });
    expect((error as Error).message).toContain('pk="P#x" sk="R#y"');
  });

  it('names a missing table in the error, with what to do', async () => {
    const tableName = freshTableName('missing');
    const store = new DynamoDBLedgerStore({ client, tableName });
    for (const attempt of [() => store.apply([update('erin', 'Admin', 1, 2)]), () => collect(store.aliases())]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DynamoDBLedgerError);
      expect(error).toMatchObject({ tableName, awsErrorName: 'ResourceNotFoundException' });
      expect((error as Error).message).toContain(`DynamoDB ledger table "${tableName}"`);
      expect((error as Error).message).toContain('createLedgerTable');
    }
  });
});
