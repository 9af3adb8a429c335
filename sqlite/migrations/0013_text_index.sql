-- A trigram index of the connector's text columns for contains(), startswith() and endswith()
-- (issue 13): the columns connectorhub.Columns marks TextIndexed, name, displayname and
-- description. The translator (internal/sqlgen, sqlite/dialect.go) narrows such a filter by
--   c.rowid IN (SELECT rowid FROM connectors_text WHERE connectors_text.<col> LIKE ?)
-- and keeps the exact LIKE beside it, so that this index only ever narrows: the results are
-- the scan's. With case_sensitive 0, FTS5 answers LIKE from the index; it folds case over all
-- of Unicode (É with é), a superset of LIKE's ASCII folding, so no row that LIKE matches is left
-- out, and the LIKE then decides (É still does not match é).
--
-- A self-contained FTS5 table, not external content (content='connectors'): it keeps its own
-- copy of the three short columns (a few hundred bytes a row). An external-content index
-- must be told the exact old values of every row it forgets; told wrong ones (an AFTER INSERT
-- trigger that rewrites the row and fires before ours: the copy's tests add one) it is
-- corrupt ("database disk image is malformed"). Here the triggers are idempotent and read the
-- row as it stands, whatever order triggers fire in: a delete by rowid forgets what is there
-- (nothing is no error), an INSERT OR REPLACE writes the row's current values. The copy also
-- keeps LIKE's check of a candidate (FTS5 leaves the LIKE to SQLite) on these short rows
-- rather than on connectors' rows of ~75 KB.
--
-- The link is connectors' rowid, which no statement of ours sets; VACUUM keeps the rowids of a
-- table that has indexes, as connectors has (TestTextIndexInSync runs one). A migration that
-- rebuilds the connectors table (create, copy, drop, rename) must create these triggers again
-- and refill the index as the last statement below does.
CREATE VIRTUAL TABLE connectors_text USING fts5 (
	name, displayname, description,
	tokenize = 'trigram case_sensitive 0'
);

-- Kept in step by triggers, so every writer of connectors (the services, solution import,
-- upgrade and uninstall, the copy of connectorhub migrate, which inserts row by row) keeps it
-- right.
CREATE TRIGGER connectors_text_insert AFTER INSERT ON connectors BEGIN
	INSERT OR REPLACE INTO connectors_text (rowid, name, displayname, description)
	SELECT rowid, name, displayname, description FROM connectors WHERE rowid = new.rowid;
END;

CREATE TRIGGER connectors_text_delete AFTER DELETE ON connectors BEGIN
	DELETE FROM connectors_text WHERE rowid = old.rowid;
END;

-- An update writes every column (UPDATE connectors SET <all> …), so UPDATE OF alone would
-- fire on every PATCH: the WHEN clause leaves the index alone unless one of its columns changed
-- (bytewise: a change of case is a change).
CREATE TRIGGER connectors_text_update AFTER UPDATE OF name, displayname, description ON connectors
WHEN old.name IS NOT new.name OR old.displayname IS NOT new.displayname OR old.description IS NOT new.description
BEGIN
	DELETE FROM connectors_text WHERE rowid = old.rowid;
	INSERT OR REPLACE INTO connectors_text (rowid, name, displayname, description)
	SELECT rowid, name, displayname, description FROM connectors WHERE rowid = new.rowid;
END;

-- The rows that are already there.
INSERT INTO connectors_text (rowid, name, displayname, description)
SELECT rowid, name, displayname, description FROM connectors;
