-- +goose Up
-- The hazard register (隐患与风险点): places and objects, never persons; the
-- owner is an organisation. region_path is the path of the hazard's grid,
-- so that the grid's workers see the hazard and its tasks by scope.
-- next_check is the day (YYYY-MM-DD, China time) on which the scheduler
-- next owes the hazard an inspection task (hazard.Schedule): a pass reads
-- only the hazards whose day has come.
CREATE TABLE hazards (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    city        TEXT NOT NULL,
    type        TEXT NOT NULL,
    name        TEXT NOT NULL,
    address     TEXT NOT NULL DEFAULT '',
    lat         DOUBLE PRECISION NOT NULL,
    lon         DOUBLE PRECISION NOT NULL,
    grid        TEXT NOT NULL REFERENCES regions(code),
    region_path TEXT NOT NULL,
    risk_level  TEXT NOT NULL,
    owner       TEXT NOT NULL,
    department  TEXT REFERENCES departments(code),
    note        TEXT NOT NULL DEFAULT '',
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    next_check  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX hazards_city_path ON hazards (city, region_path, id);
CREATE INDEX hazards_next_check ON hazards (next_check, id) WHERE active;

-- A city's own checklists and inspection frequencies; a type or level
-- without a row keeps package hazard's default.
CREATE TABLE hazard_checklists (
    city       TEXT NOT NULL,
    type       TEXT NOT NULL,
    category   TEXT NOT NULL,
    items      TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (city, type)
);
CREATE TABLE hazard_plans (
    city       TEXT NOT NULL,
    risk_level TEXT NOT NULL,
    every      INTEGER NOT NULL,
    unit       TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (city, risk_level)
);

-- One task per hazard and period: the unique key makes generation
-- idempotent, however many servers run the scheduler at once (INSERT …
-- ON CONFLICT DO NOTHING). Days are YYYY-MM-DD in China time.
CREATE TABLE inspection_tasks (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    city         TEXT NOT NULL,
    hazard_id    INTEGER NOT NULL REFERENCES hazards(id),
    region_path  TEXT NOT NULL,
    period_start TEXT NOT NULL,
    due_on       TEXT NOT NULL,
    state        TEXT NOT NULL,
    done_by      TEXT,
    done_at      INTEGER,
    done_on      TEXT,
    created_at   INTEGER NOT NULL,
    UNIQUE (hazard_id, period_start)
);
CREATE INDEX inspection_tasks_city_path ON inspection_tasks (city, region_path, id);
CREATE INDEX inspection_tasks_due ON inspection_tasks (due_on) WHERE state = 'due';

-- The answer to each checklist item of a completed task.
CREATE TABLE inspection_answers (
    task_id INTEGER NOT NULL REFERENCES inspection_tasks(id),
    item    TEXT NOT NULL,
    result  TEXT NOT NULL,
    finding TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (task_id, item)
);

-- A failed item: the rectification case it opened and where it stands.
-- risk_level is the hazard's when it was found, which the figures count by.
CREATE TABLE hazard_findings (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    city        TEXT NOT NULL,
    hazard_id   INTEGER NOT NULL REFERENCES hazards(id),
    task_id     INTEGER NOT NULL REFERENCES inspection_tasks(id),
    item        TEXT NOT NULL,
    text        TEXT NOT NULL,
    risk_level  TEXT NOT NULL,
    region_path TEXT NOT NULL,
    department  TEXT,
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    state       TEXT NOT NULL,
    sent_back   INTEGER NOT NULL DEFAULT 0,
    opened_at   INTEGER NOT NULL,
    closed_at   INTEGER,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX hazard_findings_city_path ON hazard_findings (city, region_path, id);
CREATE INDEX hazard_findings_hazard ON hazard_findings (hazard_id, id);
CREATE INDEX hazard_findings_case ON hazard_findings (case_id);

-- +goose Down
DROP TABLE hazard_findings;
DROP TABLE inspection_answers;
DROP TABLE inspection_tasks;
DROP TABLE hazard_plans;
DROP TABLE hazard_checklists;
DROP TABLE hazards;
