-- +goose Up
-- The city is the unit of sharding (00001): on a distributed PostgreSQL
-- (Citus, 00034) a table whose rows grow with a city's cases is split by
-- city, and such an engine can enforce a primary key, a unique key or a
-- foreign key only when it holds the city. Here every such key does, on
-- plain PostgreSQL too, so that one schema serves both. Keys lead with the
-- id they had, so that lookups by id alone still read one index entry; an id
-- comes from an identity and stays unique on its own.
--
-- The tables that hang off another without a city of their own get one,
-- filled from the row they hang off; the store writes it from now on.
ALTER TABLE case_search ADD COLUMN city TEXT NOT NULL DEFAULT '';
UPDATE case_search s SET city = c.city FROM cases c WHERE c.id = s.case_id;
ALTER TABLE case_photo_data ADD COLUMN city TEXT NOT NULL DEFAULT '';
UPDATE case_photo_data d SET city = p.city FROM case_photos p WHERE p.id = d.photo_id;
ALTER TABLE dispute_parties ADD COLUMN city TEXT NOT NULL DEFAULT '';
UPDATE dispute_parties x SET city = d.city FROM disputes d WHERE d.case_id = x.case_id;
ALTER TABLE dispute_sessions ADD COLUMN city TEXT NOT NULL DEFAULT '';
UPDATE dispute_sessions x SET city = d.city FROM disputes d WHERE d.case_id = x.case_id;
ALTER TABLE inspection_answers ADD COLUMN city TEXT NOT NULL DEFAULT '';
UPDATE inspection_answers a SET city = t.city FROM inspection_tasks t WHERE t.id = a.task_id;
ALTER TABLE reception_bookings ADD COLUMN city TEXT NOT NULL DEFAULT '';
UPDATE reception_bookings b SET city = s.city FROM reception_sessions s WHERE s.id = b.session_id;
ALTER TABLE meeting_proposals ADD COLUMN city TEXT NOT NULL DEFAULT '';
UPDATE meeting_proposals p SET city = m.city FROM meetings m WHERE m.id = p.meeting_id;
ALTER TABLE meeting_decisions ADD COLUMN city TEXT NOT NULL DEFAULT '';
UPDATE meeting_decisions d SET city = m.city FROM meetings m WHERE m.id = d.meeting_id;
ALTER TABLE case_search ALTER COLUMN city DROP DEFAULT;
ALTER TABLE case_photo_data ALTER COLUMN city DROP DEFAULT;
ALTER TABLE dispute_parties ALTER COLUMN city DROP DEFAULT;
ALTER TABLE dispute_sessions ALTER COLUMN city DROP DEFAULT;
ALTER TABLE inspection_answers ALTER COLUMN city DROP DEFAULT;
ALTER TABLE reception_bookings ALTER COLUMN city DROP DEFAULT;
ALTER TABLE meeting_proposals ALTER COLUMN city DROP DEFAULT;
ALTER TABLE meeting_decisions ALTER COLUMN city DROP DEFAULT;

-- The foreign keys between these tables go, to come back with the city.
-- +goose StatementBegin
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT k.conrelid::regclass AS tbl, k.conname
        FROM pg_constraint k JOIN pg_class t ON t.oid = k.confrelid
        WHERE k.contype = 'f' AND t.relnamespace = current_schema()::regnamespace
          AND t.relname IN ('reporters', 'cases', 'case_events', 'case_photos', 'disputes', 'hazards',
                            'inspection_tasks', 'reception_sessions', 'meetings', 'meeting_decisions')
    LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.tbl, r.conname);
    END LOOP;
END $$;
-- +goose StatementEnd

