-- anomalies/ano_07_accounting_gap.sql
-- ANO-07 ACCOUNTING_GAP (SPEC §7): what finance received and what accounting booked disagree.
--   * shop-day: a Level 3 result AMOUNT_MISMATCH, MISSING_INCOME_BILL or MISSING_RECEIPTS whose
--     gap |variance_amount| (gross receipts − income) exceeds :accountingGapTolerance →
--     HIGH when the income bill is missing or |variance_pct| > :l3VarianceTolerancePct (a NULL
--     variance_pct — no income — counts as beyond it), else MEDIUM; entity_key =
--     'shop_id|YYYY-MM-DD'; affected_amount = the gap, expected_value = gross receipts,
--     actual_value = income booked; confidence 0.800 (a comparison of shop-day sums);
--   * voucher: a pre-voucher (recon.stg_recon_voucher_entries per voucher_id) whose debits ≠
--     credits → MEDIUM (neither rule of HIGH applies to a voucher; the generator's answer key
--     names no severity for it); entity_key = voucher id, recon_date = the earliest business date
--     of its entries; affected_amount = |debits − credits|, expected_value = credits,
--     actual_value = debits; shop_id NULL (entries carry none); confidence 1.000.
-- Grain: one candidate per shop × business date and one per voucher id, recon_date in
-- [:fromDate, :toDate].
-- Parameters: :fromDate, :toDate ('YYYY-MM-DD'), :accountingGapTolerance,
-- :l3VarianceTolerancePct (decimal text).

-- step: insert_candidates
INSERT INTO tmp_recon_anomaly_candidates (
    anomaly_id, anomaly_type, anomaly_name, severity, recon_date, entity_key, order_id, shop_id,
    affected_amount, expected_value, actual_value, confidence_score, description, recommendation
)
WITH gaps AS (
    -- Shop-days of the window with a gap beyond the tolerance (one row per shop × date).
    SELECT
        l3.recon_date,
        l3.shop_id,
        l3.match_status,
        l3.receipt_count,
        l3.bill_count,
        l3.total_receipt_amount,
        l3.total_income_amount,
        l3.variance_amount,
        l3.variance_pct,
        ABS(l3.variance_amount) AS gap,
        CAST(l3.shop_id AS VARCHAR(32)) || '|' || CAST(l3.recon_date AS VARCHAR(10)) AS entity_key
    FROM recon.stg_recon_level3_results l3
    WHERE l3.recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
      AND l3.match_status IN ('AMOUNT_MISMATCH', 'MISSING_INCOME_BILL', 'MISSING_RECEIPTS')
      AND ABS(l3.variance_amount) > CAST(:accountingGapTolerance AS DECIMAL(18,6))
),

window_vouchers AS (
    -- Pre-vouchers with an entry in the window (one row per voucher_id).
    SELECT DISTINCT e.voucher_id
    FROM recon.stg_recon_voucher_entries e
    WHERE e.biz_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
),

vouchers AS (
    -- Those pre-vouchers over all their entries (one row per voucher_id).
    SELECT
        e.voucher_id,
        MIN(e.biz_date)           AS recon_date,
        SUM(e.debit_amount_usd)   AS debits,
        SUM(e.credit_amount_usd)  AS credits,
        COUNT(*)                  AS entry_count
    FROM recon.stg_recon_voucher_entries e
    JOIN window_vouchers wv ON wv.voucher_id = e.voucher_id
    GROUP BY e.voucher_id
)

