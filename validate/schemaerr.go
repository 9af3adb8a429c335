package validate

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

var printer = message.NewPrinter(language.English)

// schemaCheck validates v against sch and adds one finding of severity sev per leaf error,
// except those an earlier schemaCheck already found. base prefixes the
// instance pointers (for a sub-document validated on its own).
func (c *checker) schemaCheck(sch *jsonschema.Schema, v any, base string, sev Severity) {
	if err := sch.Validate(v); err != nil {
		c.schemaErrors(err, base, sev)
	}
}

// schemaErrors adds the findings of a validation error (see schemaCheck).
func (c *checker) schemaErrors(err error, base string, sev Severity) {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		c.add(rSchemaViolation, base, "%v", err)
		return
	}
	if c.schemaSeen == nil {
		c.schemaSeen = map[string]bool{}
	}
	from := len(c.found)
	t := &errTree{m: c.m, leaves: map[*jsonschema.ValidationError][]*jsonschema.ValidationError{}}
	for _, leaf := range t.of(ve) {
		if sev == Error && caseVariant(leaf.ErrorKind) != "" {
			continue // the service accepts it: the published schema's pass warns about it
		}
		c.schemaFinding(t, leaf, base)
	}
	// Keep what an earlier pass did not find, with the severity of this pass.
	kept := c.found[:from]
	var keys []string
	for _, f := range c.found[from:] {
		key := f.Rule + "\x00" + f.Pointer + "\x00" + f.Message
		if c.schemaSeen[key] {
			continue
		}
		keys = append(keys, key)
		// A rule whose own severity is milder (ArrayDuplicateValue) stays milder.
		f.Severity = max(sev, f.Severity)
		kept = append(kept, f)
	}
	c.found = kept
	for _, k := range keys {
		c.schemaSeen[k] = true
	}
}

// errTree flattens validation errors into the errors worth showing (see of), once per error:
// the choices (oneOf, anyOf) of a recursive schema nest as deep as the value, and choosing a
// branch looks at the leaves of each, so without the cache the work doubles at every level.
type errTree struct {
	m      *meter
	leaves map[*jsonschema.ValidationError][]*jsonschema.ValidationError
}

// of flattens an error tree into the errors worth showing. Where a value may take one of
// several forms (oneOf, anyOf) the forms it plainly is not — those that fail on a
// discriminating member such as "in" or "type" — are dropped; when exactly one form is left its
// errors are shown, otherwise the value is reported as matching no form. The result is shared:
// callers must not modify it.
func (t *errTree) of(e *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if out, ok := t.leaves[e]; ok {
		return out
	}
	t.m.step(1)
	var out []*jsonschema.ValidationError
	switch k := e.ErrorKind.(type) {
	case *kind.OneOf, *kind.AnyOf:
		if o, ok := k.(*kind.OneOf); ok && len(o.Subschemas) > 0 {
			out = []*jsonschema.ValidationError{e} // several forms matched
			break
		}
		var plausible []*jsonschema.ValidationError
		for _, cause := range e.Causes {
			if !discriminated(cause, len(e.InstanceLocation)) {
				plausible = append(plausible, cause)
			}
		}
		if best := t.deepest(plausible); best != nil {
			out = t.of(best)
		} else {
			out = []*jsonschema.ValidationError{e}
		}
	default:
		if len(e.Causes) == 0 {
			out = []*jsonschema.ValidationError{e}
			break
		}
		for _, cause := range e.Causes {
			ls := t.of(cause)
			t.m.step(len(ls))
			out = append(out, ls...) // out is this call's own: the cached ls are only read
		}
	}
	t.leaves[e] = out
	return out
}

// deepest returns the branch whose errors lie deepest in the value — the form the value
// follows furthest — or nil when there is no single such branch.
func (t *errTree) deepest(branches []*jsonschema.ValidationError) *jsonschema.ValidationError {
	var best *jsonschema.ValidationError
	bestDepth, tie := -1, false
	for _, b := range branches {
		d := 0
		ls := t.of(b)
		t.m.step(len(ls))
		for _, l := range ls {
			d = max(d, len(l.InstanceLocation))
		}
		switch {
		case d > bestDepth:
			best, bestDepth, tie = b, d, false
		case d == bestDepth:
			tie = true
		}
	}
	if tie {
		return nil
	}
	return best
}

