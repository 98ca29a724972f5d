-- Notifications (#17): written in the same transaction as the event that causes them (the
-- outbox), so none is lost and none is written twice: one per source (a leg's ledger key, or
-- another event's key) and kind. The in-app list reads this table; senders for push and
-- Telegram work through it.
CREATE TABLE notifications (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    strategy_id uuid REFERENCES strategies (id) ON DELETE SET NULL,
    kind        text NOT NULL CHECK (kind IN ('entry_filled', 'exit_filled', 'stop_loss_hit',
                    'order_rejected', 'exit_unfilled', 'login_needed', 'strategy_failed',
                    'daily_summary')),
    source_key  text NOT NULL,
    title       text NOT NULL,
    body        text NOT NULL,
    data        jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL,
    read_at     timestamptz,
    UNIQUE (source_key, kind)
);

CREATE INDEX notifications_user_created_idx ON notifications (user_id, created_at DESC);
