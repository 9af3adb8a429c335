-- Names the services keep unique (any case) get unique indexes as well (issue 9): the check
-- in the write transaction gives Dataverse's message, and the index makes a duplicate
-- impossible whatever path writes.
--
-- E-mail addresses stay unique by the check alone: databases from before this version may
-- hold two users with one address (external users created on sign-in were not checked), and a
-- unique index would stop such a database from opening.
CREATE UNIQUE INDEX teams_name_unique ON teams (name COLLATE NOCASE);
CREATE UNIQUE INDEX businessunits_name_unique ON businessunits (name COLLATE NOCASE);
