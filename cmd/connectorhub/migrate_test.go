package main

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/pgtest"
	"github.com/connectorhub/connectorhub/internal/sqlstore"
	"github.com/connectorhub/connectorhub/postgres"
	"github.com/connectorhub/connectorhub/storetest"
)

// migrateSource is a data directory filled through the services: what migrate must carry.
type migrateSource struct {
	dir                string
	adminToken, zoeTok string
	adminID            string
}

// newMigrateSource makes an installation with non-ASCII names, a connector with a 1 MB
// definition, shares to a user and a team, a custom role, nested business units, a team with
// members and roles, a disabled user and a deleted connector's tombstone; and local tokens.
func newMigrateSource(t *testing.T) *migrateSource {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "source")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	s := &migrateSource{dir: dir}
	s.adminToken = strings.TrimSpace(mustRun(t, "token", "--data", dir))
	ctx := context.Background()
	db, admin, err := openData(ctx, &installation{dataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s.adminID = admin.ID
	p, err := db.LoadPrincipal(ctx, admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	ctx = connectorhub.NewContextWithPrincipal(ctx, p)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	unit := &connectorhub.BusinessUnit{Name: "Ventes Île-de-France"}
	must(db.AddBusinessUnit(ctx, unit))
	sub := &connectorhub.BusinessUnit{Name: "Zürich 東京", ParentID: unit.ID}
	must(db.AddBusinessUnit(ctx, sub))
	reader := &connectorhub.Role{Name: "Lecteur d’unité", BusinessUnitID: unit.ID}
	reader.Privileges[connectorhub.PrivRead] = connectorhub.DepthBusinessUnit
	must(db.AddRole(ctx, reader))
	zoe := &connectorhub.SystemUser{FullName: "Zoë Ångström", Email: "zoe@example.com", BusinessUnitID: sub.ID}
	must(db.AddSystemUser(ctx, zoe))
	must(db.Associate(ctx, connectorhub.SystemUserRoles, connectorhub.RoleTable, reader.ID, zoe.ID))
	gone := &connectorhub.SystemUser{FullName: "Ex Employé", Email: "gone@example.com"}
	must(db.AddSystemUser(ctx, gone))
	disabled := true
	must(db.UpdateSystemUser(ctx, gone.ID, connectorhub.SystemUserUpdate{Disabled: &disabled}, connectorhub.Precondition{}))
	team := &connectorhub.Team{Name: "Équipe Ω", BusinessUnitID: unit.ID}
	must(db.AddTeam(ctx, team))
	must(db.Associate(ctx, connectorhub.TeamMembership, connectorhub.TeamTable, team.ID, zoe.ID))
	must(db.Associate(ctx, connectorhub.TeamMembership, connectorhub.TeamTable, team.ID, gone.ID))
	maker, err := db.FindRoleByName(ctx, connectorhub.RoleEnvironmentMaker)
	must(err)
	must(db.Associate(ctx, connectorhub.TeamRoles, connectorhub.TeamTable, team.ID, maker.ID))

	var cs []*connectorhub.Connector
	for n := 1; n <= 5; n++ {
		c := storetest.MustConnector(t, n)
		must(db.CreateConnector(ctx, c))
		cs = append(cs, c)
	}
	// Non-ASCII text, an empty description told from none, and a definition of about 1 MB.
	big := `{"swagger":"2.0","info":{"title":"Großer Connector ☃","version":"1.0","description":"` +
		strings.Repeat("0123456789abcdef", 62000) + `"},"paths":{}}`
	display, desc := "Connecteur — ünïcödé 😀", ""
	_, _, err = db.UpsertConnector(ctx, cs[0].ID, &connectorhub.ConnectorUpdate{DisplayName: &display, Description: &desc, OpenAPIDefinition: &big}, connectorhub.Precondition{}, connectorhub.ReturnBrief)
	must(err)
	must(db.GrantAccess(ctx, cs[1].ID, connectorhub.OwnerRef{Type: connectorhub.OwnerSystemUser, ID: zoe.ID}, connectorhub.AccessRead|connectorhub.AccessWrite, false))
	must(db.GrantAccess(ctx, cs[2].ID, connectorhub.OwnerRef{Type: connectorhub.OwnerTeam, ID: team.ID}, connectorhub.AccessRead, false))
	must(db.DeleteConnector(ctx, cs[3].ID, connectorhub.Precondition{}))
	db.Close()

	// A token of a user of the source made before the move.
	s.zoeTok = strings.TrimSpace(mustRun(t, "token", "--data", dir, "--user", "zoe@example.com"))
	return s
}

// migrateState is what the services show of an installation, ETags included.
type migrateState struct {
	Organization *connectorhub.Organization
	Connectors   []*connectorhub.Connector
	ETags        []string
	Identities   map[string][]map[string]any
	Shares       map[string][]connectorhub.PrincipalAccess
	Deleted      []string
	Version      int64
	Roles        []connectorhub.Role
}

// readMigrateState reads db through the services as the administrator adminID.
func readMigrateState(t *testing.T, db *sqlstore.DB, adminID string) *migrateState {
	t.Helper()
	ctx := context.Background()
	p, err := db.LoadPrincipal(ctx, adminID)
	if err != nil {
		t.Fatal(err)
	}
	ctx = connectorhub.NewContextWithPrincipal(ctx, p)
	st := &migrateState{Identities: map[string][]map[string]any{}, Shares: map[string][]connectorhub.PrincipalAccess{}}
	if st.Organization, err = db.Organization(ctx); err != nil {
		t.Fatal(err)
	}
	if st.Connectors, err = db.FindConnectors(ctx, connectorhub.ConnectorQuery{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range st.Connectors {
		st.ETags = append(st.ETags, c.ETag())
		shares, err := db.RetrieveSharedPrincipalsAndAccess(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		sort.Slice(shares, func(i, j int) bool { return shares[i].Principal.ID < shares[j].Principal.ID })
		st.Shares[c.ID] = shares
	}
	for _, table := range connectorhub.IdentityTables {
		err := db.ScanRows(ctx, table, connectorhub.TableQuery{}, func(r *connectorhub.Row) error {
			v := r.Values
			v["@etag"] = r.ETag()
			st.Identities[table.EntitySetName] = append(st.Identities[table.EntitySetName], v)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if st.Version, err = db.CurrentVersion(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.ScanConnectorDeletions(ctx, 0, st.Version, func(id string) error {
		st.Deleted = append(st.Deleted, id)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if st.Roles, err = db.ListRoles(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

// openDir opens a data directory's database without bootstrapping it.
func openDir(t *testing.T, dir string) *sqlstore.DB {
	t.Helper()
	db, err := (&installation{dataDir: dir}).open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// migrateJSON runs migrate -o json with args and decodes its report.
func migrateJSON(t *testing.T, args ...string) *migrateResult {
	t.Helper()
	var res migrateResult
	out := mustRun(t, append([]string{"migrate", "-o", "json"}, args...)...)
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return &res
}

// wantSameChecksums compares two reports table by table.
func wantSameChecksums(t *testing.T, a, b *migrateResult) {
	t.Helper()
	if diff := cmp.Diff(a.Tables, b.Tables); diff != "" || a.SHA256 != b.SHA256 {
		t.Errorf("the checksums differ (-first +second):\n%s", diff)
	}
}

// TestMigrateSQLiteToSQLite copies a data directory to another: the services see the same
// records, ETags and versions, a token made before the copy is accepted by a server on the
// copy, and a second run replaces the copy with the same checksums.
func TestMigrateSQLiteToSQLite(t *testing.T) {
	src := newMigrateSource(t)
	dst := filepath.Join(t.TempDir(), "copy", "data")

	first := migrateJSON(t, "--from", src.dir, "--to", dst)
	if first.Destination != "empty" || !first.IssuerKey || len(first.Tables) < 14 {
		t.Errorf("first copy: got %+v", first)
	}
	rows := map[string]int64{}
	for _, tb := range first.Tables {
		rows[tb.Table] = tb.Rows
	}
	for table, want := range map[string]int64{"connectors": 4, "connectortombstones": 1, "principalobjectaccess": 2, "teams": 1,
		"teammembership": 2, "teamroles": 1, "businessunits": 3, "systemusers": 3, "roles": 5, "rowversion": 1, "identityrowversion": 1} {
		if rows[table] != want {
			t.Errorf("%s: copied %d rows, want %d", table, rows[table], want)
		}
	}

	want := readMigrateState(t, openDir(t, src.dir), src.adminID)
	got := readMigrateState(t, openDir(t, dst), src.adminID)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the copy differs from the source (-source +copy):\n%s", diff)
	}
	if len(want.Deleted) != 1 || len(want.Connectors) != 4 || len(want.Connectors[0].OpenAPIDefinition) < 990000 {
		t.Errorf("the source is not what the test made: %d deleted, %d connectors", len(want.Deleted), len(want.Connectors))
	}
	for set, recs := range want.Identities {
		for _, r := range recs {
			if r["@etag"] == `W/"0"` {
				t.Errorf("%s: a record without a versionnumber, so ETags are not compared: %v", set, r)
			}
		}
	}

	// Again: the copy is replaced, with the same checksums; the table shows each of them.
	again := migrateJSON(t, "--from", src.dir, "--to", dst)
	if again.Destination != "copy" {
		t.Errorf("second copy: destination was %q, want copy", again.Destination)
	}
	wantSameChecksums(t, first, again)
	table := mustRun(t, "migrate", "--from", src.dir, "--to", dst)
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) != len(first.Tables)+2 || !strings.HasPrefix(lines[0], "TABLE") ||
		!strings.Contains(table, "connectors ") || !strings.Contains(table, first.Tables[0].SHA256[:12]) ||
		!strings.HasPrefix(lines[len(lines)-1], "Copied and verified") || !strings.Contains(lines[len(lines)-1], "issuer's key") {
		t.Errorf("migrate table output:\n%s", table)
	}

	// Tokens made on the source work on a server of the copy.
	call := startMain(t, ServeConfig{DataDir: dst})
	for name, tok := range map[string]string{"admin": src.adminToken, "zoe": src.zoeTok} {
		if status, body := call(tok); status != 200 {
			t.Errorf("%s's token from before the copy: got %d %s", name, status, body)
		}
	}
}

// TestMigrateRefuses: a destination holding another installation is refused and left as it
// was (--force replaces it); so is a copy that has taken writes since; a freshly started
// destination is taken; --from must be an existing data directory, and is not created.
func TestMigrateRefuses(t *testing.T) {
	src := newMigrateSource(t)
	ctx := context.Background()

	other := filepath.Join(t.TempDir(), "other")
	os.MkdirAll(other, 0o700)
	mustRun(t, "token", "--data", other)
	func() {
		db, admin, err := openData(ctx, &installation{dataDir: other})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		p, _ := db.LoadPrincipal(ctx, admin.ID)
		if err := db.CreateConnector(connectorhub.NewContextWithPrincipal(ctx, p), storetest.MustConnector(t, 42)); err != nil {
			t.Fatal(err)
		}
	}()
	otherOrg, err := openDir(t, other).Organization(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = run(t, "migrate", "--from", src.dir, "--to", other)
	if !errors.Is(err, sqlstore.ErrCopyRefused) || !strings.Contains(err.Error(), "1 connectors") || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("a destination with another installation: got %v, want a refusal saying what is there", err)
	}
	if org, err := openDir(t, other).Organization(ctx); err != nil || org.ID != otherOrg.ID {
		t.Errorf("the refused destination changed: organization %+v, %v", org, err)
	}
	if res := migrateJSON(t, "--from", src.dir, "--to", other, "--force"); res.Destination != "replaced" {
		t.Errorf("--force: destination was %q, want replaced", res.Destination)
	}

	// A copy that has taken writes of its own since.
	func() {
		db, _, err := openData(ctx, &installation{dataDir: other})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		p, _ := db.LoadPrincipal(ctx, src.adminID)
		if err := db.CreateConnector(connectorhub.NewContextWithPrincipal(ctx, p), storetest.MustConnector(t, 43)); err != nil {
			t.Fatal(err)
		}
	}()
	if _, err := run(t, "migrate", "--from", src.dir, "--to", other); !errors.Is(err, sqlstore.ErrCopyRefused) || !strings.Contains(err.Error(), "writes of its own") {
		t.Errorf("a copy written to since: got %v, want a refusal", err)
	}

	// A destination a server or `token` started is no installation yet.
	fresh := filepath.Join(t.TempDir(), "fresh")
	os.MkdirAll(fresh, 0o700)
	mustRun(t, "token", "--data", fresh)
	if res := migrateJSON(t, "--from", src.dir, "--to", fresh); res.Destination != "new" {
		t.Errorf("a bootstrapped destination: got %q, want new", res.Destination)
	}

	missing := filepath.Join(t.TempDir(), "missing")
	noDB := t.TempDir()
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"MissingFrom", []string{"--from", missing, "--to", t.TempDir()}, "no such directory"},
		{"FromWithoutDatabase", []string{"--from", noDB, "--to", t.TempDir()}, "no connectorhub.db"},
		{"NoFrom", []string{"--to", t.TempDir()}, "from"},
		{"OtherURL", []string{"--from", src.dir, "--to", "mysql://root@localhost/db"}, "postgres://"},
		{"SameDirectory", []string{"--from", src.dir, "--to", src.dir + "/."}, "same data directory"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := run(t, append([]string{"migrate"}, tt.args...)...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v (%s), want an error saying %q", err, out, tt.want)
			}
		})
	}
	if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("migrate created the missing --from: %v", err)
	}
	if _, err := os.Stat(filepath.Join(noDB, "connectorhub.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("migrate created a database in --from: %v", err)
	}
}

// TestMigrateSQLiteToPostgres copies a data directory to PostgreSQL: the services there see
// the same records and ETags, the local issuer's key is in the database, a server on it
// accepts tokens made before the move, a re-run gives the same checksums, and they are the
// checksums of a copy to SQLite.
func TestMigrateSQLiteToPostgres(t *testing.T) {
	url := pgtest.NewURL(t)
	src := newMigrateSource(t)

	first := migrateJSON(t, "--from", src.dir, "--to", url)
	if first.Destination != "empty" || !first.IssuerKey || len(first.Settings) != 1 || first.Settings[0] != issuerKeySetting {
		t.Errorf("copy to PostgreSQL: got %+v", first)
	}
	pg := postgres.NewDB(url)
	if err := pg.Open(); err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	want := readMigrateState(t, openDir(t, src.dir), src.adminID)
	got := readMigrateState(t, pg.DB, src.adminID)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PostgreSQL differs from the source (-source +postgres):\n%s", diff)
	}

	key, err := pg.Secret(context.Background(), issuerKeySetting, func() ([]byte, error) {
		return nil, errors.New("the key was not copied")
	})
	if err != nil {
		t.Fatal(err)
	}
	if file, _ := os.ReadFile(filepath.Join(src.dir, issuerKeyFile)); string(key) != string(file) {
		t.Error("the key in the database is not the source's signing-key.pem")
	}

	again := migrateJSON(t, "--from", src.dir, "--to", url)
	if again.Destination != "copy" {
		t.Errorf("second copy: destination was %q, want copy", again.Destination)
	}
	wantSameChecksums(t, first, again)
	wantSameChecksums(t, first, migrateJSON(t, "--from", src.dir, "--to", t.TempDir()))

	call := startMain(t, ServeConfig{Database: url})
	for name, tok := range map[string]string{"admin": src.adminToken, "zoe": src.zoeTok} {
		if status, body := call(tok); status != 200 {
			t.Errorf("%s's token from before the move: got %d %s", name, status, body)
		}
	}
}
