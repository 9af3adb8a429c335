package validate

import (
	"context"
	"regexp"
	"strconv"
	"strings"
)

// Properties validates a connector's apiProperties.json (connection parameters, policy
// template instances, script operations, brand colour). definition is the text of the
// connector's definition, used to check that scriptOperations and policy templates name
// existing operations; pass nil to skip those checks. Like Definition it never fails: an
// unreadable text is a finding.
func Properties(text, definition []byte, opts Options) Report {
	r, _ := PropertiesContext(context.Background(), text, definition, opts)
	return r
}

// PropertiesContext is Properties stopping early when ctx ends: it then returns no findings
// and ctx's error.
func PropertiesContext(ctx context.Context, text, definition []byte, opts Options) (Report, error) {
	return validation(newMeter(ctx, len(text)+len(definition)), func(m *meter) Report { return checkProperties(m, text, definition, opts) })
}

func checkProperties(m *meter, text, definition []byte, opts Options) Report {
	c := &checker{opts: opts, m: m}
	doc, ok := c.parse(text)
	if !ok {
		return c.report(text, false)
	}
	s, err := loadSchemas()
	if err != nil {
		c.add(rSchemaViolation, "", "the embedded schema does not load: %v", err)
		return c.report(text, true)
	}
	root := doc.(map[string]any)
	props := obj(root["properties"])
	// Policy template instances are checked one by one (checkPolicies); the rest of the
	// document goes to the schema without them.
	rest := root
	if _, has := props["policyTemplateInstances"]; has {
		rest = shallowWithout(root, "properties", "policyTemplateInstances")
	}
	c.run("JSON Schema", "", func() { s.properties.check(c, rest, "") })
	checkPropertiesCore(c, root)
	if props == nil {
		return c.report(text, true)
	}
	m.checkContext()
	ops := operationIDs(definition)
	m.checkContext()
	c.run("policy template", "/properties/policyTemplateInstances", func() {
		checkPolicies(c, s, props["policyTemplateInstances"], "/properties/policyTemplateInstances", ops)
	})
	for i, op := range arr(props["scriptOperations"]) {
		if id, ok := op.(string); ok && ops != nil && !ops[id] {
			c.add(rScriptOperationUnknown, ptr("/properties/scriptOperations", strconv.Itoa(i)), "scriptOperations names %q, which is not an operationId of the definition", id)
		}
	}
	checkBrandColor(c, props)
	if opts.Certification {
		for _, k := range []string{"publisher", "stackOwner"} {
			if strings.TrimSpace(strOf(props[k])) == "" {
				c.add(rPublisher, "/properties", "%q is missing", k)
			}
		}
	}
	m.checkContext()
	return c.report(text, true)
}

// ConnectionParameters validates the connectionparameters column: the JSON object that
// apiProperties.json holds under properties.connectionParameters.
func ConnectionParameters(text []byte, opts Options) Report {
	r, _ := ConnectionParametersContext(context.Background(), text, opts)
	return r
}

// ConnectionParametersContext is ConnectionParameters stopping early when ctx ends: it then
// returns no findings and ctx's error.
func ConnectionParametersContext(ctx context.Context, text []byte, opts Options) (Report, error) {
	return validation(newMeter(ctx, len(text)), func(m *meter) Report {
		c := &checker{opts: opts, m: m}
		doc, ok := c.parse(text)
		if !ok {
			return c.report(text, false)
		}
		if s, err := loadSchemas(); err == nil {
			c.run("JSON Schema", "", func() { s.connectionParameters.check(c, doc, "") })
		}
		checkConnectionParameters(c, doc, "")
		m.checkContext()
		return c.report(text, true)
	})
}

// PolicyTemplateInstances validates the policytemplateinstances column: the JSON array that
// apiProperties.json holds under properties.policyTemplateInstances. definition is as for
// Properties.
func PolicyTemplateInstances(text, definition []byte, opts Options) Report {
	r, _ := PolicyTemplateInstancesContext(context.Background(), text, definition, opts)
	return r
}

// PolicyTemplateInstancesContext is PolicyTemplateInstances stopping early when ctx ends: it
// then returns no findings and ctx's error.
func PolicyTemplateInstancesContext(ctx context.Context, text, definition []byte, opts Options) (Report, error) {
	return validation(newMeter(ctx, len(text)+len(definition)), func(m *meter) Report { return checkPolicyTemplateInstances(m, text, definition, opts) })
}

