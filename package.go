package connectorhub

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/connectorhub/connectorhub/internal/jsontext"
)

// Package is a connector in the usual file layout of paconn and pac: the contents of
// apiDefinition.swagger.json, apiProperties.json and script.csx (nil when absent).
type Package struct {
	Definition []byte
	Properties []byte
	Script     []byte
}

// capabilityValues maps apiProperties capability names to the connector's choice values.
var capabilityValues = func() map[string]int {
	m := map[string]int{}
	for v, label := range CapabilityLabels {
		m[label] = v
	}
	return m
}()

// Update returns the columns the package sets: openapidefinition from the definition;
// connectionparameters, connectionparametersets, policytemplateinstances, scriptoperations
// (as their JSON text, byte for byte), capabilities and iconbrandcolor from the properties;
// customcodeblobcontent from the script. The identity columns (connectorid, name, displayname,
// connectortype) are the caller's. warnings name what the connector table cannot hold, such
// as the "triggers" capability, which has no choice value. A properties file that is not
// valid JSON is an error that says where.
func (p Package) Update() (u *ConnectorUpdate, warnings []string, err error) {
	u = &ConnectorUpdate{}
	def := string(p.Definition) // byte for byte, a byte-order mark included
	u.OpenAPIDefinition = &def
	if p.Script != nil {
		script := string(trimBOM(p.Script))
		u.CustomCodeBlobContent = &script
	}
	if p.Properties == nil {
		return u, nil, nil
	}
	text := trimBOM(p.Properties)
	root, err := jsontext.Parse(text)
	if err != nil {
		line, col := lineCol(text, offsetOf(err))
		return nil, nil, Errorf(ECodeInvalidArgument, "not valid JSON at line %d, column %d: %v", line, col, err)
	}
	props := root.Get("properties")
	if props == nil || props.Kind != jsontext.Object {
		return nil, nil, Errorf(ECodeInvalidArgument, `no "properties" object`)
	}
	// raw is a member's text, byte for byte, when it has the JSON type the column holds.
	raw := func(member string, v *jsontext.Value, want jsontext.Kind) (*string, error) {
		if v.Kind != want {
			return nil, Errorf(ECodeInvalidArgument, "properties.%s is a JSON %s, not %s", member, kindNames[v.Kind], kindArticled[want])
		}
		s := string(text[v.Start:v.End])
		return &s, nil
	}
	seen := map[int]bool{}
	for _, m := range props.Members {
		v := m.Value
		if v.Kind == jsontext.Null {
			continue
		}
		switch m.Key {
		case "connectionParameters":
			u.ConnectionParameters, err = raw(m.Key, v, jsontext.Object)
		case "connectionParameterSets":
			u.ConnectionParameterSets, err = raw(m.Key, v, jsontext.Object)
		case "policyTemplateInstances":
			u.PolicyTemplateInstances, err = raw(m.Key, v, jsontext.Array)
		case "scriptOperations":
			u.ScriptOperations, err = raw(m.Key, v, jsontext.Array)
		case "iconBrandColor":
			if v.Kind != jsontext.String {
				return nil, nil, Errorf(ECodeInvalidArgument, "properties.iconBrandColor is a JSON %s, not a string", kindNames[v.Kind])
			}
			u.IconBrandColor = &v.Str
		case "capabilities":
			if v.Kind != jsontext.Array {
				return nil, nil, Errorf(ECodeInvalidArgument, "properties.capabilities is a JSON %s, not an array of strings", kindNames[v.Kind])
			}
			var values []string
			for _, c := range v.Elems {
				if c.Kind != jsontext.String {
					return nil, nil, Errorf(ECodeInvalidArgument, "properties.capabilities holds %s, not only strings", string(text[c.Start:c.End]))
				}
				n, ok := capabilityValues[strings.ToLower(c.Str)]
				if !ok {
					warnings = append(warnings, fmt.Sprintf("capability %q has no choice value in the connector table; it is left out", c.Str))
					continue
				}
				if !seen[n] {
					seen[n] = true
					values = append(values, fmt.Sprint(n))
				}
			}
			if len(values) > 0 {
				caps := strings.Join(values, ",")
				u.Capabilities = &caps
			}
		}
		if err != nil {
			return nil, nil, err
		}
	}
	return u, warnings, nil
}

// kindNames name the JSON kinds in messages.
var (
	kindNames    = [...]string{jsontext.Null: "null", jsontext.Bool: "boolean", jsontext.Number: "number", jsontext.String: "string", jsontext.Object: "object", jsontext.Array: "array"}
	kindArticled = [...]string{jsontext.Null: "null", jsontext.Bool: "a boolean", jsontext.Number: "a number", jsontext.String: "a string", jsontext.Object: "an object", jsontext.Array: "an array"}
)

func trimBOM(b []byte) []byte { return bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) }

func offsetOf(err error) int {
	if se, ok := err.(*jsontext.SyntaxError); ok {
		return se.Offset
	}
	return 0
}

// lineCol returns the 1-based line and column (in characters) of a byte offset.
func lineCol(text []byte, offset int) (line, col int) {
	if offset > len(text) {
		offset = len(text)
	}
	before := text[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = len([]rune(string(before[bytes.LastIndexByte(before, '\n')+1:]))) + 1
	return line, col
}
