-- Solutions and ALM (issue 10): publishers, solutions and their components, import jobs,
-- asynchronous operations, connection references and environment variables; and the
-- connector columns a solution sets: its icon (only an import writes it), the solution of a
-- managed install, and whether a managed connector was changed after its import.
ALTER TABLE connectors ADD COLUMN iconblob TEXT;
ALTER TABLE connectors ADD COLUMN solutionid TEXT NOT NULL DEFAULT 'fd140aae-4df4-11dd-bd17-0019b9312238';
ALTER TABLE connectors ADD COLUMN ismanaged INTEGER NOT NULL DEFAULT 0;
ALTER TABLE connectors ADD COLUMN customized INTEGER NOT NULL DEFAULT 0;
CREATE INDEX connectors_solutionid ON connectors (solutionid, connectorid);

CREATE TABLE publishers (
	publisherid                    TEXT PRIMARY KEY,
	uniquename                     TEXT NOT NULL,
	friendlyname                   TEXT NOT NULL,
	customizationprefix            TEXT NOT NULL,
	customizationoptionvalueprefix INTEGER NOT NULL,
	description                    TEXT,
	emailaddress                   TEXT,
	supportingwebsiteurl           TEXT,
	isreadonly                     INTEGER NOT NULL DEFAULT 0,
	createdon                      INTEGER NOT NULL,
	modifiedon                     INTEGER NOT NULL,
	versionnumber                  INTEGER NOT NULL
);
CREATE UNIQUE INDEX publishers_uniquename ON publishers (uniquename COLLATE NOCASE);

CREATE TABLE solutions (
	solutionid    TEXT PRIMARY KEY,
	uniquename    TEXT NOT NULL,
	friendlyname  TEXT NOT NULL,
	version       TEXT NOT NULL,
	publisherid   TEXT NOT NULL REFERENCES publishers (publisherid),
	description   TEXT,
	ismanaged     INTEGER NOT NULL DEFAULT 0,
	isvisible     INTEGER NOT NULL DEFAULT 1,
	installedon   INTEGER,
	createdon     INTEGER NOT NULL,
	modifiedon    INTEGER NOT NULL,
	versionnumber INTEGER NOT NULL,
	-- what an imported solution file holds that ConnectorHub does not model (JSON), so that
	-- its export loses nothing
	kept          TEXT
);
CREATE UNIQUE INDEX solutions_uniquename ON solutions (uniquename COLLATE NOCASE);
CREATE INDEX solutions_publisherid ON solutions (publisherid);

CREATE TABLE solutioncomponents (
	solutioncomponentid   TEXT PRIMARY KEY,
	solutionid            TEXT NOT NULL REFERENCES solutions (solutionid),
	objectid              TEXT NOT NULL,
	componenttype         INTEGER NOT NULL,
	rootcomponentbehavior INTEGER NOT NULL DEFAULT 0,
	ismetadata            INTEGER NOT NULL DEFAULT 1,
	createdon             INTEGER NOT NULL,
	modifiedon            INTEGER NOT NULL,
	versionnumber         INTEGER NOT NULL
);
CREATE UNIQUE INDEX solutioncomponents_object ON solutioncomponents (solutionid, componenttype, objectid);
CREATE INDEX solutioncomponents_objectid ON solutioncomponents (objectid);

CREATE TABLE importjobs (
	importjobid   TEXT PRIMARY KEY,
	name          TEXT,
	solutionname  TEXT,
	solutionid    TEXT,
	progress      REAL NOT NULL DEFAULT 0,
	data          TEXT,
	startedon     INTEGER,
	completedon   INTEGER,
	createdby     TEXT NOT NULL,
	createdon     INTEGER NOT NULL,
	modifiedon    INTEGER NOT NULL,
	versionnumber INTEGER NOT NULL
);

CREATE TABLE asyncoperations (
	asyncoperationid TEXT PRIMARY KEY,
	name             TEXT NOT NULL,
	operationtype    INTEGER NOT NULL,
	statecode        INTEGER NOT NULL,
	statuscode       INTEGER NOT NULL,
	message          TEXT,
	friendlymessage  TEXT,
	-- the base64 solution file of an export, for DownloadSolutionExportData
	result           TEXT,
	createdby        TEXT NOT NULL,
	createdon        INTEGER NOT NULL,
	startedon        INTEGER,
	completedon      INTEGER,
	modifiedon       INTEGER NOT NULL,
	versionnumber    INTEGER NOT NULL
);

