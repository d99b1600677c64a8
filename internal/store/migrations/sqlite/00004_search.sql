-- +goose Up
-- Full-text search over cases. Chinese has no spaces, so the store segments
-- each field with gse and writes the words joined by spaces; FTS5's default
-- unicode61 tokenizer then splits on those spaces (and lower-cases). The
-- table is contentless (the text lives in cases), keyed by rowid = case id;
-- contentless_delete lets a case be indexed again when its reply arrives.
-- Column order matters: bm25() weights are given in this order.
CREATE VIRTUAL TABLE case_fts USING fts5(title, address, body, reply, content='', contentless_delete=1);

-- +goose Down
DROP TABLE case_fts;
