-- A strategy's target (take-profit) and trailing stop, each a distance in paise (points) or in
-- basis points (per cent), at most one of the two; and the TARGET exit they can fire.
ALTER TABLE strategies
    ADD COLUMN target_paise bigint CHECK (target_paise > 0),
    ADD COLUMN target_bp integer CHECK (target_bp > 0 AND target_bp <= 10000),
    ADD COLUMN trailing_paise bigint CHECK (trailing_paise > 0),
    ADD COLUMN trailing_bp integer CHECK (trailing_bp > 0 AND trailing_bp <= 10000),
    ADD CONSTRAINT strategies_one_target CHECK (target_paise IS NULL OR target_bp IS NULL),
    ADD CONSTRAINT strategies_one_trailing CHECK (trailing_paise IS NULL OR trailing_bp IS NULL);

ALTER TABLE order_logs DROP CONSTRAINT order_logs_event_check;
ALTER TABLE order_logs ADD CONSTRAINT order_logs_event_check
    CHECK (event IN ('BUY', 'SELL', 'STOPLOSS', 'TARGET'));

ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('entry_filled', 'exit_filled', 'stop_loss_hit', 'target_hit',
        'order_rejected', 'exit_unfilled', 'login_needed', 'strategy_failed', 'daily_summary'));
