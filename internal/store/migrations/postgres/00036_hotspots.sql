-- +goose Up
-- Hotspots are a stored result (store/hotspot.go): clustering a city's
-- month of texts takes seconds, so the scheduler does it and the pages
-- read the answer. A run is one period of one city: the last days days
-- (since = 0), or from the instant since to now (days = 0: a dashboard's
-- period, which keeps its start while it lasts). A server claims a due run
-- by setting lease_until, so that one server computes it while the others
-- go on; computed_at is when its hotspots were found (0: not yet), read_at
-- when a reader last asked for it (updated at most hourly), so that the
-- periods nobody looks at any more are neither computed nor kept. Times
-- are microseconds.
CREATE TABLE hotspot_runs (
    city        TEXT NOT NULL,
    days        INTEGER NOT NULL,
    since       BIGINT NOT NULL,
    computed_at BIGINT NOT NULL DEFAULT 0,
    read_at     BIGINT NOT NULL,
    lease_until BIGINT NOT NULL DEFAULT 0,
    cases       INTEGER NOT NULL DEFAULT 0,
    truncated   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (city, days, since)
);
-- A run's hotspots, hottest first (rank). region_path is the deepest
-- region holding every report of the hotspot and department the one
-- department all of them are assigned to ('' when they are not): a viewer
-- sees the hotspots whose reports all lie within their reach, as
-- grantScope writes it. body is the hotspot as the API answers it: places,
-- problems and counts, never a person.
CREATE TABLE hotspots (
    city        TEXT NOT NULL,
    days        INTEGER NOT NULL,
    since       BIGINT NOT NULL,
    rank        INTEGER NOT NULL,
    region_path TEXT COLLATE "C" NOT NULL,
    department  TEXT NOT NULL,
    body        TEXT NOT NULL,
    PRIMARY KEY (city, days, since, rank)
);

-- +goose Down
DROP TABLE hotspots;
DROP TABLE hotspot_runs;
