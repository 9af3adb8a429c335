-- Security roles, their holders, team membership and sharing (issue: identity and access).
CREATE TABLE roles (
	roleid         TEXT PRIMARY KEY,
	name           TEXT NOT NULL,
	businessunitid TEXT NOT NULL REFERENCES businessunits (businessunitid),
	-- privileges: depth of Create, Read, Write, Delete, Assign, Share, ActOnBehalf (0 none … 4 organization)
	prvcreate      INTEGER NOT NULL DEFAULT 0,
	prvread        INTEGER NOT NULL DEFAULT 0,
	prvwrite       INTEGER NOT NULL DEFAULT 0,
	prvdelete      INTEGER NOT NULL DEFAULT 0,
	prvassign      INTEGER NOT NULL DEFAULT 0,
	prvshare       INTEGER NOT NULL DEFAULT 0,
	prvactonbehalf INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX roles_name ON roles (name COLLATE NOCASE, businessunitid);

CREATE TABLE systemuserroles (
	systemuserid TEXT NOT NULL REFERENCES systemusers (systemuserid) ON DELETE CASCADE,
	roleid       TEXT NOT NULL REFERENCES roles (roleid) ON DELETE CASCADE,
	PRIMARY KEY (systemuserid, roleid)
);

CREATE TABLE teamroles (
	teamid TEXT NOT NULL REFERENCES teams (teamid) ON DELETE CASCADE,
	roleid TEXT NOT NULL REFERENCES roles (roleid) ON DELETE CASCADE,
	PRIMARY KEY (teamid, roleid)
);

CREATE TABLE teammembership (
	teamid       TEXT NOT NULL REFERENCES teams (teamid) ON DELETE CASCADE,
	systemuserid TEXT NOT NULL REFERENCES systemusers (systemuserid) ON DELETE CASCADE,
	PRIMARY KEY (teamid, systemuserid)
);
CREATE INDEX teammembership_user ON teammembership (systemuserid);

-- principalobjectaccess records what a share grants: access rights on a connector to a user or team.
CREATE TABLE principalobjectaccess (
	objectid      TEXT NOT NULL REFERENCES connectors (connectorid) ON DELETE CASCADE,
	principalid   TEXT NOT NULL,
	principaltype TEXT NOT NULL,
	accessmask    INTEGER NOT NULL,
	PRIMARY KEY (objectid, principalid)
);
CREATE INDEX principalobjectaccess_principal ON principalobjectaccess (principalid, objectid);

CREATE INDEX systemusers_email ON systemusers (internalemailaddress COLLATE NOCASE);
CREATE INDEX connectors_owningbusinessunit ON connectors (owningbusinessunit, connectorid);
