package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/client"
	"github.com/connectorhub/connectorhub/internal/jsontext"
)

// Diff is what an update changes: the columns, and for the definition its operations.
type Diff struct {
	Columns    []ColumnChange  `json:"columns"`
	Definition *DefinitionDiff `json:"definition,omitempty"`
}

// Empty reports whether the diff changes nothing.
func (d *Diff) Empty() bool { return d == nil || len(d.Columns) == 0 }

// Changed reports whether the diff changes the column of that Web API name.
func (d *Diff) Changed(column string) bool {
	if d == nil {
		return false
	}
	for _, c := range d.Columns {
		if c.Column == column {
			return true
		}
	}
	return false
}

// ColumnChange is one changed column: short text columns give the old and the new value,
// JSON-text and long columns a summary.
type ColumnChange struct {
	Column  string `json:"column"`
	Old     string `json:"old,omitempty"`
	New     string `json:"new,omitempty"`
	Summary string `json:"summary,omitempty"`
}

// DefinitionDiff is the change of openapidefinition, compared as parsed JSON.
type DefinitionDiff struct {
	Added   []Operation       `json:"added,omitempty"`
	Removed []Operation       `json:"removed,omitempty"`
	Changed []OperationChange `json:"changed,omitempty"`
	// Other names the other changed parts: top-level members ("info", "host") and, in the
	// object-valued ones, their members ("definitions/Pet", "securityDefinitions/oauth2").
	Other []string `json:"other,omitempty"`
	// NotJSON is set when one of the texts is not JSON; they were compared as text.
	NotJSON bool `json:"notJson,omitempty"`
}

// Operation names one operation of a definition.
type Operation struct {
	OperationID string `json:"operationId"`
	Method      string `json:"method"`
	Path        string `json:"path"`
}

// OperationChange is an operation that both definitions have, with what changed in it.
type OperationChange struct {
	Operation
	// OldMethod and OldPath are set when the operation moved.
	OldMethod         string            `json:"oldMethod,omitempty"`
	OldPath           string            `json:"oldPath,omitempty"`
	ParametersAdded   []Parameter       `json:"parametersAdded,omitempty"`
	ParametersRemoved []Parameter       `json:"parametersRemoved,omitempty"`
	ParametersChanged []ParameterChange `json:"parametersChanged,omitempty"`
	Fields            []FieldChange     `json:"fields,omitempty"`
	Responses         *ResponsesDiff    `json:"responses,omitempty"`
	// Other names the other changed members of the operation, e.g. "x-ms-visibility".
	Other []string `json:"other,omitempty"`
}

// Parameter is one parameter of an operation (path-level parameters and $refs resolved).
type Parameter struct {
	Name     string `json:"name"`
	In       string `json:"in"`
	Type     string `json:"type,omitempty"`
	Required bool   `json:"required"`
}

// ParameterChange is a parameter both operations have (same name and in) that differs.
type ParameterChange struct {
	Name string    `json:"name"`
	In   string    `json:"in"`
	Old  Parameter `json:"old"`
	New  Parameter `json:"new"`
	// Fields names the members that differ, e.g. "type", "required", "x-ms-summary".
	Fields []string `json:"fields"`
}

// FieldChange is a changed text field of an operation, such as its summary.
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// ResponsesDiff lists the status codes whose responses were added, removed or changed.
type ResponsesDiff struct {
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
	Changed []string `json:"changed,omitempty"`
}

// field is a column a plan compares and an update writes: how to read it from a record, and
// how an update sets it from the desired record.
type field struct {
	name string
	get  func(*client.Connector) string
	set  func(*client.ConnectorUpdate, *client.Connector)
}

// textField is a text column: its place in a record and in an update.
func textField(name string, in func(*client.Connector) *string, out func(*client.ConnectorUpdate) **string) field {
	return field{
		name: name,
		get:  func(c *client.Connector) string { return *in(c) },
		set:  func(u *client.ConnectorUpdate, c *client.Connector) { v := *in(c); *out(u) = &v },
	}
}

