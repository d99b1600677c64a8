-- +goose Up
-- figure_rollups gains two dimensions, each a pair: a district's or a
-- street's region with a category leaf (dim 'region.category') and with a
-- department ('region.department'), key 'REGION|LEAF' or 'REGION|DEPT'.
-- No new columns: the rows are of the same table. The cities that have
-- rollups without them are listed here, and counted into them from
-- case_facts when the store next opens (CountPairRollups), each in one
-- transaction; the rows of a case written from now on carry them.
CREATE TABLE figure_pairs_uncounted (
    city TEXT PRIMARY KEY
);
INSERT INTO figure_pairs_uncounted (city) SELECT code FROM regions WHERE parent IS NULL;
-- On a Citus cluster (00034), by city with the rest of a city's rows.
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
DELETE FROM figure_close_times WHERE dim IN ('region.category', 'region.department');
DELETE FROM figure_rollups WHERE dim IN ('region.category', 'region.department');
DROP TABLE figure_pairs_uncounted;
