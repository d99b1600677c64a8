-- +goose Up
-- Hotline intake finds the caller's own open cases by the keyed fingerprint
-- of their phone (store.CallerCases): the few reporter rows and supporter
-- rows ("me too") with that fingerprint, then their cases. The indexes are
-- partial: anonymous reports and reports without a phone, most of an
-- import, are not in them. A case's reporter is set when it is filed and
-- never changes, so cases_reporter is written once per case, not on every
-- transition.
CREATE INDEX reporters_fingerprint ON reporters (city, fingerprint) WHERE fingerprint <> '';
CREATE INDEX cases_reporter ON cases (reporter_id) WHERE reporter_id IS NOT NULL;
CREATE INDEX case_supporters_fingerprint ON case_supporters (city, fingerprint) WHERE fingerprint <> '';
-- Key rotation rewrites a supporter's fingerprint with its reporters row.
CREATE INDEX case_supporters_reporter ON case_supporters (reporter_id) WHERE reporter_id IS NOT NULL;

-- +goose Down
DROP INDEX case_supporters_reporter;
DROP INDEX case_supporters_fingerprint;
DROP INDEX cases_reporter;
DROP INDEX reporters_fingerprint;
