-- Paper mode: a strategy that runs on live ticks with simulated fills and places nothing at the
-- broker. Its orders live here, filled by the paper broker at the last price; their ids start
-- with PAPER-, so an order log row says by its order id whether it was paper.
ALTER TABLE strategies ADD COLUMN paper boolean NOT NULL DEFAULT false;

CREATE TABLE paper_orders (
    order_id text PRIMARY KEY CHECK (order_id LIKE 'PAPER-%'),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tag text,
    trading_date date NOT NULL,
    tradingsymbol text NOT NULL,
    exchange text NOT NULL,
    product text NOT NULL,
    side text NOT NULL CHECK (side IN ('BUY', 'SELL')),
    order_type text NOT NULL,
    quantity integer NOT NULL CHECK (quantity > 0),
    filled_quantity integer NOT NULL DEFAULT 0 CHECK (filled_quantity >= 0),
    average_price_paise bigint,
    price_paise bigint,
    trigger_price_paise bigint,
    status text NOT NULL,
    status_message text,
    placed_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX paper_orders_user_day_idx ON paper_orders (user_id, trading_date, placed_at);
CREATE UNIQUE INDEX paper_orders_user_tag_idx ON paper_orders (user_id, tag) WHERE tag IS NOT NULL;
