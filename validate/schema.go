package validate

import (
	"embed"
	"fmt"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The two published schemas, copied verbatim from the corpus. Both hold // comments (the
// definition schema "// TODO" placeholders under x-ms-dynamic-tree, the properties schema a
// remark in an enum); they are stripped at load time by the same lenient reader that reads
// connector files, so the embedded copies stay byte-identical to their source.
//
//go:embed schema/apiDefinition.swagger.schema.json schema/paconn-apiProperties.schema.json
var schemaFS embed.FS

const (
	definitionFile = "schema/apiDefinition.swagger.schema.json"
	propertiesFile = "schema/paconn-apiProperties.schema.json"
	baseURL        = "https://connectorhub.invalid/"
)

// tiered is a schema in two strengths: strict is the published schema, core the same relaxed
// to what the service enforces (see relax). A violation of core is an error, one of strict
// alone a warning. Without core every violation is a warning: the properties schema is so much
// stricter than the service that its core is written by hand (checkPropertiesCore).
// quick and coreQuick are their quick checks (nil when none), which let a valid value skip the
// package's validator.
type tiered struct {
	strict, core     *jsonschema.Schema
	quick, coreQuick *quickSchema
}

// check validates v and adds the findings, pointers prefixed with base. A value valid against
// strict is valid against core, so the core pass only runs after strict failed.
func (t tiered) check(c *checker, v any, base string) {
	if quickValid(t.quick, v) {
		return
	}
	if err := t.strict.Validate(v); err != nil {
		if t.core != nil && !quickValid(t.coreQuick, v) {
			c.schemaCheck(t.core, v, base, Error)
		}
		c.schemaErrors(err, base, Warning)
	}
}

// quickValid reports whether q (when there is one) tells that v is valid.
func quickValid(q *quickSchema, v any) bool {
	if q == nil {
		return false
	}
	valid, known := q.valid(v)
	return known && valid
}

type schemas struct {
	definition tiered
	// properties is apiProperties.json without policyTemplateInstances, which are validated
	// one by one against the definition of their template (templates, by lower-case id, or
	// templateBase for an unknown template).
	properties   tiered
	templates    map[string]tiered
	templateBase tiered
	// connectionParameters validates the column of that name, the bare
	// properties.connectionParameters object.
	connectionParameters tiered
}

// loadSchemas compiles the embedded schemas once; compilation takes tens of milliseconds and
// every validation afterwards reuses the result.
var loadSchemas = sync.OnceValues(func() (*schemas, error) {
	c := jsonschema.NewCompiler()
	c.UseRegexpEngine(lenientRegexp)
	// The schemas say draft-04 and draft-07; their "id" URLs point at the internet, so both are
	// registered under local URLs and nothing is ever fetched.
	c.UseLoader(noLoader{})
	var templateIDs []string
	for _, file := range []string{definitionFile, propertiesFile} {
		for _, tier := range []string{"strict", "core"} {
			if file == propertiesFile && tier == "core" {
				continue
			}
			text, err := schemaFS.ReadFile(file)
			if err != nil {
				return nil, err
			}
			doc, _, _, err := parseJSON(text)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			m, ok := doc.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s: not an object", file)
			}
			delete(m, "id") // the document's own id would otherwise replace its registered URL
			if tier == "core" {
				relax(m)
			} else if file == propertiesFile {
				// paconn reads and writes two members the published schema forgets
				// (dataverse-connector-api.md §7.6): declare them so they are not "not allowed".
				p := obj(obj(obj(m["properties"])["properties"])["properties"])
				p["scriptOperations"] = map[string]any{"type": "array", "items": map[string]any{"type": "string"}}
				p["connectionParameterSets"] = map[string]any{"type": "object"}
				for name := range obj(m["definitions"]) {
					if id, ok := strings.CutPrefix(name, "PolicyTemplateInstance-"); ok {
						templateIDs = append(templateIDs, id)
					}
				}
			}
			if err := c.AddResource(baseURL+tier+"/"+file, m); err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
		}
	}
	compile := func(file, fragment string) (tiered, error) {
		var t tiered
		var err error
		if t.strict, err = c.Compile(baseURL + "strict/" + file + fragment); err != nil {
			return t, err
		}
		t.quick = newQuickSchema(t.strict)
		if file == propertiesFile {
			return t, nil
		}
		if t.core, err = c.Compile(baseURL + "core/" + file + fragment); err != nil {
			return t, err
		}
		t.coreQuick = newQuickSchema(t.core)
		return t, nil
	}
	s := &schemas{templates: map[string]tiered{}}
	var err error
	if s.definition, err = compile(definitionFile, ""); err != nil {
		return nil, err
	}
	if s.properties, err = compile(propertiesFile, ""); err != nil {
		return nil, err
	}
	if s.connectionParameters, err = compile(propertiesFile, "#/properties/properties/properties/connectionParameters"); err != nil {
		return nil, err
	}
	if s.templateBase, err = compile(propertiesFile, "#/definitions/PolicyTemplateInstanceBase"); err != nil {
		return nil, err
	}
	for _, id := range templateIDs {
		if s.templates[id], err = compile(propertiesFile, "#/definitions/PolicyTemplateInstance-"+id); err != nil {
			return nil, err
		}
	}
	return s, nil
})

// noLoader refuses every URL: the validator runs offline, and the meta-schemas it needs are
// built into the jsonschema package.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("validate: refusing to fetch %s: the validator works offline", url)
}

// relax derives from the published definition schema the part the service enforces: the
// corpus of published connectors, all accepted by the service, breaks the published schema
// in these ways only, so these constraints become warnings rather than errors:
//   - unknown members (additionalProperties: false), unknown x-ms-* content and invalid
//     extension values: the service ignores what it does not know;
//   - "format" values outside the schema's list (Swagger allows any format), and URLs or
//     email addresses that are not well formed;
//   - empty responses objects (minProperties, not);
//   - hosts with braces or spaces (placeholders replaced by a policy or by the user): the core
//     schema only refuses a scheme or a path in host.
func relax(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if ap, ok := x["additionalProperties"].(bool); ok && !ap {
			delete(x, "additionalProperties")
		}
		delete(x, "not")
		delete(x, "minProperties")
		if _, keyword := x["format"].(string); keyword {
			delete(x, "format") // uri and email formats of contact and license URLs
		}
		if defs, ok := x["definitions"].(map[string]any); ok {
			delete(obj(defs["format"]), "enum") // the type formats schemas may use
		}
		if props, ok := x["properties"].(map[string]any); ok {
			for k, p := range props {
				switch {
				case strings.HasPrefix(k, "x-ms-"):
					props[k] = map[string]any{}
				case k == "format":
					delete(obj(p), "enum")
				case k == "host":
					obj(p)["pattern"] = `^[^/\\]*$`
				}
			}
		}
		for k, e := range x {
			x[k] = relax(e)
		}
	case []any:
		for i, e := range x {
			x[i] = relax(e)
		}
	}
	return v
}
