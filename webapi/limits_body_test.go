package webapi_test

import (
	"strings"
	"testing"

	connectorhub "github.com/connectorhub/connectorhub"
)

// TestBodyLimit sends a body beyond the 8 MB limit: 413 with Dataverse's error body.
func TestBodyLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 9 MB")
	}
	s := MustOpenServer(t)
	big := `{"description": "` + strings.Repeat("a", 9<<20) + `"}`
	r := s.do(t, "PATCH", "/api/data/v9.2/connectors(00000000-0000-0000-0000-000000000001)", big)
	if code, msg := r.ErrorCode(t); r.Status != 413 || code != connectorhub.ECodePayload || !strings.Contains(msg, "8388608") {
		t.Errorf("got %d %s %q", r.Status, code, msg)
	}
}
