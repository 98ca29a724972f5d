-- The order path resumes legs and records what the broker filled (issue #15):
-- MISSED records an event that was dropped with its reason (another trading date, outside the
-- entry window); CLOSED_OUTSIDE an exit that found the broker's position already closed (the
-- trader sold by hand), so nothing was sold; filled_quantity is what the broker filled (a partial fill that ended CANCELLED
-- still holds shares); the instrument and product are the entry's own, so an edit of the
-- strategy later that day does not change what its exit sells.
ALTER TABLE order_logs DROP CONSTRAINT order_logs_status_check;
ALTER TABLE order_logs ADD CONSTRAINT order_logs_status_check
    CHECK (status IN ('SENDING', 'PLACED', 'COMPLETE', 'REJECTED', 'CANCELLED', 'FAILED', 'MISSED', 'CLOSED_OUTSIDE'));
ALTER TABLE order_logs ADD COLUMN filled_quantity integer CHECK (filled_quantity >= 0);
ALTER TABLE order_logs ADD COLUMN tradingsymbol text;
ALTER TABLE order_logs ADD COLUMN exchange text;
ALTER TABLE order_logs ADD COLUMN product text;
-- The reconciler's work list: legs not yet final.
CREATE INDEX order_logs_open_idx ON order_logs (trading_date) WHERE status IN ('SENDING', 'PLACED');
-- Postbacks find their leg by the broker's order id.
CREATE INDEX order_logs_broker_order_idx ON order_logs (broker_order_id) WHERE broker_order_id IS NOT NULL;