func checkPolicyTemplateInstances(m *meter, text, definition []byte, opts Options) Report {
	c := &checker{opts: opts, m: m}
	doc, _, _, err := parseJSON(text)
	if err != nil {
		c.parse(text) // reports the syntax error
		return c.report(text, false)
	}
	if _, isArr := doc.([]any); !isArr {
		c.addAt(rJSONType, "", 0, "the value is %s, expected an array of policy template instances", jsonKind(doc))
		return c.report(text, true)
	}
	if s, err := loadSchemas(); err == nil {
		ops := operationIDs(definition)
		m.checkContext()
		c.run("policy template", "", func() { checkPolicies(c, s, doc, "", ops) })
	}
	m.checkContext()
	return c.report(text, true)
}

// shallowWithout copies m[outer] without the member inner, leaving m untouched.
func shallowWithout(m map[string]any, outer, inner string) map[string]any {
	cp := make(map[string]any, len(m))
	for k, v := range m {
		cp[k] = v
	}
	o := obj(m[outer])
	io := make(map[string]any, len(o))
	for k, v := range o {
		if k != inner {
			io[k] = v
		}
	}
	cp[outer] = io
	return cp
}

// operationIDs returns the operationIds of a definition text, or nil when there is none or it
// does not parse (then references to operations are not checked).
func operationIDs(definition []byte) map[string]bool {
	if definition == nil {
		return nil
	}
	doc, _, _, err := parseJSON(definition)
	root := obj(doc)
	if err != nil || root == nil {
		return nil
	}
	return newDefinition(root, len(definition), nil).operationIDs
}

// policyMembers are the member names of a policy template instance; PascalCase spellings
// (TemplateId, Title, Parameters), which exports of the service use, are accepted too.
var policyMembers = map[string]string{"templateid": "templateId", "title": "title", "type": "type", "parameters": "parameters"}

// checkPolicies validates policy template instances, each against the schema of its
// template; template ids are matched in any letter case (setheader, SetHeader, setHeader).
func checkPolicies(c *checker, s *schemas, v any, at string, ops map[string]bool) {
	list, ok := v.([]any)
	if !ok {
		if v != nil {
			c.add(rJSONType, at, "policyTemplateInstances is %s, expected an array", jsonKind(v))
		}
		return
	}
	for i, x := range list {
		iat := ptr(at, strconv.Itoa(i))
		inst, ok := x.(map[string]any)
		if !ok {
			c.add(rJSONType, iat, "the policy template instance is %s, expected an object", jsonKind(x))
			continue
		}
		// Normalise member names, remembering the original spelling for the pointers.
		norm := make(map[string]any, len(inst))
		original := map[string]string{}
		for k, val := range inst {
			if camel, ok := policyMembers[strings.ToLower(k)]; ok {
				norm[camel] = val
				original[camel] = k
			} else {
				norm[k] = val
			}
		}
		id, _ := norm["templateId"].(string)
		t, known := s.templates[strings.ToLower(id)]
		switch {
		case known:
			norm["templateId"] = strings.ToLower(id)
		case id != "":
			c.add(rPolicyTemplateUnknown, ptr(iat, nameOf(original, "templateId")), "the policy template %q is not one of the published templates (%s)", id, strings.Join(sortedKeys(s.templates), ", "))
			t = s.templateBase
		default:
			t = s.templateBase
		}
		from := len(c.found)
		t.check(c, norm, iat)
		switch {
		case norm["templateId"] == nil:
			c.add(rPolicyTemplateID, iat, "the policy template instance has no templateId")
		case id == "":
			c.add(rPolicyTemplateID, ptr(iat, "templateId"), "the templateId is not a non-empty string")
		}
		if p, ok := norm["parameters"]; ok && obj(p) == nil {
			c.add(rJSONType, ptr(iat, "parameters"), "parameters is %s, expected an object", jsonKind(p))
		}
		// Point findings at the members as written.
		for j := from; j < len(c.found); j++ {
			c.found[j].Pointer = respell(c.found[j].Pointer, iat, original)
		}
		params := obj(norm["parameters"])
		for k, name := range arr(params["x-ms-apimTemplate-operationName"]) {
			if id, ok := name.(string); ok && ops != nil && !ops[id] {
				c.add(rPolicyOperationUnknown, ptr(iat, nameOf(original, "parameters"), "x-ms-apimTemplate-operationName", strconv.Itoa(k)), "the policy applies to %q, which is not an operationId of the definition", id)
			}
		}
	}
}

