// Package storetest is the behavioural contract every storage engine passes, on a real
// database: today the SQLite engine runs it; a PostgreSQL engine will run the same suite.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/odata"
)

// Store is what an engine provides.
type Store interface {
	connectorhub.ConnectorService
	connectorhub.PrincipalService
	connectorhub.SharingService
	connectorhub.IdentityService
	connectorhub.Transactor
}

// Run runs the contract suite; open returns a new, empty, opened store for each test and
// arranges its cleanup.
func Run(t *testing.T, open func(tb testing.TB) Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s Store, ctx context.Context)
	}{
		{"BootstrapIsIdempotent", testBootstrap},
		{"CreateAndFind", testCreateAndFind},
		{"DuplicateKeys", testDuplicateKeys},
		{"NotFound", testNotFound},
		{"UpsertCreatesAndUpdates", testUpsert},
		{"UpdateEachColumn", testUpdateEachColumn},
		{"Preconditions", testPreconditions},
		{"FixedColumns", testFixedColumns},
		{"Owners", testOwners},
		{"Delete", testDelete},
		{"VersionsIncrease", testVersionsIncrease},
		{"Query", testQuery},
		{"StringsByteIdentical", testStringsByteIdentical},
		{"NeedsPrincipal", testNeedsPrincipal},
		{"Security", testSecurity},
		{"Privileges", testPrivileges},
		{"Sharing", testSharing},
		{"ReadTrimming", testReadTrimming},
		{"Transact", testTransact},
		{"SecurityVersion", testSecurityVersion},
		{"SecurityCheck", testSecurityCheck},
	}
	tests = append(tests, queryTests...)
	tests = append(tests, textIndexTests...)
	tests = append(tests, identityTests...)
	tests = append(tests, authTests...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			tt.fn(t, s, AdminContext(t, s))
		})
	}
}

// AdminContext bootstraps s (its administrator, once) and returns a context whose caller is
// that administrator.
func AdminContext(tb testing.TB, s connectorhub.PrincipalService) context.Context {
	tb.Helper()
	admin, err := s.Bootstrap(context.Background())
	if err != nil {
		tb.Fatalf("Bootstrap: %v", err)
	}
	p, err := s.LoadPrincipal(context.Background(), admin.ID)
	if err != nil {
		tb.Fatalf("LoadPrincipal: %v", err)
	}
	return connectorhub.NewContextWithPrincipal(context.Background(), p)
}

// MustConnector builds a valid connector numbered n.
func MustConnector(tb testing.TB, n int) *connectorhub.Connector {
	tb.Helper()
	c, err := connectorhub.NewConnector("", NewUpdate(n))
	if err != nil {
		tb.Fatalf("NewConnector: %v", err)
	}
	return c
}

// NewUpdate returns the create columns of a valid connector numbered n.
func NewUpdate(n int) *connectorhub.ConnectorUpdate {
	id := fmt.Sprintf("00000000-0000-0000-0000-%012d", n)
	name := fmt.Sprintf("cr736_connector%d", n)
	display := fmt.Sprintf("Connector %d", n)
	def := `{"swagger":"2.0","info":{"title":"t","version":"1.0"},"paths":{}}`
	typ := 1
	return &connectorhub.ConnectorUpdate{ID: &id, Name: &name, DisplayName: &display, OpenAPIDefinition: &def, ConnectorType: &typ}
}

func ptr[T any](v T) *T { return &v }

func wantCode(tb testing.TB, err error, code string) {
	tb.Helper()
	var e *connectorhub.Error
	if !errors.As(err, &e) {
		tb.Fatalf("got error %v, want code %s", err, code)
	}
	if e.Code != code {
		tb.Fatalf("got code %s (%s), want %s", e.Code, e.Message, code)
	}
}

func mustCreate(tb testing.TB, s Store, ctx context.Context, n int) *connectorhub.Connector {
	tb.Helper()
	c := MustConnector(tb, n)
	if err := s.CreateConnector(ctx, c); err != nil {
		tb.Fatalf("CreateConnector: %v", err)
	}
	return c
}

