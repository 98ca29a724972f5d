-- A trader's daily loss limit: when the day's realised plus open P&L falls to minus this many
-- paise, every position is squared off and every strategy stopped, once that trading day
-- (`loss_limit_hit_on`).
ALTER TABLE users
    ADD COLUMN daily_loss_limit_paise bigint CHECK (daily_loss_limit_paise > 0),
    ADD COLUMN loss_limit_hit_on date;

ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('entry_filled', 'exit_filled', 'stop_loss_hit', 'target_hit',
        'order_rejected', 'exit_unfilled', 'login_needed', 'strategy_failed', 'daily_summary',
        'loss_limit_hit'));
