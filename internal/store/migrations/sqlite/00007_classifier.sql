-- +goose Up
-- Category and department suggestion models, learned from a city's own
-- closed cases; every version is kept with its evaluation.
CREATE TABLE classifier_models (
    city       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    examples   INTEGER NOT NULL,
    evaluation TEXT NOT NULL,
    model      BLOB NOT NULL,
    PRIMARY KEY (city, kind, version)
);

-- +goose Down
DROP TABLE classifier_models;
