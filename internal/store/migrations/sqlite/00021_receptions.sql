-- +goose Up
-- Leaders' reception sessions (领导干部下基层接访). leader is the login of
-- the staff member receiving residents; leader_name and leader_title are
-- what residents are told. region_path is the path of the street or
-- community where the session takes place, which sets who arranges it.
-- topics is a JSON array of strings.
CREATE TABLE reception_sessions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    city         TEXT NOT NULL,
    region       TEXT NOT NULL REFERENCES regions(code),
    region_path  TEXT NOT NULL,
    leader       TEXT NOT NULL,
    leader_name  TEXT NOT NULL,
    leader_title TEXT NOT NULL,
    place        TEXT NOT NULL,
    topics       TEXT NOT NULL,
    starts_at    INTEGER NOT NULL,
    ends_at      INTEGER NOT NULL,
    slot_minutes INTEGER NOT NULL,
    capacity     INTEGER NOT NULL,
    state        TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX reception_sessions_city_path ON reception_sessions (city, region_path, id);
CREATE INDEX reception_sessions_published ON reception_sessions (city, state, starts_at);

-- A booked seat of a slot. The unique key is what makes two residents
-- racing for the last seat get one booking and one conflict. The
-- resident's name and phone are a reporters row (encrypted, masked).
CREATE TABLE reception_bookings (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id  INTEGER NOT NULL REFERENCES reception_sessions(id),
    slot        INTEGER NOT NULL,
    seat        INTEGER NOT NULL,
    code        TEXT NOT NULL UNIQUE,
    reporter_id INTEGER NOT NULL REFERENCES reporters(id),
    topic       TEXT NOT NULL,
    booked_by   TEXT NOT NULL,
    case_id     INTEGER REFERENCES cases(id),
    created_at  INTEGER NOT NULL,
    UNIQUE (session_id, slot, seat)
);

-- Community deliberation meetings (村民说事、民情恳谈).
CREATE TABLE meetings (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    city        TEXT NOT NULL,
    community   TEXT NOT NULL REFERENCES regions(code),
    region_path TEXT NOT NULL,
    title       TEXT NOT NULL,
    place       TEXT NOT NULL,
    topics      TEXT NOT NULL,
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL,
    state       TEXT NOT NULL,
    minutes     TEXT,
    attendees   INTEGER,
    minutes_by  TEXT,
    minutes_at  INTEGER,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX meetings_city_path ON meetings (city, region_path, id);
CREATE INDEX meetings_scheduled ON meetings (city, state, starts_at);

-- Topics residents propose before a meeting, moderated by its conveners.
-- A proposer who leaves a name and phone has them in a reporters row.
CREATE TABLE meeting_proposals (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    meeting_id   INTEGER NOT NULL REFERENCES meetings(id),
    text         TEXT NOT NULL,
    reporter_id  INTEGER REFERENCES reporters(id),
    proposed_by  TEXT NOT NULL,
    state        TEXT NOT NULL,
    moderated_by TEXT,
    moderated_at INTEGER,
    created_at   INTEGER NOT NULL
);
CREATE INDEX meeting_proposals_meeting ON meeting_proposals (meeting_id, id);

-- Each decision of a meeting and the case it became.
CREATE TABLE meeting_decisions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    meeting_id INTEGER NOT NULL REFERENCES meetings(id),
    text       TEXT NOT NULL,
    case_id    INTEGER NOT NULL REFERENCES cases(id),
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX meeting_decisions_meeting ON meeting_decisions (meeting_id, id);

-- Where a case was born, when it was born face to face: at a reception
-- session (with the leader who follows it) or of a meeting's decision. A
-- table of its own so that the cases table and its intake stay one for
-- every channel.
CREATE TABLE case_origins (
    case_id     INTEGER PRIMARY KEY REFERENCES cases(id),
    city        TEXT NOT NULL,
    session_id  INTEGER REFERENCES reception_sessions(id),
    decision_id INTEGER REFERENCES meeting_decisions(id),
    leader      TEXT,
    created_at  INTEGER NOT NULL
);
CREATE INDEX case_origins_leader ON case_origins (city, leader, case_id);
CREATE INDEX case_origins_session ON case_origins (session_id);

-- +goose Down
DROP TABLE case_origins;
DROP TABLE meeting_decisions;
DROP TABLE meeting_proposals;
DROP TABLE meetings;
DROP TABLE reception_bookings;
DROP TABLE reception_sessions;
