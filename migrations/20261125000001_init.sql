-- The system of record. Times are timestamptz (UTC on the wire); times of day are IST by rule.

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    email         text NOT NULL,
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT users_email_lower CHECK (email = lower(email))
);

-- Broker keys, AES-256-GCM encrypted as one sealed JSON document with a fresh nonce per write.
CREATE TABLE broker_keys (
    user_id        uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    ciphertext     bytea NOT NULL,
    nonce          bytea NOT NULL CHECK (length(nonce) = 12),
    key_id         text NOT NULL,
    broker_user_id text,
    user_name      text,
    status         text NOT NULL DEFAULT 'connected' CHECK (status IN ('connected', 'expired')),
    status_reason  text,
    connected_at   timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE strategies (
    id              uuid PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    symbol          text NOT NULL CHECK (symbol ~ '^[A-Z0-9&-]{1,25}$'),
    exchange        text NOT NULL DEFAULT 'NSE' CHECK (exchange IN ('NSE', 'BSE')),
    buy_time        time NOT NULL,
    sell_time       time NOT NULL,
    stop_loss_paise bigint NOT NULL CHECK (stop_loss_paise > 0),
    quantity        integer NOT NULL CHECK (quantity > 0),
    product         text NOT NULL DEFAULT 'MIS' CHECK (product IN ('MIS', 'CNC')),
    status          text NOT NULL DEFAULT 'created' CHECK (status IN ('created', 'running', 'stopped', 'failed')),
    failure_reason  text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT strategies_buy_before_sell CHECK (buy_time < sell_time)
);
CREATE INDEX strategies_user_id_idx ON strategies (user_id, created_at DESC);
CREATE INDEX strategies_running_idx ON strategies (status) WHERE status = 'running';

-- One row per leg per trading day: the unique ledger key makes a second entry or exit impossible.
CREATE TABLE order_logs (
    id                  uuid PRIMARY KEY,
    strategy_id         uuid NOT NULL REFERENCES strategies (id) ON DELETE CASCADE,
    user_id             uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    event               text NOT NULL CHECK (event IN ('BUY', 'SELL', 'STOPLOSS')),
    trading_date        date NOT NULL,
    ledger_key          text NOT NULL,
    broker_tag          text NOT NULL,
    broker_order_id     text,
    status              text NOT NULL CHECK (status IN ('PLACED', 'COMPLETE', 'REJECTED', 'CANCELLED', 'FAILED')),
    quantity            integer NOT NULL CHECK (quantity > 0),
    average_price_paise bigint,
    message             text,
    raw_response        jsonb,
    scheduled_for       timestamptz NOT NULL,
    placed_at           timestamptz,
    latency_ms          integer,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT order_logs_ledger_key_key UNIQUE (ledger_key)
);
CREATE INDEX order_logs_user_id_idx ON order_logs (user_id);
CREATE INDEX order_logs_strategy_idx ON order_logs (strategy_id, created_at DESC);

-- The idempotency ledger of the self-hosted profile (DynamoDB holds it in AWS).
CREATE TABLE idempotency (
    ledger_key  text PRIMARY KEY,
    state       text NOT NULL CHECK (state IN ('IN_PROGRESS', 'COMPLETED')),
    owner       text NOT NULL,
    result      jsonb,
    lease_until timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idempotency_expires_idx ON idempotency (expires_at);
