package connectorhub

import (
	"fmt"
	"strings"

	"github.com/connectorhub/connectorhub/internal/jsontext"
)

// ScrubSecrets replaces, before a record goes anywhere, every secret value in the connection
// parameters with "" (keys kept), as Dataverse does: OAuth clientSecret values, and the values
// and defaults of securestring parameters, in connectionparameters and in every set of
// connectionparametersets. @environmentVariables("…") references are not secrets and stay.
// Only the secret's bytes change, so the rest of the text stays byte-identical. It returns the
// paths of what it stripped, e.g. "connectionparameters/token/oAuthSettings/clientSecret";
// past 100 paths or 4 KiB in a column, a last entry "and N more in <column>" counts the rest.
//
// Keys are matched as Power Platform reads them, case-insensitively and after JSON unescaping
// (see jsontext.FoldKey), at any depth, and every duplicate counts. Text that is not JSON is
// left as it is: Validate, which every write runs, refuses it, and refuses duplicate keys too.
//
// A scrubbed column gets a new string: the update's field points to it afterwards, and the
// string it pointed to before is left unchanged, so read the update, not a variable whose
// address was put in it.
func (u *ConnectorUpdate) ScrubSecrets() []string {
	var stripped []string
	for _, col := range u.parameterColumns() {
		if *col.text == nil {
			continue
		}
		root, err := jsontext.Parse([]byte(**col.text))
		if err != nil {
			continue
		}
		if s, paths := scrubSecrets(**col.text, root, col.name); len(paths) > 0 {
			*col.text = &s
			stripped = append(stripped, paths...)
		}
	}
	return stripped
}

// checkParameterColumns is Validate's rule for connectionparameters and connectionparametersets:
// each must be a JSON object with no key given twice in any object, keys compared as the
// platform compares them (with a repeated key, which of the values a reader takes is up to the
// reader, and a secret could hide behind the one a check looked at). It strips nothing: the
// Web API validates before ScrubSecrets, which must still find the secrets to report them.
func (u *ConnectorUpdate) checkParameterColumns() error {
	for _, col := range u.parameterColumns() {
		if *col.text == nil || **col.text == "" {
			continue
		}
		// The budget first: a parse tree costs tens of bytes for every byte of small values,
		// and these columns take 500,000 characters. The corpus's largest holds 562 values,
		// 10 levels deep.
		if err := jsontext.CheckBudget([]byte(**col.text), maxParameterValues, maxParameterDepth); err != nil {
			return Errorf(ECodeInvalidArgument, "The '%s' property is beyond what connection parameters hold: %v.", col.name, err)
		}
		root, err := jsontext.Parse([]byte(**col.text))
		if err != nil || root.Kind != jsontext.Object {
			return Errorf(ECodeInvalidArgument, "The '%s' property must hold a JSON object as text.", col.name)
		}
		if dup := root.DuplicateKey(); dup != nil {
			var b strings.Builder
			for _, k := range dup {
				b.WriteString("/" + escapePointer(k))
			}
			pointer := b.String()
			if len(pointer) > 1024 { // a duplicate deep down: its end says enough
				pointer = "…" + strings.ToValidUTF8(pointer[len(pointer)-1024:], "")
			}
			return Errorf(ECodeInvalidArgument, "The '%s' property holds a duplicate key at %s: keys are read without regard to case, so each may appear only once in an object.", col.name, pointer)
		}
	}
	return nil
}

// The parse budget of the connection parameter columns: far beyond any real connector's
// (562 values and 10 levels at most in the corpus), far below what would cost memory.
const (
	maxParameterValues = 10_000
	maxParameterDepth  = 64
)

// parameterColumns lists the two columns that hold connection parameter definitions.
func (u *ConnectorUpdate) parameterColumns() []struct {
	name string
	text **string
} {
	return []struct {
		name string
		text **string
	}{{"connectionparameters", &u.ConnectionParameters}, {"connectionparametersets", &u.ConnectionParameterSets}}
}

// Keys and type names, folded once; see jsontext.FoldKey.
var (
	keyOAuthSettings        = jsontext.FoldKey("oAuthSettings")
	keyClientSecret         = jsontext.FoldKey("clientSecret")
	keyType                 = jsontext.FoldKey("type")
	keyValue                = jsontext.FoldKey("value")
	keyDefaultValue         = jsontext.FoldKey("defaultValue")
	keyAllowedValues        = jsontext.FoldKey("allowedValues")
	keyUIDefinition         = jsontext.FoldKey("uiDefinition")
	keyConstraints          = jsontext.FoldKey("constraints")
	keyAdditionalParameters = jsontext.FoldKey("additionalParameters")
	keyCustomParameters     = jsontext.FoldKey("customParameters")
	// secureTypes are the parameter types whose values are secrets: securestring for
	// connectors, and secureobject, which ARM (under the connections) treats as secret too.
	secureTypes = map[string]bool{jsontext.FoldKey("securestring"): true, jsontext.FoldKey("secureobject"): true}
)

