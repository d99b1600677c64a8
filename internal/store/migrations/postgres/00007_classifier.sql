-- +goose Up
-- Category and department suggestion models, learned from a city's own
-- closed cases; every version is kept with its evaluation.
CREATE TABLE classifier_models (
    city       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    version    BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    examples   BIGINT NOT NULL,
    evaluation TEXT NOT NULL,
    model      BYTEA NOT NULL,
    PRIMARY KEY (city, kind, version)
);

-- +goose Down
DROP TABLE classifier_models;
