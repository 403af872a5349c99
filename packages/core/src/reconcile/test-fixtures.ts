/**
 * Test support for the reconciliation engine: hand-built rows inserted directly into the staging
 * tables with parameterized INSERTs, and the default match parameters. Not used by product code.
 */
import type { SqlExecutor } from '../warehouse/types.ts';
import type { MatchParams } from './types.ts';

/** The business date most fixtures use. */
export const D = '2024-03-10';

/** Match parameters with the settings' defaults for the window [from, to]. */
export function matchParams(fromDate = D, toDate = fromDate): MatchParams {
  return {
    fromDate,
    toDate,
    l1AmountTolerance: '0.01',
    l2AmountTolerance: '0.05',
    l3AmountTolerance: '1.00',
    stripeFeeMin: '2.00',
    stripeFeeMax: '8.00',
  };
}

/** The staging tables the engine reads. */
export const STAGING_TABLES = [
  'stg_recon_orders',
  'stg_recon_payments',
  'stg_recon_trades',
  'stg_recon_receipts',
  'stg_recon_income_bills',
] as const;

export interface OrderInput {
  id: number;
  /** Order amount, dollars text. */
  amount: string;
  shopId?: number;
  status?: number;
  currency?: string;
  bizDate?: string;
  /** UTC 'YYYY-MM-DD HH:MM:SS' (default: 15:00 on bizDate). */
  createTime?: string;
}

export interface PaymentInput {
  id: number;
  orderId: number;
  tradeNo: string;
  amount: string;
  status?: number;
  createTime?: string;
  bizDate?: string;
}

export interface TradeInput {
  id: number;
  tradeNo: string;
  amount: string;
  status?: number;
  channelType?: number;
  channelTradeNo?: string;
  completeTime?: string;
  bizDate?: string;
}

export interface ReceiptInput {
  id: number;
  /** The order id text the receipt carries (null: none). */
  orderIdStr?: string | null;
  tpSerialNo?: string | null;
  amount: string;
  /** difference_amount (Stripe fee). */
  fee: string;
  status?: number;
  shopId?: number;
  bizDate?: string;
  createTime?: string;
}

export interface BillInput {
  id: number;
  shopId?: number;
  amount: string;
  status?: number;
  bizDate?: string;
}

/** Builds staging rows for one test. */
export class Fixture {
  constructor(private readonly db: SqlExecutor) {}

  /** Empty every staging table the engine reads. */
  async clear(): Promise<void> {
    for (const table of STAGING_TABLES) await this.db.execute(`DELETE FROM recon.${table}`);
  }

  async order(o: OrderInput): Promise<void> {
    const bizDate = o.bizDate ?? D;
    const createTime = o.createTime ?? `${bizDate} 15:00:00`;
    await this.db.execute(
      `INSERT INTO recon.stg_recon_orders
         (order_id, order_id_str, order_no, shop_id, user_id, pay_amount_usd, discount_amount_usd,
          order_status, pay_status, currency_code, order_type, order_source, create_time, update_time,
          pay_time, complete_time, biz_date)
       VALUES (CAST(:id AS BIGINT), :idStr, :orderNo, CAST(:shopId AS BIGINT), NULL,
          CAST(:amount AS DECIMAL(12,2)), 0, CAST(:status AS INTEGER), 1, :currency, 1, 1,
          CAST(:createTime AS TIMESTAMP), CAST(:createTime AS TIMESTAMP), CAST(:createTime AS TIMESTAMP),
          CAST(:createTime AS TIMESTAMP), CAST(:bizDate AS DATE))`,
      {
        id: o.id,
        idStr: String(o.id),
        orderNo: `NO${o.id}`,
        shopId: o.shopId ?? 1,
        amount: o.amount,
        status: o.status ?? 5,
        currency: o.currency ?? 'USD',
        createTime,
        bizDate,
      },
    );
  }

  async payment(p: PaymentInput): Promise<void> {
    const bizDate = p.bizDate ?? D;
    const createTime = p.createTime ?? `${bizDate} 15:00:30`;
    await this.db.execute(
      `INSERT INTO recon.stg_recon_payments
         (order_pay_id, order_id, order_id_str, trade_no, pay_amount_usd, pay_type, pay_status,
          create_time, update_time, biz_date)
       VALUES (CAST(:id AS BIGINT), CAST(:orderId AS BIGINT), :orderIdStr, :tradeNo,
          CAST(:amount AS DECIMAL(12,2)), 1, CAST(:status AS INTEGER), CAST(:createTime AS TIMESTAMP),
          CAST(:createTime AS TIMESTAMP), CAST(:bizDate AS DATE))`,
      {
        id: p.id,
        orderId: p.orderId,
        orderIdStr: String(p.orderId),
        tradeNo: p.tradeNo,
        amount: p.amount,
        status: p.status ?? 1,
        createTime,
        bizDate,
      },
    );
  }

  async trade(t: TradeInput): Promise<void> {
    const bizDate = t.bizDate ?? D;
    const completeTime = t.completeTime ?? `${bizDate} 15:01:00`;
    await this.db.execute(
      `INSERT INTO recon.stg_recon_trades
         (trade_id, trade_no, trade_amount_usd, trade_status, channel_type, channel_trade_no,
          create_time, update_time, complete_time, biz_date)
       VALUES (CAST(:id AS BIGINT), :tradeNo, CAST(:amount AS DECIMAL(12,2)), CAST(:status AS INTEGER),
          CAST(:channelType AS INTEGER), :channelTradeNo, CAST(:completeTime AS TIMESTAMP),
          CAST(:completeTime AS TIMESTAMP), CAST(:completeTime AS TIMESTAMP), CAST(:bizDate AS DATE))`,
      {
        id: t.id,
        tradeNo: t.tradeNo,
        amount: t.amount,
        status: t.status ?? 1,
        channelType: t.channelType ?? 1,
        channelTradeNo: t.channelTradeNo ?? `ch_${t.tradeNo}`,
        completeTime,
        bizDate,
      },
    );
  }

