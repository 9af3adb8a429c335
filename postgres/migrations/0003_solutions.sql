-- Solutions and ALM (issue 10): publishers, solutions and their components, import jobs,
-- asynchronous operations, connection references and environment variables; and the
-- connector columns a solution sets: its icon (only an import writes it), the solution of a
-- managed install, and whether a managed connector was changed after its import.
ALTER TABLE connectors ADD COLUMN iconblob TEXT COLLATE "C";
ALTER TABLE connectors ADD COLUMN solutionid TEXT COLLATE "C" NOT NULL DEFAULT 'fd140aae-4df4-11dd-bd17-0019b9312238';
ALTER TABLE connectors ADD COLUMN ismanaged INTEGER NOT NULL DEFAULT 0;
ALTER TABLE connectors ADD COLUMN customized INTEGER NOT NULL DEFAULT 0;
CREATE INDEX connectors_solutionid ON connectors (solutionid, connectorid);

CREATE TABLE publishers (
	publisherid                    TEXT COLLATE "C" PRIMARY KEY,
	uniquename                     TEXT COLLATE "C" NOT NULL,
	friendlyname                   TEXT COLLATE "C" NOT NULL,
	customizationprefix            TEXT COLLATE "C" NOT NULL,
	customizationoptionvalueprefix INTEGER NOT NULL,
	description                    TEXT COLLATE "C",
	emailaddress                   TEXT COLLATE "C",
	supportingwebsiteurl           TEXT COLLATE "C",
	isreadonly                     INTEGER NOT NULL DEFAULT 0,
	createdon                      BIGINT NOT NULL,
	modifiedon                     BIGINT NOT NULL,
	versionnumber                  BIGINT NOT NULL
);
CREATE UNIQUE INDEX publishers_uniquename ON publishers (lower(uniquename));

CREATE TABLE solutions (
	solutionid    TEXT COLLATE "C" PRIMARY KEY,
	uniquename    TEXT COLLATE "C" NOT NULL,
	friendlyname  TEXT COLLATE "C" NOT NULL,
	version       TEXT COLLATE "C" NOT NULL,
	publisherid   TEXT COLLATE "C" NOT NULL REFERENCES publishers (publisherid),
	description   TEXT COLLATE "C",
	ismanaged     INTEGER NOT NULL DEFAULT 0,
	isvisible     INTEGER NOT NULL DEFAULT 1,
	installedon   BIGINT,
	createdon     BIGINT NOT NULL,
	modifiedon    BIGINT NOT NULL,
	versionnumber BIGINT NOT NULL,
	-- what an imported solution file holds that ConnectorHub does not model (JSON), so that
	-- its export loses nothing
	kept          TEXT COLLATE "C"
);
CREATE UNIQUE INDEX solutions_uniquename ON solutions (lower(uniquename));
CREATE INDEX solutions_publisherid ON solutions (publisherid);

CREATE TABLE solutioncomponents (
	solutioncomponentid   TEXT COLLATE "C" PRIMARY KEY,
	solutionid            TEXT COLLATE "C" NOT NULL REFERENCES solutions (solutionid),
	objectid              TEXT COLLATE "C" NOT NULL,
	componenttype         INTEGER NOT NULL,
	rootcomponentbehavior INTEGER NOT NULL DEFAULT 0,
	ismetadata            INTEGER NOT NULL DEFAULT 1,
	createdon             BIGINT NOT NULL,
	modifiedon            BIGINT NOT NULL,
	versionnumber         BIGINT NOT NULL
);
CREATE UNIQUE INDEX solutioncomponents_object ON solutioncomponents (solutionid, componenttype, objectid);
CREATE INDEX solutioncomponents_objectid ON solutioncomponents (objectid);

