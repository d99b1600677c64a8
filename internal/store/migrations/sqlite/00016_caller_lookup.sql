-- +goose Up
-- Hotline intake finds the caller's own open cases by the keyed fingerprint
-- of their phone (store.CallerCases): a few reporter rows by fingerprint,
-- then their cases by reporter. Both indexes are partial: anonymous reports
-- and reports without a phone, most of an import, are not in them. A case's
-- reporter is set when it is filed and never changes, so the second index is
-- written once per case and not on every transition.
CREATE INDEX reporters_fingerprint ON reporters (city, fingerprint) WHERE fingerprint <> '';
CREATE INDEX cases_reporter ON cases (reporter_id) WHERE reporter_id IS NOT NULL;

-- +goose Down
DROP INDEX cases_reporter;
DROP INDEX reporters_fingerprint;