// discriminators are the members whose value selects the form of an object in the schemas:
// a parameter's "in", a security scheme's "type" and "flow", a connection parameter's "type".
var discriminators = map[string]bool{"in": true, "type": true, "flow": true, "identityProvider": true, "templateId": true}

// discriminated reports whether a branch failed on the value's type, or on an enum or const of
// one of its direct members: the value is plainly of another form.
func discriminated(e *jsonschema.ValidationError, depth int) bool {
	switch e.ErrorKind.(type) {
	case *kind.Type:
		if len(e.InstanceLocation) == depth {
			return true
		}
	case *kind.Enum, *kind.Const:
		// A value differing only in letter case ("Query", "OAuth2") is of this form: the
		// service reads enumerated values without regard to case.
		if len(e.InstanceLocation) == depth+1 && discriminators[e.InstanceLocation[depth]] && caseVariant(e.ErrorKind) == "" {
			return true
		}
	case *kind.Required:
		// A reference form ({"$ref": …}) is plainly not meant when "$ref" is missing.
		if k := e.ErrorKind.(*kind.Required); len(e.InstanceLocation) == depth && len(k.Missing) == 1 && k.Missing[0] == "$ref" {
			return true
		}
	case *kind.OneOf, *kind.AnyOf:
		return false // a nested choice says nothing about this branch
	}
	for _, c := range e.Causes {
		if discriminated(c, depth) {
			return true
		}
	}
	return false
}

func (c *checker) schemaFinding(t *errTree, e *jsonschema.ValidationError, base string) {
	loc := e.InstanceLocation
	at := base + pointerOf(loc)
	last := ""
	if len(loc) > 0 {
		last = loc[len(loc)-1]
	}
	msg := e.ErrorKind.LocalizedString(printer)
	switch k := e.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		for _, p := range k.Properties {
			if at == base+"/paths" {
				continue // OperationPathMustStartWithSlash, from checkPaths
			}
			c.add(rAdditionalProperty, ptr(at, p), "the member %q is not allowed here%s", p, extensionNote(p))
		}
	case *kind.Required:
		for _, p := range k.Missing {
			c.add(rRequiredMissing, at, "the member %q is required", p)
		}
	case *kind.Type:
		c.add(rJSONType, at, "the value is of type %s, expected %s", k.Got, strings.Join(k.Want, " or "))
	case *kind.Enum, *kind.Const:
		switch {
		case last == "format" && len(loc) > 1:
			c.add(rTypeFormat, at, "the type format %s is not recognized", toString(k2got(e.ErrorKind)))
		case at == base+"/swagger":
			c.add(rSpecVersion, at, "the swagger version must be \"2.0\"")
		case len(loc) == 2 && loc[0] == "schemes":
			c.add(rScheme, at, "%s", msg)
		case last == "required" && k2got(e.ErrorKind) == false:
			c.add(rPathParamRequired, at, "a path parameter must be required")
		case caseVariant(e.ErrorKind) != "":
			c.add(rNotInEnum, at, "the value %s is spelled %q in the published schema; the service reads it without regard to letter case, other tools may not", toString(k2got(e.ErrorKind)), caseVariant(e.ErrorKind))
		default:
			c.add(rNotInEnum, at, "the value %s is not allowed here (%s)", toString(k2got(e.ErrorKind)), msg)
		}
	case *kind.Pattern:
		switch at {
		case base + "/host":
			c.add(rHostName, at, "the host %q must be a host name with an optional port, without scheme, path or braces", k.Got)
		case base + "/basePath":
			c.add(rBasePath, at, "the basePath %q must start with \"/\"", k.Got)
		default:
			c.add(rPatternMismatch, at, "%s", msg)
		}
	case *kind.Format:
		switch k.Want {
		case "uri", "uri-reference":
			c.add(rURLNotValid, at, "%q is not an absolute URL", fmt.Sprint(k.Got))
		case "email":
			c.add(rEmailNotValid, at, "%q is not an email address", fmt.Sprint(k.Got))
		case "regex":
			c.add(rPatternRegex, at, "%q is not a valid regular expression", fmt.Sprint(k.Got))
		default:
			c.add(rSchemaViolation, at, "%s", msg)
		}
	case *kind.MinItems:
		switch {
		case at == base+"/schemes":
			c.add(rSchemesEmpty, at, "the schemes array is empty")
		case last == "enum":
			c.add(rEnumEmpty, at, "the enum array is empty")
		case last == "required":
			c.add(rRequiredEmpty, at, "the required array is empty")
		default:
			c.add(rSchemaViolation, at, "%s", msg)
		}
	case *kind.UniqueItems:
		if at == base+"/tags" {
			c.add(rTagRedefined, at, "%s", msg)
		} else {
			c.add(rArrayDuplicate, at, "%s", msg)
		}
	case *kind.MinLength, *kind.MaxLength:
		c.add(rLength, at, "%s", msg)
	case *kind.Minimum, *kind.ExclusiveMinimum:
		switch last {
		case "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties", "multipleOf":
			c.add(rNegative, at, "%s must not be negative (multipleOf must be positive)", last)
		default:
			c.add(rSchemaViolation, at, "%s", msg)
		}
	case *kind.MinProperties, *kind.Not:
		if last == "responses" {
			c.add(rNoResponse, at, "the operation defines no response")
		} else {
			c.add(rSchemaViolation, at, "%s", msg)
		}
	case *kind.OneOf, *kind.AnyOf:
		if o, ok := k.(*kind.OneOf); ok && len(o.Subschemas) > 1 {
			c.add(rNoMatchingForm, at, "the value matches more than one of the forms allowed here (forms %d and %d), it must match exactly one", o.Subschemas[0]+1, o.Subschemas[1]+1)
			break
		}
		c.add(rNoMatchingForm, at, "the value matches none of the forms allowed here%s", t.formHint(e))
	default:
		c.add(rSchemaViolation, at, "%s", msg)
	}
}

