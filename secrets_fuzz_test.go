package connectorhub

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode"

	"github.com/connectorhub/connectorhub/internal/jsontext"
)

// The planted secrets: a marker string, and for the non-string forms a number and true,
// which nothing else in a planted document contains.
const (
	plantedSecret = "PLANTED-SECRET-xyz"
	plantedNumber = "918273645"
	envReference  = `@environmentVariables(\"cr49f_PlantedRef\")`
)

// FuzzScrubSecrets plants a secret in a place a secret can live, spelled as the fuzzer
// chooses, and checks that no write stores it: Validate refuses exactly the documents that
// repeat a key (case-insensitively), ScrubSecrets removes the secret from the others, keeping
// everything else, and ScrubSecrets alone removes it even from a document that repeats keys.
// The arguments choose:
//   - place: clientSecret, securestring value or defaultValue, an additionalParameters entry,
//     a customParameters value named by one, allowedValues (direct or in
//     uiDefinition.constraints), a secureobject default;
//   - form: the secret as a string, a \u-escaped string, an object, an array, a number, true,
//     nested deeper, or padded with spaces;
//   - dup: no duplicate, or one of several kinds of repeated key (which must be refused);
//   - layout: connectionparameters or a set of connectionparametersets, which set, the
//     whitespace, how many decoys, and the order of a parameter's members;
//   - spelling: for each character of each key and type name, whether to change its case,
//     use a case-equivalent non-ASCII letter, or write it as a \u escape.
//
// Seeds for each spelling are in testdata/fuzz/FuzzScrubSecrets.
func FuzzScrubSecrets(f *testing.F) {
	f.Add(uint8(0), uint8(0), uint8(0), uint8(0), []byte(nil))
	f.Fuzz(checkPlanted)
}

// TestScrubSecretsPlanted runs FuzzScrubSecrets' check on every place, form and duplicate,
// in a few layouts and spellings, so that a plain go test covers them all.
func TestScrubSecretsPlanted(t *testing.T) {
	spellings := [][]byte{nil, {8, 9, 10, 11, 12, 13, 14, 15, 16}, {0x1f, 3, 0, 5, 1, 9}}
	layouts := []uint8{0, 0xff, 0x64} // parameters; a set with decoys, spaces, type last; decoys
	if testing.Short() {
		spellings, layouts = spellings[1:2], layouts[1:2]
	}
	for place := uint8(0); place < placeKinds; place++ {
		for form := uint8(0); form < formKinds; form++ {
			for dup := uint8(0); dup < dupKinds; dup++ {
				for _, layout := range layouts {
					for _, spelling := range spellings {
						checkPlanted(t, place, form, dup, layout, spelling)
					}
				}
			}
		}
	}
}

// checkPlanted is the body of FuzzScrubSecrets.
func checkPlanted(t *testing.T, place, form, dup, layout uint8, spelling []byte) {
	t.Helper()
	p := &planter{spelling: spelling, layout: layout}
	text, sets := p.document(place, form, dup)
	if !json.Valid([]byte(text)) {
		t.Fatalf("the generator made invalid JSON: %s", text)
	}
	wantRefused := dup%dupKinds != 0
	column := "connectionparameters"
	if sets {
		column = "connectionparametersets"
	}
	update := func() *ConnectorUpdate {
		s := text
		if sets {
			return &ConnectorUpdate{ConnectionParameterSets: &s}
		}
		return &ConnectorUpdate{ConnectionParameters: &s}
	}
	stored := func(u *ConnectorUpdate) string {
		if sets {
			return *u.ConnectionParameterSets
		}
		return *u.ConnectionParameters
	}

	// The Web API's path: Validate, then ScrubSecrets.
	u := update()
	err := u.Validate()
	switch {
	case wantRefused && err == nil:
		t.Fatalf("a repeated key was not refused: %s", text)
	case !wantRefused && err != nil:
		t.Fatalf("refused: %v\n%s", err, text)
	case err != nil:
		if ErrorCode(err) != ECodeInvalidArgument || !strings.Contains(ErrorMessage(err), column) {
			t.Errorf("refusal: got %s %q, want %s naming %s", ErrorCode(err), ErrorMessage(err), ECodeInvalidArgument, column)
		}
	default:
		if len(u.ScrubSecrets()) == 0 {
			t.Errorf("nothing reported stripped from %s", text)
		}
		out := stored(u)
		checkNoSecret(t, "after ScrubSecrets", text, out)
		// Nothing but secrets goes: the decoys and the environment variable reference stay.
		for _, keep := range append(p.decoys, envReference) {
			if !strings.Contains(out, keep) {
				t.Errorf("%q was lost:\n in: %s\nout: %s", keep, text, out)
			}
		}
	}

	// ScrubSecrets on its own strips every copy, even of a repeated key that Validate
	// would refuse: the refusal is not the only thing between a secret and the store.
	u = update()
	u.ScrubSecrets()
	checkNoSecret(t, "after ScrubSecrets alone", text, stored(u))
}