CREATE TABLE connectionreferences (
	connectionreferenceid           TEXT PRIMARY KEY,
	connectionreferencelogicalname  TEXT NOT NULL,
	connectionreferencedisplayname  TEXT,
	connectorid                     TEXT,
	customconnectorid               TEXT,
	connectionid                    TEXT,
	description                     TEXT,
	promptingbehavior               INTEGER,
	statecode                       INTEGER NOT NULL DEFAULT 0,
	statuscode                      INTEGER NOT NULL DEFAULT 1,
	solutionid                      TEXT NOT NULL,
	ismanaged                       INTEGER NOT NULL DEFAULT 0,
	createdon                       INTEGER NOT NULL,
	modifiedon                      INTEGER NOT NULL,
	versionnumber                   INTEGER NOT NULL,
	kept                            TEXT
);
CREATE UNIQUE INDEX connectionreferences_logicalname ON connectionreferences (connectionreferencelogicalname COLLATE NOCASE);
CREATE INDEX connectionreferences_customconnectorid ON connectionreferences (customconnectorid);

CREATE TABLE environmentvariabledefinitions (
	environmentvariabledefinitionid TEXT PRIMARY KEY,
	schemaname                      TEXT NOT NULL,
	displayname                     TEXT,
	description                     TEXT,
	type                            INTEGER NOT NULL,
	defaultvalue                    TEXT,
	isrequired                      INTEGER NOT NULL DEFAULT 0,
	introducedversion               TEXT,
	secretstore                     INTEGER NOT NULL DEFAULT 0,
	solutionid                      TEXT NOT NULL,
	ismanaged                       INTEGER NOT NULL DEFAULT 0,
	createdon                       INTEGER NOT NULL,
	modifiedon                      INTEGER NOT NULL,
	versionnumber                   INTEGER NOT NULL,
	kept                            TEXT
);
CREATE UNIQUE INDEX environmentvariabledefinitions_schemaname ON environmentvariabledefinitions (schemaname COLLATE NOCASE);

CREATE TABLE environmentvariablevalues (
	environmentvariablevalueid      TEXT PRIMARY KEY,
	schemaname                      TEXT,
	environmentvariabledefinitionid TEXT NOT NULL REFERENCES environmentvariabledefinitions (environmentvariabledefinitionid),
	value                           TEXT,
	createdon                       INTEGER NOT NULL,
	modifiedon                      INTEGER NOT NULL,
	versionnumber                   INTEGER NOT NULL
);
CREATE INDEX environmentvariablevalues_definition ON environmentvariablevalues (environmentvariabledefinitionid);

-- Dataverse's fixed rows: the Default publisher, the Default solution (every component) and
-- the Active solution (the solutionid of every unmanaged component).
INSERT INTO publishers (publisherid, uniquename, friendlyname, customizationprefix, customizationoptionvalueprefix, description, isreadonly, createdon, modifiedon, versionnumber)
	VALUES ('d21aab71-79e7-11dd-8874-00188b01e34f', 'DefaultPublisher', 'Default Publisher', 'new', 10000, 'Default publisher for this organization', 0, 0, 0, 0);
INSERT INTO solutions (solutionid, uniquename, friendlyname, version, publisherid, description, ismanaged, isvisible, createdon, modifiedon, versionnumber)
	VALUES ('fd140aaf-4df4-11dd-bd17-0019b9312238', 'Default', 'Default Solution', '1.0', 'd21aab71-79e7-11dd-8874-00188b01e34f', 'Every component of the environment', 0, 0, 0, 0, 0);
INSERT INTO solutions (solutionid, uniquename, friendlyname, version, publisherid, description, ismanaged, isvisible, createdon, modifiedon, versionnumber)
	VALUES ('fd140aae-4df4-11dd-bd17-0019b9312238', 'Active', 'Active Solution', '1.0', 'd21aab71-79e7-11dd-8874-00188b01e34f', 'The unmanaged layer of every component', 0, 0, 0, 0, 0);
