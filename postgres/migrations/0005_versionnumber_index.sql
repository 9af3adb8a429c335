-- connectors_versionnumber (0001) repeats the index PostgreSQL made for versionnumber's UNIQUE
-- constraint: change tracking's look-ups read either alike, so every create and every PATCH,
-- which moves versionnumber, kept two identical index entries up to date. Twin of SQLite's
-- 0014.
DROP INDEX connectors_versionnumber;