// fields are the columns a plan compares and an update writes, in the order diffs list them.
// connectorid, name and connectorinternalid cannot change after create; iconblob cannot be
// written through the Web API.
var fields = []field{
	textField("displayname", func(c *client.Connector) *string { return &c.DisplayName }, func(u *client.ConnectorUpdate) **string { return &u.DisplayName }),
	textField("description", func(c *client.Connector) *string { return &c.Description }, func(u *client.ConnectorUpdate) **string { return &u.Description }),
	{name: "connectortype", get: func(c *client.Connector) string { return strconv.Itoa(c.ConnectorType) },
		set: func(u *client.ConnectorUpdate, c *client.Connector) { u.ConnectorType = client.Ptr(c.ConnectorType) }},
	textField("openapidefinition", func(c *client.Connector) *string { return &c.OpenAPIDefinition }, func(u *client.ConnectorUpdate) **string { return &u.OpenAPIDefinition }),
	textField("connectionparameters", func(c *client.Connector) *string { return &c.ConnectionParameters }, func(u *client.ConnectorUpdate) **string { return &u.ConnectionParameters }),
	textField("connectionparametersets", func(c *client.Connector) *string { return &c.ConnectionParameterSets }, func(u *client.ConnectorUpdate) **string { return &u.ConnectionParameterSets }),
	textField("policytemplateinstances", func(c *client.Connector) *string { return &c.PolicyTemplateInstances }, func(u *client.ConnectorUpdate) **string { return &u.PolicyTemplateInstances }),
	textField("scriptoperations", func(c *client.Connector) *string { return &c.ScriptOperations }, func(u *client.ConnectorUpdate) **string { return &u.ScriptOperations }),
	textField("customcodeblobcontent", func(c *client.Connector) *string { return &c.CustomCodeBlobContent }, func(u *client.ConnectorUpdate) **string { return &u.CustomCodeBlobContent }),
	textField("capabilities", func(c *client.Connector) *string { return &c.Capabilities }, func(u *client.ConnectorUpdate) **string { return &u.Capabilities }),
	textField("iconbrandcolor", func(c *client.Connector) *string { return &c.IconBrandColor }, func(u *client.ConnectorUpdate) **string { return &u.IconBrandColor }),
}

// fieldIndex finds a field by its column name.
var fieldIndex = func() map[string]*field {
	m := map[string]*field{}
	for i := range fields {
		m[fields[i].name] = &fields[i]
	}
	return m
}()

// Columns are the Web API names of the columns a plan compares and an update writes, in the
// order diffs list them.
var Columns = func() []string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	return names
}()

// jsonColumns are the columns that hold JSON text, compared as parsed JSON.
var jsonColumns = map[string]bool{
	"connectionparameters": true, "connectionparametersets": true,
	"policytemplateinstances": true, "scriptoperations": true,
}

// column returns the text of a column of c ("connectortype" as a number).
func column(c *client.Connector, name string) string {
	f := fieldIndex[name]
	if f == nil {
		panic("plan: unknown column " + name)
	}
	return f.get(c)
}

// scrubbed returns the desired connection parameter columns with their secrets blanked, as the
// server stores them (it never keeps secrets), so that a secret in a folder is no change.
func scrubbed(c *client.Connector) (params, sets string) {
	u := connectorhub.ConnectorUpdate{ConnectionParameters: &c.ConnectionParameters, ConnectionParameterSets: &c.ConnectionParameterSets}
	u.ScrubSecrets()
	return *u.ConnectionParameters, *u.ConnectionParameterSets
}

// Compare returns the diff that makes the server's record current into the desired one; an
// empty diff means no change. Text columns compare exactly, the definition and the JSON-text
// columns as parsed JSON (key order and whitespace are no change), capabilities as a set,
// and the desired connection parameters after their secrets are blanked, as the server does.
func Compare(current, desired *client.Connector) *Diff {
	d := &Diff{Columns: []ColumnChange{}}
	params, sets := scrubbed(desired)
	for _, col := range Columns {
		oldText, newText := column(current, col), column(desired, col)
		switch col {
		case "connectionparameters":
			newText = params
		case "connectionparametersets":
			newText = sets
		}
		switch {
		case col == "openapidefinition":
			dd := compareDefinitions([]byte(oldText), []byte(newText))
			if dd == nil {
				continue
			}
			d.Definition = dd
			d.Columns = append(d.Columns, ColumnChange{Column: col, Summary: dd.summary(oldText, newText)})
		case jsonColumns[col]:
			if s, changed := compareJSONText(oldText, newText); changed {
				d.Columns = append(d.Columns, ColumnChange{Column: col, Summary: s})
			}
		case col == "capabilities":
			if normalizeList(oldText) != normalizeList(newText) {
				d.Columns = append(d.Columns, ColumnChange{Column: col, Old: oldText, New: newText})
			}
		case col == "customcodeblobcontent":
			if oldText != newText {
				d.Columns = append(d.Columns, ColumnChange{Column: col, Summary: textSummary(oldText, newText)})
			}
		default:
			if oldText != newText {
				d.Columns = append(d.Columns, ColumnChange{Column: col, Old: oldText, New: newText})
			}
		}
	}
	return d
}

