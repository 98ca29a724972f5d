-- How many modifications each order took: Kite takes at most 25 per order, so a resting stop
-- that follows a trailing stop keeps some for the exit that turns it into a market order.
ALTER TABLE order_logs ADD COLUMN modifications integer NOT NULL DEFAULT 0;
