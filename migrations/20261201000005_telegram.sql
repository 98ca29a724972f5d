-- Telegram (#17): a user links a chat by sending the bot `/start <code>` (a one-time code from
-- POST /telegram/link); notices then also go to that chat, through the same deliveries.
CREATE TABLE telegram_codes (
    code       text PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL
);

CREATE TABLE telegram_links (
    user_id   uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    chat_id   bigint NOT NULL,
    linked_at timestamptz NOT NULL
);

-- The bot's getUpdates offset: the next update to read.
CREATE TABLE telegram_offset (
    id         boolean PRIMARY KEY DEFAULT true CHECK (id),
    next_update bigint NOT NULL
);

ALTER TABLE notification_prefs ADD COLUMN telegram boolean NOT NULL DEFAULT true;

ALTER TABLE deliveries DROP CONSTRAINT deliveries_channel_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_channel_check CHECK (channel IN ('push', 'telegram'));