// normalizeList sorts a comma-separated list and drops its spaces.
func normalizeList(s string) string {
	var items []string
	for _, it := range strings.Split(s, ",") {
		if it = strings.TrimSpace(it); it != "" {
			items = append(items, it)
		}
	}
	sort.Strings(items)
	return strings.Join(items, ",")
}

// textSummary summarizes the change of a long text column by its size.
func textSummary(oldText, newText string) string {
	lines := func(s string) int {
		if s == "" {
			return 0
		}
		return strings.Count(s, "\n") + 1
	}
	switch {
	case oldText == "":
		return fmt.Sprintf("set (%d lines)", lines(newText))
	case newText == "":
		return "cleared"
	}
	return fmt.Sprintf("%d → %d lines, %d → %d characters", lines(oldText), lines(newText), len([]rune(oldText)), len([]rune(newText)))
}

// parseJSON parses a JSON text as the server reads it: tolerating a byte-order mark and
// trailing commas. ok is false when the text is not JSON; an empty text is nil.
func parseJSON(text []byte) (v any, ok bool) {
	text = bytes.TrimPrefix(text, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(text)) == 0 {
		return nil, true
	}
	if err := json.Unmarshal(jsontext.StripTrailingCommas(text), &v); err != nil {
		return nil, false
	}
	return v, true
}

// compareJSONText compares two JSON texts as values and summarizes the change: which
// members of an object were added, removed or changed, or the items of an array.
func compareJSONText(oldText, newText string) (summary string, changed bool) {
	if oldText == newText {
		return "", false
	}
	oldV, ok1 := parseJSON([]byte(oldText))
	newV, ok2 := parseJSON([]byte(newText))
	if !ok1 || !ok2 {
		return "text changed (not JSON): " + textSummary(oldText, newText), true
	}
	if reflect.DeepEqual(oldV, newV) {
		return "", false
	}
	return summarizeJSON(oldV, newV), true
}

// summarizeJSON describes the change between two different JSON values compactly.
func summarizeJSON(oldV, newV any) string {
	switch {
	case oldV == nil:
		return "set: " + shape(newV)
	case newV == nil:
		return "cleared"
	}
	om, ok1 := oldV.(map[string]any)
	nm, ok2 := newV.(map[string]any)
	if ok1 && ok2 {
		added, removed, changed := diffKeys(om, nm)
		var parts []string
		if len(added) > 0 {
			parts = append(parts, "added "+strings.Join(added, ", "))
		}
		if len(removed) > 0 {
			parts = append(parts, "removed "+strings.Join(removed, ", "))
		}
		if len(changed) > 0 {
			parts = append(parts, "changed "+strings.Join(changed, ", "))
		}
		return strings.Join(parts, "; ")
	}
	oa, ok1 := oldV.([]any)
	na, ok2 := newV.([]any)
	if ok1 && ok2 {
		var changed []string
		for i := 0; i < min(len(oa), len(na)); i++ {
			if !reflect.DeepEqual(oa[i], na[i]) {
				changed = append(changed, strconv.Itoa(i))
			}
		}
		s := fmt.Sprintf("%d → %d items", len(oa), len(na))
		if len(changed) > 0 {
			s += "; changed items " + strings.Join(changed, ", ")
		}
		return s
	}
	return shape(oldV) + " → " + shape(newV)
}

// shape names a JSON value's kind and size, e.g. "object of 3 members".
func shape(v any) string {
	switch v := v.(type) {
	case map[string]any:
		return fmt.Sprintf("object of %d members", len(v))
	case []any:
		return fmt.Sprintf("array of %d items", len(v))
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	}
	return "null"
}

// diffKeys compares two objects' members; each list is sorted.
func diffKeys(om, nm map[string]any) (added, removed, changed []string) {
	for k, nv := range nm {
		ov, ok := om[k]
		switch {
		case !ok:
			added = append(added, k)
		case !reflect.DeepEqual(ov, nv):
			changed = append(changed, k)
		}
	}
	for k := range om {
		if _, ok := nm[k]; !ok {
			removed = append(removed, k)
		}
	}
	sort.Strings(added)
	sort.Strings(removed)
	sort.Strings(changed)
	return added, removed, changed
}

