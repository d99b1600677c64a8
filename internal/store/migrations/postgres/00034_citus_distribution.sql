-- +goose Up
-- On a Citus cluster (the extension is in the database: scripts/citus.sh),
-- the tables that grow with a city's cases are split by city, all in one
-- colocation group so that a city's rows of every table lie on one worker
-- and a city's reads, writes and joins go to that worker alone; the small
-- tables every city's rows point to (the region tree, departments,
-- accounts, the taxonomy, the calendar, settings, the change and throttle
-- counters) are reference tables, copied to every worker, so that those
-- foreign keys and joins stay on the worker too. On plain PostgreSQL this
-- does nothing. Parents come before the tables that point to them (an
-- engine checks a foreign key's target is distributed first).
--
-- Citus distributes no table with an identity column: the ids come from a
-- sequence owned by the column instead, as a serial's do, which the store
-- reads the same way (pg_get_serial_sequence, store/pipeline.go). Nor
-- does it distribute a table a local table points to: the foreign keys are
-- set aside while the tables are distributed, and then put back as they
-- were. All of it runs in one transaction, which Citus allows only when
-- it reaches the workers over one connection each (sequential mode).
-- +goose StatementBegin
DO $$
DECLARE t text; c record; fks text[] := '{}';
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        RETURN;
    END IF;
    PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
    -- One supporter per person and case: with the city, which a
    -- distributed engine requires of a unique index. On plain PostgreSQL
    -- the index keeps its columns: with the city too, the planner read it
    -- in place of case_supporters_fingerprint (TestCallerCasesPlan).
    DROP INDEX case_supporters_person;
    CREATE UNIQUE INDEX case_supporters_person ON case_supporters (case_id, fingerprint, city) WHERE fingerprint <> '';
    FOR c IN SELECT k.conrelid::regclass AS tbl, k.conname, pg_get_constraintdef(k.oid) AS def
        FROM pg_constraint k JOIN pg_class r ON r.oid = k.conrelid
        WHERE k.contype = 'f' AND r.relnamespace = current_schema()::regnamespace
    LOOP
        fks := fks || format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.tbl, c.conname, c.def);
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.tbl, c.conname);
    END LOOP;
    FOR c IN SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = current_schema() AND is_identity = 'YES'
    LOOP
        t := c.table_name || '_' || c.column_name || '_seq';
        EXECUTE format('ALTER TABLE %I ALTER COLUMN %I DROP IDENTITY', c.table_name, c.column_name);
        EXECUTE format('CREATE SEQUENCE %I OWNED BY %I.%I', t, c.table_name, c.column_name);
        EXECUTE format('SELECT setval(%L, COALESCE((SELECT max(%I) FROM %I), 0) + 1, false)', t, c.column_name, c.table_name);
        EXECUTE format('ALTER TABLE %I ALTER COLUMN %I SET DEFAULT nextval(%L)', c.table_name, c.column_name, t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['regions', 'region_versions', 'departments', 'department_categories', 'users',
        'grants', 'sessions', 'api_tokens', 'audit_head', 'categories', 'calendar_overrides', 'subscriptions',
        'warning_subscriptions', 'classifier_models', 'city_settings', 'hazard_checklists', 'hazard_plans',
        'dispute_settings', 'throttle_buckets', 'change_versions']
    LOOP
        PERFORM create_reference_table(t);
    END LOOP;
    PERFORM create_distributed_table('reporters', 'city');
    FOREACH t IN ARRAY ARRAY['cases', 'case_events', 'idempotency_keys', 'outbox', 'case_search', 'warnings',
        'case_photos', 'case_photo_data', 'case_supporters', 'case_facts', 'figure_rollups', 'figure_close_times',
        'hazards', 'inspection_tasks', 'inspection_answers', 'hazard_findings', 'disputes', 'dispute_parties',
        'dispute_sessions', 'reception_sessions', 'reception_bookings', 'meetings', 'meeting_proposals',
        'meeting_decisions', 'case_origins', 'petitions', 'petition_documents', 'audit_log']
    LOOP
        PERFORM create_distributed_table(t, 'city', colocate_with => 'reporters');
    END LOOP;
    FOREACH t IN ARRAY fks
    LOOP
        EXECUTE t;
    END LOOP;
END $$;
-- +goose StatementEnd

-- +goose Down
SELECT 1;
