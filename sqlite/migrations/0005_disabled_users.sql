-- Disabled users (issue: identity and access): Dataverse disables users rather than deleting
-- them; a disabled user keeps its records, roles and memberships but cannot sign in or be
-- impersonated.
ALTER TABLE systemusers ADD COLUMN isdisabled INTEGER NOT NULL DEFAULT 0;

-- Disabling or enabling a user changes its record, so its ETag moves: the update trigger of
-- 0004 learns the new column.
DROP TRIGGER systemusers_version_update;
CREATE TRIGGER systemusers_version_update AFTER UPDATE OF fullname, internalemailaddress, azureactivedirectoryobjectid, businessunitid, isdisabled ON systemusers BEGIN
	UPDATE identityrowversion SET value = value + 1;
	UPDATE systemusers SET versionnumber = (SELECT value FROM identityrowversion) WHERE rowid = NEW.rowid;
END;

-- Custom roles are looked up by name (any case) across business units; holders of a role are
-- counted before it is deleted.
CREATE INDEX roles_name_any ON roles (name COLLATE NOCASE, roleid);
CREATE INDEX systemuserroles_role ON systemuserroles (roleid);
CREATE INDEX teamroles_role ON teamroles (roleid);
