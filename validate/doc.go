// Package validate checks Power Platform custom connectors offline: the OpenAPI (Swagger 2.0)
// definition, apiProperties.json and its connection parameters and policy templates, and the
// custom code, with named rules and exact positions.
//
// # API
//
//	func Definition(text []byte, opts Options) Report                    // apiDefinition.swagger.json, the openapidefinition column
//	func Properties(text, definition []byte, opts Options) Report        // apiProperties.json
//	func ConnectionParameters(text []byte, opts Options) Report          // the connectionparameters column
//	func PolicyTemplateInstances(text, definition []byte, opts Options) Report // the policytemplateinstances column
//	func Script(text []byte, opts Options) Report                        // script.csx
//	func Rules() []Rule                                                  // the rule catalogue
//
// DefinitionContext, PropertiesContext, ConnectionParametersContext and
// PolicyTemplateInstancesContext are the same, stopping early when their context ends: they then
// return no findings and the context's error. A server passes the request's context:
//
//	r, err := validate.DefinitionContext(req.Context(), body, validate.Options{})
//
// Each function takes the text as written, never fails and never panics: an unreadable text
// is a finding like any other (fuzzed by FuzzDefinition). A Report lists Findings sorted by
// position; each Finding has a stable rule id (Microsoft's Swagger Validator name where one
// exists, such as OperationIdNotUnique), a Severity (Error, Warning, Info), an RFC 6901 JSON
// pointer, the 1-based line and column of that place in the text (columns count Unicode code
// points), a message and a hint for the fix.
//
// # Structural and certification rules
//
// The structural rules are always checked; their errors are what the service refuses, so a
// server calls
//
//	r := validate.Definition(body, validate.Options{})
//	if r.HasErrors() {
//		// 400, with r.Summary(5) as the message: the first errors with their pointers
//	}
//
// on every create and update. Options.Certification adds the rules of Microsoft's
// certification review (string lengths, connector metadata, response hygiene); a strict server
// passes it and refuses their errors too. Finding.Certification tells the two sets apart.
//
// Every connector of the shared corpus passes the structural rules, except the few files that
// are not JSON (corpus_test.go lists them with the reason). That is by construction: the
// published JSON Schemas (embedded from schema/) are far stricter than the service, so a
// violation is an error only when it also violates the schema relaxed to what the service
// enforces (see relax), and a warning otherwise; the properties schema keeps only warnings,
// its core being checked by hand.
//
// # Performance
//
// The schemas are compiled once, on first use. A definition of 32 KB, the median of the
// corpus, validates in about 2 ms; the largest, 1 MB, in about 0.1 s (BenchmarkDefinition).
//
// Validation is linear in the size of the text, whatever the text: each referenced schema is
// expanded once per document, however many paths reach it, and each pass has a step budget
// linear in the size (see meter); a pass that exhausts it, which no real connector comes near,
// stops with a ValidationBudgetExceeded error. BenchmarkAdversarial and FuzzDefinitionRefs
// exercise definitions built to explode (references fanning out, recursion, allOf chains).
package validate
