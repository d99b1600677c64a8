-- +goose Up
-- A dispute (矛盾纠纷) is a case of kind dispute; this is its detail. state
-- is the mediation's (package dispute), beside the case's workflow state.
-- The amount at stake is in fen. follow_up_due is set when an agreement is
-- signed; referral is the channel a dispute without agreement went to,
-- whose result (referral_result) closes it. from_case is the case a
-- dispute was referred from, when it began as another case.
CREATE TABLE disputes (
    case_id          INTEGER PRIMARY KEY REFERENCES cases(id),
    city             TEXT NOT NULL,
    type             TEXT NOT NULL CHECK (type IN ('neighbour', 'family', 'property_management', 'landlord_tenant',
                         'labour', 'land_housing', 'consumer', 'medical', 'traffic', 'other')),
    amount_fen       INTEGER NOT NULL CHECK (amount_fen >= 0),
    people           INTEGER NOT NULL CHECK (people >= 1),
    state            TEXT NOT NULL CHECK (state IN ('mediating', 'agreed', 'referred', 'settled', 'concluded')),
    terms            TEXT NOT NULL DEFAULT '',
    agreed_at        INTEGER,
    referral         TEXT,
    referral_result  TEXT NOT NULL DEFAULT '',
    referral_at      INTEGER,
    follow_up_due    INTEGER,
    follow_up_holds  BOOLEAN,
    follow_up_note   TEXT NOT NULL DEFAULT '',
    follow_up_at     INTEGER,
    broken           INTEGER NOT NULL DEFAULT 0,
    from_case        INTEGER REFERENCES cases(id),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX disputes_city_state ON disputes (city, state, case_id);

-- The parties. A person's name, phone and ID number, and an organisation's
-- contact phone, are personal data: they live encrypted in a reporters row
-- (the reporter's own code path, key rotation included), and the party
-- holds its id. An organisation's name is not personal and is kept here.
CREATE TABLE dispute_parties (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id     INTEGER NOT NULL REFERENCES disputes(case_id),
    seq         INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('person', 'organisation')),
    role        TEXT NOT NULL CHECK (role IN ('applicant', 'respondent')),
    org_name    TEXT NOT NULL DEFAULT '',
    reporter_id INTEGER REFERENCES reporters(id),
    UNIQUE (case_id, seq)
);

-- Mediation sessions, several per dispute. mediators and attended (party
-- ids) are JSON arrays.
CREATE TABLE dispute_sessions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id     INTEGER NOT NULL REFERENCES disputes(case_id),
    held_at     INTEGER NOT NULL,
    place       TEXT NOT NULL,
    mediators   TEXT NOT NULL,
    attended    TEXT NOT NULL,
    notes       TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at INTEGER NOT NULL
);
CREATE INDEX dispute_sessions_case ON dispute_sessions (case_id, held_at);

-- A city's own settings (dispute.Settings): the follow-up period in
-- calendar days after the agreement, and the people involved or amount at
-- stake (yuan) that make a dispute large enough to warn of. 0, or a city
-- without a row, follows the defaults (dispute.DefaultFollowUpDays,
-- warning.Default).
CREATE TABLE dispute_settings (
    city           TEXT PRIMARY KEY,
    follow_up_days INTEGER NOT NULL DEFAULT 0 CHECK (follow_up_days BETWEEN 0 AND 365),
    large_people   INTEGER NOT NULL DEFAULT 0 CHECK (large_people >= 0),
    large_amount   INTEGER NOT NULL DEFAULT 0 CHECK (large_amount >= 0)
);

-- +goose Down
DROP TABLE dispute_settings;
DROP TABLE dispute_sessions;
DROP TABLE dispute_parties;
DROP TABLE disputes;
