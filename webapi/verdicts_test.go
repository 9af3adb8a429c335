package webapi

import "testing"

func TestVerdictsForgetTheLeastRecentlyUsed(t *testing.T) {
	v := verdicts{max: 2}
	a, b, c := verdictKey("u", ValidationDefault, "a"), verdictKey("u", ValidationDefault, "b"), verdictKey("u", ValidationDefault, "c")
	v.put(a, "")
	v.put(b, "refused")
	v.get(a) // a is now the more recent
	v.put(c, "")
	if _, ok := v.get(b); ok {
		t.Error("b, the least recently used, is still there")
	}
	if r, ok := v.get(a); !ok || r != "" {
		t.Errorf("a: %q, %v", r, ok)
	}
	if len(v.items) != 2 || v.order.Len() != 2 {
		t.Errorf("%d items, %d in order; want 2", len(v.items), v.order.Len())
	}
}

func TestVerdictKeys(t *testing.T) {
	base := verdictKey("u1", ValidationDefault, "def")
	for name, other := range map[string][32]byte{
		"another caller":   verdictKey("u2", ValidationDefault, "def"),
		"another mode":     verdictKey("u1", ValidationStrict, "def"),
		"another document": verdictKey("u1", ValidationDefault, "def "),
		"a shifted split":  verdictKey("u1d", ValidationDefault, "ef"),
	} {
		if other == base {
			t.Errorf("%s has the same key", name)
		}
	}
}
