-- The stop-loss order resting at the exchange once an entry fills: its own leg of the day
-- (`{strategy}:{date}:GUARD`), followed by the reconciler like any order not final, and
-- re-keyed into the day's EXIT leg when an exit takes it over (one row, one broker order).
ALTER TABLE order_logs DROP CONSTRAINT order_logs_event_check;
ALTER TABLE order_logs ADD CONSTRAINT order_logs_event_check
    CHECK (event IN ('BUY', 'SELL', 'STOPLOSS', 'TARGET', 'GUARD'));