CREATE TABLE importjobs (
	importjobid   TEXT COLLATE "C" PRIMARY KEY,
	name          TEXT COLLATE "C",
	solutionname  TEXT COLLATE "C",
	solutionid    TEXT COLLATE "C",
	progress      DOUBLE PRECISION NOT NULL DEFAULT 0,
	data          TEXT COLLATE "C",
	startedon     BIGINT,
	completedon   BIGINT,
	createdby     TEXT COLLATE "C" NOT NULL,
	createdon     BIGINT NOT NULL,
	modifiedon    BIGINT NOT NULL,
	versionnumber BIGINT NOT NULL
);

CREATE TABLE asyncoperations (
	asyncoperationid TEXT COLLATE "C" PRIMARY KEY,
	name             TEXT COLLATE "C" NOT NULL,
	operationtype    INTEGER NOT NULL,
	statecode        INTEGER NOT NULL,
	statuscode       INTEGER NOT NULL,
	message          TEXT COLLATE "C",
	friendlymessage  TEXT COLLATE "C",
	-- the base64 solution file of an export, for DownloadSolutionExportData
	result           TEXT COLLATE "C",
	createdby        TEXT COLLATE "C" NOT NULL,
	createdon        BIGINT NOT NULL,
	startedon        BIGINT,
	completedon      BIGINT,
	modifiedon       BIGINT NOT NULL,
	versionnumber    BIGINT NOT NULL
);

CREATE TABLE connectionreferences (
	connectionreferenceid           TEXT COLLATE "C" PRIMARY KEY,
	connectionreferencelogicalname  TEXT COLLATE "C" NOT NULL,
	connectionreferencedisplayname  TEXT COLLATE "C",
	connectorid                     TEXT COLLATE "C",
	customconnectorid               TEXT COLLATE "C",
	connectionid                    TEXT COLLATE "C",
	description                     TEXT COLLATE "C",
	promptingbehavior               INTEGER,
	statecode                       INTEGER NOT NULL DEFAULT 0,
	statuscode                      INTEGER NOT NULL DEFAULT 1,
	solutionid                      TEXT COLLATE "C" NOT NULL,
	ismanaged                       INTEGER NOT NULL DEFAULT 0,
	createdon                       BIGINT NOT NULL,
	modifiedon                      BIGINT NOT NULL,
	versionnumber                   BIGINT NOT NULL,
	kept                            TEXT COLLATE "C"
);
CREATE UNIQUE INDEX connectionreferences_logicalname ON connectionreferences (lower(connectionreferencelogicalname));
CREATE INDEX connectionreferences_customconnectorid ON connectionreferences (customconnectorid);

CREATE TABLE environmentvariabledefinitions (
	environmentvariabledefinitionid TEXT COLLATE "C" PRIMARY KEY,
	schemaname                      TEXT COLLATE "C" NOT NULL,
	displayname                     TEXT COLLATE "C",
	description                     TEXT COLLATE "C",
	type                            INTEGER NOT NULL,
	defaultvalue                    TEXT COLLATE "C",
	isrequired                      INTEGER NOT NULL DEFAULT 0,
	introducedversion               TEXT COLLATE "C",
	secretstore                     INTEGER NOT NULL DEFAULT 0,
	solutionid                      TEXT COLLATE "C" NOT NULL,
	ismanaged                       INTEGER NOT NULL DEFAULT 0,
	createdon                       BIGINT NOT NULL,
	modifiedon                      BIGINT NOT NULL,
	versionnumber                   BIGINT NOT NULL,
	kept                            TEXT COLLATE "C"
);
CREATE UNIQUE INDEX environmentvariabledefinitions_schemaname ON environmentvariabledefinitions (lower(schemaname));

CREATE TABLE environmentvariablevalues (
	environmentvariablevalueid      TEXT COLLATE "C" PRIMARY KEY,
	schemaname                      TEXT COLLATE "C",
	environmentvariabledefinitionid TEXT COLLATE "C" NOT NULL REFERENCES environmentvariabledefinitions (environmentvariabledefinitionid),
	value                           TEXT COLLATE "C",
	createdon                       BIGINT NOT NULL,
	modifiedon                      BIGINT NOT NULL,
	versionnumber                   BIGINT NOT NULL
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
