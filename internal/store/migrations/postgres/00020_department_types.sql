-- +goose Up
-- Departments gain a type (internal/department): besides government bureaus
-- and offices, mediation committees, property management companies, social
-- organisations and volunteer teams handle cases. Every department that
-- existed before is a government one. The CHECK repeats department.Types so
-- that no row written around the store holds a type the code does not know.
ALTER TABLE departments ADD COLUMN type TEXT NOT NULL DEFAULT 'government'
    CONSTRAINT departments_type CHECK (type IN ('government', 'mediation_committee', 'property_management', 'social_organisation', 'volunteer_team'));

-- +goose Down
ALTER TABLE departments DROP COLUMN type;
