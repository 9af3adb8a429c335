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
		return nil, nil, Errorf(ECodeInvalidArgument, "apiProperties.json is not valid JSON at line %d, column %d: %v", line, col, err)
	}
	props := root.Get("properties")
	if props == nil || props.Kind != jsontext.Object {
		return nil, nil, Errorf(ECodeInvalidArgument, `apiProperties.json has no "properties" object.`)
	}
	raw := func(v *jsontext.Value) *string {
		s := string(text[v.Start:v.End])
		return &s
	}
	for _, m := range props.Members {
		v := m.Value
		switch m.Key {
		case "connectionParameters":
			u.ConnectionParameters = raw(v)
		case "connectionParameterSets":
			u.ConnectionParameterSets = raw(v)
		case "policyTemplateInstances":
			u.PolicyTemplateInstances = raw(v)
		case "scriptOperations":
			u.ScriptOperations = raw(v)
		case "iconBrandColor":
			if v.Kind == jsontext.String {
				u.IconBrandColor = &v.Str
			}
		case "capabilities":
			var values []string
			for _, c := range v.Elems {
				n, ok := capabilityValues[strings.ToLower(c.Str)]
				if c.Kind != jsontext.String || !ok {
					warnings = append(warnings, fmt.Sprintf("capability %s has no choice value in the connector table; it is left out", string(text[c.Start:c.End])))
					continue
				}
				values = append(values, fmt.Sprint(n))
			}
			if len(values) > 0 {
				caps := strings.Join(values, ",")
				u.Capabilities = &caps
			}
		}
	}
	return u, warnings, nil
}

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
