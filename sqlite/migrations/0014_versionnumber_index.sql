-- connectors_versionnumber (0009) repeats the index SQLite made for versionnumber's UNIQUE
-- constraint (0001): change tracking's look-ups read either alike, so every create and every
-- PATCH, which moves versionnumber, kept two identical index entries up to date. Twin of
-- PostgreSQL's 0005.
DROP INDEX connectors_versionnumber;
