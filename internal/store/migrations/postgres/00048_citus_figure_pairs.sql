-- +goose Up
-- On a Citus cluster (00034), the cities whose pair rows are not counted
-- yet (00047) lie with the rest of each city's rows: distributed by city
-- in the cases' colocation group. (Not in 00047's transaction: its index
-- on case_facts runs on every shard at once, and Citus distributes a table
-- only in a transaction that has not.) On plain PostgreSQL this does
-- nothing.
-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        RETURN;
    END IF;
    PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
    PERFORM create_distributed_table('figure_pairs_uncounted', 'city', colocate_with => 'reporters');
END $$;
-- +goose StatementEnd

-- +goose Down
SELECT 1;
