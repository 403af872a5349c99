import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  ResourceNotFoundException,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { WarehouseError, WarehouseTransientError } from '../errors.ts';
import {
  DynamoDbWatermarkStore,
  canonicalWatermark,
  isTransientDynamoDbError,
} from './dynamodb-watermarks.ts';

const ddb = mockClient(DynamoDBClient);
const NOW = new Date('2026-02-15T06:00:00.123Z');

function store(tableName?: string): DynamoDbWatermarkStore {
  return new DynamoDbWatermarkStore({
    client: new DynamoDBClient({ region: 'us-east-1' }),
    now: () => NOW,
    ...(tableName === undefined ? {} : { tableName }),
  });
}

function item(source: string, table: string, at: string, run = 'run-1', rows = '466000') {
  return {
    source_name: { S: source },
    table_name: { S: table },
    last_extracted_at: { S: at },
    last_run_id: { S: run },
    row_count: { N: rows },
    updated_at: { S: '2026-02-15 06:00:00.123' },
  } satisfies Record<string, AttributeValue>;
}

beforeEach(() => {
  ddb.reset();
});

describe('DynamoDbWatermarkStore.advance', () => {
  it('is one conditional UpdateItem with the exact input', async () => {
    ddb.on(UpdateItemCommand).resolves({});
    expect(await store().advance('salesorder', 't_order', '2026-02-15 06:00:00', 'run-7', 466000)).toBe(true);
    const calls = ddb.commandCalls(UpdateItemCommand);
    expect(calls).toHaveLength(1);
    expect(ddb.calls()).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({
      TableName: 'recon-etl-watermarks',
      Key: { source_name: { S: 'salesorder' }, table_name: { S: 't_order' } },
      UpdateExpression:
        'SET last_extracted_at = :to, last_run_id = :run_id, row_count = :row_count, updated_at = :updated_at',
      ConditionExpression: 'attribute_not_exists(last_extracted_at) OR last_extracted_at < :to',
      ExpressionAttributeValues: {
        ':to': { S: '2026-02-15 06:00:00' },
        ':run_id': { S: 'run-7' },
        ':row_count': { N: '466000' },
        ':updated_at': { S: '2026-02-15 06:00:00.123' },
      },
    });
  });

  it('keeps row counts exact and uses the configured table', async () => {
    ddb.on(UpdateItemCommand).resolves({});
    await store('wm-test').advance('s', 't', '2026-02-15 06:00:00.500000', 'r', 9007199254740993n);
    await store('wm-test').advance('s', 't', '2026-02-15 06:00:01', 'r', '12345678901234567890');
    const inputs = ddb.commandCalls(UpdateItemCommand).map((c) => c.args[0].input);
    expect(inputs.map((i) => i.TableName)).toEqual(['wm-test', 'wm-test']);
    expect(inputs.map((i) => i.ExpressionAttributeValues?.[':row_count'])).toEqual([
      { N: '9007199254740993' },
      { N: '12345678901234567890' },
    ]);
    // The fraction is stored canonically (no trailing zeros), so string `<` is time order.
    expect(inputs[0]!.ExpressionAttributeValues?.[':to']).toEqual({ S: '2026-02-15 06:00:00.5' });
  });

  it('returns false (not an error) when the stored watermark is not older', async () => {
    ddb
      .on(UpdateItemCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );
    expect(await store().advance('salesorder', 't_order', '2026-02-14 06:00:00', 'run-8', 1)).toBe(false);
  });

  it('rejects malformed input before calling DynamoDB', async () => {
    await expect(store().advance('s', 't', '2026-02-15T06:00:00Z', 'r', 1)).rejects.toThrow(RangeError);
    await expect(store().advance('s', 't', '2026-02-15 06:00:00', 'r', -1)).rejects.toThrow(RangeError);
    await expect(store().advance('s', 't', '2026-02-15 06:00:00', 'r', 1.5)).rejects.toThrow(RangeError);
    await expect(store().advance('s', 't', '2026-02-15 06:00:00', 'r', '1e3')).rejects.toThrow(RangeError);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('maps throttling and 5xx to WarehouseTransientError, the rest to WarehouseError', async () => {
    ddb
      .on(UpdateItemCommand)
      .rejectsOnce(
        new ProvisionedThroughputExceededException({
          message: 'Rate exceeded',
          $metadata: { httpStatusCode: 400 },
        }),
      )
      .rejectsOnce(Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' }))
      .rejectsOnce(new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: {} }));
    const advance = () => store().advance('salesorder', 't_order', '2026-02-15 06:00:00', 'r', 1);
    const first = await advance().catch((e: unknown) => e);
    expect(first).toBeInstanceOf(WarehouseTransientError);
    expect((first as Error).message).toMatch(
      /^DynamoDB UpdateItem of watermark salesorder\.t_order in recon-etl-watermarks failed: ProvisionedThroughputExceededException/,
    );
    await expect(advance()).rejects.toBeInstanceOf(WarehouseTransientError);
    const third = await advance().catch((e: unknown) => e);
    expect(third).toBeInstanceOf(WarehouseError);
    expect(third).not.toBeInstanceOf(WarehouseTransientError);
  });
});

describe('DynamoDbWatermarkStore reads', () => {
  it('gets one watermark with a consistent GetItem', async () => {
    ddb.on(GetItemCommand).resolves({ Item: item('salesorder', 't_order', '2026-02-15 06:00:00') });
    expect(await store().get('salesorder', 't_order')).toEqual({
      source: 'salesorder',
      table: 't_order',
      lastExtractedAt: '2026-02-15 06:00:00',
      lastRunId: 'run-1',
      rowCount: '466000',
      updatedAt: '2026-02-15 06:00:00.123',
    });
    expect(ddb.commandCalls(GetItemCommand)[0]!.args[0].input).toEqual({
      TableName: 'recon-etl-watermarks',
      Key: { source_name: { S: 'salesorder' }, table_name: { S: 't_order' } },
      ConsistentRead: true,
    });
  });

  it('returns undefined before the first load, and rejects a malformed item', async () => {
    ddb
      .on(GetItemCommand)
      .resolvesOnce({})
      .resolvesOnce({ Item: { source_name: { S: 's' } } });
    expect(await store().get('s', 't')).toBeUndefined();
    await expect(store().get('s', 't')).rejects.toThrow(/lacks table_name/);
  });

  it('scans every page and orders by source then table', async () => {
    ddb
      .on(ScanCommand)
      .resolvesOnce({
        Items: [item('salespayment', 't_trade', '2026-02-15 06:00:00')],
        LastEvaluatedKey: { source_name: { S: 'salespayment' }, table_name: { S: 't_trade' } },
      })
      .resolvesOnce({
        Items: [item('salesorder', 't_order_pay', '2026-02-15 05:00:00')],
        LastEvaluatedKey: { source_name: { S: 'salesorder' }, table_name: { S: 't_order_pay' } },
      })
      .resolvesOnce({ Items: [item('salesorder', 't_order', '2026-02-15 04:00:00', 'run-2', '7')] });
    const all = await store().getAll();
    expect(all.map((w) => `${w.source}.${w.table}@${w.lastExtractedAt}#${w.rowCount}`)).toEqual([
      'salesorder.t_order@2026-02-15 04:00:00#7',
      'salesorder.t_order_pay@2026-02-15 05:00:00#466000',
      'salespayment.t_trade@2026-02-15 06:00:00#466000',
    ]);
    expect(ddb.commandCalls(ScanCommand).map((c) => c.args[0].input)).toEqual([
      { TableName: 'recon-etl-watermarks', ConsistentRead: true },
      {
        TableName: 'recon-etl-watermarks',
        ConsistentRead: true,
        ExclusiveStartKey: { source_name: { S: 'salespayment' }, table_name: { S: 't_trade' } },
      },
      {
        TableName: 'recon-etl-watermarks',
        ConsistentRead: true,
        ExclusiveStartKey: { source_name: { S: 'salesorder' }, table_name: { S: 't_order_pay' } },
      },
    ]);
  });

  it('maps read failures', async () => {
    ddb
      .on(ScanCommand)
      .rejects(Object.assign(new Error('Internal error'), { $metadata: { httpStatusCode: 500 } }));
    ddb.on(GetItemCommand).rejects(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    await expect(store().getAll()).rejects.toBeInstanceOf(WarehouseTransientError);
    await expect(store().get('s', 't')).rejects.toBeInstanceOf(WarehouseTransientError);
  });
});

describe('watermark text', () => {
  it('is canonical, so string order is time order', () => {
    expect(canonicalWatermark('2026-02-15 06:00:00.000000')).toBe('2026-02-15 06:00:00');
    expect(canonicalWatermark('2026-02-15 06:00:00.120')).toBe('2026-02-15 06:00:00.12');
    const times = [
      '2026-02-15 06:00:00.12',
      '2026-02-15 06:00:00',
      '2026-02-15 06:00:00.2',
      '2026-02-15 06:00:00.1',
    ];
    const byString = [...times].sort();
    const byTime = [...times].sort(
      (a, b) => Date.parse(`${a.replace(' ', 'T')}Z`) - Date.parse(`${b.replace(' ', 'T')}Z`),
    );
    expect(byString).toEqual(byTime);
  });

  it('classifies errors', () => {
    expect(isTransientDynamoDbError(Object.assign(new Error('x'), { name: 'ThrottlingException' }))).toBe(
      true,
    );
    expect(isTransientDynamoDbError(Object.assign(new Error('x'), { name: 'ValidationException' }))).toBe(
      false,
    );
    expect(isTransientDynamoDbError('nope')).toBe(false);
  });
});
