-- Indexes of the query engine (issue 3). 0001 has name and displayname (NOCASE), modifiedon
-- and ownerid ascending, each with the key as the tie-break that $orderby and keyset paging use.

-- "$orderby=modifiedon desc" (the newest first) with the key ascending as its tie-break: an
-- index in exactly that order lets SQLite read the first page without sorting.
CREATE INDEX connectors_modifiedon_desc ON connectors (modifiedon DESC, connectorid);
CREATE INDEX connectors_createdon ON connectors (createdon, connectorid);
-- Inventories: connectors per type and state ($apply=groupby((connectortype))), read from the
-- index alone.
CREATE INDEX connectors_type ON connectors (connectortype, statecode);
