package odata

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseFilter(t *testing.T) {
	const owner = "00000000-0000-0000-0000-000000000005"
	tests := []struct {
		name    string
		input   string
		aliases map[string]string
		want    Expr
	}{
		{"LeadingSpace", " displayname eq 'MyConnector1'", nil, eq(prop("displayname"), str("MyConnector1"))},
		{"Ne", "name ne 'x'", nil, cmpx(Ne, prop("name"), str("x"))},
		{"Gt", "connectortype gt 1", nil, cmpx(Gt, prop("connectortype"), i64(1))},
		{"GeNegative", "n ge -12", nil, cmpx(Ge, prop("n"), i64(-12))},
		{"LtDecimal", "price lt 10.25", nil, cmpx(Lt, prop("price"), dec(10.25))},
		{"LeExponent", "x le 1e3", nil, cmpx(Le, prop("x"), dec(1000))},
		{"LiteralOnLeft", "'x' eq name", nil, eq(str("x"), prop("name"))},
		{"ColumnComparison", "firstname eq lastname", nil, eq(prop("firstname"), prop("lastname"))},
		{"EscapedQuote", "lastname eq 'O''Bryan'", nil, eq(prop("lastname"), str("O'Bryan"))},
		{"EmptyString", "name eq ''", nil, eq(prop("name"), str(""))},
		{"InjectionShaped", "name eq 'x'' or 1=1 --'", nil, eq(prop("name"), str("x' or 1=1 --"))},
		{"Bool", "iscustomizable eq true", nil, eq(prop("iscustomizable"), boolean(true))},
		{"Null", "description eq null", nil, eq(prop("description"), null())},
		{"NeNull", "description ne null", nil, cmpx(Ne, prop("description"), null())},
		{"BareGUID", "_ownerid_value eq " + owner, nil, eq(prop("_ownerid_value"), guidLit(owner))},
		{"GUIDStartingWithLetters", "connectorid eq d5026a4d-d01c-ed11-b83e-000d3a572421", nil,
			eq(prop("connectorid"), guidLit("d5026a4d-d01c-ed11-b83e-000d3a572421"))},
		{"Date", "createdon ge 2024-01-31", nil, cmpx(Ge, prop("createdon"), dateLit("2024-01-31"))},
		{"DateTimeZ", "modifiedon lt 2024-01-31T10:00:00Z", nil, cmpx(Lt, prop("modifiedon"), dtLit("2024-01-31T10:00:00Z"))},
		{"DateTimeOffsetFraction", "modifiedon lt 2024-01-31T10:00:00.125+02:00", nil,
			cmpx(Lt, prop("modifiedon"), dtLit("2024-01-31T10:00:00.125+02:00"))},
		{"DateTimeNoSeconds", "modifiedon lt 2024-01-31T10:00Z", nil, cmpx(Lt, prop("modifiedon"), dtLit("2024-01-31T10:00:00Z"))},
		{"LookupTraversal", "ownerid/fullname eq 'Ann'", nil, eq(prop("ownerid", "fullname"), str("Ann"))},
		{"MultiLevel", "primarycontactid/createdby/fullname eq 'System Administrator'", nil,
			eq(prop("primarycontactid", "createdby", "fullname"), str("System Administrator"))},
		{"AndOr", "a eq 1 or b eq 2 and c eq 3", nil,
			or(eq(prop("a"), i64(1)), and(eq(prop("b"), i64(2)), eq(prop("c"), i64(3))))},
		{"LeftAssociative", "a eq 1 or b eq 2 or c eq 3", nil,
			or(or(eq(prop("a"), i64(1)), eq(prop("b"), i64(2))), eq(prop("c"), i64(3)))},
		{"Parens", "(a eq 1 or b eq 2) and c eq 3", nil,
			and(or(eq(prop("a"), i64(1)), eq(prop("b"), i64(2))), eq(prop("c"), i64(3)))},
		{"NotContains", "not contains(name,'sample')", nil, not(call("contains", prop("name"), "sample"))},
		{"NotParens", "not (a eq 1)", nil, not(eq(prop("a"), i64(1)))},
		{"NotNoSpace", "not(a eq 1)", nil, not(eq(prop("a"), i64(1)))},
		{"NotBindsTighterThanAnd", "not isactive and a eq 1", nil, and(not(prop("isactive")), eq(prop("a"), i64(1)))},
		{"DoubleNot", "not not isactive", nil, not(not(prop("isactive")))},
		{"BareBooleanColumn", "iscustomizable", nil, prop("iscustomizable")},
		{"StartsWith", "startswith(name, 'a')", nil, call("startswith", prop("name"), "a")},
		{"EndsWithWildcard", "endswith(name,'Inc.%')", nil, call("endswith", prop("name"), "Inc.%")},
		{"ContainsSpecial", "contains(name,'(sample)') or contains(name,'test')", nil,
			or(call("contains", prop("name"), "(sample)"), call("contains", prop("name"), "test"))},
		{"Whitespace", "\t( name  eq\n'a' )\r\n", nil, eq(prop("name"), str("a"))},
		{"In", "Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=['a','b'])", nil,
			qf("In", "name", str("a"), str("b"))},
		{"InDoubleQuotes", `Microsoft.Dynamics.CRM.In(PropertyName='lastname',PropertyValues=["OBrian","O'Brian"])`, nil,
			qf("In", "lastname", str("OBrian"), str("O'Brian"))},
		{"NotInGUIDs", "Microsoft.Dynamics.CRM.NotIn(PropertyName='_ownerid_value',PropertyValues=[" + owner + "])", nil,
			qf("NotIn", "_ownerid_value", guidLit(owner))},
		{"BetweenStrings", `Microsoft.Dynamics.CRM.Between(PropertyName='numberofemployees',PropertyValues=["5","2000"])`, nil,
			qf("Between", "numberofemployees", str("5"), str("2000"))},
		{"NotBetweenNumbers", "Microsoft.Dynamics.CRM.NotBetween(PropertyName='n',PropertyValues=[5, 2000])", nil,
			qf("NotBetween", "n", i64(5), i64(2000))},
		{"ParamsAnyOrder", "Microsoft.Dynamics.CRM.In(PropertyValues=[1],PropertyName='n')", nil, qf("In", "n", i64(1))},
		{"On", "Microsoft.Dynamics.CRM.On(PropertyName='createdon',PropertyValue='2024-01-31')", nil,
			qf("On", "createdon", str("2024-01-31"))},
		{"OnOrAfterDate", "Microsoft.Dynamics.CRM.OnOrAfter(PropertyName='createdon',PropertyValue=2024-01-31)", nil,
			qf("OnOrAfter", "createdon", dateLit("2024-01-31"))},
		{"OnOrBefore", "Microsoft.Dynamics.CRM.OnOrBefore(PropertyName='createdon',PropertyValue=2024-01-31T00:00:00Z)", nil,
			qf("OnOrBefore", "createdon", dtLit("2024-01-31T00:00:00Z"))},
		{"LastXDays", "Microsoft.Dynamics.CRM.LastXDays(PropertyName='modifiedon',PropertyValue=7)", nil,
			qf("LastXDays", "modifiedon", i64(7))},
		{"NextXDays", "Microsoft.Dynamics.CRM.NextXDays(PropertyName='modifiedon',PropertyValue=3)", nil,
			qf("NextXDays", "modifiedon", i64(3))},
		{"LastXHours", "Microsoft.Dynamics.CRM.LastXHours(PropertyName='modifiedon',PropertyValue=12)", nil,
			qf("LastXHours", "modifiedon", i64(12))},
		{"Today", "Microsoft.Dynamics.CRM.Today(PropertyName='createdon')", nil, qf("Today", "createdon")},
		{"Yesterday", "Microsoft.Dynamics.CRM.Yesterday(PropertyName='createdon')", nil, qf("Yesterday", "createdon")},
		{"EqualUserId", "Microsoft.Dynamics.CRM.EqualUserId(PropertyName='ownerid')", nil, qf("EqualUserId", "ownerid")},
		{"NotEqualUserId", "not Microsoft.Dynamics.CRM.NotEqualUserId(PropertyName='ownerid')", nil,
			not(qf("NotEqualUserId", "ownerid"))},
		{"ContainValues", "Microsoft.Dynamics.CRM.ContainValues(PropertyName='hobbies',PropertyValues=['1','9'])", nil,
			qf("ContainValues", "hobbies", str("1"), str("9"))},
		{"DoesNotContainValues", "Microsoft.Dynamics.CRM.DoesNotContainValues(PropertyName='hobbies',PropertyValues=[1])", nil,
			qf("DoesNotContainValues", "hobbies", i64(1))},
		{"FiscalPair", "Microsoft.Dynamics.CRM.InFiscalPeriodAndYear(PropertyName='d',PropertyValue2=2024,PropertyValue1=3)", nil,
			qf("InFiscalPeriodAndYear", "d", i64(3), i64(2024))},
		{"AliasLiteral", "name eq @p1", map[string]string{"@p1": "'x'"}, eq(prop("name"), str("x"))},
		{"AliasProperty", "@p1 ne @p3", map[string]string{"@p1": "revenue", "@p2": "name"}, cmpx(Ne, prop("revenue"), null())},
		{"AliasInFunction", "Microsoft.Dynamics.CRM.In(PropertyName=@p1,PropertyValues=@p2)",
			map[string]string{"@p1": "'lastname'", "@p2": `["OBrian","O'Brian"]`},
			qf("In", "lastname", str("OBrian"), str("O'Brian"))},
		{"AliasInContains", "contains(@p1,'Contoso')", map[string]string{"@p1": "name"}, call("contains", prop("name"), "Contoso")},
		{"LambdaAny", "Account_Emails/any(e:contains(e/subject,'sometext'))", nil,
			&LambdaExpr{Collection: prop("Account_Emails"), Var: "e", Body: call("contains", varPath("e", "subject"), "sometext")}},
		{"LambdaAll", "Account_Tasks/all(t:t/statecode eq 1)", nil,
			&LambdaExpr{Collection: prop("Account_Tasks"), All: true, Var: "t", Body: eq(varPath("t", "statecode"), i64(1))}},
		{"LambdaEmptyAny", "connector_connectionreference/any()", nil,
			&LambdaExpr{Collection: prop("connector_connectionreference")}},
		{"LambdaNested", "c/any(x:x/jobtitle eq 'j' and x/o/any(y:y/d ne 'N/A'))", nil,
			&LambdaExpr{Collection: prop("c"), Var: "x", Body: and(
				eq(varPath("x", "jobtitle"), str("j")),
				&LambdaExpr{Collection: varPath("x", "o"), Var: "y", Body: cmpx(Ne, varPath("y", "d"), str("N/A"))})}},
		{"TrueLiteral", "true", nil, boolean(true)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseFilter(tt.input, tt.aliases)
			if err != nil {
				t.Fatalf("ParseFilter(%q): %v", tt.input, err)
			}
			if diff := cmp.Diff(tt.want, got, ignoreOffsets); diff != "" {
				t.Errorf("ParseFilter(%q) mismatch (-want +got):\n%s", tt.input, diff)
			}
			// The printed form must parse to the same tree.
			again, err := ParseFilter(got.String(), nil)
			if err != nil {
				t.Fatalf("reparse %q: %v", got.String(), err)
			}
			if diff := cmp.Diff(got, again, ignoreOffsets); diff != "" {
				t.Errorf("round trip of %q via %q (-first +second):\n%s", tt.input, got.String(), diff)
			}
		})
	}
}

