-- The identities a connector refers to (spec §1.4) and the connector table (spec §1.2).
CREATE TABLE organization (
	organizationid TEXT PRIMARY KEY,
	name           TEXT NOT NULL
);

CREATE TABLE businessunits (
	businessunitid       TEXT PRIMARY KEY,
	name                 TEXT NOT NULL,
	parentbusinessunitid TEXT REFERENCES businessunits (businessunitid)
);

CREATE TABLE systemusers (
	systemuserid                 TEXT PRIMARY KEY,
	fullname                     TEXT NOT NULL,
	internalemailaddress         TEXT,
	azureactivedirectoryobjectid TEXT UNIQUE,
	businessunitid               TEXT NOT NULL REFERENCES businessunits (businessunitid),
	createdon                    INTEGER NOT NULL
);

CREATE TABLE teams (
	teamid         TEXT PRIMARY KEY,
	name           TEXT NOT NULL,
	businessunitid TEXT NOT NULL REFERENCES businessunits (businessunitid)
);

-- settings holds single values of the installation, such as the bootstrap administrator.
CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

-- rowversion is the database-wide counter behind versionnumber and ETags.
CREATE TABLE rowversion (
	value INTEGER NOT NULL
);
INSERT INTO rowversion (value) VALUES (0);

CREATE TABLE connectors (
	connectorid             TEXT PRIMARY KEY,
	name                    TEXT NOT NULL,
	displayname             TEXT NOT NULL,
	description             TEXT,
	connectortype           INTEGER NOT NULL,
	openapidefinition       TEXT NOT NULL,
	connectionparameters    TEXT,
	connectionparametersets TEXT,
	policytemplateinstances TEXT,
	scriptoperations        TEXT,
	customcodeblobcontent   TEXT,
	capabilities            TEXT,
	iconbrandcolor          TEXT,
	connectorinternalid     TEXT,
	statecode               INTEGER NOT NULL,
	statuscode              INTEGER NOT NULL,
	ownerid                 TEXT NOT NULL,
	owneridtype             TEXT NOT NULL,
	owningbusinessunit      TEXT NOT NULL REFERENCES businessunits (businessunitid),
	createdby               TEXT NOT NULL,
	modifiedby              TEXT NOT NULL,
	createdon               INTEGER NOT NULL, -- Unix seconds: the Web API shows seconds
	modifiedon              INTEGER NOT NULL,
	versionnumber           INTEGER NOT NULL UNIQUE
);

-- Names are unique regardless of case, as Dataverse compares text.
CREATE UNIQUE INDEX connectors_name ON connectors (name COLLATE NOCASE);
CREATE INDEX connectors_displayname ON connectors (displayname COLLATE NOCASE, connectorid);
CREATE INDEX connectors_modifiedon ON connectors (modifiedon, connectorid);
CREATE INDEX connectors_ownerid ON connectors (ownerid, connectorid);
