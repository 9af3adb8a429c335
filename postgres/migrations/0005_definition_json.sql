-- Twin of SQLite's 0013: the definition as a JSON string beside it.
ALTER TABLE connectors ADD COLUMN openapidefinitionjson TEXT COLLATE "C";
