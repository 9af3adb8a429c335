-- The identity tables through the Web API (issue 4, item 5): every user, team, business unit
-- and role gets a versionnumber, the ETag of its record, from a database-wide counter that
-- only grows, as connectors do. It is a counter of its own, identityrowversion, rather than
-- rowversion: identity writes (Bootstrap alone makes six) would otherwise shift the
-- versionnumbers of connectors, which the contract suite and clients see as 1, 2, 3… on a
-- new database. ETags compare within one record, so two counters lose nothing.
--
-- Triggers keep the versions, rather than the Go code, so that every path that writes these
-- tables (Bootstrap, the users and teams commands, the Web API) moves them, and no path can
-- forget to.
CREATE TABLE identityrowversion (
	value INTEGER NOT NULL
);
INSERT INTO identityrowversion (value) VALUES (0);

ALTER TABLE systemusers ADD COLUMN versionnumber INTEGER NOT NULL DEFAULT 0;
ALTER TABLE teams ADD COLUMN versionnumber INTEGER NOT NULL DEFAULT 0;
ALTER TABLE businessunits ADD COLUMN versionnumber INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN versionnumber INTEGER NOT NULL DEFAULT 0;

-- Existing rows: distinct versions above every version given so far.
UPDATE systemusers SET versionnumber = (SELECT value FROM identityrowversion) + rowid;
UPDATE identityrowversion SET value = value + COALESCE((SELECT MAX(rowid) FROM systemusers), 0);
UPDATE teams SET versionnumber = (SELECT value FROM identityrowversion) + rowid;
UPDATE identityrowversion SET value = value + COALESCE((SELECT MAX(rowid) FROM teams), 0);
UPDATE businessunits SET versionnumber = (SELECT value FROM identityrowversion) + rowid;
UPDATE identityrowversion SET value = value + COALESCE((SELECT MAX(rowid) FROM businessunits), 0);
UPDATE roles SET versionnumber = (SELECT value FROM identityrowversion) + rowid;
UPDATE identityrowversion SET value = value + COALESCE((SELECT MAX(rowid) FROM roles), 0);

-- New rows and changed rows take the next version. The inner UPDATE sets only versionnumber,
-- which no "AFTER UPDATE OF" list names, so it does not fire the triggers again.
CREATE TRIGGER systemusers_version_insert AFTER INSERT ON systemusers BEGIN
	UPDATE identityrowversion SET value = value + 1;
	UPDATE systemusers SET versionnumber = (SELECT value FROM identityrowversion) WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER systemusers_version_update AFTER UPDATE OF fullname, internalemailaddress, azureactivedirectoryobjectid, businessunitid ON systemusers BEGIN
	UPDATE identityrowversion SET value = value + 1;
	UPDATE systemusers SET versionnumber = (SELECT value FROM identityrowversion) WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER teams_version_insert AFTER INSERT ON teams BEGIN
	UPDATE identityrowversion SET value = value + 1;
	UPDATE teams SET versionnumber = (SELECT value FROM identityrowversion) WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER teams_version_update AFTER UPDATE OF name, businessunitid ON teams BEGIN
	UPDATE identityrowversion SET value = value + 1;
	UPDATE teams SET versionnumber = (SELECT value FROM identityrowversion) WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER businessunits_version_insert AFTER INSERT ON businessunits BEGIN
	UPDATE identityrowversion SET value = value + 1;
	UPDATE businessunits SET versionnumber = (SELECT value FROM identityrowversion) WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER businessunits_version_update AFTER UPDATE OF name, parentbusinessunitid ON businessunits BEGIN
	UPDATE identityrowversion SET value = value + 1;
	UPDATE businessunits SET versionnumber = (SELECT value FROM identityrowversion) WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER roles_version_insert AFTER INSERT ON roles BEGIN
	UPDATE identityrowversion SET value = value + 1;
	UPDATE roles SET versionnumber = (SELECT value FROM identityrowversion) WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER roles_version_update AFTER UPDATE OF name, businessunitid, prvcreate, prvread, prvwrite, prvdelete, prvassign, prvshare, prvactonbehalf ON roles BEGIN
	UPDATE identityrowversion SET value = value + 1;
	UPDATE roles SET versionnumber = (SELECT value FROM identityrowversion) WHERE rowid = NEW.rowid;
END;

-- Names the Web API keeps unique (any case) are looked up by name; and the keyset order of
-- the lists by name.
CREATE INDEX teams_name ON teams (name COLLATE NOCASE, teamid);
CREATE INDEX businessunits_name ON businessunits (name COLLATE NOCASE, businessunitid);
CREATE INDEX businessunits_parent ON businessunits (parentbusinessunitid);
