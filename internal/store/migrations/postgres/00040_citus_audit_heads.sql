-- +goose Up
-- On a Citus cluster (00034), a city's audit head (00039) lies with the
-- rest of its rows: distributed by city in the cases' colocation group, so
-- that appending to a city's audit chain goes to the city's worker alone.
-- The closed legacy head, audit_head, stays a reference table, now only
-- read. On plain PostgreSQL this does nothing.
-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        RETURN;
    END IF;
    PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
    PERFORM create_distributed_table('audit_heads', 'city', colocate_with => 'reporters');
END $$;
-- +goose StatementEnd

-- +goose Down
SELECT 1;
