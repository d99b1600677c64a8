-- +goose Up
-- A repeat petition names the earlier petition it repeats (repeat_of): a
-- first petition so named was not settled at first instance (package
-- figures: first_petition_settled). The figures ask, per first petition,
-- whether any petition names it.
CREATE INDEX petitions_repeat_of ON petitions (repeat_of) WHERE repeat_of IS NOT NULL;

-- A petition's channel is its case's: a letter (来信) or a visit (来访) is a
-- case channel of its own now, where such petitions were filed under the
-- channel of the staff member who typed them in (package petition:
-- Channel.CaseChannel). The case keeps its channel in its column and in its
-- workflow snapshot.
UPDATE cases c SET channel = p.channel, workflow = jsonb_set(c.workflow::jsonb, '{channel}', to_jsonb(p.channel))::text
FROM petitions p WHERE p.case_id = c.id AND p.channel IN ('letter', 'visit');

-- +goose Down
-- The channels the petitions were filed under before are not known; they
-- stay letter and visit.
DROP INDEX petitions_repeat_of;