func nameOf(original map[string]string, camel string) string {
	if o, ok := original[camel]; ok {
		return o
	}
	return camel
}

// respell replaces the first token after base in p by its original spelling.
func respell(p, base string, original map[string]string) string {
	rest, ok := strings.CutPrefix(p, base+"/")
	if !ok {
		return p
	}
	tok, tail, _ := strings.Cut(rest, "/")
	if o, ok := original[tok]; ok {
		p = base + "/" + pointerEscaper.Replace(o)
		if tail != "" {
			p += "/" + tail
		}
	}
	return p
}

var brandColor = regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)

func checkBrandColor(c *checker, props map[string]any) {
	color, ok := props["iconBrandColor"].(string)
	if !ok {
		return
	}
	if !brandColor.MatchString(color) {
		c.add(rBrandColor, "/properties/iconBrandColor", "the iconBrandColor %q is not a #rrggbb colour", color)
		return
	}
	if l := strings.ToLower(color); l == "#007ee5" || l == "#ffffff" {
		c.add(rBrandColorDefault, "/properties/iconBrandColor", "the iconBrandColor %s is not allowed for certified connectors", color)
	}
}

// connectionParameterTypes are the types of connection parameters the service knows
// (paconn README, connection-parameters.md).
var connectionParameterTypes = []string{"string", "securestring", "int", "bool", "oauthSetting", "gatewaySetting", "clientCertificate"}

// checkPropertiesCore checks what the service needs of apiProperties.json; everything else the
// published schema says is a warning.
func checkPropertiesCore(c *checker, root map[string]any) {
	v, ok := root["properties"]
	if !ok {
		return // RequiredPropertyMissing, from the schema
	}
	props := obj(v)
	if props == nil {
		c.add(rJSONType, "/properties", "properties is %s, expected an object", jsonKind(v))
		return
	}
	if cp, ok := props["connectionParameters"]; ok {
		checkConnectionParameters(c, cp, "/properties/connectionParameters")
	}
	for _, k := range []string{"capabilities", "scriptOperations"} {
		x, ok := props[k]
		if !ok {
			continue
		}
		a, isArr := x.([]any)
		if !isArr {
			c.add(rJSONType, ptr("/properties", k), "%s is %s, expected an array of strings", k, jsonKind(x))
			continue
		}
		for i, e := range a {
			if _, ok := e.(string); !ok {
				c.add(rJSONType, ptr("/properties", k, strconv.Itoa(i)), "the item is %s, expected a string", jsonKind(e))
			}
		}
	}
	if x, ok := props["iconBrandColor"]; ok {
		if _, isStr := x.(string); !isStr {
			c.add(rJSONType, "/properties/iconBrandColor", "iconBrandColor is %s, expected a string", jsonKind(x))
		}
	}
}

// checkConnectionParameters checks the parameter types and OAuth settings of a
// connectionParameters object written at at.
func checkConnectionParameters(c *checker, v any, at string) {
	cps, ok := v.(map[string]any)
	if !ok {
		c.add(rJSONType, at, "connectionParameters is %s, expected an object", jsonKind(v))
		return
	}
	for _, name := range sortedKeys(cps) {
		pat := ptr(at, name)
		p, ok := cps[name].(map[string]any)
		if !ok {
			c.add(rJSONType, pat, "the connection parameter is %s, expected an object", jsonKind(cps[name]))
			continue
		}
		t, ok := p["type"].(string)
		if !ok {
			c.add(rConnParamType, pat, "the connection parameter %q has no type", name)
			continue
		}
		// The service reads the type without regard to letter case: "oAuthSetting", which
		// published connectors use, is "oauthSetting".
		if !containsFold(connectionParameterTypes, t) {
			c.add(rConnParamType, ptr(pat, "type"), "the connection parameter type %q is not one of %s (in any letter case)", t, strings.Join(connectionParameterTypes, ", "))
		}
		if strings.EqualFold(t, "oauthSetting") {
			o, ok := p["oAuthSettings"].(map[string]any)
			if !ok {
				c.add(rOAuthSettings, pat, "the OAuth connection parameter %q has no oAuthSettings object", name)
				continue
			}
			if idp, _ := o["identityProvider"].(string); idp == "" {
				c.add(rOAuthSettings, ptr(pat, "oAuthSettings"), "the oAuthSettings of %q name no identityProvider", name)
			}
		}
	}
}
