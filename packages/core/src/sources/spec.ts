/**
 * Declarative specification of the nine source tables (shared/spec/source-schema.mysql.sql) and of
 * the staging table each one standardizes into (seed §3–4, SPEC §2–3, §8). Extraction, DDL of the
 * embedded/MySQL sources, standardization, Parquet schemas and warehouse staging DDL are all
 * derived from this one description.
 */

export type SourceId = 'salesorder' | 'salespayment' | 'ifiaccounting' | 'iunifiedreconcile';

/** Source id → default database name (SPEC §2). */
export const SOURCE_DATABASES: Record<SourceId, string> = {
  salesorder: 'luckyus_sales_order',
  salespayment: 'luckyus_sales_payment',
  ifiaccounting: 'luckyus_ifiaccounting',
  iunifiedreconcile: 'luckyus_iunifiedreconcile',
};

export const SOURCE_IDS = Object.keys(SOURCE_DATABASES) as SourceId[];

export type SourceColumnType = 'bigint' | 'int' | 'tinyint' | 'varchar' | 'decimal' | 'datetime' | 'date';

export interface SourceColumn {
  name: string;
  type: SourceColumnType;
  nullable: boolean;
  /** VARCHAR length. */
  length?: number;
  /** DECIMAL precision and scale. */
  precision?: number;
  scale?: number;
  /** Unit of a money column. */
  unit?: 'CENTS' | 'DOLLARS';
  /** SQL default literal (source DDL only). */
  defaultValue?: string;
}

/** Kinds of staging values; decides Parquet and SQL types and the CSV encoding. */
export type StagingKind = 'bigint' | 'int' | 'text' | 'money' | 'rate' | 'timestamp' | 'date' | 'boolean';

/** How a staging column is derived from the source row. */
export type Derivation =
  | { op: 'copy'; column: string }
  | { op: 'cents'; column: string }
  | { op: 'dollars'; column: string }
  | { op: 'text'; column: string }
  | { op: 'difference'; minuend: string; subtrahend: string }
  | { op: 'businessDate'; column: string };

export interface StagingColumn {
  name: string;
  kind: StagingKind;
  /** Warehouse SQL type (Redshift/PostgreSQL common subset). */
  sqlType: string;
  nullable: boolean;
  derive: Derivation;
  /** Money that can never be negative: a negative value dead-letters the row. */
  nonNegative?: boolean;
}

export interface StagingTableSpec {
  /** Warehouse table in schema `recon`, also the staging-area prefix. */
  name: string;
  /** Staging primary key column (one row per source primary key). */
  primaryKey: string;
  /** Staging column holding the source watermark value (latest version wins on load). */
  versionColumn: string;
  /** Staging column holding the business date. */
  businessDateColumn: string;
  /** Staging columns that must be unique across primary keys (checked by DQ-05). */
  businessKeys?: string[];
  columns: StagingColumn[];
}

export interface SourceTableSpec {
  source: SourceId;
  table: string;
  columns: SourceColumn[];
  primaryKey: string;
  /** Column extraction is incremental on (seed §2.2). */
  watermark: 'update_time' | 'create_time';
  /** Append-only tables never change after insert (watermark = create_time). */
  appendOnly: boolean;
  /** Rows with another currency are excluded and counted (t_order only). */
  currencyColumn?: string;
  /** Soft-delete flag column. */
  softDeleteColumn: string;
  /** Extra secondary indexes of the source DDL (column lists). */
  indexes: string[][];
  /** Unique business keys of the source (column lists). */
  uniqueKeys?: string[][];
  staging: StagingTableSpec;
}

const id = (name: string, nullable = false): SourceColumn => ({ name, type: 'bigint', nullable });
const int = (name: string, nullable = true): SourceColumn => ({ name, type: 'int', nullable });
const vc = (name: string, length: number, nullable = true): SourceColumn => ({
  name,
  type: 'varchar',
  length,
  nullable,
});
const dollars = (name: string, nullable = false, defaultValue?: string): SourceColumn => ({
  name,
  type: 'decimal',
  precision: 12,
  scale: 2,
  nullable,
  unit: 'DOLLARS',
  ...(defaultValue === undefined ? {} : { defaultValue }),
});
const cents = (name: string): SourceColumn => ({ name, type: 'bigint', nullable: false, unit: 'CENTS' });
const dt = (name: string, nullable = false): SourceColumn => ({ name, type: 'datetime', nullable });
const date = (name: string): SourceColumn => ({ name, type: 'date', nullable: false });
const isDel: SourceColumn = { name: 'is_del', type: 'tinyint', nullable: false, defaultValue: '0' };