ALTER TABLE reporters DROP CONSTRAINT reporters_pkey, ADD PRIMARY KEY (id, city);
ALTER TABLE cases DROP CONSTRAINT cases_pkey, ADD PRIMARY KEY (id, city);
ALTER TABLE cases DROP CONSTRAINT cases_tracking_code_key, ADD UNIQUE (tracking_code, city);
ALTER TABLE case_events DROP CONSTRAINT case_events_pkey, ADD PRIMARY KEY (id, city);
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey, ADD PRIMARY KEY (scope, key, city);
ALTER TABLE outbox DROP CONSTRAINT outbox_pkey, ADD PRIMARY KEY (id, city);
ALTER TABLE case_search DROP CONSTRAINT case_search_pkey, ADD PRIMARY KEY (case_id, city);
ALTER TABLE warnings DROP CONSTRAINT warnings_pkey, ADD PRIMARY KEY (id, city);
ALTER TABLE case_photos DROP CONSTRAINT case_photos_pkey, ADD PRIMARY KEY (id, city);
ALTER TABLE case_photo_data DROP CONSTRAINT case_photo_data_pkey, ADD PRIMARY KEY (photo_id, city);
ALTER TABLE case_supporters DROP CONSTRAINT case_supporters_pkey, ADD PRIMARY KEY (id, city);
ALTER TABLE case_facts DROP CONSTRAINT case_facts_pkey, ADD PRIMARY KEY (case_id, city);
ALTER TABLE hazards DROP CONSTRAINT hazards_pkey, ADD PRIMARY KEY (id, city);
ALTER TABLE inspection_tasks DROP CONSTRAINT inspection_tasks_pkey, ADD PRIMARY KEY (id, city);
ALTER TABLE inspection_tasks DROP CONSTRAINT inspection_tasks_hazard_id_period_start_key, ADD UNIQUE (hazard_id, period_start, city);
ALTER TABLE inspection_answers DROP CONSTRAINT inspection_answers_pkey, ADD PRIMARY KEY (task_id, item, city);
ALTER TABLE hazard_findings DROP CONSTRAINT hazard_findings_pkey, ADD PRIMARY KEY (id, city);
ALTER TABLE disputes DROP CONSTRAINT disputes_pkey, ADD PRIMARY KEY (case_id, city);
ALTER TABLE dispute_parties DROP CONSTRAINT dispute_parties_pkey, ADD PRIMARY KEY (id, city);
ALTER TABLE dispute_parties DROP CONSTRAINT dispute_parties_case_id_seq_key, ADD UNIQUE (case_id, seq, city);
ALTER TABLE dispute_sessions DROP CONSTRAINT dispute_sessions_pkey, ADD PRIMARY KEY (id, city);
ALTER TABLE reception_sessions DROP CONSTRAINT reception_sessions_pkey, ADD PRIMARY KEY (id, city);
ALTER TABLE reception_bookings DROP CONSTRAINT reception_bookings_pkey, ADD PRIMARY KEY (id, city);
ALTER TABLE reception_bookings DROP CONSTRAINT reception_bookings_code_key, ADD UNIQUE (code, city);
ALTER TABLE reception_bookings DROP CONSTRAINT reception_bookings_session_id_slot_seat_key, ADD UNIQUE (session_id, slot, seat, city);
ALTER TABLE meetings DROP CONSTRAINT meetings_pkey, ADD PRIMARY KEY (id, city);
ALTER TABLE meeting_proposals DROP CONSTRAINT meeting_proposals_pkey, ADD PRIMARY KEY (id, city);
ALTER TABLE meeting_decisions DROP CONSTRAINT meeting_decisions_pkey, ADD PRIMARY KEY (id, city);
ALTER TABLE case_origins DROP CONSTRAINT case_origins_pkey, ADD PRIMARY KEY (case_id, city);
ALTER TABLE petitions DROP CONSTRAINT petitions_pkey, ADD PRIMARY KEY (case_id, city);
ALTER TABLE petition_documents DROP CONSTRAINT petition_documents_pkey, ADD PRIMARY KEY (id, city);
ALTER TABLE audit_log DROP CONSTRAINT audit_log_pkey, ADD PRIMARY KEY (seq, city);