// scrubSecrets blanks the secrets of root, the parsed text of one column. It walks the whole
// document rather than the paths the platform reads (parameters, then sets' values[i].parameters,
// then oAuthSettings.additionalParameters): the rules below hold wherever they match, so a
// secret at any depth is found, and a structure read with other spellings is no way around it.
//   - The clientSecret member of an oAuthSettings object is a secret, wherever the object is
//     (not any clientSecret: a connection parameter may be named so, see Content Manager
//     Power Connect in the corpus, and its definition is no secret, only its value).
//   - An object whose type is securestring or secureobject is a secret parameter: its value and
//     defaultValue are secrets, and so are the values it allows (allowedValues, directly or in
//     uiDefinition.constraints), since they would list what the secret can be.
//   - customParameters entries named by a secure additionalParameters entry of the same
//     oAuthSettings are secrets: that is where the platform puts their values.
func scrubSecrets(text string, root *jsontext.Value, column string) (string, []string) {
	s := scrubber{}
	s.walk(root, &pointer{key: column, size: len(column)}, false)
	if len(s.edits) == 0 {
		return text, nil
	}
	if s.more > 0 {
		s.paths = append(s.paths, fmt.Sprintf("and %d more in %s", s.more, column))
	}
	return jsontext.Apply(text, s.edits), s.paths
}

type scrubber struct {
	edits     []jsontext.Edit
	paths     []string
	pathBytes int
	more      int // secrets stripped beyond the reporting limits
}

// pointer is a path into the document, built a step at a time and spelled out only for what
// is stripped: building every member's path as a string would cost the square of the depth.
type pointer struct {
	parent *pointer
	key    string // escaped; the column's name at the root
	size   int    // len(String())
}

func (p *pointer) child(key string) *pointer {
	key = escapePointer(key)
	return &pointer{parent: p, key: key, size: p.size + 1 + len(key)}
}

// String returns the path as the column's name and a JSON pointer, e.g. "connectionparameters/a~1b".
func (p *pointer) String() string {
	b := make([]byte, p.size)
	for n := p; n != nil; n = n.parent {
		copy(b[n.size-len(n.key):], n.key)
		if n.parent != nil {
			b[n.size-len(n.key)-1] = '/'
		}
	}
	return string(b)
}

// Limits on the paths reported for one column: real connectors have a handful of secrets,
// and a hostile document must not make the report (a response header) huge.
const (
	maxReportedPaths     = 100
	maxReportedPathBytes = 4096
)

// walk applies the rules to v and everything under it; oauth says v is the value of an
// oAuthSettings member. A blanked value is not walked into, so edits never overlap.
func (s *scrubber) walk(v *jsontext.Value, path *pointer, oauth bool) {
	switch v.Kind {
	case jsontext.Array:
		for i, e := range v.Elems {
			s.walk(e, path.child(itoa(i)), false)
		}
	case jsontext.Object:
		secure := isSecure(v)
		secureCustom := secureAdditionalParameters(v)
		for _, m := range v.Members {
			mpath := path.child(m.Key)
			switch k := jsontext.FoldKey(m.Key); {
			case oauth && k == keyClientSecret:
				s.blank(m.Value, mpath)
			case k == keyOAuthSettings:
				s.walk(m.Value, mpath, true)
			case secure && (k == keyValue || k == keyDefaultValue):
				s.blank(m.Value, mpath)
			case secure && k == keyAllowedValues:
				s.allowedValues(m.Value, mpath)
			case secure && k == keyUIDefinition && m.Value.Kind == jsontext.Object:
				s.uiDefinition(m.Value, mpath)
			case len(secureCustom) > 0 && k == keyCustomParameters && m.Value.Kind == jsontext.Object:
				s.customParameters(m.Value, mpath, secureCustom)
			default:
				s.walk(m.Value, mpath, false)
			}
		}
	}
}

// uiDefinition walks a secure parameter's uiDefinition, whose constraints may list allowed values.
func (s *scrubber) uiDefinition(ui *jsontext.Value, path *pointer) {
	for _, m := range ui.Members {
		mpath := path.child(m.Key)
		if jsontext.FoldKey(m.Key) != keyConstraints || m.Value.Kind != jsontext.Object {
			s.walk(m.Value, mpath, false)
			continue
		}
		for _, c := range m.Value.Members {
			cpath := mpath.child(c.Key)
			if jsontext.FoldKey(c.Key) == keyAllowedValues {
				s.allowedValues(c.Value, cpath)
			} else {
				s.walk(c.Value, cpath, false)
			}
		}
	}
}

