-- Change tracking (Prefer: odata.track-changes, $deltatoken): what changed since a row version
-- is read by versionnumber, and deletions are remembered as tombstones for a bounded time
-- (docs/webapi.md). A tombstone keeps the owner and business unit the record had, so that the
-- deletions a caller is told of are trimmed as reads are.
CREATE INDEX connectors_versionnumber ON connectors (versionnumber);
CREATE TABLE connectortombstones (
	connectorid TEXT PRIMARY KEY,
	versionnumber INTEGER NOT NULL,
	ownerid TEXT NOT NULL,
	owningbusinessunit TEXT NOT NULL,
	deletedon INTEGER NOT NULL
);
CREATE INDEX connectortombstones_versionnumber ON connectortombstones (versionnumber);
CREATE INDEX connectortombstones_deletedon ON connectortombstones (deletedon);
