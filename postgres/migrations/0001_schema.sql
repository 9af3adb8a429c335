-- The PostgreSQL form of sqlite/migrations 0001–0009: their end state in one script (run in one
-- transaction; the migration runner creates the migrations table). Every TEXT is COLLATE "C",
-- bytewise as SQLite's BINARY; SQLite's COLLATE NOCASE becomes lower(col), which under "C" folds
-- ASCII letters only, as NOCASE does. SQLite INTEGER is BIGINT for times, versions and counters,
-- INTEGER otherwise; booleans stay INTEGER 0/1 (the SQL is shared with SQLite).

-- Substring search: contains(displayname,'x') becomes lower(displayname) LIKE lower($1), whose
-- leading % no B-tree can seek; the trigram indexes below answer it without reading the rows
-- (~75 KB each, mostly the OpenAPI definition).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The identities a connector refers to (spec §1.4) and the connector table (spec §1.2).
CREATE TABLE organization (
	organizationid TEXT COLLATE "C" PRIMARY KEY,
	name           TEXT COLLATE "C" NOT NULL
);

CREATE TABLE businessunits (
	businessunitid       TEXT COLLATE "C" PRIMARY KEY,
	name                 TEXT COLLATE "C" NOT NULL,
	parentbusinessunitid TEXT COLLATE "C" REFERENCES businessunits (businessunitid),
	versionnumber        BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE systemusers (
	systemuserid                 TEXT COLLATE "C" PRIMARY KEY,
	fullname                     TEXT COLLATE "C" NOT NULL,
	internalemailaddress         TEXT COLLATE "C",
	-- Unique across issuers as well (0008): a second issuer's user with a taken oid is refused.
	azureactivedirectoryobjectid TEXT COLLATE "C" UNIQUE,
	businessunitid               TEXT COLLATE "C" NOT NULL REFERENCES businessunits (businessunitid),
	createdon                    BIGINT NOT NULL,
	versionnumber                BIGINT NOT NULL DEFAULT 0,
	isdisabled                   INTEGER NOT NULL DEFAULT 0,
	-- The OIDC issuer (iss) azureactivedirectoryobjectid belongs to; NULL when not recorded.
	objectidissuer               TEXT COLLATE "C",
	-- Tokens issued (iat) before this (Unix seconds) are refused; NULL when never revoked.
	tokensvalidafter             BIGINT
);

CREATE TABLE teams (
	teamid         TEXT COLLATE "C" PRIMARY KEY,
	name           TEXT COLLATE "C" NOT NULL,
	businessunitid TEXT COLLATE "C" NOT NULL REFERENCES businessunits (businessunitid),
	versionnumber  BIGINT NOT NULL DEFAULT 0
);

-- settings holds single values of the installation, such as the bootstrap administrator.
CREATE TABLE settings (
	key   TEXT COLLATE "C" PRIMARY KEY,
	value TEXT COLLATE "C" NOT NULL
);

-- rowversion is the database-wide counter behind versionnumber and ETags of connectors.
CREATE TABLE rowversion (
	value BIGINT NOT NULL
);
INSERT INTO rowversion (value) VALUES (0);

CREATE TABLE connectors (
	connectorid             TEXT COLLATE "C" PRIMARY KEY,
	name                    TEXT COLLATE "C" NOT NULL,
	displayname             TEXT COLLATE "C" NOT NULL,
	description             TEXT COLLATE "C",
	connectortype           INTEGER NOT NULL,
	openapidefinition       TEXT COLLATE "C" NOT NULL,
	connectionparameters    TEXT COLLATE "C",
	connectionparametersets TEXT COLLATE "C",
	policytemplateinstances TEXT COLLATE "C",
	scriptoperations        TEXT COLLATE "C",
	customcodeblobcontent   TEXT COLLATE "C",
	capabilities            TEXT COLLATE "C",
	iconbrandcolor          TEXT COLLATE "C",
	connectorinternalid     TEXT COLLATE "C",
	statecode               INTEGER NOT NULL,
	statuscode              INTEGER NOT NULL,
	ownerid                 TEXT COLLATE "C" NOT NULL,
	owneridtype             TEXT COLLATE "C" NOT NULL,
	owningbusinessunit      TEXT COLLATE "C" NOT NULL REFERENCES businessunits (businessunitid),
	createdby               TEXT COLLATE "C" NOT NULL,
	modifiedby              TEXT COLLATE "C" NOT NULL,
	createdon               BIGINT NOT NULL, -- Unix seconds: the Web API shows seconds
	modifiedon              BIGINT NOT NULL,
	versionnumber           BIGINT NOT NULL UNIQUE
);

-- Names are unique regardless of case, as Dataverse compares text.
CREATE UNIQUE INDEX connectors_name ON connectors (lower(name));
CREATE INDEX connectors_displayname ON connectors (lower(displayname), connectorid);
CREATE INDEX connectors_modifiedon ON connectors (modifiedon, connectorid);
-- "$orderby=modifiedon desc" with the key ascending as its tie-break, read without sorting.
CREATE INDEX connectors_modifiedon_desc ON connectors (modifiedon DESC, connectorid);
CREATE INDEX connectors_createdon ON connectors (createdon, connectorid);
-- Inventories: connectors per type and state, read from the index alone.
CREATE INDEX connectors_type ON connectors (connectortype, statecode);
CREATE INDEX connectors_owningbusinessunit ON connectors (owningbusinessunit, connectorid);
-- Lookup traversal (owner, createdby, modifiedby joins); connectors_owner also serves read
-- scopes (SQLite's connectors_ownerid (ownerid, connectorid) was dropped for it).
CREATE INDEX connectors_owner ON connectors (ownerid, owneridtype, connectorid);
CREATE INDEX connectors_createdby ON connectors (createdby, connectorid);
CREATE INDEX connectors_modifiedby ON connectors (modifiedby, connectorid);
-- Change tracking: what changed since a row version.
CREATE INDEX connectors_versionnumber ON connectors (versionnumber);
-- Substring search ($filter=contains(…)): see pg_trgm above.
CREATE INDEX connectors_displayname_trgm ON connectors USING gin (lower(displayname) gin_trgm_ops);
CREATE INDEX connectors_name_trgm ON connectors USING gin (lower(name) gin_trgm_ops);
CREATE INDEX connectors_description_trgm ON connectors USING gin (lower(description) gin_trgm_ops);

-- Security roles, their holders, team membership and sharing.
CREATE TABLE roles (
	roleid         TEXT COLLATE "C" PRIMARY KEY,
	name           TEXT COLLATE "C" NOT NULL,
	businessunitid TEXT COLLATE "C" NOT NULL REFERENCES businessunits (businessunitid),
	-- privileges: depth of Create, Read, Write, Delete, Assign, Share, ActOnBehalf (0 none … 4 organization)
	prvcreate      INTEGER NOT NULL DEFAULT 0,
	prvread        INTEGER NOT NULL DEFAULT 0,
	prvwrite       INTEGER NOT NULL DEFAULT 0,
	prvdelete      INTEGER NOT NULL DEFAULT 0,
	prvassign      INTEGER NOT NULL DEFAULT 0,
	prvshare       INTEGER NOT NULL DEFAULT 0,
	prvactonbehalf INTEGER NOT NULL DEFAULT 0,
	versionnumber  BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX roles_name ON roles (lower(name), businessunitid);
CREATE INDEX roles_name_any ON roles (lower(name), roleid);

CREATE TABLE systemuserroles (
	systemuserid TEXT COLLATE "C" NOT NULL REFERENCES systemusers (systemuserid) ON DELETE CASCADE,
	roleid       TEXT COLLATE "C" NOT NULL REFERENCES roles (roleid) ON DELETE CASCADE,
	PRIMARY KEY (systemuserid, roleid)
);
CREATE INDEX systemuserroles_role ON systemuserroles (roleid);

CREATE TABLE teamroles (
	teamid TEXT COLLATE "C" NOT NULL REFERENCES teams (teamid) ON DELETE CASCADE,
	roleid TEXT COLLATE "C" NOT NULL REFERENCES roles (roleid) ON DELETE CASCADE,
	PRIMARY KEY (teamid, roleid)
);
CREATE INDEX teamroles_role ON teamroles (roleid);

CREATE TABLE teammembership (
	teamid       TEXT COLLATE "C" NOT NULL REFERENCES teams (teamid) ON DELETE CASCADE,
	systemuserid TEXT COLLATE "C" NOT NULL REFERENCES systemusers (systemuserid) ON DELETE CASCADE,
	PRIMARY KEY (teamid, systemuserid)
);
CREATE INDEX teammembership_user ON teammembership (systemuserid);

-- principalobjectaccess records what a share grants: access rights on a connector to a user or team.
CREATE TABLE principalobjectaccess (
	objectid      TEXT COLLATE "C" NOT NULL REFERENCES connectors (connectorid) ON DELETE CASCADE,
	principalid   TEXT COLLATE "C" NOT NULL,
	principaltype TEXT COLLATE "C" NOT NULL,
	accessmask    INTEGER NOT NULL,
	PRIMARY KEY (objectid, principalid)
);
CREATE INDEX principalobjectaccess_principal ON principalobjectaccess (principalid, objectid);

-- Identity lookups by name (any case) and the keyset order of their lists.
CREATE INDEX systemusers_email ON systemusers (lower(internalemailaddress));
CREATE INDEX systemusers_fullname ON systemusers (lower(fullname), systemuserid);
-- Users are looked up by (issuer, oid).
CREATE UNIQUE INDEX systemusers_objectid_issuer ON systemusers (objectidissuer, azureactivedirectoryobjectid);
CREATE INDEX teams_name ON teams (lower(name), teamid);
CREATE INDEX businessunits_name ON businessunits (lower(name), businessunitid);
CREATE INDEX businessunits_parent ON businessunits (parentbusinessunitid);

-- Change tracking: deletions remembered as tombstones for a bounded time, with the owner and
-- business unit the record had, so that the deletions a caller is told of are trimmed as reads are.
CREATE TABLE connectortombstones (
	connectorid        TEXT COLLATE "C" PRIMARY KEY,
	versionnumber      BIGINT NOT NULL,
	ownerid            TEXT COLLATE "C" NOT NULL,
	owningbusinessunit TEXT COLLATE "C" NOT NULL,
	deletedon          BIGINT NOT NULL
);
CREATE INDEX connectortombstones_versionnumber ON connectortombstones (versionnumber);
CREATE INDEX connectortombstones_deletedon ON connectortombstones (deletedon);

-- identityrowversion is the counter behind the versionnumber (ETag) of users, teams, business
-- units and roles: a counter of its own, so that identity writes do not shift the
-- versionnumbers of connectors. Triggers keep it, so that no path that writes these tables can
-- forget to. A new row, or an UPDATE that SETs one of the listed columns, takes the next value;
-- objectidissuer, tokensvalidafter and versionnumber are not listed, so they do not move it.
CREATE TABLE identityrowversion (
	value BIGINT NOT NULL
);
INSERT INTO identityrowversion (value) VALUES (0);

-- search_path is pinned to the one the schema was created under, so that the counter is found
-- whatever the writer's search_path is.
CREATE FUNCTION identity_version() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
	UPDATE identityrowversion SET value = value + 1 RETURNING value INTO NEW.versionnumber;
	RETURN NEW;
END;
$$;

CREATE TRIGGER systemusers_version_insert BEFORE INSERT ON systemusers
	FOR EACH ROW EXECUTE FUNCTION identity_version();
CREATE TRIGGER systemusers_version_update
	BEFORE UPDATE OF fullname, internalemailaddress, azureactivedirectoryobjectid, businessunitid, isdisabled ON systemusers
	FOR EACH ROW EXECUTE FUNCTION identity_version();
CREATE TRIGGER teams_version_insert BEFORE INSERT ON teams
	FOR EACH ROW EXECUTE FUNCTION identity_version();
CREATE TRIGGER teams_version_update BEFORE UPDATE OF name, businessunitid ON teams
	FOR EACH ROW EXECUTE FUNCTION identity_version();
CREATE TRIGGER businessunits_version_insert BEFORE INSERT ON businessunits
	FOR EACH ROW EXECUTE FUNCTION identity_version();
CREATE TRIGGER businessunits_version_update BEFORE UPDATE OF name, parentbusinessunitid ON businessunits
	FOR EACH ROW EXECUTE FUNCTION identity_version();
CREATE TRIGGER roles_version_insert BEFORE INSERT ON roles
	FOR EACH ROW EXECUTE FUNCTION identity_version();
CREATE TRIGGER roles_version_update
	BEFORE UPDATE OF name, businessunitid, prvcreate, prvread, prvwrite, prvdelete, prvassign, prvshare, prvactonbehalf ON roles
	FOR EACH ROW EXECUTE FUNCTION identity_version();