// allowedValues blanks the values a secure parameter allows: each entry's value (entries are
// {"value": …, "text": …}), or the entry itself when it is not an object.
func (s *scrubber) allowedValues(list *jsontext.Value, path *pointer) {
	if list.Kind != jsontext.Array {
		s.blank(list, path)
		return
	}
	for i, e := range list.Elems {
		epath := path.child(itoa(i))
		if e.Kind != jsontext.Object {
			s.blank(e, epath)
			continue
		}
		for _, m := range e.Members {
			mpath := epath.child(m.Key)
			if jsontext.FoldKey(m.Key) == keyValue {
				s.blank(m.Value, mpath)
			} else {
				s.walk(m.Value, mpath, false)
			}
		}
	}
}

// customParameters blanks the value of each entry whose name a secure additional parameter has.
func (s *scrubber) customParameters(custom *jsontext.Value, path *pointer, secure map[string]bool) {
	for _, m := range custom.Members {
		mpath := path.child(m.Key)
		if !secure[jsontext.FoldKey(m.Key)] {
			s.walk(m.Value, mpath, false)
			continue
		}
		if m.Value.Kind != jsontext.Object {
			s.blank(m.Value, mpath)
			continue
		}
		for _, c := range m.Value.Members {
			cpath := mpath.child(c.Key)
			if jsontext.FoldKey(c.Key) == keyValue {
				s.blank(c.Value, cpath)
			} else {
				s.walk(c.Value, cpath, false)
			}
		}
	}
}

// isSecure reports whether any type member of obj names a secure type; with duplicate type
// members (which Validate refuses) one secure spelling is enough.
func isSecure(obj *jsontext.Value) bool {
	for _, m := range obj.Members {
		if jsontext.FoldKey(m.Key) == keyType && m.Value.Kind == jsontext.String &&
			secureTypes[jsontext.FoldKey(strings.TrimSpace(m.Value.Str))] {
			return true
		}
	}
	return false
}

// secureAdditionalParameters returns the folded names of the secure entries of obj's
// additionalParameters (obj being an oAuthSettings), or nil.
func secureAdditionalParameters(obj *jsontext.Value) map[string]bool {
	var names map[string]bool
	for _, m := range obj.Members {
		if jsontext.FoldKey(m.Key) != keyAdditionalParameters || m.Value.Kind != jsontext.Object {
			continue
		}
		for _, a := range m.Value.Members {
			if a.Value.Kind == jsontext.Object && isSecure(a.Value) {
				if names == nil {
					names = map[string]bool{}
				}
				names[jsontext.FoldKey(a.Key)] = true
			}
		}
	}
	return names
}

// blank replaces a secret value by "". A string is kept when it is empty or an
// @environmentVariables reference, and null is kept: neither holds a secret. Any other value
// (a number, true, an object, an array) is replaced whole rather than refused: a secret must
// not be stored in whatever form it came, and blanking keeps the write working as Dataverse's
// does; an empty object or array holds nothing and is kept, as in {"defaultValue": {}}.
func (s *scrubber) blank(v *jsontext.Value, path *pointer) {
	switch v.Kind {
	case jsontext.Null:
		return
	case jsontext.String:
		if v.Str == "" || IsEnvironmentVariableReference(v.Str) {
			return
		}
	case jsontext.Object:
		if len(v.Members) == 0 {
			return
		}
	case jsontext.Array:
		if len(v.Elems) == 0 {
			return
		}
	}
	s.edits = append(s.edits, jsontext.Edit{Start: v.Start, End: v.End, Text: `""`})
	if len(s.paths) < maxReportedPaths && s.pathBytes+path.size <= maxReportedPathBytes {
		s.paths = append(s.paths, path.String())
		s.pathBytes += path.size
	} else {
		s.more++
	}
}

// IsEnvironmentVariableReference reports whether s is exactly an @environmentVariables("…")
// (or '…') expression, which names a secret held elsewhere rather than being one.
func IsEnvironmentVariableReference(s string) bool {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "@environmentVariables(") || !strings.HasSuffix(s, ")") {
		return false
	}
	arg := strings.TrimSpace(s[len("@environmentVariables(") : len(s)-1])
	if len(arg) < 2 {
		return false
	}
	q := arg[0]
	return (q == '"' || q == '\'') && arg[len(arg)-1] == q && !strings.ContainsAny(arg[1:len(arg)-1], `"'()`)
}

// escapePointer escapes a key for a JSON pointer (RFC 6901).
func escapePointer(k string) string {
	if !strings.ContainsAny(k, "~/") {
		return k
	}
	return pointerEscaper.Replace(k)
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
