-- sqlite/migrations/0010_unique_names.sql: unique names (any case) of teams and business
-- units, as the services check them.
CREATE UNIQUE INDEX teams_name_unique ON teams (lower(name));
CREATE UNIQUE INDEX businessunits_name_unique ON businessunits (lower(name));
