package connectorhub

import (
	"strings"

	"github.com/connectorhub/connectorhub/internal/jsontext"
)

// ScrubSecrets replaces, before a record goes anywhere, every secret value in the connection
// parameters with "" (keys kept), as Dataverse does: OAuth clientSecret values, and the values
// and defaults of securestring parameters, in connectionparameters and in every set of
// connectionparametersets. @environmentVariables("…") references are not secrets and stay.
// Only the secret's bytes change, so the rest of the text stays byte-identical. It returns the
// paths of what it stripped, e.g. "connectionparameters/token/oAuthSettings/clientSecret".
func (u *ConnectorUpdate) ScrubSecrets() []string {
	var stripped []string
	if u.ConnectionParameters != nil {
		s, paths := scrubParameters(*u.ConnectionParameters, "connectionparameters", false)
		u.ConnectionParameters = &s
		stripped = append(stripped, paths...)
	}
	if u.ConnectionParameterSets != nil {
		s, paths := scrubParameters(*u.ConnectionParameterSets, "connectionparametersets", true)
		u.ConnectionParameterSets = &s
		stripped = append(stripped, paths...)
	}
	return stripped
}

// scrubParameters scrubs one column. Text that is not JSON is left to Validate, which refuses it.
func scrubParameters(text, column string, sets bool) (string, []string) {
	if !strings.Contains(text, "ecret") && !strings.Contains(text, "securestring") {
		return text, nil // fast path: nothing that could be a secret
	}
	root, err := jsontext.Parse([]byte(text))
	if err != nil {
		return text, nil
	}
	s := scrubber{}
	if sets {
		// {"values": [{"name": …, "parameters": {…}}, …]}
		if values := root.Get("values"); values != nil && values.Kind == jsontext.Array {
			for i, set := range values.Elems {
				s.parameters(set.Get("parameters"), column+"/values/"+itoa(i)+"/parameters")
			}
		}
	} else {
		s.parameters(root, column)
	}
	return jsontext.Apply(text, s.edits), s.paths
}

type scrubber struct {
	edits []jsontext.Edit
	paths []string
}

// parameters scrubs a map of connection parameter definitions keyed by name.
func (s *scrubber) parameters(params *jsontext.Value, path string) {
	if params == nil || params.Kind != jsontext.Object {
		return
	}
	for _, m := range params.Members {
		p := m.Value
		ppath := path + "/" + escapePointer(m.Key)
		if p.Kind != jsontext.Object {
			continue
		}
		if isSecureString(p) {
			s.blank(p, "defaultValue", ppath)
			s.blank(p, "value", ppath)
		}
		oauth := p.Get("oAuthSettings")
		if oauth == nil || oauth.Kind != jsontext.Object {
			continue
		}
		opath := ppath + "/oAuthSettings"
		s.blank(oauth, "clientSecret", opath)
		if extra := oauth.Get("additionalParameters"); extra != nil && extra.Kind == jsontext.Object {
			for _, am := range extra.Members {
				if isSecureString(am.Value) {
					apath := opath + "/additionalParameters/" + escapePointer(am.Key)
					s.blank(am.Value, "defaultValue", apath)
					s.blank(am.Value, "value", apath)
				}
			}
		}
	}
}

func isSecureString(p *jsontext.Value) bool {
	t := p.Get("type")
	return t != nil && t.Kind == jsontext.String && strings.EqualFold(t.Str, "securestring")
}

// blank empties obj[key] when it holds a secret string; every duplicate of the key counts.
func (s *scrubber) blank(obj *jsontext.Value, key, path string) {
	for _, m := range obj.Members {
		if m.Key != key || m.Value.Kind != jsontext.String || m.Value.Str == "" {
			continue
		}
		if IsEnvironmentVariableReference(m.Value.Str) {
			continue
		}
		s.edits = append(s.edits, jsontext.Edit{Start: m.Value.Start, End: m.Value.End, Text: `""`})
		s.paths = append(s.paths, path+"/"+escapePointer(key))
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
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(k)
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
