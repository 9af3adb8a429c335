package jsontext

import (
	"strings"
	"testing"
)

func TestCheckBudget(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     string
		values int
		depth  int
		ok     bool
	}{
		{"FlatObject", `{"a": "x", "b": 12, "c": true, "d": null}`, 9, 1, true},
		{"FlatObjectOneTooMany", `{"a": "x", "b": 12, "c": true, "d": null}`, 8, 1, false},
		{"StringsHideStructure", `{"a": "[[[[{,,,:}]]]] \" [[["}`, 3, 1, true},
		{"Depth", `[[[1]]]`, 10, 3, true},
		{"TooDeep", `[[[[1]]]]`, 10, 3, false},
		{"ManySmallValues", "[" + strings.Repeat("0,", 100) + "0]", 50, 5, false},
		{"LongNumberIsOneValue", `[12345678901234567890e10]`, 2, 1, true},
		{"Empty", ``, 0, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckBudget([]byte(tc.in), tc.values, tc.depth)
			if (err == nil) != tc.ok {
				t.Errorf("got %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

// FuzzCheckBudget checks that whatever CheckBudget admits within a budget, Parse reads into a
// tree of no more values and depth (or refuses as a syntax error).
func FuzzCheckBudget(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}]}`, `[[[]]]`, `"x\"y"`, `{"a":1,}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		const values, depth = 20, 4
		if CheckBudget([]byte(s), values, depth) != nil {
			return
		}
		v, err := Parse([]byte(s))
		if err != nil {
			return
		}
		n, d := count(v, 1)
		if n > values || d > depth+1 {
			t.Fatalf("admitted %d values at depth %d: %q", n, d, s)
		}
	})
}

func count(v *Value, level int) (n, depth int) {
	n, depth = 1, level
	for _, m := range v.Members {
		c, d := count(m.Value, level+1)
		n, depth = n+c+1, max(depth, d)
	}
	for _, e := range v.Elems {
		c, d := count(e, level+1)
		n, depth = n+c, max(depth, d)
	}
	return n, depth
}