func testBootstrap(t *testing.T, s Store, ctx context.Context) {
	a, err := s.Bootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Bootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != b.ID || a.BusinessUnitID == "" {
		t.Fatalf("got admins %+v and %+v, want the same one with a business unit", a, b)
	}
	if _, err := s.Organization(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FindBusinessUnitByID(ctx, a.BusinessUnitID); err != nil {
		t.Fatal(err)
	}
}

func testCreateAndFind(t *testing.T, s Store, ctx context.Context) {
	caller := connectorhub.PrincipalFromContext(ctx)
	c := mustCreate(t, s, ctx, 1)
	got, err := s.FindConnectorByID(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "cr736_connector1" || got.DisplayName != "Connector 1" || got.ConnectorType != 1 {
		t.Errorf("got %+v", got)
	}
	if got.CreatedBy != caller.UserID || got.ModifiedBy != caller.UserID || got.OwnerID != caller.UserID ||
		got.OwnerType != connectorhub.OwnerSystemUser || got.OwningBusinessUnit != caller.BusinessUnitID {
		t.Errorf("system columns: got %+v, want the caller %+v", got, caller)
	}
	if got.StateCode != 0 || got.StatusCode != 1 || got.VersionNumber == 0 || got.CreatedOn.IsZero() {
		t.Errorf("defaults: got %+v", got)
	}
	if got.ConnectorInternalID != connectorhub.DeriveInternalID(got.Name) {
		t.Errorf("connectorinternalid: got %q, want %q", got.ConnectorInternalID, connectorhub.DeriveInternalID(got.Name))
	}
}

func testDuplicateKeys(t *testing.T, s Store, ctx context.Context) {
	mustCreate(t, s, ctx, 1)
	wantCode(t, s.CreateConnector(ctx, MustConnector(t, 1)), connectorhub.ECodeDuplicateKey)
	// Another id, the same name in other case.
	u := NewUpdate(2)
	u.Name = ptr("CR736_CONNECTOR1")
	c, err := connectorhub.NewConnector("", u)
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.CreateConnector(ctx, c), connectorhub.ECodeDuplicateKey)
}

func testNotFound(t *testing.T, s Store, ctx context.Context) {
	_, err := s.FindConnectorByID(ctx, "00000000-0000-0000-0000-000000000099")
	wantCode(t, err, connectorhub.ECodeNotFound)
	_, err = s.FindSystemUserByID(ctx, "00000000-0000-0000-0000-000000000099")
	wantCode(t, err, connectorhub.ECodeNotFound)
	_, err = s.FindTeamByID(ctx, "00000000-0000-0000-0000-000000000099")
	wantCode(t, err, connectorhub.ECodeNotFound)
}

func testUpsert(t *testing.T, s Store, ctx context.Context) {
	id := "00000000-0000-0000-0000-000000000007"
	u := NewUpdate(7)
	u.ID = nil
	c, created, err := s.UpsertConnector(ctx, id, u, connectorhub.Precondition{}, connectorhub.ReturnRecord)
	if err != nil || !created || c.ID != id {
		t.Fatalf("upsert of a missing id: got %+v, created=%v, err=%v", c, created, err)
	}
	c2, created, err := s.UpsertConnector(ctx, id, &connectorhub.ConnectorUpdate{Description: ptr("new")}, connectorhub.Precondition{}, connectorhub.ReturnRecord)
	if err != nil || created {
		t.Fatalf("upsert of an existing id: created=%v, err=%v", created, err)
	}
	if c2.Description != "new" || c2.DisplayName != "Connector 7" || c2.VersionNumber <= c.VersionNumber {
		t.Errorf("update: got %+v", c2)
	}
	got, _ := s.FindConnectorByID(ctx, id)
	if got.Description != "new" || got.VersionNumber != c2.VersionNumber {
		t.Errorf("stored: got %+v", got)
	}
	// Clearing a text column.
	c3, _, err := s.UpsertConnector(ctx, id, &connectorhub.ConnectorUpdate{Description: ptr("")}, connectorhub.Precondition{}, connectorhub.ReturnRecord)
	if err != nil || c3.Description != "" {
		t.Fatalf("clear: got %q, %v", c3.Description, err)
	}
	// A create through upsert still needs the required columns.
	_, _, err = s.UpsertConnector(ctx, "00000000-0000-0000-0000-000000000008", &connectorhub.ConnectorUpdate{Description: ptr("x")}, connectorhub.Precondition{}, connectorhub.ReturnRecord)
	wantCode(t, err, connectorhub.ECodeInvalidArgument)
}

// testUpdateEachColumn updates each writable column alone, to a new value and to none, and
// reads the record afresh: it must be what the update returned, every other column as it was.
// (An engine may write only the columns that changed; this catches one that forgets one.)
// It runs twice: returning the record, and brief (connectorhub.ReturnBrief), where the update
// returns the record without the large columns it does not give, and must write the same.
func testUpdateEachColumn(t *testing.T, s Store, ctx context.Context) {
	user, team := mustUserAndTeam(t, s, ctx)
	def := `{"swagger":"2.0","info":{"title":"other","version":"2.0"},"paths":{}}`
	for n, ret := range []connectorhub.Return{connectorhub.ReturnRecord, connectorhub.ReturnBrief} {
		c := mustCreate(t, s, ctx, n+1)
		for _, tt := range []struct {
			name string
			u    connectorhub.ConnectorUpdate
		}{
			{"displayname", connectorhub.ConnectorUpdate{DisplayName: ptr("Renamed")}},
			{"description", connectorhub.ConnectorUpdate{Description: ptr("described")}},
			{"description none", connectorhub.ConnectorUpdate{Description: ptr("")}},
			{"openapidefinition", connectorhub.ConnectorUpdate{OpenAPIDefinition: &def}},
			{"connectionparameters", connectorhub.ConnectorUpdate{ConnectionParameters: ptr(`{"api_key":{"type":"securestring"}}`)}},
			{"connectionparametersets", connectorhub.ConnectorUpdate{ConnectionParameterSets: ptr(`{"uiDefinition":{},"values":[]}`)}},
			{"policytemplateinstances", connectorhub.ConnectorUpdate{PolicyTemplateInstances: ptr(`[]`)}},
			{"scriptoperations", connectorhub.ConnectorUpdate{ScriptOperations: ptr(`["op"]`)}},
			{"customcodeblobcontent", connectorhub.ConnectorUpdate{CustomCodeBlobContent: ptr("cHVibGljIGNsYXNzIFNjcmlwdCB7fQ==")}},
			{"capabilities", connectorhub.ConnectorUpdate{Capabilities: ptr("118690000,118690001")}},
			{"iconbrandcolor", connectorhub.ConnectorUpdate{IconBrandColor: ptr("#112233")}},
			{"iconbrandcolor none", connectorhub.ConnectorUpdate{IconBrandColor: ptr("")}},
			{"statecode", connectorhub.ConnectorUpdate{StateCode: ptr(1), StatusCode: ptr(2)}},
			{"owner user", connectorhub.ConnectorUpdate{Owner: &connectorhub.OwnerRef{Type: connectorhub.OwnerSystemUser, ID: user.ID}}},
			{"owner team", connectorhub.ConnectorUpdate{Owner: &connectorhub.OwnerRef{Type: connectorhub.OwnerTeam, ID: team.ID}}},
			// Large columns cleared: a brief read must not take the stored value for "".
			{"connectionparameters none", connectorhub.ConnectorUpdate{ConnectionParameters: ptr("")}},
			{"scriptoperations none", connectorhub.ConnectorUpdate{ScriptOperations: ptr("")}},
			{"description after the large columns", connectorhub.ConnectorUpdate{Description: ptr("again")}},
		} {
			before, err := s.FindConnectorByID(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			u := tt.u
			updated, _, err := s.UpsertConnector(ctx, c.ID, &u, connectorhub.Precondition{MustExist: true}, ret)
			if err != nil {
				t.Errorf("%s (%d): %v", tt.name, ret, err)
				continue
			}
			got, err := s.FindConnectorByID(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := *got
			if ret == connectorhub.ReturnBrief {
				blankLarge(&want, updated, &u)
			}
			if !reflect.DeepEqual(&want, updated) {
				t.Errorf("%s (%d): stored\n%+v\nthe update returned\n%+v", tt.name, ret, &want, updated)
			}
			if reflect.DeepEqual(got, before) {
				t.Errorf("%s (%d): the record did not change", tt.name, ret)
			}
			for _, col := range connectorhub.StoredColumns {
				if col.Large && !col.Given(&u) && !reflect.DeepEqual(col.Ref(got), col.Ref(before)) {
					t.Errorf("%s (%d): %s changed, which the update did not give", tt.name, ret, col.Name)
				}
			}
		}
	}
}

// blankLarge clears the large columns of c that u does not give and that a brief update
// returned as "", which it may.
func blankLarge(c, returned *connectorhub.Connector, u *connectorhub.ConnectorUpdate) {
	for _, col := range connectorhub.StoredColumns {
		if p, ok := col.Ref(c).(*string); ok && col.Large && !col.Given(u) && *col.Ref(returned).(*string) == "" {
			*p = ""
		}
	}
}

func testPreconditions(t *testing.T, s Store, ctx context.Context) {
	c := mustCreate(t, s, ctx, 1)
	missing := "00000000-0000-0000-0000-000000000099"
	_, _, err := s.UpsertConnector(ctx, missing, NewUpdate(99), connectorhub.Precondition{MustExist: true}, connectorhub.ReturnRecord)
	wantCode(t, err, connectorhub.ECodeNotFound)
	_, _, err = s.UpsertConnector(ctx, c.ID, &connectorhub.ConnectorUpdate{Description: ptr("x")}, connectorhub.Precondition{MustNotExist: true}, connectorhub.ReturnRecord)
	wantCode(t, err, connectorhub.ECodeDuplicateKey)
	_, _, err = s.UpsertConnector(ctx, c.ID, &connectorhub.ConnectorUpdate{Description: ptr("x")}, connectorhub.Precondition{ETag: `W/"999999"`}, connectorhub.ReturnRecord)
	wantCode(t, err, connectorhub.ECodeVersionMismatch)
	updated, _, err := s.UpsertConnector(ctx, c.ID, &connectorhub.ConnectorUpdate{Description: ptr("x")}, connectorhub.Precondition{ETag: c.ETag()}, connectorhub.ReturnRecord)
	if err != nil {
		t.Fatalf("current ETag: %v", err)
	}
	wantCode(t, s.DeleteConnector(ctx, c.ID, connectorhub.Precondition{ETag: c.ETag()}), connectorhub.ECodeVersionMismatch)
	if err := s.DeleteConnector(ctx, c.ID, connectorhub.Precondition{ETag: updated.ETag()}); err != nil {
		t.Fatalf("delete with the current ETag: %v", err)
	}
}

func testFixedColumns(t *testing.T, s Store, ctx context.Context) {
	c := mustCreate(t, s, ctx, 1)
	for name, u := range map[string]*connectorhub.ConnectorUpdate{
		"name":                {Name: ptr("other")},
		"connectorinternalid": {ConnectorInternalID: ptr("other")},
		"connectorid":         {ID: ptr("00000000-0000-0000-0000-000000000002")},
	} {
		_, _, err := s.UpsertConnector(ctx, c.ID, u, connectorhub.Precondition{}, connectorhub.ReturnRecord)
		wantCode(t, err, connectorhub.ECodeInvalidArgument)
		got, _ := s.FindConnectorByID(ctx, c.ID)
		if got.VersionNumber != c.VersionNumber {
			t.Errorf("%s: a refused update changed the record", name)
		}
	}
	// Giving the same value is no change.
	if _, _, err := s.UpsertConnector(ctx, c.ID, &connectorhub.ConnectorUpdate{Name: ptr(c.Name)}, connectorhub.Precondition{}, connectorhub.ReturnRecord); err != nil {
		t.Errorf("same name: %v", err)
	}
}

// mustUserAndTeam creates a user and a team that can own records.
func mustUserAndTeam(t *testing.T, s Store, ctx context.Context) (*connectorhub.SystemUser, *connectorhub.Team) {
	t.Helper()
	user := &connectorhub.SystemUser{ID: "00000000-0000-0000-0000-000000000005", FullName: "Ada"}
	if err := s.CreateSystemUser(ctx, user); err != nil {
		t.Fatal(err)
	}
	team := &connectorhub.Team{Name: "Makers"}
	if err := s.CreateTeam(ctx, team); err != nil {
		t.Fatal(err)
	}
	return user, team
}

func testOwners(t *testing.T, s Store, ctx context.Context) {
	c := mustCreate(t, s, ctx, 1)
	user, team := mustUserAndTeam(t, s, ctx)
	got, _, err := s.UpsertConnector(ctx, c.ID, &connectorhub.ConnectorUpdate{Owner: &connectorhub.OwnerRef{Type: connectorhub.OwnerSystemUser, ID: user.ID}}, connectorhub.Precondition{}, connectorhub.ReturnRecord)
	if err != nil || got.OwnerID != user.ID || got.OwningUser() != user.ID || got.OwningTeam() != "" {
		t.Fatalf("owner user: got %+v, %v", got, err)
	}
	got, _, err = s.UpsertConnector(ctx, c.ID, &connectorhub.ConnectorUpdate{Owner: &connectorhub.OwnerRef{Type: connectorhub.OwnerTeam, ID: team.ID}}, connectorhub.Precondition{}, connectorhub.ReturnRecord)
	if err != nil || got.OwningTeam() != team.ID || got.OwningUser() != "" || got.OwningBusinessUnit != team.BusinessUnitID {
		t.Fatalf("owner team: got %+v, %v", got, err)
	}
	_, _, err = s.UpsertConnector(ctx, c.ID, &connectorhub.ConnectorUpdate{Owner: &connectorhub.OwnerRef{Type: connectorhub.OwnerTeam, ID: "00000000-0000-0000-0000-000000000099"}}, connectorhub.Precondition{}, connectorhub.ReturnRecord)
	wantCode(t, err, connectorhub.ECodeInvalidArgument)
	// On create.
	u := NewUpdate(2)
	u.Owner = &connectorhub.OwnerRef{Type: connectorhub.OwnerSystemUser, ID: user.ID}
	c2, err := connectorhub.NewConnector("", u)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateConnector(ctx, c2); err != nil || c2.OwnerID != user.ID {
		t.Fatalf("create with owner: got %+v, %v", c2, err)
	}
}

func testDelete(t *testing.T, s Store, ctx context.Context) {
	c := mustCreate(t, s, ctx, 1)
	if err := s.DeleteConnector(ctx, c.ID, connectorhub.Precondition{}); err != nil {
		t.Fatal(err)
	}
	_, err := s.FindConnectorByID(ctx, c.ID)
	wantCode(t, err, connectorhub.ECodeNotFound)
	wantCode(t, s.DeleteConnector(ctx, c.ID, connectorhub.Precondition{}), connectorhub.ECodeNotFound)
	// The name is free again.
	mustCreate(t, s, ctx, 1)
}

func testVersionsIncrease(t *testing.T, s Store, ctx context.Context) {
	var last int64
	for i := 1; i <= 3; i++ {
		c := mustCreate(t, s, ctx, i)
		if c.VersionNumber <= last {
			t.Fatalf("version %d after %d", c.VersionNumber, last)
		}
		last = c.VersionNumber
	}
	// Deleting the newest row must not let its version be reused.
	s.DeleteConnector(ctx, "00000000-0000-0000-0000-000000000003", connectorhub.Precondition{})
	if c := mustCreate(t, s, ctx, 4); c.VersionNumber <= last {
		t.Fatalf("version %d reused after delete (last %d)", c.VersionNumber, last)
	}
}

func testQuery(t *testing.T, s Store, ctx context.Context) {
	for i := 1; i <= 5; i++ {
		mustCreate(t, s, ctx, i)
	}
	tests := []struct {
		filter, orderby string
		top             int
		want            []string // connector numbers, in order
	}{
		{filter: "displayname eq 'connector 3'", want: []string{"3"}},
		{filter: "displayname eq 'Connector 3' or name eq 'CR736_CONNECTOR5'", want: []string{"3", "5"}},
		{filter: "contains(displayname, 'NECTOR')", top: 2, want: []string{"1", "2"}},
		{filter: "startswith(name,'cr736_connector') and not endswith(name,'1')", orderby: "name desc", want: []string{"5", "4", "3", "2"}},
		{filter: "description eq null and connectortype eq 1", orderby: "displayname", top: 1, want: []string{"1"}},
		{filter: "description ne null", want: nil},
		{filter: "name eq 'x'' or 1=1 --'", want: nil},
		{filter: "connectorid eq 00000000-0000-0000-0000-000000000004", want: []string{"4"}},
		{filter: "versionnumber gt 0 and statecode eq 0", top: 1, want: []string{"1"}},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			var q connectorhub.ConnectorQuery
			var err error
			if q.Filter, err = odata.ParseFilter(tt.filter, nil); err != nil {
				t.Fatal(err)
			}
			if tt.orderby != "" {
				if q.OrderBy, err = odata.ParseOrderBy(tt.orderby, nil); err != nil {
					t.Fatal(err)
				}
			}
			q.Top = tt.top
			cs, err := s.FindConnectors(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range cs {
				got = append(got, c.Name[len("cr736_connector"):])
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			n, err := s.CountConnectors(ctx, connectorhub.ConnectorQuery{Filter: q.Filter})
			if err != nil {
				t.Fatal(err)
			}
			if tt.top == 0 && n != len(tt.want) {
				t.Errorf("count: got %d, want %d", n, len(tt.want))
			}
		})
	}
}

func testStringsByteIdentical(t *testing.T, s Store, ctx context.Context) {
	u := NewUpdate(1)
	def := "{\"swagger\": \"2.0\" ,\n\t\"info\": {\"title\": \"caf\u00e9 \u2603 \\u00e9 <&>\", \"version\": \"1\"}, \"paths\": {}}"
	u.OpenAPIDefinition = &def
	u.Description = ptr("line1\r\nline2\ttab 𝄞 \u200b\U0010FFFF")
	u.CustomCodeBlobContent = ptr("public class Script : ScriptBase {}\n")
	c, err := connectorhub.NewConnector("", u)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateConnector(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := s.FindConnectorByID(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	// U+0000 is refused on every engine (PostgreSQL's text cannot hold it).
	nul := NewUpdate(2)
	nul.Description = ptr("line2\x00nul")
	_, err = connectorhub.NewConnector("", nul)
	wantCode(t, err, connectorhub.ECodeInvalidArgument)
	if got.OpenAPIDefinition != def || got.Description != *u.Description || got.CustomCodeBlobContent != *u.CustomCodeBlobContent {
		t.Errorf("strings changed on the way through the store:\n got %q\nwant %q", got.OpenAPIDefinition, def)
	}
}

func testNeedsPrincipal(t *testing.T, s Store, _ context.Context) {
	err := s.CreateConnector(context.Background(), MustConnector(t, 1))
	if err == nil {
		t.Fatal("a write without a principal succeeded")
	}
}

// testTransact: writes made in Transact commit together, or none does; transactions do not nest.
func testTransact(t *testing.T, s Store, ctx context.Context) {
	newConnector := func(n int) *connectorhub.Connector {
		t.Helper()
		id, name, def, typ := fmt.Sprintf("00000000-0000-0000-0000-%012d", n), fmt.Sprintf("tx_%d", n), `{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{}}`, 1
		c, err := connectorhub.NewConnector("", &connectorhub.ConnectorUpdate{ID: &id, Name: &name, DisplayName: &name, OpenAPIDefinition: &def, ConnectorType: &typ})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	refused := errors.New("refused")
	err := s.Transact(ctx, func(ctx context.Context) error {
		if err := s.CreateConnector(ctx, newConnector(1)); err != nil {
			return err
		}
		if err := s.CreateConnector(ctx, newConnector(2)); err != nil {
			return err
		}
		return refused
	})
	if !errors.Is(err, refused) {
		t.Fatalf("got %v, want the function's error", err)
	}
	for _, id := range []string{"00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002"} {
		if _, err := s.FindConnectorByID(ctx, id); connectorhub.ErrorCode(err) != connectorhub.ECodeNotFound {
			t.Errorf("%s after a rolled-back transaction: got %v, want not found", id, err)
		}
	}
	err = s.Transact(ctx, func(ctx context.Context) error {
		if err := s.CreateConnector(ctx, newConnector(3)); err != nil {
			return err
		}
		// A write that fails inside: the whole transaction fails, the first create too.
		return s.CreateConnector(ctx, newConnector(3))
	})
	if connectorhub.ErrorCode(err) != connectorhub.ECodeDuplicateKey {
		t.Fatalf("a duplicate inside: got %v", err)
	}
	if _, err := s.FindConnectorByID(ctx, "00000000-0000-0000-0000-000000000003"); connectorhub.ErrorCode(err) != connectorhub.ECodeNotFound {
		t.Errorf("the first create of a failed transaction was kept: %v", err)
	}
	err = s.Transact(ctx, func(ctx context.Context) error {
		if err := s.CreateConnector(ctx, newConnector(4)); err != nil {
			return err
		}
		_, _, err := s.UpsertConnector(ctx, "00000000-0000-0000-0000-000000000004", &connectorhub.ConnectorUpdate{Description: ptr("in the same transaction")}, connectorhub.Precondition{MustExist: true}, connectorhub.ReturnRecord)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := s.FindConnectorByID(ctx, "00000000-0000-0000-0000-000000000004"); err != nil || c.Description != "in the same transaction" {
		t.Errorf("after a committed transaction: %v %v", c, err)
	}
	if err := s.Transact(ctx, func(ctx context.Context) error {
		return s.Transact(ctx, func(context.Context) error { return nil })
	}); err == nil {
		t.Error("a nested Transact was accepted")
	}
}
