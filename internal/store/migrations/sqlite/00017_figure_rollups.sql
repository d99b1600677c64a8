-- +goose Up
-- Figures from rollups (package figures: FactsOf, Tally). case_facts holds
-- what each case contributes to the figures, kept in the transaction of
-- every case write, with the facts only events hold (the first response,
-- the first response deadline, the cards issued) kept as they happen.
-- figure_rollups sums the contributions by the day (grain 'd') and month
-- (grain 'm') of receipt, China Standard Time (day: days since 1970-01-01),
-- for every region a case lies in, its department and its category leaf
-- (dim region, department, category), and its kind; figure_close_times is
-- the time-to-close histogram the same way. `anju rollups rebuild`
-- recomputes both from cases and events.
CREATE TABLE case_facts (
    case_id            INTEGER PRIMARY KEY,
    city               TEXT NOT NULL,
    day                INTEGER NOT NULL,
    created_at         INTEGER NOT NULL,
    kind               TEXT NOT NULL,
    category           TEXT NOT NULL,
    department         TEXT NOT NULL DEFAULT '',
    region_path        TEXT NOT NULL,
    responded_at       INTEGER NOT NULL DEFAULT 0,
    response_due       INTEGER NOT NULL,
    resolution_due     INTEGER NOT NULL,
    resolved_at        INTEGER NOT NULL DEFAULT 0,
    member             INTEGER NOT NULL,
    yellow             INTEGER NOT NULL DEFAULT 0,
    red                INTEGER NOT NULL DEFAULT 0,
    close_hours        INTEGER NOT NULL DEFAULT -1,
    -- 1 open, 2 response pending, 4 resolution pending: the contribution
    -- still changes with time alone, read row by row.
    flags              INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX case_facts_city_created ON case_facts (city, created_at);
CREATE INDEX case_facts_live ON case_facts (city, created_at) WHERE flags <> 0;

CREATE TABLE figure_rollups (
    city               TEXT NOT NULL,
    dim                TEXT NOT NULL,
    key                TEXT NOT NULL,
    grain              TEXT NOT NULL,
    day                INTEGER NOT NULL,
    kind               TEXT NOT NULL,
    received           INTEGER NOT NULL DEFAULT 0,
    decided            INTEGER NOT NULL DEFAULT 0,
    accepted           INTEGER NOT NULL DEFAULT 0,
    handled            INTEGER NOT NULL DEFAULT 0,
    response_judged    INTEGER NOT NULL DEFAULT 0,
    response_on_time   INTEGER NOT NULL DEFAULT 0,
    resolution_judged  INTEGER NOT NULL DEFAULT 0,
    resolution_on_time INTEGER NOT NULL DEFAULT 0,
    closed             INTEGER NOT NULL DEFAULT 0,
    rated              INTEGER NOT NULL DEFAULT 0,
    satisfied          INTEGER NOT NULL DEFAULT 0,
    ever_closed        INTEGER NOT NULL DEFAULT 0,
    reopened           INTEGER NOT NULL DEFAULT 0,
    escalated          INTEGER NOT NULL DEFAULT 0,
    level_grid         INTEGER NOT NULL DEFAULT 0,
    level_community    INTEGER NOT NULL DEFAULT 0,
    level_street       INTEGER NOT NULL DEFAULT 0,
    level_district     INTEGER NOT NULL DEFAULT 0,
    level_city         INTEGER NOT NULL DEFAULT 0,
    open_settled       INTEGER NOT NULL DEFAULT 0,
    yellow             INTEGER NOT NULL DEFAULT 0,
    red                INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (city, dim, key, grain, day, kind)
) WITHOUT ROWID;

-- The piles of a period count the settled open cases received before it
-- (open_settled), few rows of a city's history.
CREATE INDEX figure_rollups_settled ON figure_rollups (city, dim, key, grain, day) WHERE open_settled <> 0;

CREATE TABLE figure_close_times (
    city               TEXT NOT NULL,
    dim                TEXT NOT NULL,
    key                TEXT NOT NULL,
    grain              TEXT NOT NULL,
    day                INTEGER NOT NULL,
    kind               TEXT NOT NULL,
    hours              INTEGER NOT NULL,
    cases              INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (city, dim, key, grain, day, kind, hours)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE figure_close_times;
DROP TABLE figure_rollups;
DROP TABLE case_facts;