const s = {
  bigint: (name: string, column = name, nullable = false): StagingColumn => ({
    name,
    kind: 'bigint',
    sqlType: 'BIGINT',
    nullable,
    derive: { op: 'copy', column },
  }),
  int: (name: string, column = name, nullable = true): StagingColumn => ({
    name,
    kind: 'int',
    sqlType: 'INTEGER',
    nullable,
    derive: { op: 'copy', column },
  }),
  text: (name: string, length: number, column = name, nullable = true): StagingColumn => ({
    name,
    kind: 'text',
    sqlType: `VARCHAR(${length})`,
    nullable,
    derive: { op: 'copy', column },
  }),
  idText: (name: string, column: string): StagingColumn => ({
    name,
    kind: 'text',
    sqlType: 'VARCHAR(64)',
    nullable: false,
    derive: { op: 'text', column },
  }),
  cents: (name: string, column: string): StagingColumn => ({
    name,
    kind: 'money',
    sqlType: 'DECIMAL(12,2)',
    nullable: false,
    derive: { op: 'cents', column },
    nonNegative: true,
  }),
  dollars: (name: string, column: string, nonNegative = true): StagingColumn => ({
    name,
    kind: 'money',
    sqlType: 'DECIMAL(12,2)',
    nullable: false,
    derive: { op: 'dollars', column },
    nonNegative,
  }),
  ts: (name: string, column = name, nullable = false): StagingColumn => ({
    name,
    kind: 'timestamp',
    sqlType: 'TIMESTAMP',
    nullable,
    derive: { op: 'copy', column },
  }),
  date: (name: string, column = name): StagingColumn => ({
    name,
    kind: 'date',
    sqlType: 'DATE',
    nullable: false,
    derive: { op: 'copy', column },
  }),
  bizDate: (column: string): StagingColumn => ({
    name: 'biz_date',
    kind: 'date',
    sqlType: 'DATE',
    nullable: false,
    derive: { op: 'businessDate', column },
  }),
};