func extensionNote(name string) string {
	if strings.HasPrefix(name, "x-ms-") {
		return " (x-ms- extensions are limited to the documented ones)"
	}
	return ""
}

// formHint summarises, for a value matching no form, the first complaint of each form.
func (t *errTree) formHint(e *jsonschema.ValidationError) string {
	var parts []string
	var plausible []*jsonschema.ValidationError
	for _, cause := range e.Causes {
		if !discriminated(cause, len(e.InstanceLocation)) {
			plausible = append(plausible, cause)
		}
	}
	if len(plausible) == 0 {
		plausible = e.Causes // none is close: show why each form fails
	}
	for i, cause := range e.Causes {
		ls := t.of(cause)
		if len(ls) == 0 || !slices.Contains(plausible, cause) || len(parts) == 4 {
			continue
		}
		l := ls[0]
		rel := pointerOf(l.InstanceLocation[min(len(l.InstanceLocation), len(e.InstanceLocation)):])
		if rel == "" {
			rel = "the value"
		}
		parts = append(parts, fmt.Sprintf("form %d: %s: %s", i+1, rel, l.ErrorKind.LocalizedString(printer)))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

// caseVariant returns, for an enum or const error whose value differs from an allowed string
// only in letter case, that allowed string; "" otherwise. Power Platform reads enumerated
// values without regard to case, so such a value is a warning, never an error.
func caseVariant(k jsonschema.ErrorKind) string {
	got, ok := k2got(k).(string)
	if !ok {
		return ""
	}
	var want []any
	switch k := k.(type) {
	case *kind.Enum:
		want = k.Want
	case *kind.Const:
		want = []any{k.Want}
	}
	for _, w := range want {
		if s, ok := w.(string); ok && s != got && strings.EqualFold(s, got) {
			return s
		}
	}
	return ""
}

// k2got returns the offending value of an enum or const error.
func k2got(k jsonschema.ErrorKind) any {
	switch k := k.(type) {
	case *kind.Enum:
		return k.Got
	case *kind.Const:
		return k.Got
	}
	return nil
}
