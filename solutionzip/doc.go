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
// # Unpacked folders
//
// WriteFolder and ReadFolder convert a Solution to and from a folder in the layout of
// `pac solution unpack` (spec §5.2), so that a solution can live in git and be diffed:
//
//	Other/Solution.xml                         solution.xml
//	Other/Customizations.xml                   customizations.xml, with <Connectors /> empty
//	Connectors/<name>.xml                      a connector's <Connector>, alone (paths inside still /Connector/…)
//	Connectors/<name>_openapidefinition.json   the connector's files, as in Connector/
//	environmentvariabledefinitions/…, other files   as in the zip; no [Content_Types].xml
//
// They share Write's writers and Read's parsing: ReadFolder(WriteFolder(s)) is s, but for
// the order of connectors (the manifest's root components), environment variables and kept
// files (their paths).
//
// The choices where Microsoft is silent are documented on Read, Write, WriteFolder and
// ReadFolder.
package solutionzip