ALTER TABLE cases ADD FOREIGN KEY (reporter_id, city) REFERENCES reporters (id, city);
ALTER TABLE case_events ADD FOREIGN KEY (case_id, city) REFERENCES cases (id, city);
ALTER TABLE idempotency_keys ADD FOREIGN KEY (case_id, city) REFERENCES cases (id, city);
ALTER TABLE case_search ADD FOREIGN KEY (case_id, city) REFERENCES cases (id, city) ON DELETE CASCADE;
ALTER TABLE case_photos ADD FOREIGN KEY (case_id, city) REFERENCES cases (id, city);
ALTER TABLE case_photos ADD FOREIGN KEY (event_id, city) REFERENCES case_events (id, city) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE case_photo_data ADD FOREIGN KEY (photo_id, city) REFERENCES case_photos (id, city);
ALTER TABLE case_supporters ADD FOREIGN KEY (case_id, city) REFERENCES cases (id, city);
ALTER TABLE case_supporters ADD FOREIGN KEY (reporter_id, city) REFERENCES reporters (id, city);
ALTER TABLE inspection_tasks ADD FOREIGN KEY (hazard_id, city) REFERENCES hazards (id, city);
ALTER TABLE inspection_answers ADD FOREIGN KEY (task_id, city) REFERENCES inspection_tasks (id, city);
ALTER TABLE hazard_findings ADD FOREIGN KEY (hazard_id, city) REFERENCES hazards (id, city);
ALTER TABLE hazard_findings ADD FOREIGN KEY (task_id, city) REFERENCES inspection_tasks (id, city);
ALTER TABLE hazard_findings ADD FOREIGN KEY (case_id, city) REFERENCES cases (id, city);
ALTER TABLE disputes ADD FOREIGN KEY (case_id, city) REFERENCES cases (id, city);
ALTER TABLE disputes ADD FOREIGN KEY (from_case, city) REFERENCES cases (id, city);
ALTER TABLE dispute_parties ADD FOREIGN KEY (case_id, city) REFERENCES disputes (case_id, city);
ALTER TABLE dispute_parties ADD FOREIGN KEY (reporter_id, city) REFERENCES reporters (id, city);
ALTER TABLE dispute_sessions ADD FOREIGN KEY (case_id, city) REFERENCES disputes (case_id, city);
ALTER TABLE reception_bookings ADD FOREIGN KEY (session_id, city) REFERENCES reception_sessions (id, city);
ALTER TABLE reception_bookings ADD FOREIGN KEY (reporter_id, city) REFERENCES reporters (id, city);
ALTER TABLE reception_bookings ADD FOREIGN KEY (case_id, city) REFERENCES cases (id, city);
ALTER TABLE meeting_proposals ADD FOREIGN KEY (meeting_id, city) REFERENCES meetings (id, city);
ALTER TABLE meeting_proposals ADD FOREIGN KEY (reporter_id, city) REFERENCES reporters (id, city);
ALTER TABLE meeting_decisions ADD FOREIGN KEY (meeting_id, city) REFERENCES meetings (id, city);
ALTER TABLE meeting_decisions ADD FOREIGN KEY (case_id, city) REFERENCES cases (id, city);
ALTER TABLE case_origins ADD FOREIGN KEY (case_id, city) REFERENCES cases (id, city);
ALTER TABLE case_origins ADD FOREIGN KEY (session_id, city) REFERENCES reception_sessions (id, city);
ALTER TABLE case_origins ADD FOREIGN KEY (decision_id, city) REFERENCES meeting_decisions (id, city);
ALTER TABLE petitions ADD FOREIGN KEY (case_id, city) REFERENCES cases (id, city);
ALTER TABLE petitions ADD FOREIGN KEY (repeat_of, city) REFERENCES cases (id, city);
ALTER TABLE petition_documents ADD FOREIGN KEY (case_id, city) REFERENCES cases (id, city);

-- +goose Down
-- The keys with the city hold every row the keys without it held; going
-- back would only drop the city columns the store writes.
SELECT 1;
