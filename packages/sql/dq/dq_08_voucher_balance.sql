-- dq/dq_08_voucher_balance.sql
-- DQ-08 VOUCHER_BALANCE (SPEC §6): per voucher_id among the voucher entries of business date D,
-- total debits must equal total credits. Exact DECIMAL sums; the WARN is decided in
-- packages/core/src/dq/checks.ts.
-- Grain: voucher_summary — one row (vouchers, unbalanced vouchers, largest absolute gap);
-- worst_voucher — at most one row, the unbalanced voucher with the largest absolute gap
-- (lowest voucher_id on a tie).

-- step: voucher_summary
SELECT
    COUNT(*) AS vouchers,
    COALESCE(SUM(CASE WHEN v.gap <> 0 THEN 1 ELSE 0 END), 0) AS unbalanced_vouchers,
    MAX(ABS(v.gap)) AS largest_gap
FROM (
    SELECT voucher_id, SUM(debit_amount_usd) - SUM(credit_amount_usd) AS gap
    FROM recon.stg_recon_voucher_entries
    WHERE biz_date = CAST(:reconDate AS DATE)
    GROUP BY voucher_id
) v;

-- step: worst_voucher
SELECT v.voucher_id, v.total_debit, v.total_credit, v.total_debit - v.total_credit AS gap
FROM (
    SELECT voucher_id, SUM(debit_amount_usd) AS total_debit, SUM(credit_amount_usd) AS total_credit
    FROM recon.stg_recon_voucher_entries
    WHERE biz_date = CAST(:reconDate AS DATE)
    GROUP BY voucher_id
) v
WHERE v.total_debit <> v.total_credit
ORDER BY ABS(v.total_debit - v.total_credit) DESC, v.voucher_id
LIMIT 1;
