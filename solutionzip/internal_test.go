package solutionzip

import (
	"errors"
	"strings"
	"testing"
)

func TestCleanPath(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		dir      bool
		err      string
	}{
		{in: "solution.xml", want: "solution.xml"},
		{in: `Connector\x_openapidefinition.json`, want: "Connector/x_openapidefinition.json"},
		{in: "./Connector//x.json", want: "Connector/x.json"},
		{in: "Connector/", want: "Connector", dir: true},
		{in: "Connector/../x", err: "climbs out"},
		{in: "..", err: "climbs out"},
		{in: "/etc/passwd", err: "absolute"},
		{in: `\\server\share\x`, err: "absolute"},
		{in: "c:x", err: "drive letter"},
		{in: "a/b:c", err: "colon"},
		{in: "a\x00b", err: "control character"},
		{in: "a\uFFFEb", err: "control character"},
		{in: "\xff", err: "UTF-8"},
		{in: "", err: "empty"},
		{in: "./", want: "", dir: true},
	} {
		got, dir, err := cleanPath(tc.in)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("cleanPath(%q) = %q, %v; want an error saying %q", tc.in, got, err, tc.err)
			}
		case err != nil || got != tc.want || dir != tc.dir:
			t.Errorf("cleanPath(%q) = %q, %v, %v; want %q, %v", tc.in, got, dir, err, tc.want, tc.dir)
		}
	}
}

func TestIsFileRef(t *testing.T) {
	for in, want := range map[string]bool{
		"/Connector/x_openapidefinition.json": true,
		"  /Connector/x.json\n":               true,
		`\Connector\x.json`:                   true,
		`{"swagger":"2.0"}`:                   false,
		`["a"]`:                               false,
		"iVBORw0KGgo=":                        false,
		"// a script\nclass Script {}":        false,
		"":                                    false,
	} {
		if got := isFileRef(in); got != want {
			t.Errorf("isFileRef(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestValidVersion(t *testing.T) {
	for in, want := range map[string]bool{
		"1.0": true, "1.0.0": true, "1.0.0.3": true, "9.2.25093.165": true,
		"1": false, "1.0.0.0.0": false, "1..0": false, "1.a": false, "": false, "1.0 ": false, "-1.0": false,
	} {
		if got := validVersion(in); got != want {
			t.Errorf("validVersion(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestCheckElement(t *testing.T) {
	for _, tc := range []struct {
		el Element
		ok bool
	}{
		{Element{"Entities", "<Entities />"}, true},
		{Element{"Entities", `<Entities><Entity a="1">x &amp; y</Entity></Entities>`}, true},
		{Element{"Entities", `<x:Entities xmlns:x="u"/>`}, true},
		{Element{"Entities", " <Entities />"}, false},
		{Element{"Entities", "<Entities /> "}, false},
		{Element{"Entities", "<Entities><a></Entities>"}, false},
		{Element{"Entities", "<Roles />"}, false},
		{Element{"Entities", "<!-- c --><Entities />"}, false},
		{Element{"Entities", `<!DOCTYPE Entities><Entities />`}, false},
		{Element{"Entities", "<Entities>&xxe;</Entities>"}, false},
	} {
		if err := checkElement(tc.el); (err == nil) != tc.ok {
			t.Errorf("checkElement(%q) = %v, want ok %v", tc.el.XML, err, tc.ok)
		}
	}
}

func TestErrorKinds(t *testing.T) {
	err := error(errorf(ErrTooLarge, "a.json", "<x>", "too %s", "big"))
	if !errors.Is(err, ErrTooLarge) || errors.Is(err, ErrMalformed) {
		t.Errorf("errors.Is does not follow the kind: %v", err)
	}
	if got := err.Error(); got != "a.json: <x>: too big" {
		t.Errorf("Error() = %q", got)
	}
	if got := errorf(ErrNotSolution, "", "", "no").Error(); got != "no" {
		t.Errorf("Error() = %q", got)
	}
}