// summary is the one-line summary of a definition change.
func (dd *DefinitionDiff) summary(oldText, newText string) string {
	if dd.NotJSON {
		return "text changed (not JSON): " + textSummary(oldText, newText)
	}
	var parts []string
	count := func(n int, what string) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s %s", n, plural(n, "operation", "operations"), what))
		}
	}
	count(len(dd.Added), "added")
	count(len(dd.Removed), "removed")
	count(len(dd.Changed), "changed")
	if len(dd.Other) > 0 {
		parts = append(parts, "changed "+strings.Join(dd.Other, ", "))
	}
	return strings.Join(parts, "; ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// methods are the operation methods of a Swagger 2.0 path item.
var methods = []string{"get", "put", "post", "delete", "options", "head", "patch"}

// operation is one operation of a parsed definition.
type operation struct {
	Operation
	obj    map[string]any
	params map[string]map[string]any // by "in/name", path-level parameters merged, $refs resolved
}

// compareDefinitions compares two definitions as JSON values; nil means no change.
func compareDefinitions(oldText, newText []byte) *DefinitionDiff {
	if bytes.Equal(oldText, newText) {
		return nil
	}
	oldV, ok1 := parseJSON(oldText)
	newV, ok2 := parseJSON(newText)
	if !ok1 || !ok2 {
		return &DefinitionDiff{NotJSON: true}
	}
	if reflect.DeepEqual(oldV, newV) {
		return nil
	}
	om, _ := oldV.(map[string]any)
	nm, _ := newV.(map[string]any)
	dd := &DefinitionDiff{}
	oldOps, newOps := operations(om), operations(nm)
	for _, k := range sortedKeys(newOps) {
		no := newOps[k]
		oo, ok := oldOps[k]
		if !ok {
			dd.Added = append(dd.Added, no.Operation)
			continue
		}
		if ch, changed := compareOperations(oo, no); changed {
			dd.Changed = append(dd.Changed, ch)
		}
	}
	for _, k := range sortedKeys(oldOps) {
		if _, ok := newOps[k]; !ok {
			dd.Removed = append(dd.Removed, oldOps[k].Operation)
		}
	}
	dd.Other = otherChanges(om, nm)
	if len(dd.Added)+len(dd.Removed)+len(dd.Changed)+len(dd.Other) == 0 {
		// The values differ in a way the parts above do not show (a definition that is not
		// an object, say): say so rather than show nothing.
		dd.Other = []string{"(document)"}
	}
	return dd
}

// objectMembers are the top-level members whose own members are reported one by one.
var objectMembers = map[string]bool{"definitions": true, "parameters": true, "responses": true, "securityDefinitions": true}

// otherChanges lists the changed parts of two definitions other than their operations.
func otherChanges(om, nm map[string]any) []string {
	var out []string
	keys := map[string]bool{}
	for k := range om {
		keys[k] = true
	}
	for k := range nm {
		keys[k] = true
	}
	for _, k := range sortedKeys(keys) {
		ov, nv := om[k], nm[k]
		if reflect.DeepEqual(ov, nv) {
			continue
		}
		if k == "paths" {
			out = append(out, pathItemChanges(ov, nv)...)
			continue
		}
		oo, ok1 := ov.(map[string]any)
		no, ok2 := nv.(map[string]any)
		if objectMembers[k] && ok1 && ok2 {
			added, removed, changed := diffKeys(oo, no)
			for _, m := range slices.Concat(added, removed, changed) {
				out = append(out, k+"/"+m)
			}
			continue
		}
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// pathItemChanges lists the changed members of path items that are neither operations nor
// parameters (whose changes the operations show), as "paths/<path>/<member>".
func pathItemChanges(ov, nv any) []string {
	op, _ := ov.(map[string]any)
	np, _ := nv.(map[string]any)
	var out []string
	paths := map[string]bool{}
	for p := range op {
		paths[p] = true
	}
	for p := range np {
		paths[p] = true
	}
	for _, p := range sortedKeys(paths) {
		oi, _ := op[p].(map[string]any)
		ni, _ := np[p].(map[string]any)
		members := map[string]bool{}
		for m := range oi {
			members[m] = true
		}
		for m := range ni {
			members[m] = true
		}
		for _, m := range sortedKeys(members) {
			if m == "parameters" || slices.Contains(methods, m) {
				continue
			}
			if !reflect.DeepEqual(oi[m], ni[m]) {
				out = append(out, "paths/"+p+"/"+m)
			}
		}
	}
	return out
}

// operations returns a definition's operations by operationId; an operation without one, or
// whose id an earlier one took, is keyed by "METHOD path".
func operations(def map[string]any) map[string]*operation {
	out := map[string]*operation{}
	paths, _ := def["paths"].(map[string]any)
	globalParams, _ := def["parameters"].(map[string]any)
	for _, p := range sortedKeys(paths) {
		item, _ := paths[p].(map[string]any)
		for _, m := range methods {
			obj, ok := item[m].(map[string]any)
			if !ok {
				continue
			}
			op := &operation{Operation: Operation{Method: strings.ToUpper(m), Path: p}, obj: obj, params: map[string]map[string]any{}}
			id, _ := obj["operationId"].(string)
			op.OperationID = id
			for _, list := range []any{item["parameters"], obj["parameters"]} {
				arr, _ := list.([]any)
				for _, pv := range arr {
					prm, _ := pv.(map[string]any)
					prm = resolveParameter(prm, globalParams)
					if prm == nil {
						continue
					}
					name, _ := prm["name"].(string)
					in, _ := prm["in"].(string)
					op.params[in+"/"+name] = prm
				}
			}
			key := id
			if _, taken := out[key]; key == "" || taken {
				key = op.Method + " " + p
			}
			out[key] = op
		}
	}
	return out
}

// resolveParameter follows a parameter's "#/parameters/<name>" $ref.
func resolveParameter(prm, global map[string]any) map[string]any {
	if ref, ok := prm["$ref"].(string); ok {
		if name, ok := strings.CutPrefix(ref, "#/parameters/"); ok {
			if r, ok := global[unescapePointer(name)].(map[string]any); ok {
				return r
			}
		}
		return map[string]any{"name": ref, "in": "$ref"}
	}
	return prm
}

func unescapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}

// parameterOf summarizes a parameter.
func parameterOf(prm map[string]any) Parameter {
	p := Parameter{}
	p.Name, _ = prm["name"].(string)
	p.In, _ = prm["in"].(string)
	p.Required, _ = prm["required"].(bool)
	p.Type, _ = prm["type"].(string)
	if schema, ok := prm["schema"].(map[string]any); ok && p.Type == "" {
		p.Type, _ = schema["type"].(string)
		if ref, ok := schema["$ref"].(string); ok {
			p.Type = ref[strings.LastIndexByte(ref, '/')+1:]
		}
	}
	return p
}

// compareOperations compares two operations of the same key.
func compareOperations(oo, no *operation) (OperationChange, bool) {
	ch := OperationChange{Operation: no.Operation}
	changed := false
	if oo.Method != no.Method || oo.Path != no.Path {
		ch.OldMethod, ch.OldPath = oo.Method, oo.Path
		changed = true
	}
	// Parameters.
	for _, k := range sortedKeys(no.params) {
		np := no.params[k]
		op, ok := oo.params[k]
		if !ok {
			ch.ParametersAdded = append(ch.ParametersAdded, parameterOf(np))
			continue
		}
		if !reflect.DeepEqual(op, np) {
			added, removed, fields := diffKeys(op, np)
			fields = slices.Concat(added, removed, fields)
			sort.Strings(fields)
			o, n := parameterOf(op), parameterOf(np)
			ch.ParametersChanged = append(ch.ParametersChanged, ParameterChange{Name: n.Name, In: n.In, Old: o, New: n, Fields: fields})
		}
	}
	for _, k := range sortedKeys(oo.params) {
		if _, ok := no.params[k]; !ok {
			ch.ParametersRemoved = append(ch.ParametersRemoved, parameterOf(oo.params[k]))
		}
	}
	if len(ch.ParametersAdded)+len(ch.ParametersRemoved)+len(ch.ParametersChanged) > 0 {
		changed = true
	}
	// Text fields.
	for _, f := range []string{"summary", "description"} {
		ov, nv := oo.obj[f], no.obj[f]
		if !reflect.DeepEqual(ov, nv) {
			oldS, _ := ov.(string)
			newS, _ := nv.(string)
			ch.Fields = append(ch.Fields, FieldChange{Field: f, Old: oldS, New: newS})
			changed = true
		}
	}
	// Responses, by status code.
	if !reflect.DeepEqual(oo.obj["responses"], no.obj["responses"]) {
		or, _ := oo.obj["responses"].(map[string]any)
		nr, _ := no.obj["responses"].(map[string]any)
		added, removed, chg := diffKeys(or, nr)
		ch.Responses = &ResponsesDiff{Added: added, Removed: removed, Changed: chg}
		changed = true
	}
	// Everything else.
	skip := map[string]bool{"operationId": true, "summary": true, "description": true, "parameters": true, "responses": true}
	added, removed, chg := diffKeys(oo.obj, no.obj)
	for _, k := range slices.Concat(added, removed, chg) {
		if !skip[k] {
			ch.Other = append(ch.Other, k)
		}
	}
	sort.Strings(ch.Other)
	if len(ch.Other) > 0 {
		changed = true
	}
	return ch, changed
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
