-- The security version (issue 13): a counter that moves with every change to what a caller's
-- rights are made of (users, teams, business units, roles, their links), so that the
-- authenticator may keep a caller's rights between requests and know, with one read, when
-- they may have changed. Statement triggers keep it, so that no path that writes these
-- tables can forget to. Twin of SQLite's 0012.
CREATE TABLE securityversion (
	value BIGINT NOT NULL
);
INSERT INTO securityversion (value) VALUES (0);

-- search_path is pinned as identity_version's is.
CREATE FUNCTION security_version() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
	UPDATE securityversion SET value = value + 1;
	RETURN NULL;
END;
$$;

CREATE TRIGGER systemusers_security AFTER INSERT OR UPDATE OR DELETE ON systemusers
	FOR EACH STATEMENT EXECUTE FUNCTION security_version();
CREATE TRIGGER teams_security AFTER UPDATE OR DELETE ON teams
	FOR EACH STATEMENT EXECUTE FUNCTION security_version();
CREATE TRIGGER businessunits_security AFTER INSERT OR UPDATE OR DELETE ON businessunits
	FOR EACH STATEMENT EXECUTE FUNCTION security_version();
CREATE TRIGGER roles_security AFTER UPDATE OR DELETE ON roles
	FOR EACH STATEMENT EXECUTE FUNCTION security_version();
CREATE TRIGGER systemuserroles_security AFTER INSERT OR DELETE ON systemuserroles
	FOR EACH STATEMENT EXECUTE FUNCTION security_version();
CREATE TRIGGER teamroles_security AFTER INSERT OR DELETE ON teamroles
	FOR EACH STATEMENT EXECUTE FUNCTION security_version();
CREATE TRIGGER teammembership_security AFTER INSERT OR DELETE ON teammembership
	FOR EACH STATEMENT EXECUTE FUNCTION security_version();