  async receipt(r: ReceiptInput): Promise<void> {
    const bizDate = r.bizDate ?? D;
    const createTime = r.createTime ?? `${bizDate} 16:00:00`;
    await this.db.execute(
      `INSERT INTO recon.stg_recon_receipts
         (receipt_id, order_id_str, order_no, tp_serial_no, receipt_amount_usd, stripe_fee_usd,
          net_receipt_usd, receipt_type, receipt_status, shop_id, create_time, update_time, biz_date)
       VALUES (CAST(:id AS BIGINT), :orderIdStr, NULL, :tpSerialNo, CAST(:amount AS DECIMAL(12,2)),
          CAST(:fee AS DECIMAL(12,2)), CAST(:amount AS DECIMAL(12,2)) - CAST(:fee AS DECIMAL(12,2)), 1,
          CAST(:status AS INTEGER), CAST(:shopId AS BIGINT), CAST(:createTime AS TIMESTAMP),
          CAST(:createTime AS TIMESTAMP), CAST(:bizDate AS DATE))`,
      {
        id: r.id,
        orderIdStr: r.orderIdStr ?? null,
        tpSerialNo: r.tpSerialNo ?? null,
        amount: r.amount,
        fee: r.fee,
        status: r.status ?? 1,
        shopId: r.shopId ?? 1,
        createTime,
        bizDate,
      },
    );
  }

  async bill(b: BillInput): Promise<void> {
    const bizDate = b.bizDate ?? D;
    await this.db.execute(
      `INSERT INTO recon.stg_recon_income_bills
         (income_bill_id, biz_no, biz_type, income_type, amount_usd, shop_id, bill_status, biz_date,
          create_time, update_time)
       VALUES (CAST(:id AS BIGINT), :bizNo, 1, 1, CAST(:amount AS DECIMAL(12,2)), CAST(:shopId AS BIGINT),
          CAST(:status AS INTEGER), CAST(:bizDate AS DATE), CAST(:createTime AS TIMESTAMP),
          CAST(:createTime AS TIMESTAMP))`,
      {
        id: b.id,
        bizNo: `BILL${b.id}`,
        amount: b.amount,
        shopId: b.shopId ?? 1,
        status: b.status ?? 1,
        bizDate,
        createTime: `${bizDate} 23:00:00`,
      },
    );
  }

  /**
   * A fully reconciled order: the order, one successful payment and trade (trade_no `T<id>`) of
   * `amount`, and one active receipt carrying the order id with `fee` (default 4.66).
   */
  async paidOrder(
    id: number,
    amount: string,
    options: { shopId?: number; bizDate?: string; fee?: string; receipt?: boolean } = {},
  ): Promise<void> {
    const bizDate = options.bizDate ?? D;
    const shopId = options.shopId ?? 1;
    await this.order({ id, amount, shopId, bizDate });
    await this.payment({ id, orderId: id, tradeNo: `T${id}`, amount, bizDate });
    await this.trade({ id, tradeNo: `T${id}`, amount, bizDate });
    if (options.receipt !== false) {
      await this.receipt({ id, orderIdStr: String(id), amount, fee: options.fee ?? '4.66', shopId, bizDate });
    }
  }
}

/** D + 1 and D − 1 of {@link D}. */
export const D_NEXT = '2024-03-11';
export const D_PREV = '2024-03-09';

/**
 * The small fixture the facts and summary tests hand-compute their expectations from:
 *  on D — order 1 (10.00, shop 1) fully reconciled; order 2 (20.00, shop 1) paid, no receipt;
 *         order 3 (5.00, shop 2) unpaid; a 10.00 income bill for shop 1;
 *  on D+1 — a 40.00 income bill for shop 3 and nothing else;
 *  on D−1 — order 10 (10.00, shop 6) fully reconciled with a 10.00 bill; shop 5 receipts 100.00
 *           (fee 5.00) against a 95.00 bill (MATCHED_NET).
 */
export async function buildSmallDay(f: Fixture): Promise<void> {
  await f.paidOrder(1, '10.00', { shopId: 1 });
  await f.order({ id: 2, amount: '20.00', shopId: 1 });
  await f.payment({ id: 2, orderId: 2, tradeNo: 'T2', amount: '20.00' });
  await f.trade({ id: 2, tradeNo: 'T2', amount: '20.00' });
  await f.order({ id: 3, amount: '5.00', shopId: 2 });
  await f.bill({ id: 1, shopId: 1, amount: '10.00' });
  await f.bill({ id: 2, shopId: 3, amount: '40.00', bizDate: D_NEXT });
  await f.paidOrder(10, '10.00', { shopId: 6, bizDate: D_PREV });
  await f.bill({ id: 3, shopId: 6, amount: '10.00', bizDate: D_PREV });
  await f.receipt({ id: 50, shopId: 5, amount: '100.00', fee: '5.00', bizDate: D_PREV });
  await f.bill({ id: 4, shopId: 5, amount: '95.00', bizDate: D_PREV });
}