/** The nine source tables, in extraction order. */
export const SOURCE_TABLES: readonly SourceTableSpec[] = [
  {
    source: 'salesorder',
    table: 't_order',
    primaryKey: 'id',
    watermark: 'update_time',
    appendOnly: false,
    currencyColumn: 'currency_code',
    softDeleteColumn: 'is_del',
    indexes: [['create_time'], ['update_time']],
    columns: [
      id('id'),
      vc('order_no', 64, false),
      id('shop_id'),
      id('user_id', true),
      dollars('pay_money'),
      dollars('discount_money', false, '0'),
      int('order_status', false),
      int('pay_status', false),
      vc('currency_code', 8, false),
      int('order_type'),
      int('order_source'),
      dt('create_time'),
      dt('update_time'),
      dt('pay_time', true),
      dt('complete_time', true),
      isDel,
    ],
    staging: {
      name: 'stg_recon_orders',
      primaryKey: 'order_id',
      versionColumn: 'update_time',
      businessDateColumn: 'biz_date',
      businessKeys: ['order_no'],
      columns: [
        s.bigint('order_id', 'id'),
        s.idText('order_id_str', 'id'),
        s.text('order_no', 64, 'order_no', false),
        s.bigint('shop_id'),
        s.bigint('user_id', 'user_id', true),
        s.dollars('pay_amount_usd', 'pay_money'),
        s.dollars('discount_amount_usd', 'discount_money'),
        s.int('order_status', 'order_status', false),
        s.int('pay_status', 'pay_status', false),
        s.text('currency_code', 8, 'currency_code', false),
        s.int('order_type'),
        s.int('order_source'),
        s.ts('create_time'),
        s.ts('update_time'),
        s.ts('pay_time', 'pay_time', true),
        s.ts('complete_time', 'complete_time', true),
        s.bizDate('create_time'),
      ],
    },
  },
  {
    source: 'salesorder',
    table: 't_order_pay',
    primaryKey: 'id',
    watermark: 'update_time',
    appendOnly: false,
    softDeleteColumn: 'is_del',
    indexes: [['order_id'], ['update_time']],
    columns: [
      id('id'),
      id('order_id'),
      vc('trade_no', 64, false),
      cents('pay_money'),
      int('pay_type'),
      int('pay_status', false),
      dt('create_time'),
      dt('update_time'),
      isDel,
    ],
    staging: {
      name: 'stg_recon_payments',
      primaryKey: 'order_pay_id',
      versionColumn: 'update_time',
      businessDateColumn: 'biz_date',
      columns: [
        s.bigint('order_pay_id', 'id'),
        s.bigint('order_id'),
        s.idText('order_id_str', 'order_id'),
        s.text('trade_no', 64, 'trade_no', false),
        s.cents('pay_amount_usd', 'pay_money'),
        s.int('pay_type'),
        s.int('pay_status', 'pay_status', false),
        s.ts('create_time'),
        s.ts('update_time'),
        s.bizDate('create_time'),
      ],
    },
  },
  {
    source: 'salesorder',
    table: 't_finance_receipt',
    primaryKey: 'id',
    watermark: 'update_time',
    appendOnly: false,
    softDeleteColumn: 'is_del',
    indexes: [['update_time']],
    columns: [
      id('id'),
      vc('order_id', 64),
      vc('order_no', 64),
      vc('tp_serial_no', 128),
      dollars('receipt_amount'),
      dollars('difference_amount', false, '0'),
      int('receipt_type'),
      int('receipt_status', false),
      id('shop_id'),
      dt('create_time'),
      dt('update_time'),
      isDel,
    ],
    staging: {
      name: 'stg_recon_receipts',
      primaryKey: 'receipt_id',
      versionColumn: 'update_time',
      businessDateColumn: 'biz_date',
      columns: [
        s.bigint('receipt_id', 'id'),
        s.text('order_id_str', 64, 'order_id'),
        s.text('order_no', 64),
        s.text('tp_serial_no', 128),
        s.dollars('receipt_amount_usd', 'receipt_amount'),
        s.dollars('stripe_fee_usd', 'difference_amount', false),
        {
          name: 'net_receipt_usd',
          kind: 'money',
          sqlType: 'DECIMAL(12,2)',
          nullable: false,
          derive: { op: 'difference', minuend: 'receipt_amount', subtrahend: 'difference_amount' },
        },
        s.int('receipt_type'),
        s.int('receipt_status', 'receipt_status', false),
        s.bigint('shop_id'),
        s.ts('create_time'),
        s.ts('update_time'),
        s.bizDate('create_time'),
      ],
    },
  },
  {
    source: 'salespayment',
    table: 't_trade',
    primaryKey: 'id',
    watermark: 'update_time',
    appendOnly: false,
    softDeleteColumn: 'is_del',
    indexes: [['update_time']],
    uniqueKeys: [['trade_no']],
    columns: [
      id('id'),
      vc('trade_no', 64, false),
      cents('amount'),
      int('trade_status', false),
      int('channel_type'),
      vc('channel_trade_no', 128),
      dt('create_time'),
      dt('update_time'),
      dt('complete_time', true),
      isDel,
    ],
    staging: {
      name: 'stg_recon_trades',
      primaryKey: 'trade_id',
      versionColumn: 'update_time',
      businessDateColumn: 'biz_date',
      businessKeys: ['trade_no'],
      columns: [
        s.bigint('trade_id', 'id'),
        s.text('trade_no', 64, 'trade_no', false),
        s.cents('trade_amount_usd', 'amount'),
        s.int('trade_status', 'trade_status', false),
        s.int('channel_type'),
        s.text('channel_trade_no', 128),
        s.ts('create_time'),
        s.ts('update_time'),
        s.ts('complete_time', 'complete_time', true),
        s.bizDate('create_time'),
      ],
    },
  },
  {
    source: 'salespayment',
    table: 't_channel_fee',
    primaryKey: 'id',
    watermark: 'create_time',
    appendOnly: true,
    softDeleteColumn: 'is_del',
    indexes: [['create_time']],
    columns: [
      id('id'),
      vc('trade_no', 64, false),
      cents('fee_amount'),
      { name: 'fee_rate', type: 'decimal', precision: 8, scale: 6, nullable: true },
      int('channel_type'),
      dt('create_time'),
      isDel,
    ],
    staging: {
      name: 'stg_recon_fees',
      primaryKey: 'fee_id',
      versionColumn: 'create_time',
      businessDateColumn: 'biz_date',
      columns: [
        s.bigint('fee_id', 'id'),
        s.text('trade_no', 64, 'trade_no', false),
        s.cents('fee_amount_usd', 'fee_amount'),
        {
          name: 'fee_rate',
          kind: 'rate',
          sqlType: 'DECIMAL(8,6)',
          nullable: true,
          derive: { op: 'copy', column: 'fee_rate' },
        },
        s.int('channel_type'),
        s.ts('create_time'),
        s.bizDate('create_time'),
      ],
    },
  },
  {
    source: 'salespayment',
    table: 't_refund',
    primaryKey: 'id',
    watermark: 'update_time',
    appendOnly: false,
    softDeleteColumn: 'is_del',
    indexes: [['update_time']],
    columns: [
      id('id'),
      vc('trade_no', 64, false),
      cents('refund_amount'),
      int('refund_status', false),
      dt('create_time'),
      dt('update_time'),
      dt('complete_time', true),
      isDel,
    ],
    staging: {
      name: 'stg_recon_refunds',
      primaryKey: 'refund_id',
      versionColumn: 'update_time',
      businessDateColumn: 'biz_date',
      columns: [
        s.bigint('refund_id', 'id'),
        s.text('trade_no', 64, 'trade_no', false),
        s.cents('refund_amount_usd', 'refund_amount'),
        s.int('refund_status', 'refund_status', false),
        s.ts('create_time'),
        s.ts('update_time'),
        s.ts('complete_time', 'complete_time', true),
        s.bizDate('create_time'),
      ],
    },
  },
  {
    source: 'ifiaccounting',
    table: 't_acc_income_bill',
    primaryKey: 'id',
    watermark: 'update_time',
    appendOnly: false,
    softDeleteColumn: 'is_del',
    indexes: [['update_time']],
    columns: [
      id('id'),
      vc('biz_no', 64, false),
      int('biz_type'),
      int('income_type'),
      dollars('amount'),
      id('shop_id'),
      int('bill_status', false),
      date('biz_date'),
      dt('create_time'),
      dt('update_time'),
      isDel,
    ],
    staging: {
      name: 'stg_recon_income_bills',
      primaryKey: 'income_bill_id',
      versionColumn: 'update_time',
      businessDateColumn: 'biz_date',
      columns: [
        s.bigint('income_bill_id', 'id'),
        s.text('biz_no', 64, 'biz_no', false),
        s.int('biz_type'),
        s.int('income_type'),
        // Income bills may carry negative adjustments.
        s.dollars('amount_usd', 'amount', false),
        s.bigint('shop_id'),
        s.int('bill_status', 'bill_status', false),
        s.date('biz_date'),
        s.ts('create_time'),
        s.ts('update_time'),
      ],
    },
  },
  {
    source: 'ifiaccounting',
    table: 't_pre_voucher_entry',
    primaryKey: 'id',
    watermark: 'create_time',
    appendOnly: true,
    softDeleteColumn: 'is_del',
    indexes: [['create_time']],
    columns: [
      id('id'),
      id('voucher_id'),
      vc('account_code', 32, false),
      dollars('debit_amount', false, '0'),
      dollars('credit_amount', false, '0'),
      date('biz_date'),
      dt('create_time'),
      isDel,
    ],
    staging: {
      name: 'stg_recon_voucher_entries',
      primaryKey: 'voucher_entry_id',
      versionColumn: 'create_time',
      businessDateColumn: 'biz_date',
      columns: [
        s.bigint('voucher_entry_id', 'id'),
        s.bigint('voucher_id'),
        s.text('account_code', 32, 'account_code', false),
        s.dollars('debit_amount_usd', 'debit_amount'),
        s.dollars('credit_amount_usd', 'credit_amount'),
        s.date('biz_date'),
        s.ts('create_time'),
      ],
    },
  },
  {
    source: 'iunifiedreconcile',
    table: 't_reconcile_voucher',
    primaryKey: 'id',
    watermark: 'update_time',
    appendOnly: false,
    softDeleteColumn: 'is_del',
    indexes: [['update_time']],
    columns: [
      id('id'),
      vc('voucher_no', 64, false),
      vc('biz_no', 64),
      vc('trade_no', 64),
      id('shop_id'),
      dollars('amount'),
      int('voucher_status', false),
      date('biz_date'),
      dt('create_time'),
      dt('update_time'),
      isDel,
    ],
    staging: {
      name: 'stg_recon_vouchers',
      primaryKey: 'voucher_row_id',
      versionColumn: 'update_time',
      businessDateColumn: 'biz_date',
      columns: [
        s.bigint('voucher_row_id', 'id'),
        s.text('voucher_no', 64, 'voucher_no', false),
        s.text('biz_no', 64),
        s.text('trade_no', 64),
        s.bigint('shop_id'),
        s.dollars('amount_usd', 'amount'),
        s.int('voucher_status', 'voucher_status', false),
        s.date('biz_date'),
        s.ts('create_time'),
        s.ts('update_time'),
      ],
    },
  },
];

/** Look up a source table spec by table name. */
export function sourceTable(table: string): SourceTableSpec {
  const spec = SOURCE_TABLES.find((t) => t.table === table);
  if (!spec) throw new Error(`unknown source table ${table}`);
  return spec;
}

/** Look up a source table spec by its staging table name. */
export function sourceTableByStaging(stagingName: string): SourceTableSpec {
  const spec = SOURCE_TABLES.find((t) => t.staging.name === stagingName);
  if (!spec) throw new Error(`unknown staging table ${stagingName}`);
  return spec;
}

/** All source tables of one source. */
export function tablesOf(source: SourceId): SourceTableSpec[] {
  return SOURCE_TABLES.filter((t) => t.source === source);
}