SELECT
    'ANO-07:' || g.entity_key                                         AS anomaly_id,
    'ANO-07'                                                          AS anomaly_type,
    'ACCOUNTING_GAP'                                                  AS anomaly_name,
    CASE
        WHEN g.match_status = 'MISSING_INCOME_BILL' THEN 'HIGH'
        WHEN g.variance_pct IS NULL THEN 'HIGH'
        WHEN ABS(g.variance_pct) > CAST(:l3VarianceTolerancePct AS DECIMAL(18,6)) THEN 'HIGH'
        ELSE 'MEDIUM'
    END                                                               AS severity,
    g.recon_date,
    g.entity_key,
    CAST(NULL AS BIGINT)                                              AS order_id,
    g.shop_id,
    g.gap                                                             AS affected_amount,
    g.total_receipt_amount                                            AS expected_value,
    g.total_income_amount                                             AS actual_value,
    CAST(0.800 AS DECIMAL(4,3))                                       AS confidence_score,
    CASE g.match_status
        WHEN 'MISSING_INCOME_BILL' THEN
            'No valid income bill for shop ' || CAST(g.shop_id AS VARCHAR(32)) || ' on '
            || CAST(g.recon_date AS VARCHAR(10)) || ': ' || CAST(g.receipt_count AS VARCHAR(16))
            || ' finance receipt(s) of $' || CAST(g.total_receipt_amount AS VARCHAR(32))
            || ' are not booked as income.'
        WHEN 'MISSING_RECEIPTS' THEN
            'Income of $' || CAST(g.total_income_amount AS VARCHAR(32)) || ' booked for shop '
            || CAST(g.shop_id AS VARCHAR(32)) || ' on ' || CAST(g.recon_date AS VARCHAR(10))
            || ' (' || CAST(g.bill_count AS VARCHAR(16))
            || ' income bill(s)) without any finance receipt.'
        ELSE
            'Receipts and income disagree for shop ' || CAST(g.shop_id AS VARCHAR(32)) || ' on '
            || CAST(g.recon_date AS VARCHAR(10)) || ': receipts $'
            || CAST(g.total_receipt_amount AS VARCHAR(32)) || ' vs income booked $'
            || CAST(g.total_income_amount AS VARCHAR(32)) || ', a gap of $'
            || CAST(g.gap AS VARCHAR(32)) || ' ('
            || COALESCE(CAST(CAST(g.variance_pct AS DECIMAL(18,2)) AS VARCHAR(32)), '?') || ' %).'
    END                                                               AS description,
    CASE g.match_status
        WHEN 'MISSING_INCOME_BILL' THEN
            'Check the income-bill job of the accounting system (t_acc_income_bill) for shop '
            || CAST(g.shop_id AS VARCHAR(32)) || ' and ' || CAST(g.recon_date AS VARCHAR(10))
            || ': a bill that is void or was never generated leaves the revenue unbooked.'
        WHEN 'MISSING_RECEIPTS' THEN
            'Check whether shop ' || CAST(g.shop_id AS VARCHAR(32)) || ' traded on '
            || CAST(g.recon_date AS VARCHAR(10))
            || ': if it was closed, void the income bill; if not, look for receipts dated to another day or not yet synced.'
        ELSE
            'Compare the income bills of shop ' || CAST(g.shop_id AS VARCHAR(32)) || ' for '
            || CAST(g.recon_date AS VARCHAR(10))
            || ' with its finance receipts (t_finance_receipt): look for receipts booked to another day, duplicated or missing bills, and late receipts.'
    END                                                               AS recommendation
FROM gaps g

UNION ALL

SELECT
    'ANO-07:voucher:' || CAST(v.voucher_id AS VARCHAR(32)),
    'ANO-07',
    'ACCOUNTING_GAP',
    'MEDIUM',
    v.recon_date,
    'voucher:' || CAST(v.voucher_id AS VARCHAR(32)),
    CAST(NULL AS BIGINT),
    CAST(NULL AS BIGINT),
    ABS(v.debits - v.credits),
    v.credits,
    v.debits,
    CAST(1.000 AS DECIMAL(4,3)),
    'Pre-voucher ' || CAST(v.voucher_id AS VARCHAR(32)) || ' of ' || CAST(v.recon_date AS VARCHAR(10))
        || ' does not balance: debits $' || CAST(v.debits AS VARCHAR(32)) || ' vs credits $'
        || CAST(v.credits AS VARCHAR(32)) || ' over ' || CAST(v.entry_count AS VARCHAR(16))
        || ' entries, a difference of $' || CAST(ABS(v.debits - v.credits) AS VARCHAR(32)) || '.',
    'Review the entries of pre-voucher ' || CAST(v.voucher_id AS VARCHAR(32))
        || ' (t_pre_voucher_entry) before posting: find the line with the wrong amount or the missing counter-entry.'
FROM vouchers v
WHERE v.recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
  AND v.debits <> v.credits;
