-- +goose Up
-- On a Citus cluster (00034), a city's stored hotspots (00036) lie with the
-- rest of its rows: distributed by city in the cases' colocation group. On
-- plain PostgreSQL this does nothing.
-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        RETURN;
    END IF;
    PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
    PERFORM create_distributed_table('hotspot_runs', 'city', colocate_with => 'reporters');
    PERFORM create_distributed_table('hotspots', 'city', colocate_with => 'reporters');
END $$;
-- +goose StatementEnd

-- +goose Down
SELECT 1;
