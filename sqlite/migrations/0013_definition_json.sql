-- The definition as a JSON string beside it (issue 13): reads copy it instead of escaping
-- the definition on every response. Rows written before have none and are escaped when read;
-- every write stores it.
ALTER TABLE connectors ADD COLUMN openapidefinitionjson TEXT;
