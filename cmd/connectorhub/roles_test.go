package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestRoles(t *testing.T) {
	data := t.TempDir()
	id := strings.TrimSpace(mustRun(t, "roles", "create", "Sales Reader", "--privilege", "read:businessunit", "--privilege", "Create:User", "--data", data))
	if len(id) != 36 {
		t.Fatalf("roles create printed %q, want the new id", id)
	}
	mustRun(t, "roles", "set", "sales reader", "--privilege", "Read:ParentChildBusinessUnits", "--privilege", "share:Basic", "--data", data)

	var roles []roleView
	if err := json.Unmarshal([]byte(mustRun(t, "roles", "list", "-o", "json", "--data", data)), &roles); err != nil {
		t.Fatal(err)
	}
	byName := map[string]roleView{}
	for _, r := range roles {
		byName[r.Name] = r
	}
	got := byName["Sales Reader"]
	if len(roles) != 5 || got.ID != id || got.BuiltIn || got.BusinessUnit != "ConnectorHub" ||
		got.Privileges["Read"] != "ParentChildBusinessUnits" || got.Privileges["Create"] != "User" || got.Privileges["Share"] != "User" || got.Privileges["Write"] != "None" {
		t.Errorf("roles list -o json: %+v", roles)
	}
	if !byName["System Administrator"].BuiltIn || byName["Basic User"].Privileges["Read"] != "User" {
		t.Errorf("built-in roles: %+v", roles)
	}
	table := mustRun(t, "roles", "list", "--data", data)
	if !strings.HasPrefix(table, "NAME") || !strings.Contains(table, "ACTONBEHALFOFANOTHERUSER") || !strings.Contains(table, "Sales Reader") {
		t.Errorf("roles list:\n%s", table)
	}

	// The role is given like a built-in one, and then cannot be deleted.
	mustRun(t, "users", "create", "ada@example.com", "--role", "Sales Reader", "--data", data)
	for _, tt := range []struct {
		args []string
		want string // in the error
	}{
		{[]string{"roles", "create", "Sales Reader"}, "already exists"},
		{[]string{"roles", "create", "basic user"}, "built in"},
		{[]string{"roles", "create", "System Administrator\u00a0"}, "must not imitate"},
		{[]string{"roles", "create", " sales  reader"}, "must not imitate"},
		{[]string{"roles", "create", "X", "--privilege", "Fly:User"}, "not a privilege"},
		{[]string{"roles", "create", "X", "--privilege", "Read:Galaxy"}, "not a depth"},
		{[]string{"roles", "create", "X", "--privilege", "Read"}, "Privilege:Depth"},
		{[]string{"roles", "create", "X", "--privilege", "ActOnBehalfOfAnotherUser:User"}, "None or Organization"},
		{[]string{"roles", "set", "Basic User", "--privilege", "Create:User"}, "built in"},
		{[]string{"roles", "set", "Nobody", "--privilege", "Create:User"}, "no role named"},
		{[]string{"roles", "set", "Sales Reader"}, "--privilege"},
		{[]string{"roles", "delete", "System Administrator"}, "built in"},
		{[]string{"roles", "delete", "Sales Reader"}, "held by 1 users"},
	} {
		out, err := run(t, append(tt.args, "--data", data)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: got %v (%s), want an error saying %q", tt.args, err, out, tt.want)
		}
	}
	if _, err := run(t, "roles", "create", "X", "--privilege", "Fly:User", "--data", data); err == nil {
		t.Fatal("a role with a bad privilege was created")
	} else if out := mustRun(t, "roles", "list", "--data", data); strings.Contains(out, "X ") {
		t.Errorf("a refused role was created anyway:\n%s", out)
	}
	mustRun(t, "users", "remove-role", "ada@example.com", "Sales Reader", "--data", data)
	mustRun(t, "roles", "delete", "Sales Reader", "--data", data)
	if out := mustRun(t, "roles", "list", "--data", data); strings.Contains(out, "Sales Reader") {
		t.Errorf("after delete:\n%s", out)
	}
}

