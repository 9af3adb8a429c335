-- The trigram index written after the write, not inside it (issue 13). Until now every create,
-- and every update of name, displayname or description, wrote connectors_text in its own
-- transaction: FTS5 flushed a new segment of the index with each commit, 8 to 10 pages of the
-- WAL and some 20% of a PATCH's CPU. Now the triggers only note the row in
-- connectors_text_pending (one small row), and the server's indexer (sqlite/textindex.go)
-- moves the noted rows into the index in batches, one write transaction each, shortly after.
--
-- A query stays exact meanwhile: the prefilter (sqlite/dialect.go) asks for the rows the index
-- finds UNION ALL the rows still pending, and the exact LIKE beside it decides. The indexer
-- takes rows out of pending in the transaction that puts them in the index, so every snapshot
-- sees each row in one or the other (or both). A delete still forgets the row in the index at
-- once: deletes are rare, and the index then never holds the text of a row that is gone.
--
-- The table keeps the connectors' rowid, as the index does. SQLite-only: PostgreSQL's
-- pg_trgm index is kept by PostgreSQL.
CREATE TABLE connectors_text_pending (
	pendingrow INTEGER PRIMARY KEY
);

DROP TRIGGER connectors_text_insert;
DROP TRIGGER connectors_text_update;

CREATE TRIGGER connectors_text_insert AFTER INSERT ON connectors BEGIN
	INSERT OR IGNORE INTO connectors_text_pending (pendingrow) VALUES (new.rowid);
END;

-- As before, only when one of the index's columns changed (bytewise).
CREATE TRIGGER connectors_text_update AFTER UPDATE OF name, displayname, description ON connectors
WHEN old.name IS NOT new.name OR old.displayname IS NOT new.displayname OR old.description IS NOT new.description
BEGIN
	INSERT OR IGNORE INTO connectors_text_pending (pendingrow) VALUES (new.rowid);
END;
