-- Refresh tokens in families: a sign-in starts one, each rotation adds its successor to it.
-- `replaced_by` is the successor's hash, so a retry of a rotation whose answer was lost (the
-- rotated token presented again within seconds, its successor unused) gets the same pair, and
-- a later reuse revokes that family only, not every session of the user. Tokens issued before
-- this migration each form a family of their own.
ALTER TABLE refresh_tokens ADD COLUMN family_id uuid;
UPDATE refresh_tokens SET family_id = id;
ALTER TABLE refresh_tokens ALTER COLUMN family_id SET NOT NULL;
ALTER TABLE refresh_tokens ADD COLUMN replaced_by bytea;
CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id);