// checkNoSecret fails when out holds a planted secret, as written or once decoded.
func checkNoSecret(t *testing.T, when, in, out string) {
	t.Helper()
	if strings.Contains(out, plantedSecret) || strings.Contains(out, plantedNumber) || strings.Contains(out, "true") {
		t.Fatalf("%s, the secret is still there:\n in: %s\nout: %s", when, in, out)
	}
	root, err := jsontext.Parse([]byte(out))
	if err != nil {
		t.Fatalf("%s, the text is no longer JSON: %v\n%s", when, err, out)
	}
	var walk func(v *jsontext.Value)
	walk = func(v *jsontext.Value) {
		if v.Kind == jsontext.String && strings.Contains(v.Str, plantedSecret) {
			t.Fatalf("%s, the decoded text holds the secret:\n in: %s\nout: %s", when, in, out)
		}
		for _, m := range v.Members {
			walk(m.Value)
		}
		for _, e := range v.Elems {
			walk(e)
		}
	}
	walk(root)
}

// The kinds of places, forms and duplicates the fuzz target plants.
const (
	placeKinds = 8
	formKinds  = 8
	dupKinds   = 7
)

// planter writes a connection parameters document with one planted secret.
type planter struct {
	spelling []byte
	next     int
	layout   uint8
	decoys   []string // values that must survive scrubbing
}

// choice returns the next spelling byte, cycling; 0 (the plain spelling) when there are none.
func (p *planter) choice() byte {
	if len(p.spelling) == 0 {
		return 0
	}
	b := p.spelling[p.next%len(p.spelling)]
	p.next++
	return b
}

// exotic holds non-ASCII letters that Power Platform's case-insensitive reading (or Go's
// EqualFold) takes for an ASCII one.
var exotic = map[rune]string{'s': "ſ", 'S': "ſ", 'k': "\u212a", 'K': "\u212a", 'i': "ı", 'I': "ı"}

// key returns word as a JSON string in a spelling the platform reads as word: each character
// may be lower-cased (bit 5), upper-cased (bit 6), have its case swapped (bit 0), become a
// case-equivalent non-ASCII letter (bit 3), or be written as a \u escape (bit 1, upper-case
// hex digits with bit 2).
func (p *planter) key(word string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range word {
		c := p.choice()
		switch {
		case c&0x20 != 0:
			r = unicode.ToLower(r)
		case c&0x40 != 0:
			r = unicode.ToUpper(r)
		}
		s := string(r)
		if c&1 != 0 {
			if unicode.IsUpper(r) {
				s = string(unicode.ToLower(r))
			} else {
				s = string(unicode.ToUpper(r))
			}
		}
		if e, ok := exotic[r]; ok && c&8 != 0 {
			s = e
		}
		if c&2 != 0 {
			format := `\u%04x`
			if c&4 != 0 {
				format = `\u%04X`
			}
			s = fmt.Sprintf(format, []rune(s)[0])
		}
		b.WriteString(s)
	}
	b.WriteByte('"')
	return b.String()
}

