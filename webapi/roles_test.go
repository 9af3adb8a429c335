package webapi_test

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/webapi"
)

// rolePrivileges returns "prvName:Depth" of each privilege RetrieveRolePrivilegesRole lists, sorted.
func rolePrivileges(tb testing.TB, s *testServer, roleID string, headers ...string) string {
	tb.Helper()
	r := s.do(tb, "GET", api+"roles("+roleID+")/Microsoft.Dynamics.CRM.RetrieveRolePrivilegesRole()", "", headers...)
	if r.Status != 200 {
		tb.Fatalf("RetrieveRolePrivilegesRole: got %d %s", r.Status, r.Body)
	}
	var resp struct {
		Context        string `json:"@odata.context"`
		RolePrivileges []struct{ Depth, PrivilegeId, BusinessUnitId, PrivilegeName string }
	}
	if err := json.Unmarshal(r.Body, &resp); err != nil {
		tb.Fatal(err)
	}
	if !strings.HasSuffix(resp.Context, "$metadata#Microsoft.Dynamics.CRM.RetrieveRolePrivilegesRoleResponse") {
		tb.Errorf("@odata.context: %s", resp.Context)
	}
	var out []string
	for _, p := range resp.RolePrivileges {
		if len(p.PrivilegeId) != 36 || len(p.BusinessUnitId) != 36 {
			tb.Errorf("RolePrivilege without ids: %+v", p)
		}
		out = append(out, p.PrivilegeName+":"+p.Depth)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func TestCustomRoles(t *testing.T) {
	s, addUser := MustOpenMultiUserServer(t)
	addUser("maker", connectorhub.RoleEnvironmentMaker)
	addUser("customizer", connectorhub.RoleSystemCustomizer)
	as := func(user string) string { return "X-Test-User: " + user }
	sales := mustCreateIdentity(t, s, "businessunits", `{"name": "Sales"}`, as("admin"))
	role := mustCreateIdentity(t, s, "roles", `{"name": "Sales Reader", "businessunitid@odata.bind": "businessunits(`+sales+`)"}`, as("admin"))
	rec := s.do(t, "GET", api+"roles("+role+")", "", as("maker")).JSON(t)
	if rec["name"] != "Sales Reader" || rec["_businessunitid_value"] != sales {
		t.Errorf("the new role: got %v", rec)
	}
	if got := rolePrivileges(t, s, role, as("maker")); got != "" {
		t.Errorf("a new role holds %s, want nothing", got)
	}
	roleURL := api + "roles(" + role + ")/Microsoft.Dynamics.CRM."
	for _, step := range []struct{ action, body, want string }{
		{"AddPrivilegesRole", `{"Privileges": [{"PrivilegeName": "prvReadconnector", "Depth": "Local"}]}`, "prvReadconnector:Local"},
		// PrivilegeId and Dataverse's PrivilegeDepth as a number (0 is Basic); the others stay.
		{"AddPrivilegesRole", `{"Privileges": [{"@odata.type": "Microsoft.Dynamics.CRM.RolePrivilege", "PrivilegeId": "` + connectorhub.PrivCreate.PrivilegeID() + `", "Depth": 0, "BusinessUnitId": "` + sales + `"}]}`,
			"prvCreateconnector:Basic,prvReadconnector:Local"},
		{"ReplacePrivilegesRole", `{"Privileges": [{"PrivilegeName": "prvWriteconnector", "Depth": "Deep"}, {"PrivilegeName": "prvreadconnector", "Depth": "Global"}]}`,
			"prvReadconnector:Global,prvWriteconnector:Deep"},
		{"RemovePrivilegeRole", `{"PrivilegeId": "` + connectorhub.PrivWrite.PrivilegeID() + `"}`, "prvReadconnector:Global"},
	} {
		if r := s.do(t, "POST", roleURL+step.action, step.body, as("customizer")); r.Status != 204 {
			t.Fatalf("%s %s: got %d %s", step.action, step.body, r.Status, r.Body)
		}
		if got := rolePrivileges(t, s, role, as("admin")); got != step.want {
			t.Errorf("after %s %s: got %s, want %s", step.action, step.body, got, step.want)
		}
	}
	if r := s.do(t, "PATCH", api+"roles("+role+")", `{"name": "Sales Readers"}`, as("admin")); r.Status != 204 {
		t.Errorf("rename: got %d %s", r.Status, r.Body)
	}

	builtin := roleID(t, s, connectorhub.RoleBasicUser, as("admin"))
	for _, bad := range []struct{ user, method, path, body, code string }{
		{"maker", "POST", "roles", `{"name": "Mine"}`, connectorhub.ECodePrivilegeDenied},
		{"maker", "POST", "roles(" + role + ")/Microsoft.Dynamics.CRM.AddPrivilegesRole", `{"Privileges": [{"PrivilegeName": "prvReadconnector", "Depth": "Basic"}]}`, connectorhub.ECodePrivilegeDenied},
		{"customizer", "POST", "roles(" + role + ")/Microsoft.Dynamics.CRM.AddPrivilegesRole", `{"Privileges": [{"PrivilegeName": "prvActOnBehalfOfAnotherUser", "Depth": "Global"}]}`, connectorhub.ECodePrivilegeDenied},
		{"admin", "POST", "roles(" + role + ")/Microsoft.Dynamics.CRM.AddPrivilegesRole", `{"Privileges": [{"PrivilegeName": "prvActOnBehalfOfAnotherUser", "Depth": "Local"}]}`, connectorhub.ECodeInvalidArgument},
		{"admin", "POST", "roles(" + builtin + ")/Microsoft.Dynamics.CRM.AddPrivilegesRole", `{"Privileges": [{"PrivilegeName": "prvCreateconnector", "Depth": "Basic"}]}`, connectorhub.ECodeInvalidArgument},
		{"admin", "POST", "roles(" + role + ")/Microsoft.Dynamics.CRM.AddPrivilegesRole", `{"Privileges": [{"PrivilegeName": "prvFlyconnector", "Depth": "Basic"}]}`, connectorhub.ECodeInvalidArgument},
		{"admin", "POST", "roles(" + role + ")/Microsoft.Dynamics.CRM.AddPrivilegesRole", `{"Privileges": [{"PrivilegeName": "prvReadconnector", "Depth": "Galaxy"}]}`, connectorhub.ECodeInvalidArgument},
		{"admin", "POST", "roles(" + role + ")/Microsoft.Dynamics.CRM.AddPrivilegesRole", `{"Privileges": [{"PrivilegeName": "prvReadconnector", "Depth": 7}]}`, connectorhub.ECodeInvalidArgument},
		{"admin", "POST", "roles(" + role + ")/Microsoft.Dynamics.CRM.AddPrivilegesRole", `{"Privileges": [{"PrivilegeId": "00000000-0000-0000-0000-000000000001", "Depth": "Basic"}]}`, connectorhub.ECodeInvalidArgument},
		{"admin", "POST", "roles(" + role + ")/Microsoft.Dynamics.CRM.AddPrivilegesRole", `{"Privileges": [{"PrivilegeId": "` + connectorhub.PrivRead.PrivilegeID() + `", "PrivilegeName": "prvWriteconnector", "Depth": "Basic"}]}`, connectorhub.ECodeInvalidArgument},
		{"admin", "POST", "roles(" + role + ")/Microsoft.Dynamics.CRM.AddPrivilegesRole", `{"privileges": []}`, connectorhub.ECodePayload},
		{"admin", "POST", "roles(00000000-0000-0000-0000-00000000dead)/Microsoft.Dynamics.CRM.AddPrivilegesRole", `{"Privileges": []}`, connectorhub.ECodeNotFound},
		{"admin", "GET", "roles(" + role + ")/Microsoft.Dynamics.CRM.AddPrivilegesRole", "", connectorhub.ECodeNoResource},
		{"admin", "POST", "roles(" + role + ")/Microsoft.Dynamics.CRM.RetrieveRolePrivilegesRole()", "", connectorhub.ECodeNoResource},
		{"admin", "GET", "roles(00000000-0000-0000-0000-00000000dead)/Microsoft.Dynamics.CRM.RetrieveRolePrivilegesRole()", "", connectorhub.ECodeNotFound},
		{"admin", "DELETE", "roles(" + builtin + ")", "", connectorhub.ECodeInvalidArgument},
		{"admin", "POST", "roles", `{"name": "SALES READERS"}`, connectorhub.ECodeDuplicateKey},
		// Names that pass for another role's, built-in or custom, are 400.
		{"customizer", "POST", "roles", `{"name": "System Administrator\u00a0"}`, connectorhub.ECodeInvalidArgument},
		{"admin", "POST", "roles", `{"name": "system administrator "}`, connectorhub.ECodeInvalidArgument},
		{"admin", "POST", "roles", `{"name": "System\u2002Customizer\u200b"}`, connectorhub.ECodeInvalidArgument},
		{"admin", "POST", "roles", `{"name": " Sales\u00a0Readers"}`, connectorhub.ECodeInvalidArgument},
		{"admin", "PATCH", "roles(" + role + ")", `{"name": "Basic\u3000User"}`, connectorhub.ECodeInvalidArgument},
	} {
		r := s.do(t, bad.method, api+bad.path, bad.body, as(bad.user))
		if r.Status < 400 {
			t.Errorf("%s %s %s as %s: got %d, want %s", bad.method, bad.path, bad.body, bad.user, r.Status, bad.code)
			continue
		}
		if code, msg := r.ErrorCode(t); code != bad.code || r.Status != webapi.StatusOf(bad.code) {
			t.Errorf("%s %s %s as %s: got %d %s %s, want %s", bad.method, bad.path, bad.body, bad.user, r.Status, code, msg, bad.code)
		}
	}

	// A role someone holds is not deleted (400); once nobody holds it, it is (204).
	user := mustCreateIdentity(t, s, "systemusers", `{"fullname": "Seller", "internalemailaddress": "seller@example.com", "businessunitid@odata.bind": "businessunits(`+sales+`)"}`, as("admin"))
	ref := api + "systemusers(" + user + ")/systemuserroles_association/$ref"
	if r := s.do(t, "POST", ref, `{"@odata.id": "roles(`+role+`)"}`, as("admin")); r.Status != 204 {
		t.Fatalf("assign: got %d %s", r.Status, r.Body)
	}
	if r := s.do(t, "DELETE", api+"roles("+role+")", "", as("admin")); r.Status != 400 {
		t.Errorf("delete a held role: got %d %s, want 400", r.Status, r.Body)
	}
	if r := s.do(t, "DELETE", api+"systemusers("+user+")/systemuserroles_association("+role+")/$ref", "", as("admin")); r.Status != 204 {
		t.Fatalf("unassign: got %d %s", r.Status, r.Body)
	}
	if r := s.do(t, "DELETE", api+"roles("+role+")", "", as("maker")); r.Status != 403 {
		t.Errorf("delete as maker: got %d %s, want 403", r.Status, r.Body)
	}
	if r := s.do(t, "DELETE", api+"roles("+role+")", "", as("customizer")); r.Status != 204 {
		t.Errorf("delete: got %d %s", r.Status, r.Body)
	}
	if r := s.do(t, "GET", api+"roles("+role+")", "", as("admin")); r.Status != 404 {
		t.Errorf("GET a deleted role: got %d", r.Status)
	}
}

func TestDisableUser(t *testing.T) {
	s, addUser := MustOpenMultiUserServer(t)
	maker := addUser("maker", connectorhub.RoleEnvironmentMaker)
	addUser("customizer", connectorhub.RoleSystemCustomizer)
	second := addUser("second", connectorhub.RoleSystemAdministrator)
	as := func(user string) string { return "X-Test-User: " + user }
	userURL := api + "systemusers(" + maker.UserID + ")"
	for _, tt := range []struct {
		user, body string
		status     int
		disabled   bool
	}{
		{"maker", `{"isdisabled": true}`, 403, false},
		{"customizer", `{"isdisabled": true}`, 204, true},
		{"admin", `{"isdisabled": false, "fullname": "Maker Again"}`, 204, false},
		{"admin", `{"isdisabled": 1}`, 400, false},
		{"admin", `{"isdisabled": null}`, 400, false},
	} {
		r := s.do(t, "PATCH", userURL, tt.body, as(tt.user))
		if r.Status != tt.status {
			t.Errorf("PATCH %s as %s: got %d %s, want %d", tt.body, tt.user, r.Status, r.Body, tt.status)
		}
		if got := s.do(t, "GET", userURL+"/isdisabled", "", as("admin")).JSON(t)["value"]; got != tt.disabled {
			t.Errorf("after PATCH %s as %s: isdisabled %v, want %v", tt.body, tt.user, got, tt.disabled)
		}
	}
	// The bootstrap administrator stays enabled, even for another administrator; and the last
	// enabled one, even for itself.
	r := s.do(t, "PATCH", api+"systemusers("+s.Admin.ID+")", `{"isdisabled": true}`, as("second"))
	if code, msg := r.ErrorCode(t); r.Status != 400 || code != connectorhub.ECodeInvalidArgument || !strings.Contains(msg, "bootstrap") {
		t.Errorf("disabling the bootstrap administrator: got %d %s %s", r.Status, code, msg)
	}
	if r := s.do(t, "PATCH", api+"systemusers("+second.UserID+")", `{"isdisabled": true}`, as("admin")); r.Status != 204 {
		t.Fatalf("disabling the second administrator: got %d %s", r.Status, r.Body)
	}
	r = s.do(t, "PATCH", api+"systemusers("+s.Admin.ID+")", `{"isdisabled": true}`, as("admin"))
	if code, msg := r.ErrorCode(t); r.Status != 400 || code != connectorhub.ECodeInvalidArgument || !strings.Contains(msg, "last enabled System Administrator") {
		t.Errorf("disabling the last administrator: got %d %s %s", r.Status, code, msg)
	}
	if r := s.do(t, "DELETE", userURL, "", as("admin")); r.Status != 405 || !strings.Contains(string(r.Body), "isdisabled") {
		t.Errorf("DELETE a user: got %d %s, want 405 pointing to isdisabled", r.Status, r.Body)
	}
}
