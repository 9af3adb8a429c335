// Validates Swagger 2.0 files with @apidevtools/swagger-parser, for comparison with
// ConnectorHub's validate package (see README.md).
//
// Usage: node validate.js LIST
// LIST is a file with one path per line. Prints one JSON object per file,
// {"file", "valid", "error"}, then {"totalMs"}: the time spent validating, without start-up.
"use strict";

const fs = require("fs");
const SwaggerParser = require("@apidevtools/swagger-parser");

async function main() {
  const files = fs.readFileSync(process.argv[2], "utf8").split("\n").filter(Boolean);
  const start = process.hrtime.bigint();
  const results = [];
  for (const file of files) {
    try {
      // External references are not followed: the comparison is offline, like our validator.
      await SwaggerParser.validate(file, { resolve: { external: false } });
      results.push({ file, valid: true });
    } catch (err) {
      // The first two lines: the summary and the first detail.
      const lines = String(err.message || err).split("\n").map((l) => l.trim()).filter(Boolean);
      results.push({ file, valid: false, error: lines.slice(0, 2).join(" ") });
    }
  }
  const totalMs = Number(process.hrtime.bigint() - start) / 1e6;
  for (const r of results) {
    process.stdout.write(JSON.stringify(r) + "\n");
  }
  process.stdout.write(JSON.stringify({ totalMs }) + "\n");
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
