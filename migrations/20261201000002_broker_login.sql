-- The daily Kite login (issue #16).
--
-- broker_keys: the app's keys can be saved before the first login ('not_connected'), and each
-- access token records the IST trading date it was issued for: Kite kills it at 06:00 IST the
-- next morning, so it is 'expired' from then on without waiting for a failure.
ALTER TABLE broker_keys DROP CONSTRAINT broker_keys_status_check;
ALTER TABLE broker_keys ADD CONSTRAINT broker_keys_status_check
    CHECK (status IN ('connected', 'expired', 'not_connected'));
ALTER TABLE broker_keys ADD COLUMN token_date date;

-- One row per login started with GET /broker/login: the state's nonce, bound to its user,
-- consumed once by GET /broker/callback (a replayed callback finds it used).
CREATE TABLE broker_logins (
    nonce      uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX broker_logins_user_id ON broker_logins (user_id);
