package webapi_test

import (
	"strings"
	"testing"
)

// TestNavigationProperties: the single-valued navigation properties $metadata declares answer
// the related record (with $select) or its URL ($ref); a lookup with no record is 204.
func TestNavigationProperties(t *testing.T) {
	s := MustOpenServer(t)
	const one = "/api/data/v9.2/connectors(00000000-0000-0000-0000-000000000001)"
	if r := s.do(t, "POST", "/api/data/v9.2/connectors", body(1, nil)); r.Status != 204 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	for _, tc := range []struct {
		path   string
		status int
		want   string // in the body
	}{
		{one + "/createdby", 200, `"systemuserid":"` + s.Admin.ID + `"`},
		{one + "/createdby?$select=fullname", 200, `"fullname":`},
		{one + "/ownerid", 200, `"systemuserid":"` + s.Admin.ID + `"`},
		{one + "/owningbusinessunit", 200, `"businessunitid":"` + s.Admin.BusinessUnitID + `"`},
		{one + "/createdby/$ref", 200, `"@odata.id":"` + s.URL() + `/api/data/v9.2/systemusers(` + s.Admin.ID + `)"`},
		{one + "/owningteam", 204, ""},
		{one + "/createdonbehalfby", 204, ""},
		{one + "/createdby?$select=nosuch", 400, ""},
		{"/api/data/v9.2/connectors(00000000-0000-0000-0000-0000000000ff)/createdby", 404, ""},
		{one + "/nosuch", 404, ""},
	} {
		r := s.do(t, "GET", tc.path, "")
		if r.Status != tc.status || !strings.Contains(string(r.Body), tc.want) {
			t.Errorf("%s: got %d %.300s, want %d with %s", tc.path, r.Status, r.Body, tc.status, tc.want)
		}
	}
	if r := s.do(t, "PATCH", one+"/createdby", `{}`); r.Status != 405 {
		t.Errorf("PATCH of a navigation property: got %d, want 405", r.Status)
	}
}

// TestOrganizations: the organization WhoAmI names, and RetrieveVersion.
func TestOrganizations(t *testing.T) {
	s := MustOpenServer(t)
	org := s.do(t, "GET", "/api/data/v9.2/WhoAmI", "").JSON(t)["OrganizationId"].(string)
	for _, tc := range []struct {
		path   string
		status int
		want   string
	}{
		{"/api/data/v9.2/organizations(" + org + ")", 200, `"organizationid":"` + org + `"`},
		{"/api/data/v9.2/organizations(" + org + ")?$select=name", 200, `$metadata#organizations(name)/$entity`},
		{"/api/data/v9.2/organizations", 200, `"value":[{"organizationid":"` + org + `"`},
		{"/api/data/v9.2/organizations(00000000-0000-0000-0000-0000000000ff)", 404, ""},
		{"/api/data/v9.2/organizations?$select=nosuch", 400, ""},
		{"/api/data/v9.2/organizations?$filter=name eq 'x'", 400, ""},
		{"/api/data/v9.2/RetrieveVersion()", 200, `"Version":"9.2`},
		{"/api/data/v9.2/RetrieveVersion", 200, `"Version":"9.2`},
	} {
		r := s.do(t, "GET", strings.ReplaceAll(tc.path, " ", "%20"), "")
		if r.Status != tc.status || !strings.Contains(string(r.Body), tc.want) {
			t.Errorf("%s: got %d %.300s, want %d with %s", tc.path, r.Status, r.Body, tc.status, tc.want)
		}
	}
}
