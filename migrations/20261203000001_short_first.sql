-- Short-first strategies: a strategy's direction (LONG buys first, SHORT sells first), and the
-- side each leg's order took, so an exit is always the opposite of the entry the broker filled
-- whatever the strategy says later. Every leg so far was long: its entry bought, the rest sold.
ALTER TABLE strategies
    ADD COLUMN direction text NOT NULL DEFAULT 'LONG' CHECK (direction IN ('LONG', 'SHORT'));

ALTER TABLE order_logs ADD COLUMN side text CHECK (side IN ('BUY', 'SELL'));
UPDATE order_logs SET side = CASE WHEN event = 'BUY' THEN 'BUY' ELSE 'SELL' END;
ALTER TABLE order_logs ALTER COLUMN side SET NOT NULL;
