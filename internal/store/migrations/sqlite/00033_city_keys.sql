-- +goose Up
-- As on PostgreSQL (its 00033): every row of a city carries its city, the
-- unit of sharding on a distributed engine, so that the store writes one
-- statement for both engines. SQLite's keys stay as they are: one file is
-- one shard.
ALTER TABLE case_photo_data ADD COLUMN city TEXT NOT NULL DEFAULT '';
UPDATE case_photo_data SET city = (SELECT p.city FROM case_photos p WHERE p.id = case_photo_data.photo_id);
ALTER TABLE dispute_parties ADD COLUMN city TEXT NOT NULL DEFAULT '';
UPDATE dispute_parties SET city = (SELECT d.city FROM disputes d WHERE d.case_id = dispute_parties.case_id);
ALTER TABLE dispute_sessions ADD COLUMN city TEXT NOT NULL DEFAULT '';
UPDATE dispute_sessions SET city = (SELECT d.city FROM disputes d WHERE d.case_id = dispute_sessions.case_id);
ALTER TABLE inspection_answers ADD COLUMN city TEXT NOT NULL DEFAULT '';
UPDATE inspection_answers SET city = (SELECT t.city FROM inspection_tasks t WHERE t.id = inspection_answers.task_id);
ALTER TABLE reception_bookings ADD COLUMN city TEXT NOT NULL DEFAULT '';
UPDATE reception_bookings SET city = (SELECT s.city FROM reception_sessions s WHERE s.id = reception_bookings.session_id);
ALTER TABLE meeting_proposals ADD COLUMN city TEXT NOT NULL DEFAULT '';
UPDATE meeting_proposals SET city = (SELECT m.city FROM meetings m WHERE m.id = meeting_proposals.meeting_id);
ALTER TABLE meeting_decisions ADD COLUMN city TEXT NOT NULL DEFAULT '';
UPDATE meeting_decisions SET city = (SELECT m.city FROM meetings m WHERE m.id = meeting_decisions.meeting_id);

-- +goose Down
ALTER TABLE meeting_decisions DROP COLUMN city;
ALTER TABLE meeting_proposals DROP COLUMN city;
ALTER TABLE reception_bookings DROP COLUMN city;
ALTER TABLE inspection_answers DROP COLUMN city;
ALTER TABLE dispute_sessions DROP COLUMN city;
ALTER TABLE dispute_parties DROP COLUMN city;
ALTER TABLE case_photo_data DROP COLUMN city;
