-- +goose Up
-- Sign-in throttling and the portal's report limit, counted in the
-- database so that every server sharing it counts the same attempts
-- (store/throttle.go). A key (a login name, a client address) is hashed
-- into one of a fixed number of buckets per kind: names an attacker makes
-- up cannot grow the table past that, and keys that share a bucket share
-- its count, which only ever tightens the limit. A row counts no more
-- after forget_at and is then deleted. Times are microseconds.
CREATE TABLE throttle_buckets (
    kind      TEXT NOT NULL,
    bucket    INTEGER NOT NULL,
    failures  INTEGER NOT NULL,
    until_at  BIGINT NOT NULL,
    last_at   BIGINT NOT NULL,
    forget_at BIGINT NOT NULL,
    PRIMARY KEY (kind, bucket)
);
CREATE INDEX throttle_buckets_forget ON throttle_buckets (kind, forget_at);

-- What servers keep in memory (a city's taxonomy, its departments, the
-- actors of API tokens…) changes through one server at a time: each change
-- adds one to its city's and kind's version in the change's transaction,
-- and every server reads these few rows several times a second to drop
-- what it holds of a changed kind (store/changes.go).
CREATE TABLE change_versions (
    city    TEXT NOT NULL,
    kind    TEXT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (city, kind)
);

-- +goose Down
DROP TABLE change_versions;
DROP TABLE throttle_buckets;
