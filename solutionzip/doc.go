// Package solutionzip reads and writes Dataverse solution files: the .zip that
// ExportSolution answers and ImportSolution takes, holding custom connectors. It knows
// nothing of storage or HTTP; the server's ExportSolution/ImportSolution actions and the
// CLI's pack and unpack build on it.
//
// # The format
//
// A solution file (spec: ../shared/spec/solutions-alm.md §5.1 and §6, and §7 of
// ../shared/spec/dataverse-connector-api.md) is a zip whose files sit at its root:
//
//	customizations.xml                         the components: <Connectors>, <connectionreferences>, …
//	solution.xml                               the manifest: unique name, version, managed, publisher, root components
//	Connector/<name>_openapidefinition.json    a connector's Swagger 2.0 definition, as stored
//	Connector/<name>_connectionparameters.json the connection parameters ({} when none), without secrets
//	Connector/<name>_connectionparametersets.json   multi-auth parameter sets, when present
//	Connector/<name>_policytemplateinstances.json   the policies ([] when none)
//	Connector/<name>_customcodeblobcontent.csx the custom code, when present
//	Connector/<name>_iconblob.Png              the icon, the only way it travels
//	environmentvariabledefinitions/<schema>/environmentvariabledefinition.xml (+ environmentvariablevalues.json)
//	…                                          files of other components (canvas apps, workflows…), kept as they are
//	[Content_Types].xml                        the OPC content types of the files' extensions
//
// customizations.xml's <Connector> holds the connector's columns in a fixed order
// (connectorid, description, displayname, iconbrandcolor, name, connectortype,
// [scriptoperations], openapidefinition, connectionparameters, [connectionparametersets],
// policytemplateinstances, [customcodeblobcontent], iconblob); the file-backed ones hold the
// file's path, e.g. /Connector/cr736_5Fdemo_openapidefinition.json. solution.xml lists each
// connector as <RootComponent type="372" id="{connectorid}" schemaName="<name>" behavior="0" />.
// Connection references and environment variables travel as spec §6 describes.
//
// # Reading and writing
//
// Read turns a zip into a Solution: the manifest and the connectors, connection references
// and environment variables as fields, and everything it does not model (other sections of
// customizations.xml, other elements, other files) kept verbatim, so that an import can
// report it and an export of an imported solution loses nothing. It tolerates the variations
// of real exports and refuses, with an *Error naming the file and the element, what is not a
// solution or is hostile (path traversal, zip bombs, DTDs), within Limits.
//
// Write turns a Solution into a zip in the shape of Dataverse's exports, deterministically
// (the same Solution gives the same bytes), with the connectors' text byte for byte. It
// refuses connection parameters that hold a secret: secrets never travel (spec §0.6, §5.1;
// connector spec §7.2). Write(Read(z)) reads back as the same Solution.
//
// The choices where Microsoft is silent are documented on Read and Write.
package solutionzip
