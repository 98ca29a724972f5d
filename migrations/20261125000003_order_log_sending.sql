-- An order log row is written before the broker is called (status SENDING), so a crash between
-- the call and its answer leaves a trace the next owner of the ledger key resolves by tag.
ALTER TABLE order_logs DROP CONSTRAINT order_logs_status_check;
ALTER TABLE order_logs ADD CONSTRAINT order_logs_status_check
    CHECK (status IN ('SENDING', 'PLACED', 'COMPLETE', 'REJECTED', 'CANCELLED', 'FAILED'));
CREATE INDEX order_logs_day_idx ON order_logs (strategy_id, trading_date);
