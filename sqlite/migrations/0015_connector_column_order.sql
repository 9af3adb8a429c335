-- The connectors table again, with its columns in a new order: the short ones first, the long
-- text last (the definition, the script, the icon). SQLite stores a row as one record, its
-- columns in table order, and spills what does not fit in the page to a chain of overflow
-- pages that can only be walked from the start. With the 20 KB definition sixth of 28, every
-- read of a later column (owner, business unit, dates, row version, solution: what access
-- checks, ETags, list projections and index maintenance on update and delete read) walked that
-- chain, five pages for a 20 KB definition. Now they sit in the row's first page.
--
-- PostgreSQL needs no twin: it moves long values out of the row (TOAST) whatever their place.
--
-- SQLite cannot reorder columns in place; this is its documented rebuild (create, copy, drop,
-- rename) inside the migration's transaction, with foreign keys on. The DROP then deletes the
-- rows of principalobjectaccess that refer to connectors (ON DELETE CASCADE), so they are kept
-- aside first and put back after. The DROP fires no trigger, so the text index keeps its rows,
-- and the copy keeps every rowid, its link to them. Indexes and triggers are created again as
-- 0001 to 0014 left them.
CREATE TEMP TABLE principalobjectaccess_kept AS SELECT * FROM principalobjectaccess;

CREATE TABLE connectors_reordered (
	connectorid             TEXT PRIMARY KEY,
	name                    TEXT NOT NULL,
	displayname             TEXT NOT NULL,
	description             TEXT,
	connectortype           INTEGER NOT NULL,
	statecode               INTEGER NOT NULL,
	statuscode              INTEGER NOT NULL,
	ownerid                 TEXT NOT NULL,
	owneridtype             TEXT NOT NULL,
	owningbusinessunit      TEXT NOT NULL REFERENCES businessunits (businessunitid),
	createdby               TEXT NOT NULL,
	modifiedby              TEXT NOT NULL,
	createdon               INTEGER NOT NULL, -- Unix seconds: the Web API shows seconds
	modifiedon              INTEGER NOT NULL,
	versionnumber           INTEGER NOT NULL UNIQUE,
	solutionid              TEXT NOT NULL DEFAULT 'fd140aae-4df4-11dd-bd17-0019b9312238',
	ismanaged               INTEGER NOT NULL DEFAULT 0,
	customized              INTEGER NOT NULL DEFAULT 0,
	iconbrandcolor          TEXT,
	connectorinternalid     TEXT,
	capabilities            TEXT,
	scriptoperations        TEXT,
	connectionparameters    TEXT,
	connectionparametersets TEXT,
	policytemplateinstances TEXT,
	openapidefinition       TEXT NOT NULL,
	customcodeblobcontent   TEXT,
	iconblob                TEXT
);

INSERT INTO connectors_reordered (rowid, connectorid, name, displayname, description, connectortype,
	statecode, statuscode, ownerid, owneridtype, owningbusinessunit, createdby, modifiedby,
	createdon, modifiedon, versionnumber, solutionid, ismanaged, customized, iconbrandcolor,
	connectorinternalid, capabilities, scriptoperations, connectionparameters,
	connectionparametersets, policytemplateinstances, openapidefinition, customcodeblobcontent,
	iconblob)
SELECT rowid, connectorid, name, displayname, description, connectortype,
	statecode, statuscode, ownerid, owneridtype, owningbusinessunit, createdby, modifiedby,
	createdon, modifiedon, versionnumber, solutionid, ismanaged, customized, iconbrandcolor,
	connectorinternalid, capabilities, scriptoperations, connectionparameters,
	connectionparametersets, policytemplateinstances, openapidefinition, customcodeblobcontent,
	iconblob
FROM connectors;

DROP TABLE connectors;
ALTER TABLE connectors_reordered RENAME TO connectors;

INSERT INTO principalobjectaccess SELECT * FROM principalobjectaccess_kept;
DROP TABLE principalobjectaccess_kept;

CREATE UNIQUE INDEX connectors_name ON connectors (name COLLATE NOCASE);
CREATE INDEX connectors_displayname ON connectors (displayname COLLATE NOCASE, connectorid);
CREATE INDEX connectors_modifiedon ON connectors (modifiedon, connectorid);
CREATE INDEX connectors_modifiedon_desc ON connectors (modifiedon DESC, connectorid);
CREATE INDEX connectors_createdon ON connectors (createdon, connectorid);
CREATE INDEX connectors_type ON connectors (connectortype, statecode);
CREATE INDEX connectors_owningbusinessunit ON connectors (owningbusinessunit, connectorid);
CREATE INDEX connectors_owner ON connectors (ownerid, owneridtype, connectorid);
CREATE INDEX connectors_createdby ON connectors (createdby, connectorid);
CREATE INDEX connectors_modifiedby ON connectors (modifiedby, connectorid);
CREATE INDEX connectors_solutionid ON connectors (solutionid, connectorid);

CREATE TRIGGER connectors_text_insert AFTER INSERT ON connectors BEGIN
	INSERT OR REPLACE INTO connectors_text (rowid, name, displayname, description)
	SELECT rowid, name, displayname, description FROM connectors WHERE rowid = new.rowid;
END;

CREATE TRIGGER connectors_text_delete AFTER DELETE ON connectors BEGIN
	DELETE FROM connectors_text WHERE rowid = old.rowid;
END;

CREATE TRIGGER connectors_text_update AFTER UPDATE OF name, displayname, description ON connectors
WHEN old.name IS NOT new.name OR old.displayname IS NOT new.displayname OR old.description IS NOT new.description
BEGIN
	DELETE FROM connectors_text WHERE rowid = old.rowid;
	INSERT OR REPLACE INTO connectors_text (rowid, name, displayname, description)
	SELECT rowid, name, displayname, description FROM connectors WHERE rowid = new.rowid;
END;