func TestUsersDisable(t *testing.T) {
	data := t.TempDir()
	mustRun(t, "users", "create", "ada@example.com", "--role", "Basic User", "--data", data)
	mustRun(t, "users", "disable", "ADA@example.com", "--data", data)
	var users []struct {
		Email    string
		Disabled bool
	}
	if err := json.Unmarshal([]byte(mustRun(t, "users", "list", "-o", "json", "--data", data)), &users); err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 || users[0].Email != "ada@example.com" || !users[0].Disabled || users[1].Disabled {
		t.Errorf("users list -o json after disable: %+v", users)
	}
	if out := mustRun(t, "users", "list", "--data", data); !strings.Contains(out, "disabled") {
		t.Errorf("users list does not show the state:\n%s", out)
	}
	if _, err := run(t, "token", "--user", "ada@example.com", "--data", data); err == nil || !strings.Contains(err.Error(), "disabled") {
		t.Errorf("token for a disabled user: got %v", err)
	}
	if _, err := run(t, "users", "disable", "admin@connectorhub.local", "--data", data); err == nil || !strings.Contains(err.Error(), "last enabled System Administrator") {
		t.Errorf("disabling the bootstrap administrator, the only one: got %v", err)
	}
	if _, err := run(t, "users", "disable", "nobody@example.com", "--data", data); err == nil {
		t.Error("disabling a missing user succeeded")
	}
	mustRun(t, "users", "enable", "ada@example.com", "--data", data)
	if tok := strings.TrimSpace(mustRun(t, "token", "--user", "ada@example.com", "--data", data)); strings.Count(tok, ".") != 2 {
		t.Errorf("token after enable: %q", tok)
	}
}

// TestLastAdministrator: the commands are the operator's, yet they never disable or demote the
// last enabled System Administrator, nor the bootstrap one.
func TestLastAdministrator(t *testing.T) {
	data := t.TempDir()
	const bootstrap = "admin@connectorhub.local"
	for _, tt := range []struct {
		args []string
		want string // in the error; "" for success
	}{
		{[]string{"users", "remove-role", bootstrap, "System Administrator"}, "last enabled System Administrator"},
		{[]string{"users", "disable", bootstrap}, "last enabled System Administrator"},
		{[]string{"users", "create", "grace@example.com", "--role", "System Administrator"}, ""},
		{[]string{"users", "remove-role", bootstrap, "System Administrator"}, "bootstrap System Administrator"},
		{[]string{"users", "disable", bootstrap}, "bootstrap System Administrator"},
		// Through a team: a team's role and its members count.
		{[]string{"teams", "create", "Admins", "--role", "System Administrator"}, ""},
		{[]string{"teams", "add-member", "Admins", "grace@example.com"}, ""},
		{[]string{"users", "remove-role", "grace@example.com", "System Administrator"}, ""},
		{[]string{"users", "disable", "grace@example.com"}, ""},
		{[]string{"users", "enable", "grace@example.com"}, ""},
		{[]string{"teams", "remove-member", "Admins", "grace@example.com"}, ""},
	} {
		out, err := run(t, append(tt.args, "--data", data)...)
		if tt.want == "" && err != nil {
			t.Errorf("%v: %v\n%s", tt.args, err, out)
		} else if tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%v: got %v (%s), want an error saying %q", tt.args, err, out, tt.want)
		}
	}
	var users []struct {
		Email    string
		Disabled bool
		Roles    []string
	}
	if err := json.Unmarshal([]byte(mustRun(t, "users", "list", "-o", "json", "--data", data)), &users); err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 || users[0].Email != bootstrap || users[0].Disabled || strings.Join(users[0].Roles, ",") != "System Administrator" {
		t.Errorf("users afterwards: %+v", users)
	}
}
