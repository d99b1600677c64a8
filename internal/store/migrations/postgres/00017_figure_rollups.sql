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
    case_id            BIGINT PRIMARY KEY,
    city               TEXT NOT NULL,
    day                BIGINT NOT NULL,
    created_at         BIGINT NOT NULL,
    kind               TEXT NOT NULL,
    category           TEXT COLLATE "C" NOT NULL,
    department         TEXT NOT NULL DEFAULT '',
    region_path        TEXT COLLATE "C" NOT NULL,
    responded_at       BIGINT NOT NULL DEFAULT 0,
    response_due       BIGINT NOT NULL,
    resolution_due     BIGINT NOT NULL,
    resolved_at        BIGINT NOT NULL DEFAULT 0,
    member             BIGINT NOT NULL,
    yellow             BIGINT NOT NULL DEFAULT 0,
    red                BIGINT NOT NULL DEFAULT 0,
    close_hours        BIGINT NOT NULL DEFAULT -1,
    -- 1 open, 2 response pending, 4 resolution pending: the contribution
    -- still changes with time alone, read row by row.
    flags              BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX case_facts_city_created ON case_facts (city, created_at);
CREATE INDEX case_facts_live ON case_facts (city, created_at) WHERE flags <> 0;

CREATE TABLE figure_rollups (
    city               TEXT NOT NULL,
    dim                TEXT NOT NULL,
    key                TEXT COLLATE "C" NOT NULL,
    grain              TEXT NOT NULL,
    day                BIGINT NOT NULL,
    kind               TEXT NOT NULL,
    received           BIGINT NOT NULL DEFAULT 0,
    decided            BIGINT NOT NULL DEFAULT 0,
    accepted           BIGINT NOT NULL DEFAULT 0,
    handled            BIGINT NOT NULL DEFAULT 0,
    response_judged    BIGINT NOT NULL DEFAULT 0,
    response_on_time   BIGINT NOT NULL DEFAULT 0,
    resolution_judged  BIGINT NOT NULL DEFAULT 0,
    resolution_on_time BIGINT NOT NULL DEFAULT 0,
    closed             BIGINT NOT NULL DEFAULT 0,
    rated              BIGINT NOT NULL DEFAULT 0,
    satisfied          BIGINT NOT NULL DEFAULT 0,
    ever_closed        BIGINT NOT NULL DEFAULT 0,
    reopened           BIGINT NOT NULL DEFAULT 0,
    escalated          BIGINT NOT NULL DEFAULT 0,
    level_grid         BIGINT NOT NULL DEFAULT 0,
    level_community    BIGINT NOT NULL DEFAULT 0,
    level_street       BIGINT NOT NULL DEFAULT 0,
    level_district     BIGINT NOT NULL DEFAULT 0,
    level_city         BIGINT NOT NULL DEFAULT 0,
    open_settled       BIGINT NOT NULL DEFAULT 0,
    yellow             BIGINT NOT NULL DEFAULT 0,
    red                BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (city, dim, key, grain, day, kind)
);

-- The piles of a period count the settled open cases received before it
-- (open_settled), few rows of a city's history.
CREATE INDEX figure_rollups_settled ON figure_rollups (city, dim, key, grain, day) WHERE open_settled <> 0;

CREATE TABLE figure_close_times (
    city               TEXT NOT NULL,
    dim                TEXT NOT NULL,
    key                TEXT COLLATE "C" NOT NULL,
    grain              TEXT NOT NULL,
    day                BIGINT NOT NULL,
    kind               TEXT NOT NULL,
    hours              BIGINT NOT NULL,
    cases              BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (city, dim, key, grain, day, kind, hours)
);

-- +goose Down
DROP TABLE figure_close_times;
DROP TABLE figure_rollups;
DROP TABLE case_facts;
