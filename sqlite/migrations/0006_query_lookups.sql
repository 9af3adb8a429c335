-- Indexes of lookup traversal ($filter=owninguser/fullname eq '…', $orderby=ownerid/fullname).
--
-- A filter on a related record's name runs as a join from that record to its connectors:
-- the record is found by its name, then its connectors by the lookup, from the index alone.
-- An order by a related name sorts the keys of every connector: reading them from an index
-- rather than from rows of ~75 KB is what makes it cost milliseconds.

-- The owner join needs owneridtype (a user's and a team's keys are not known to differ): this
-- index replaces connectors_ownerid (ownerid, connectorid), which read scopes also use.
CREATE INDEX connectors_owner ON connectors (ownerid, owneridtype, connectorid);
DROP INDEX connectors_ownerid;
CREATE INDEX connectors_createdby ON connectors (createdby, connectorid);
CREATE INDEX connectors_modifiedby ON connectors (modifiedby, connectorid);

-- Text compares without regard to case (NOCASE), so this is what an eq on a user's name can
-- seek; teams and business units have theirs (0004).
CREATE INDEX systemusers_fullname ON systemusers (fullname COLLATE NOCASE, systemuserid);
