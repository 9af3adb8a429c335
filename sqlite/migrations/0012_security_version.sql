-- The security version (issue 13): a counter that moves with every change to what a caller's
-- rights are made of (users, teams, business units, roles, their links), so that the
-- authenticator may keep a caller's rights between requests and know, with one read, when
-- they may have changed. Triggers keep it, so that no path that writes these tables can
-- forget to.
CREATE TABLE securityversion (
	value INTEGER NOT NULL
);
INSERT INTO securityversion (value) VALUES (0);

CREATE TRIGGER systemusers_security_insert AFTER INSERT ON systemusers BEGIN UPDATE securityversion SET value = value + 1; END;
CREATE TRIGGER systemusers_security_update AFTER UPDATE ON systemusers BEGIN UPDATE securityversion SET value = value + 1; END;
CREATE TRIGGER systemusers_security_delete AFTER DELETE ON systemusers BEGIN UPDATE securityversion SET value = value + 1; END;
CREATE TRIGGER teams_security_update AFTER UPDATE ON teams BEGIN UPDATE securityversion SET value = value + 1; END;
CREATE TRIGGER teams_security_delete AFTER DELETE ON teams BEGIN UPDATE securityversion SET value = value + 1; END;
CREATE TRIGGER businessunits_security_insert AFTER INSERT ON businessunits BEGIN UPDATE securityversion SET value = value + 1; END;
CREATE TRIGGER businessunits_security_update AFTER UPDATE ON businessunits BEGIN UPDATE securityversion SET value = value + 1; END;
CREATE TRIGGER businessunits_security_delete AFTER DELETE ON businessunits BEGIN UPDATE securityversion SET value = value + 1; END;
CREATE TRIGGER roles_security_update AFTER UPDATE ON roles BEGIN UPDATE securityversion SET value = value + 1; END;
CREATE TRIGGER roles_security_delete AFTER DELETE ON roles BEGIN UPDATE securityversion SET value = value + 1; END;
CREATE TRIGGER systemuserroles_security_insert AFTER INSERT ON systemuserroles BEGIN UPDATE securityversion SET value = value + 1; END;
CREATE TRIGGER systemuserroles_security_delete AFTER DELETE ON systemuserroles BEGIN UPDATE securityversion SET value = value + 1; END;
CREATE TRIGGER teamroles_security_insert AFTER INSERT ON teamroles BEGIN UPDATE securityversion SET value = value + 1; END;
CREATE TRIGGER teamroles_security_delete AFTER DELETE ON teamroles BEGIN UPDATE securityversion SET value = value + 1; END;
CREATE TRIGGER teammembership_security_insert AFTER INSERT ON teammembership BEGIN UPDATE securityversion SET value = value + 1; END;
CREATE TRIGGER teammembership_security_delete AFTER DELETE ON teammembership BEGIN UPDATE securityversion SET value = value + 1; END;
