package webapi_test

import (
	"net/url"
	"strings"
	"testing"

	connectorhub "github.com/connectorhub/connectorhub"
)

// TestChangeTracking: the first read with Prefer: odata.track-changes answers the records and
// a deltaLink; following it answers what was created or changed since, and a $deletedEntity
// for what was deleted, trimmed as reads are; a tampered token is a 400.
func TestChangeTracking(t *testing.T) {
	s, addUser := MustOpenMultiUserServer(t)
	addUser("maker", connectorhub.RoleBasicUser)
	as := func(u string) string { return "X-Test-User: " + u }
	for i := 1; i <= 3; i++ {
		if r := s.do(t, "POST", "/api/data/v9.2/connectors", body(i, nil), as("admin")); r.Status != 204 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
	}
	r := s.do(t, "GET", "/api/data/v9.2/connectors?$select=name", "", as("admin"), "Prefer: odata.track-changes")
	if r.Status != 200 || r.Header.Get("Preference-Applied") != "odata.track-changes" {
		t.Fatalf("first read: %d %v %s", r.Status, r.Header, r.Body)
	}
	first := r.JSON(t)
	if n := len(first["value"].([]any)); n != 3 {
		t.Errorf("first read: %d records, want 3", n)
	}
	link, _ := first["@odata.deltaLink"].(string)
	if !strings.Contains(link, "$deltatoken=") || !strings.Contains(link, "$select=name") {
		t.Fatalf("deltaLink %q", link)
	}
	path := strings.TrimPrefix(link, s.URL())

	// Nothing changed: an empty delta.
	if got := values(t, s.do(t, "GET", path, "", as("admin"))); len(got) != 0 {
		t.Errorf("no change: got %v", got)
	}
	// A change, a create and a delete.
	if r := s.do(t, "PATCH", "/api/data/v9.2/connectors(00000000-0000-0000-0000-000000000001)", `{"description":"changed"}`, as("admin")); r.Status != 204 {
		t.Fatal(r.Status)
	}
	if r := s.do(t, "POST", "/api/data/v9.2/connectors", body(4, nil), as("admin")); r.Status != 204 {
		t.Fatal(r.Status)
	}
	if r := s.do(t, "DELETE", "/api/data/v9.2/connectors(00000000-0000-0000-0000-000000000002)", "", as("admin")); r.Status != 204 {
		t.Fatal(r.Status)
	}
	r = s.do(t, "GET", path, "", as("admin"))
	delta := r.JSON(t)
	if ctx := delta["@odata.context"].(string); !strings.HasSuffix(ctx, "$metadata#connectors(name)/$delta") {
		t.Errorf("context %q", ctx)
	}
	var changed, deleted []string
	for _, v := range delta["value"].([]any) {
		rec := v.(map[string]any)
		if rec["reason"] == "deleted" {
			deleted = append(deleted, rec["id"].(string))
			if !strings.HasSuffix(rec["@odata.context"].(string), "$metadata#connectors/$deletedEntity") {
				t.Errorf("deleted entry context %v", rec["@odata.context"])
			}
			continue
		}
		changed = append(changed, rec["name"].(string))
	}
	if strings.Join(changed, ",") != "cr736_c1,cr736_c4" || strings.Join(deleted, ",") != "00000000-0000-0000-0000-000000000002" {
		t.Errorf("delta: changed %v, deleted %v", changed, deleted)
	}
	// The next deltaLink starts after these.
	next := strings.TrimPrefix(delta["@odata.deltaLink"].(string), s.URL())
	if got := values(t, s.do(t, "GET", next, "", as("admin"))); len(got) != 0 {
		t.Errorf("after the delta: got %v", got)
	}
	// Trimming: a Basic User, who reads only its own connectors, is told of none of these.
	r = s.do(t, "GET", path, "", as("maker"))
	if got := values(t, r); len(got) != 0 {
		t.Errorf("a Basic User's delta holds others' records: %v", got)
	}
	// Tampered tokens and options that do not combine with change tracking are 400s.
	u, _ := url.Parse(link)
	q := u.Query()
	q.Set("$deltatoken", q.Get("$deltatoken")+"x")
	for _, p := range []string{
		u.Path + "?" + q.Encode(),
		u.Path + "?$deltatoken=1!2!abc",
		"/api/data/v9.2/connectors?$filter=name%20eq%20'x'&$deltatoken=" + url.QueryEscape(u.Query().Get("$deltatoken")),
	} {
		if r := s.do(t, "GET", p, "", as("admin")); r.Status != 400 {
			t.Errorf("%s: got %d, want 400", p, r.Status)
		}
	}
	// Pages: with odata.maxpagesize=2, the 3 connectors come in two answers.
	r = s.do(t, "GET", "/api/data/v9.2/connectors?$select=name", "", as("admin"), "Prefer: odata.track-changes, odata.maxpagesize=2")
	page := r.JSON(t)
	if n := len(page["value"].([]any)); n != 2 || !strings.Contains(r.Header.Get("Preference-Applied"), "odata.maxpagesize=2") {
		t.Errorf("first page: %d records, Preference-Applied %q", n, r.Header.Get("Preference-Applied"))
	}
	r = s.do(t, "GET", strings.TrimPrefix(page["@odata.deltaLink"].(string), s.URL()), "", as("admin"), "Prefer: odata.maxpagesize=2")
	// The one record left, and the deletion made after the first read's position (harmless
	// to a client that never saw that record).
	if got := values(t, r); len(got) != 2 || got[0]["name"] != "cr736_c4" || got[1]["reason"] != "deleted" {
		t.Errorf("second page: %v, want cr736_c4 and a deletion", got)
	}
	if r := s.do(t, "GET", "/api/data/v9.2/EntityDefinitions(LogicalName='connector')?$select=ChangeTrackingEnabled", "", as("admin")); !strings.Contains(string(r.Body), `"ChangeTrackingEnabled":true`) {
		t.Errorf("the connector table does not declare change tracking: %s", r.Body)
	}
	if r := s.do(t, "GET", "/api/data/v9.2/connectors?$top=1", "", as("admin"), "Prefer: odata.track-changes"); r.Status != 400 {
		t.Errorf("$top with track-changes: got %d, want 400", r.Status)
	}
}
