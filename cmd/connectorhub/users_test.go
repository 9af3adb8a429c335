package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// run runs the command line in-process and returns its standard output.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	root := newRootCmd()
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, err := run(t, args...)
	if err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
	return out
}

func TestUsersAndTeams(t *testing.T) {
	data := t.TempDir()
	id := strings.TrimSpace(mustRun(t, "users", "create", "ada@example.com", "--name", "Ada Lovelace", "--role", "Environment Maker", "--data", data))
	if len(id) != 36 {
		t.Fatalf("users create printed %q, want the new id", id)
	}
	if _, err := run(t, "users", "create", "ada@example.com", "--data", data); err == nil {
		t.Error("a second user with the same e-mail address was created")
	}
	if _, err := run(t, "users", "create", "bob@example.com", "--role", "Wizard", "--data", data); err == nil {
		t.Error("a user with an unknown role was created")
	}
	mustRun(t, "users", "add-role", "ada@example.com", "basic user", "--data", data)

	table := mustRun(t, "users", "list", "--data", data)
	if !strings.Contains(table, "ada@example.com") || !strings.Contains(table, "Basic User, Environment Maker") || !strings.HasPrefix(table, "ID") {
		t.Errorf("users list:\n%s", table)
	}
	var users []struct {
		ID, Email, FullName string
		Roles               []string
	}
	if err := json.Unmarshal([]byte(mustRun(t, "users", "list", "-o", "json", "--data", data)), &users); err != nil {
		t.Fatal(err)
	}
	// Ordered by e-mail address: ada@… before admin@… (the bootstrap administrator).
	if len(users) != 2 || users[0].Email != "ada@example.com" || users[0].ID != id || len(users[0].Roles) != 2 {
		t.Errorf("users list -o json: %+v", users)
	}
	mustRun(t, "users", "remove-role", "ada@example.com", "Environment Maker", "--data", data)

	mustRun(t, "teams", "create", "Makers", "--role", "Environment Maker", "--data", data)
	// One checked path with the Web API: names are required, within 160 characters, unique.
	for _, tt := range []struct{ name, want string }{
		{"makers", "already exists"},
		{" ", "required"},
		{strings.Repeat("x", 161), "maximum allowed length"},
	} {
		if _, err := run(t, "teams", "create", tt.name, "--data", data); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("teams create %q: got %v, want an error saying %q", tt.name, err, tt.want)
		}
	}
	mustRun(t, "teams", "add-member", "makers", "ada@example.com", "--data", data)
	mustRun(t, "teams", "add-role", "Makers", "System Customizer", "--data", data)
	var teams []struct {
		Name           string
		Members, Roles []string
	}
	if err := json.Unmarshal([]byte(mustRun(t, "teams", "list", "-o", "json", "--data", data)), &teams); err != nil {
		t.Fatal(err)
	}
	if len(teams) != 1 || teams[0].Name != "Makers" || len(teams[0].Members) != 1 || len(teams[0].Roles) != 2 {
		t.Errorf("teams list -o json: %+v", teams)
	}
	mustRun(t, "teams", "remove-member", "Makers", "ada@example.com", "--data", data)
	if out := mustRun(t, "teams", "list", "--data", data); strings.Contains(out, "ada@example.com") {
		t.Errorf("after remove-member:\n%s", out)
	}
	if _, err := run(t, "teams", "add-member", "Nobody", "ada@example.com", "--data", data); err == nil {
		t.Error("add-member to a missing team succeeded")
	}
}
