-- +goose Up
-- An API token may be issued with an expiry (NULL: it never expires), and a
-- revoked token keeps its row, with the time it was revoked, so that a
-- user's token list shows what was revoked and when.
ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER;
ALTER TABLE api_tokens ADD COLUMN revoked_at INTEGER;

-- +goose Down
ALTER TABLE api_tokens DROP COLUMN revoked_at;
ALTER TABLE api_tokens DROP COLUMN expires_at;