func TestParseFilterPositions(t *testing.T) {
	got, err := ParseFilter(" a eq 'x' and not contains(b/c,@p)", map[string]string{"@p": "'y'"})
	if err != nil {
		t.Fatal(err)
	}
	want := &LogicalExpr{Op: And, Offset: 10,
		Left: &CompareExpr{Op: Eq, Offset: 3,
			Left:  &PropertyPath{Segments: []string{"a"}, Offset: 1},
			Right: &Literal{Kind: KindString, Value: "x", Offset: 6}},
		Right: &NotExpr{Offset: 14, X: &StringCall{Func: "contains", Offset: 18,
			Property: &PropertyPath{Segments: []string{"b", "c"}, Offset: 27},
			Value:    &Literal{Kind: KindString, Value: "y", Offset: 31}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestParseFilterErrors(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		aliases map[string]string
		pos     int
		msg     string // the full Error() text
	}{
		{"UnterminatedLiteral", "lastname eq 'O'Bryan'", nil, 21,
			"There is an unterminated literal at position 21 in 'lastname eq 'O'Bryan''."},
		{"MissingOperand", "name eq and", nil, 8, "Syntax error at position 8 in 'name eq and'."},
		{"TrailingAnd", "name eq 'a' and", nil, 15, "Expression expected at position 15 in 'name eq 'a' and'."},
		{"Empty", "", nil, 0, "Expression expected at position 0 in ''."},
		{"OnlySpaces", "   ", nil, 3, "Expression expected at position 3 in '   '."},
		{"MissingCloseParen", "(a eq 1", nil, 7, "')' or operator expected at position 7 in '(a eq 1'."},
		{"ExtraCloseParen", "a eq 1)", nil, 6, "Syntax error at position 6 in 'a eq 1)'."},
		{"BadChar", "a eq #1", nil, 5, "Syntax error: character '#' is not valid at position 5 in 'a eq #1'."},
		{"DoubleQuotedOutsideList", `a eq "x"`, nil, 5, `Syntax error at position 5 in 'a eq "x"'.`},
		{"ChainedComparison", "a eq 1 eq 2", nil, 7, "Syntax error at position 7 in 'a eq 1 eq 2'."},
		{"NotBeforeComparison", "not a eq 1", nil, 6,
			"Syntax error: 'not' applies before 'eq'; write not (… eq …) at position 6 in 'not a eq 1'."},
		{"LiteralsOnly", "1 eq 1", nil, 2, "A comparison must have a property on at least one side at position 2 in '1 eq 1'."},
		{"NonBooleanFilter", "'x'", nil, 0, "The filter expression must be a Boolean expression, not a Edm.String literal at position 0 in ''x''."},
		{"NonBooleanAnd", "a eq 1 and 5", nil, 11, "The operand of 'and' must be a Boolean expression, not a Edm.Int64 literal at position 11 in 'a eq 1 and 5'."},
		{"UnknownFunction", "tolower(name) eq 'a'", nil, 0, "Unknown function 'tolower' at position 0 in 'tolower(name) eq 'a''."},
		{"UnknownQueryFunction", "Microsoft.Dynamics.CRM.Foo(PropertyName='a')", nil, 0,
			"Unknown function 'Microsoft.Dynamics.CRM.Foo' at position 0 in 'Microsoft.Dynamics.CRM.Foo(PropertyName='a')'."},
		{"MissingPropertyName", "Microsoft.Dynamics.CRM.Today()", nil, 0,
			"Function 'Microsoft.Dynamics.CRM.Today' requires parameter 'PropertyName' at position 0 in 'Microsoft.Dynamics.CRM.Today()'."},
		{"MissingValue", "Microsoft.Dynamics.CRM.LastXDays(PropertyName='a')", nil, 0,
			"Function 'Microsoft.Dynamics.CRM.LastXDays' requires parameter 'PropertyValue' at position 0 in 'Microsoft.Dynamics.CRM.LastXDays(PropertyName='a')'."},
		{"UnexpectedParam", "Microsoft.Dynamics.CRM.Today(PropertyName='a',PropertyValue=1)", nil, 46, ""},
		{"BetweenOneValue", "Microsoft.Dynamics.CRM.Between(PropertyName='a',PropertyValues=[1])", nil, 63, ""},
		{"ListForSingle", "Microsoft.Dynamics.CRM.On(PropertyName='a',PropertyValue=['x'])", nil, 57, ""},
		{"SingleForList", "Microsoft.Dynamics.CRM.In(PropertyName='a',PropertyValues='x')", nil, 58, ""},
		{"WrongKind", "Microsoft.Dynamics.CRM.LastXDays(PropertyName='a',PropertyValue='7')", nil, 64, ""},
		{"DuplicateParam", "Microsoft.Dynamics.CRM.Today(PropertyName='a',PropertyName='b')", nil, 46, ""},
		{"TrailingCommaInList", "Microsoft.Dynamics.CRM.In(PropertyName='a',PropertyValues=['x',])", nil, 63, ""},
		{"BadPropertyName", "Microsoft.Dynamics.CRM.Today(PropertyName='a b')", nil, 42, ""},
		{"ContainsNonString", "contains(name,1)", nil, 14, ""},
		{"ContainsLiteralFirst", "contains('a','b')", nil, 9, ""},
		{"BadDate", "d eq 2024-13-01", nil, 5, "Unrecognized 'Edm.Date' literal '2024-13-01' at position 5 in 'd eq 2024-13-01'."},
		{"DateTimeWithoutZone", "d eq 2024-01-31T10:00:00", nil, 5, ""},
		{"IntOverflow", "n eq 99999999999999999999", nil, 5, ""},
		{"BadNumber", "n eq 12abc", nil, 7, ""},
		{"NotAsOperand", "a eq (b eq 1)", nil, 8, ""},
		{"AliasList", "a eq @p", map[string]string{"@p": "[1,2]"}, 5, ""},
		{"AliasSyntaxError", "a eq @p", map[string]string{"@p": "'x"}, 2, "There is an unterminated literal at position 2 in ''x'."},
		{"NestedAlias", "a eq @p", map[string]string{"@p": "@q"}, 0, ""},
		{"AllWithoutBody", "c/all()", nil, 2, ""},
		{"LambdaVarReused", "c/any(x:x/d/any(x:x/e eq 1))", nil, 16, ""},
		{"QualifiedPath", "Microsoft.Dynamics.CRM.x eq 1", nil, 0, ""},
		{"InvalidUTF8", "name eq 'a\xff'", nil, 10, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFilter(tt.input, tt.aliases)
			if err == nil {
				t.Fatalf("ParseFilter(%q): no error", tt.input)
			}
			oe := mustODataError(t, err)
			if oe.Pos != tt.pos {
				t.Errorf("ParseFilter(%q): position %d, want %d (%v)", tt.input, oe.Pos, tt.pos, err)
			}
			if tt.msg != "" && err.Error() != tt.msg {
				t.Errorf("ParseFilter(%q):\n got %s\nwant %s", tt.input, err.Error(), tt.msg)
			}
		})
	}
}

func TestParseFilterDepthLimit(t *testing.T) {
	deep := ""
	for range 200 {
		deep += "("
	}
	_, err := ParseFilter(deep+"a eq 1", nil)
	if oe := mustODataError(t, err); oe.Pos != maxDepth {
		t.Errorf("position %d, want %d", oe.Pos, maxDepth)
	}
}

func TestProperties(t *testing.T) {
	e, err := ParseFilter("a eq b and c/any(x:x/d eq 1) and Microsoft.Dynamics.CRM.In(PropertyName='e',PropertyValues=[1])", nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range Properties(e) {
		got = append(got, p.String())
	}
	want := []string{"a", "b", "c", "x/d", "e"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Properties mismatch (-want +got):\n%s", diff)
	}
}
