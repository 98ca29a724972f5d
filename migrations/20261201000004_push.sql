-- Push notifications (#17): the app's Expo push tokens, each user's channel choices, and one
-- delivery row per notification and device (the outbox's send side: retried with back-off,
-- dropped when Expo says DeviceNotRegistered).
CREATE TABLE devices (
    expo_push_token text PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    platform        text NOT NULL CHECK (platform IN ('ios', 'android', 'web')),
    created_at      timestamptz NOT NULL,
    last_seen_at    timestamptz NOT NULL
);
CREATE INDEX devices_user_idx ON devices (user_id);

CREATE TABLE notification_prefs (
    user_id     uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    push        boolean NOT NULL DEFAULT true,
    muted_kinds text[] NOT NULL DEFAULT '{}'
);

ALTER TABLE notifications ADD COLUMN dispatched_at timestamptz;
CREATE INDEX notifications_undispatched_idx ON notifications (created_at) WHERE dispatched_at IS NULL;

CREATE TABLE deliveries (
    id              uuid PRIMARY KEY,
    notification_id uuid NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    channel         text NOT NULL CHECK (channel IN ('push')),
    target          text NOT NULL,
    status          text NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'dropped')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error      text,
    ticket_id       text,
    receipt_checked boolean NOT NULL DEFAULT false,
    sent_at         timestamptz,
    UNIQUE (notification_id, channel, target)
);
CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_receipts_idx ON deliveries (sent_at) WHERE status = 'sent' AND NOT receipt_checked;