// typeName spells a secure type name like a key, sometimes with spaces around it.
func (p *planter) typeName(name string) string {
	s := p.key(name)
	if p.choice()&16 != 0 {
		s = `" ` + s[1:len(s)-1] + ` "`
	}
	return s
}

// ws is the whitespace between tokens, as the layout chooses.
func (p *planter) ws() string {
	return [...]string{"", " ", "\n\t", " \r\n "}[p.layout>>3&3]
}

// obj writes an object of the members given as "key: value" texts.
func (p *planter) obj(members ...string) string {
	return "{" + p.ws() + strings.Join(members, ","+p.ws()) + p.ws() + "}"
}

// mem writes a member.
func (p *planter) mem(key, value string) string { return key + p.ws() + ":" + p.ws() + value }

// secret writes the planted secret in the form chosen.
func (p *planter) secret(form uint8) string {
	switch form % formKinds {
	case 1: // some characters \u-escaped, the '-' always
		var b strings.Builder
		for _, r := range plantedSecret {
			if r == '-' || p.choice()&2 != 0 {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
		return `"` + b.String() + `"`
	case 2:
		return p.obj(p.mem(`"a"`, `"`+plantedSecret+`"`))
	case 3:
		return "[" + p.ws() + `"` + plantedSecret + `"` + p.ws() + "]"
	case 4:
		return plantedNumber
	case 5:
		return "true"
	case 6:
		return p.obj(p.mem(`"x"`, "["+p.obj(p.mem(`"y"`, `"`+plantedSecret+`"`))+"]"))
	case 7:
		return `"  ` + plantedSecret + `  "`
	}
	return `"` + plantedSecret + `"`
}

// document returns the planted document and whether it is connectionparametersets.
func (p *planter) document(place, form, dup uint8) (string, bool) {
	dup %= dupKinds
	name, param := p.parameter(place%placeKinds, form, dup)
	params := p.decoyParameters()
	params = append(params, p.mem(name, param))
	switch dup {
	case 4: // the parameter again, its name in another case
		params = append(params, p.mem(strings.ToUpper(name), p.obj(p.mem(`"type"`, `"string"`))))
	case 6: // a key that differs only by a letter that folds to the same one
		params = append(params, p.mem(`"to\u212aen"`, `{}`), p.mem(`"token"`, `{}`))
	}
	paramsObj := p.obj(params...)
	sets := p.layout&1 != 0
	if !sets {
		return paramsObj, false
	}
	const count = 3
	at := int(p.layout>>1&3) % count
	var values []string
	for i := 0; i < count; i++ {
		members := []string{p.mem(p.key("name"), fmt.Sprintf(`"set%d"`, i))}
		if i == at {
			if dup == 5 {
				members = append(members, p.mem(p.key("parameters"), "{}"))
			}
			members = append(members, p.mem(p.key("parameters"), paramsObj))
		} else {
			members = append(members, p.mem(p.key("parameters"), p.obj(p.decoyParameters()...)))
		}
		values = append(values, p.obj(members...))
	}
	return p.obj(p.mem(p.key("values"), "["+p.ws()+strings.Join(values, ","+p.ws())+p.ws()+"]")), true
}

// decoyParameters are parameters with nothing secret: they must come through unchanged.
func (p *planter) decoyParameters() []string {
	ps := []string{p.mem(`"envtok"`, p.obj(p.mem(`"type"`, `"oauthSetting"`), p.mem(p.key("oAuthSettings"),
		p.obj(p.mem(p.key("clientSecret"), `"`+envReference+`"`)))))}
	for i := 0; i < int(p.layout>>5&3); i++ {
		visible := fmt.Sprintf("visible-%d", i)
		p.decoys = append(p.decoys, visible)
		ps = append(ps, p.mem(fmt.Sprintf(`"decoy%d"`, i), p.obj(p.mem(p.key("type"), `"string"`),
			p.mem(p.key("defaultValue"), `"`+visible+`"`), p.mem(p.key("allowedValues"), p.obj(p.mem(p.key("value"), `"`+visible+`"`))))))
	}
	return ps
}

// parameter returns the name and definition of the parameter that holds the secret.
func (p *planter) parameter(place, form, dup uint8) (name, def string) {
	// holder writes the object that holds the secret under key, with the duplicates asked for;
	// typed adds a secure type member, before or after as the layout says.
	typ := func(secureType string) []string {
		members := []string{p.mem(p.key("type"), p.typeName(secureType))}
		if dup == 3 { // a plain type first: one secure spelling must be enough
			members = append([]string{p.mem(p.key("type"), `"string"`)}, members...)
		}
		return members
	}
	holder := func(key, secureType string, extra ...string) string {
		var members []string
		if dup == 2 {
			members = append(members, p.mem(p.key(key), `""`))
		}
		members = append(members, p.mem(p.key(key), p.secret(form)))
		if dup == 1 {
			members = append(members, p.mem(p.key(key), p.secret(0)))
		}
		if secureType != "" {
			if p.layout&128 != 0 {
				members = append(members, typ(secureType)...)
			} else {
				members = append(typ(secureType), members...)
			}
		}
		if dup == 5 && p.layout&1 == 0 {
			extra = append(extra, p.mem(p.key("uiDefinition"), "{}"), p.mem(p.key("uiDefinition"), "{}"))
		}
		return p.obj(append(members, extra...)...)
	}
	oauth := func(members ...string) string {
		v := p.mem(p.key("oAuthSettings"), p.obj(append([]string{p.mem(`"identityProvider"`, `"aad"`)}, members...)...))
		if dup == 3 { // no type to repeat: repeat the settings
			v = p.mem(p.key("oAuthSettings"), "{}") + "," + v
		}
		return p.obj(p.mem(`"type"`, `"oauthSetting"`), v)
	}
	switch place {
	case 0:
		return `"token"`, p.oauthSecret(oauth, holder)
	case 1:
		return `"api_key"`, holder("value", "securestring")
	case 2:
		return `"api_key"`, holder("defaultValue", "securestring")
	case 3:
		return `"token"`, oauth(p.mem(p.key("additionalParameters"), p.obj(p.mem(`"extra"`, holder("value", "securestring")))))
	case 4:
		return `"token"`, oauth(
			p.mem(p.key("additionalParameters"), p.obj(p.mem(`"extra"`, p.obj(typ("securestring")...)))),
			p.mem(p.key("customParameters"), p.obj(p.mem(p.key("EXTRA"), holder("value", "")))))
	case 5:
		return `"api_key"`, p.obj(append(typ("securestring"), p.mem(p.key("allowedValues"), "["+holder("value", "")+"]"))...)
	case 6:
		return `"api_key"`, p.obj(append(typ("securestring"), p.mem(p.key("uiDefinition"),
			p.obj(p.mem(`"displayName"`, `"Key"`), p.mem(p.key("constraints"), p.obj(p.mem(p.key("allowedValues"), "["+holder("value", "")+"]"))))))...)
	default:
		return `"blob"`, holder("defaultValue", "secureobject")
	}
}

// oauthSecret writes an OAuth parameter whose settings hold the secret as clientSecret.
func (p *planter) oauthSecret(oauth func(...string) string, holder func(string, string, ...string) string) string {
	h := holder("clientSecret", "")
	// The holder is the settings object itself: unwrap its braces into the settings' members.
	inner := strings.TrimSuffix(strings.TrimPrefix(h, "{"), "}")
	return oauth(strings.TrimSpace(inner))
}
