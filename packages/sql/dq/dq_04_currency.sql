-- dq/dq_04_currency.sql
-- DQ-04 CURRENCY_FILTER (SPEC §6): orders of business date D that reached staging in a currency
-- other than USD (extraction must have turned them into tombstones; any such row is a FAIL).
-- Grain: one row per non-USD currency code found (no rows when the filter held).

-- step: non_usd_orders
SELECT currency_code, COUNT(*) AS row_count
FROM recon.stg_recon_orders
WHERE biz_date = CAST(:reconDate AS DATE)
  AND currency_code <> 'USD'
GROUP BY currency_code
ORDER BY currency_code;
