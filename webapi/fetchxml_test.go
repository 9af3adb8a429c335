package webapi_test

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"

	connectorhub "github.com/connectorhub/connectorhub"
)

// fetch sends GET <set>?fetchXml=<doc>.
func (s *testServer) fetch(tb testing.TB, set, doc string, headers ...string) *response {
	tb.Helper()
	return s.do(tb, "GET", "/api/data/v9.2/"+set+"?fetchXml="+url.QueryEscape(doc), "", headers...)
}

// records decodes the records of a list answer, without their context.
func records(tb testing.TB, r *response) []map[string]any {
	tb.Helper()
	if r.Status != 200 {
		tb.Fatalf("%d %s", r.Status, r.Body)
	}
	var body struct{ Value []map[string]any }
	if err := json.Unmarshal(r.Body, &body); err != nil {
		tb.Fatalf("not a list: %v\n%s", err, r.Body)
	}
	return body.Value
}

// withoutNulls drops the null properties of records, which a FetchXML answer leaves out.
func withoutNulls(recs []map[string]any) []map[string]any {
	for _, rec := range recs {
		for k, v := range rec {
			if v == nil {
				delete(rec, k)
			}
		}
	}
	return recs
}

const connectorFetch = `<fetch><entity name="connector">%s</entity></fetch>`

// annAll asks for every annotation, the paging ones among them.
const annAll = `Prefer: odata.include-annotations="*"`

// TestFetchXMLTwins runs FetchXML queries and their $filter twins on the seed: the same
// records, with the same members, in the same order.
func TestFetchXMLTwins(t *testing.T) {
	s := mustSeed(t)
	for _, tc := range []struct {
		name, fetch, twin string
		want              string // the connectors, by number
	}{
		{"Eq", `<attribute name="name"/><attribute name="displayname"/><filter><condition attribute="displayname" operator="eq" value="alpha"/></filter>`,
			"$select=name,displayname&$filter=displayname eq 'alpha'", "1"},
		{"LikeOrdered", `<attribute name="displayname"/><filter><condition attribute="displayname" operator="like" value="%a%"/></filter><order attribute="displayname" descending="true"/>`,
			"$select=displayname&$filter=contains(displayname,'a')&$orderby=displayname desc", "4,3,6,2,1"},
		{"Percent", `<attribute name="displayname"/><filter><condition attribute="displayname" operator="begins-with" value="100"/></filter>`,
			"$select=displayname&$filter=startswith(displayname,'100')", "5"},
		{"InOrNull", `<attribute name="connectortype"/><attribute name="description"/><filter type="or"><condition attribute="connectortype" operator="in"><value>0</value><value>2</value></condition><condition attribute="description" operator="null"/></filter><order attribute="name" descending="true"/>`,
			"$select=connectortype,description&$filter=Microsoft.Dynamics.CRM.In(PropertyName='connectortype',PropertyValues=[0,2]) or description eq null&$orderby=name desc", "7,6,4,3,2"},
		{"NotInNotNull", `<attribute name="name"/><filter><condition attribute="connectortype" operator="not-in"><value>2</value></condition><condition attribute="description" operator="not-null"/><condition attribute="statecode" operator="eq" value="0"/></filter>`,
			"$select=name&$filter=Microsoft.Dynamics.CRM.NotIn(PropertyName='connectortype',PropertyValues=[2]) and description ne null and statecode eq 0", "1,3,5"},
		{"Dates", `<attribute name="createdon"/><filter><condition attribute="createdon" operator="today"/><condition attribute="createdon" operator="on-or-before" value="2024-01-10"/><condition attribute="modifiedon" operator="last-x-hours" value="8"/></filter><order attribute="createdon"/>`,
			"$select=createdon&$filter=Microsoft.Dynamics.CRM.Today(PropertyName='createdon') and Microsoft.Dynamics.CRM.OnOrBefore(PropertyName='createdon',PropertyValue='2024-01-10') and Microsoft.Dynamics.CRM.LastXHours(PropertyName='modifiedon',PropertyValue=8)&$orderby=createdon", "4,5,6"},
		{"UserIdAndOwner", `<attribute name="ownerid"/><filter type="or"><condition attribute="ownerid" operator="eq-userid"/><condition attribute="ownerid" operator="eq" value="{` + strings.ToUpper(teamID) + `}"/></filter>`,
			"$select=_ownerid_value&$filter=Microsoft.Dynamics.CRM.EqualUserId(PropertyName='ownerid') or _ownerid_value eq " + teamID, "1,3,4,6"},
		{"Top", `<attribute name="name"/><order attribute="modifiedon" descending="true"/>`,
			"$select=name&$orderby=modifiedon desc&$top=2", "4,6"},
		{"AllAttributes", `<all-attributes/><filter><condition attribute="ismanaged" operator="eq" value="0"/><condition attribute="connectorid" operator="eq" value="` + id(2) + `"/></filter>`,
			"$filter=ismanaged eq false and connectorid eq " + id(2), "2"},
		{"InjectionEq", `<attribute name="name"/><filter><condition attribute="displayname" operator="eq" value="x' or 1 eq 1 or displayname eq '"/></filter>`,
			"$select=name&$filter=displayname eq 'x'' or 1 eq 1 or displayname eq '''", ""},
		{"InjectionLike", `<attribute name="name"/><filter><condition attribute="displayname" operator="like" value="%') OR 1=1; DROP TABLE connectors; --%"/></filter>`,
			"$select=name&$filter=contains(displayname,''') OR 1=1; DROP TABLE connectors; --')", ""},
		{"InjectionQuote", `<attribute name="name"/><filter><condition attribute="displayname" operator="eq" value="O'Bryan"/></filter>`,
			"$select=name&$filter=displayname eq 'O''Bryan'", "4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := fmt.Sprintf(connectorFetch, tc.fetch)
			if tc.name == "Top" {
				doc = strings.Replace(doc, "<fetch>", `<fetch top="2">`, 1)
			}
			f := s.fetch(t, "connectors", doc)
			twin := s.get(t, "connectors?"+tc.twin)
			got, want := records(t, f), withoutNulls(records(t, twin))
			if n := numbers(t, f); n != tc.want {
				t.Errorf("fetch gives %q, want %q", n, tc.want)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("fetch and twin differ:\nfetch %s\ntwin  %s", f.Body, twin.Body)
			}
		})
	}
}

// TestFetchXMLLinks checks link-entity: inner links filter like a path through the lookup,
// outer ones keep every row, and the linked attributes come as alias.attribute.
func TestFetchXMLLinks(t *testing.T) {
	s := mustSeed(t)
	for _, tc := range []struct{ name, fetch, twin, want string }{
		{"InnerUser", `<attribute name="name"/><link-entity name="systemuser" from="systemuserid" to="ownerid" alias="u"><attribute name="fullname"/><filter><condition attribute="fullname" operator="like" value="Ada%"/></filter></link-entity>`,
			"$select=name&$filter=startswith(owninguser/fullname,'Ada')", "2,5,7"},
		{"InnerTeam", `<attribute name="name"/><link-entity name="team" from="teamid" to="ownerid" alias="t"><attribute name="name"/></link-entity>`,
			"$select=name&$filter=owningteam/teamid ne null", "3"},
		{"OuterOrdered", `<attribute name="name"/><link-entity name="systemuser" from="systemuserid" to="createdby" link-type="outer" alias="c"><attribute name="fullname"/><order attribute="fullname"/></link-entity><order attribute="name" descending="true"/>`,
			"$select=name&$orderby=name desc,createdby/fullname", "7,6,5,4,3,2,1"},
		{"EntityName", `<attribute name="name"/><filter type="or"><condition entityname="o" attribute="name" operator="eq" value="Makers"/><condition attribute="connectortype" operator="eq" value="2"/></filter><link-entity name="team" from="teamid" to="ownerid" link-type="outer" alias="o"/>`,
			"$select=name&$filter=owningteam/name eq 'Makers' or connectortype eq 2", "3,4,6"},
		{"BusinessUnit", `<attribute name="name"/><link-entity name="businessunit" from="businessunitid" to="owningbusinessunit" alias="bu"><attribute name="name"/><attribute name="parentbusinessunitid"/></link-entity><filter><condition attribute="connectortype" operator="eq" value="0"/></filter>`,
			"$select=name&$filter=connectortype eq 0", "3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := s.fetch(t, "connectors", fmt.Sprintf(connectorFetch, tc.fetch))
			twin := s.get(t, "connectors?"+tc.twin)
			if n, m := numbers(t, f), numbers(t, twin); n != tc.want || m != tc.want {
				t.Errorf("fetch gives %q, twin %q, want %q", n, m, tc.want)
			}
			recs := records(t, f)
			switch tc.name {
			case "InnerUser":
				if recs[0]["u.fullname"] != "Ada Lovelace" {
					t.Errorf("u.fullname: %s", f.Body)
				}
			case "InnerTeam":
				if recs[0]["t.name"] != "Makers" || recs[0]["name"] != "cr736_c3" {
					t.Errorf("t.name: %s", f.Body)
				}
			case "OuterOrdered":
				if _, ok := recs[0]["c.fullname"]; !ok {
					t.Errorf("c.fullname: %s", f.Body)
				}
			case "BusinessUnit":
				// The root business unit has no parent: a null, which a fetch leaves out.
				if _, ok := recs[0]["bu.parentbusinessunitid"]; ok || recs[0]["bu.name"] == nil {
					t.Errorf("bu.*: %s", f.Body)
				}
			}
		})
	}
}

// TestFetchXMLAggregate checks an aggregate fetch against its $apply twin.
func TestFetchXMLAggregate(t *testing.T) {
	s := mustSeed(t)
	f := records(t, s.fetch(t, "connectors", `<fetch aggregate="true"><entity name="connector"><attribute name="connectortype" groupby="true" alias="type"/><attribute name="connectorid" aggregate="count" alias="n"/><attribute name="versionnumber" aggregate="max" alias="v"/><filter><condition attribute="statecode" operator="eq" value="0"/></filter><order alias="type" descending="true"/></entity></fetch>`))
	twin := records(t, s.get(t, "connectors?$apply=filter(statecode eq 0)/groupby((connectortype),aggregate($count as n,versionnumber with max as v))&$orderby=connectortype desc"))
	for _, rec := range twin {
		rec["type"] = rec["connectortype"]
		delete(rec, "connectortype")
	}
	if len(f) != 3 || !reflect.DeepEqual(f, twin) {
		t.Errorf("aggregate fetch %v, twin %v", f, twin)
	}
	f = records(t, s.fetch(t, "connectors", `<fetch aggregate="true"><entity name="connector"><attribute name="connectorid" aggregate="countcolumn" alias="all"/><attribute name="ownerid" aggregate="countcolumn" distinct="true" alias="owners"/></entity></fetch>`))
	if len(f) != 1 || f[0]["all"] != 7.0 || f[0]["owners"] != 3.0 {
		t.Errorf("aggregate without groupby: %v", f)
	}
}

// fetchPage is one page of a paged fetch.
type fetchPage struct {
	ids    []string
	cookie string // the paging-cookie of the next page, decoded as a client does
	more   bool
	total  any
}

func readFetchPage(tb testing.TB, r *response) fetchPage {
	tb.Helper()
	var p fetchPage
	for _, rec := range records(tb, r) {
		p.ids = append(p.ids, rec["connectorid"].(string))
	}
	m := r.JSON(tb)
	p.more, _ = m["@Microsoft.Dynamics.CRM.morerecords"].(bool)
	p.total = m["@Microsoft.Dynamics.CRM.totalrecordcount"]
	if ann, ok := m["@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"].(string); ok {
		// As Microsoft documents: the pagingcookie attribute, URL-decoded twice.
		var c struct {
			PagingCookie string `xml:"pagingcookie,attr"`
		}
		if err := xml.Unmarshal([]byte(ann), &c); err != nil {
			tb.Fatalf("annotation %q: %v", ann, err)
		}
		once, err := url.QueryUnescape(c.PagingCookie)
		if err != nil {
			tb.Fatal(err)
		}
		if p.cookie, err = url.QueryUnescape(once); err != nil {
			tb.Fatal(err)
		}
	}
	return p
}

func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// TestFetchXMLPaging pages through every record with count, page and paging-cookie: each
// comes back once, in the order of the unpaged fetch.
func TestFetchXMLPaging(t *testing.T) {
	s := MustOpenServer(t)
	mustCreateMany(t, s, 1, 23, "Same", "same", "Other", "SAME", "zeta")
	for _, order := range []string{
		``,
		`<order attribute="displayname" descending="true"/>`,
		`<order attribute="description"/><order attribute="displayname" descending="true"/>`,
		`<link-entity name="systemuser" from="systemuserid" to="ownerid" link-type="outer" alias="u"><order attribute="fullname"/></link-entity><order attribute="description" descending="true"/>`,
	} {
		t.Run(order, func(t *testing.T) {
			all := readFetchPage(t, s.fetch(t, "connectors", fmt.Sprintf(connectorFetch, `<attribute name="name"/>`+order), annAll))
			if len(all.ids) != 23 || all.more || all.cookie != "" {
				t.Fatalf("unpaged: %d rows, more %v, cookie %q", len(all.ids), all.more, all.cookie)
			}
			var got []string
			cookie := ""
			for page := 1; ; page++ {
				head := fmt.Sprintf(`<fetch count="5" page="%d" returntotalrecordcount="true"`, page)
				if cookie != "" {
					head += ` paging-cookie="` + xmlEscape(cookie) + `"`
				}
				doc := head + `><entity name="connector"><attribute name="name"/>` + order + `</entity></fetch>`
				p := readFetchPage(t, s.fetch(t, "connectors", doc, annAll))
				if len(p.ids) > 5 || p.total != 23.0 {
					t.Fatalf("page %d: %d rows, total %v", page, len(p.ids), p.total)
				}
				got = append(got, p.ids...)
				if !p.more {
					if p.cookie != "" {
						t.Errorf("the last page has a cookie")
					}
					break
				}
				if page > 10 {
					t.Fatal("paging does not end")
				}
				cookie = p.cookie
			}
			if strings.Join(got, " ") != strings.Join(all.ids, " ") {
				t.Errorf("pages put together:\n got %v\nwant %v", got, all.ids)
			}
		})
	}
	// The cookie's shape, and a changed one.
	p := readFetchPage(t, s.fetch(t, "connectors", `<fetch count="2"><entity name="connector"><attribute name="name"/></entity></fetch>`, annAll))
	if !p.more || !strings.HasPrefix(p.cookie, `<cookie page="1" signature="`) || !strings.HasSuffix(p.cookie, `<connectorid last="{00000000-0000-0000-0000-000000000002}" first="{00000000-0000-0000-0000-000000000001}" /></cookie>`) {
		t.Fatalf("cookie %q", p.cookie)
	}
	if r := s.fetch(t, "connectors", `<fetch count="2"><entity name="connector"><attribute name="name"/></entity></fetch>`); strings.Contains(string(r.Body), "@Microsoft.Dynamics.CRM.") {
		t.Errorf("paging annotations that Prefer did not ask for: %s", r.Body)
	}
	changed := strings.Replace(p.cookie, "000000000002}", "000000000009}", 1)
	for _, doc := range []string{
		`<fetch count="2" page="2" paging-cookie="` + xmlEscape(changed) + `"><entity name="connector"/></fetch>`,
		`<fetch count="2" page="3" paging-cookie="` + xmlEscape(p.cookie) + `"><entity name="connector"/></fetch>`,
		`<fetch count="2" page="2"><entity name="connector"/></fetch>`,
		`<fetch count="2" page="2" paging-cookie="` + xmlEscape(p.cookie) + `"><entity name="connector"><order attribute="name"/></entity></fetch>`,
	} {
		r := s.fetch(t, "connectors", doc)
		if code, msg := r.ErrorCode(t); r.Status != 400 || code != connectorhub.ECodeQuery {
			t.Errorf("%s: %d %s %s, want 400", doc, r.Status, code, msg)
		}
	}
}

// TestFetchXMLTrimming checks that a fetch reads what the caller may read, and no more: a
// Basic User sees its own connectors.
func TestFetchXMLTrimming(t *testing.T) {
	s, addUser := MustOpenMultiUserServer(t)
	basic := addUser("basic", connectorhub.RoleBasicUser)
	for i := 1; i <= 5; i++ {
		extra := map[string]any{}
		if i%2 == 0 {
			extra["ownerid@odata.bind"] = "systemusers(" + basic.UserID + ")"
		}
		if r := s.do(t, "POST", "/api/data/v9.2/connectors", body(i, extra), "X-Test-User: admin"); r.Status != 204 {
			t.Fatalf("create %d: %d %s", i, r.Status, r.Body)
		}
	}
	as := "X-Test-User: basic"
	if n := numbers(t, s.fetch(t, "connectors", fmt.Sprintf(connectorFetch, `<attribute name="name"/>`), as)); n != "2,4" {
		t.Errorf("basic user's fetch: %q, want 2,4", n)
	}
	if n := numbers(t, s.fetch(t, "connectors", fmt.Sprintf(connectorFetch, `<attribute name="name"/><filter><condition attribute="name" operator="like" value="%c%"/></filter>`), "X-Test-User: admin")); n != "1,2,3,4,5" {
		t.Errorf("admin's fetch: %q", n)
	}
	p := readFetchPage(t, s.fetch(t, "connectors", `<fetch count="1" returntotalrecordcount="true"><entity name="connector"/></fetch>`, as, annAll))
	if len(p.ids) != 1 || !p.more || p.total != 2.0 {
		t.Errorf("page 1: %+v", p)
	}
	p = readFetchPage(t, s.fetch(t, "connectors", `<fetch count="1" page="2" paging-cookie="`+xmlEscape(p.cookie)+`"><entity name="connector"/></fetch>`, as, annAll))
	if len(p.ids) != 1 || p.more || !strings.HasSuffix(p.ids[0], "4") {
		t.Errorf("page 2: %+v", p)
	}
	r := s.fetch(t, "connectors", `<fetch aggregate="true"><entity name="connector"><attribute name="connectorid" aggregate="count" alias="n"/></entity></fetch>`, as)
	if !strings.Contains(string(r.Body), `"n":2`) {
		t.Errorf("aggregate: %s", r.Body)
	}
}

// TestFetchXMLIdentity runs fetches on the identity sets.
func TestFetchXMLIdentity(t *testing.T) {
	s := mustSeed(t)
	f := s.fetch(t, "systemusers", `<fetch><entity name="systemuser"><attribute name="fullname"/><attribute name="businessunitid"/><filter><condition attribute="fullname" operator="like" value="Ada%"/></filter></entity></fetch>`)
	twin := s.get(t, "systemusers?$select=fullname,_businessunitid_value&$filter=startswith(fullname,'Ada')")
	if got, want := records(t, f), withoutNulls(records(t, twin)); len(got) != 1 || !reflect.DeepEqual(got, want) {
		t.Errorf("systemusers: fetch %s, twin %s", f.Body, twin.Body)
	}
	all := records(t, s.fetch(t, "systemusers", `<fetch><entity name="systemuser"><attribute name="systemuserid"/><order attribute="fullname"/></entity></fetch>`))
	var got []any
	cookie := ""
	for page := 1; page < 10; page++ {
		doc := fmt.Sprintf(`<fetch count="1" page="%d"`, page)
		if cookie != "" {
			doc += ` paging-cookie="` + xmlEscape(cookie) + `"`
		}
		r := s.fetch(t, "systemusers", doc+`><entity name="systemuser"><attribute name="systemuserid"/><order attribute="fullname"/></entity></fetch>`,
			"Prefer: odata.include-annotations=\"Microsoft.Dynamics.CRM.fetchxmlpagingcookie,Microsoft.Dynamics.CRM.morerecords\"")
		for _, rec := range records(t, r) {
			got = append(got, rec["systemuserid"])
		}
		m := r.JSON(t)
		if m["@Microsoft.Dynamics.CRM.morerecords"] != true {
			break
		}
		var c struct {
			PagingCookie string `xml:"pagingcookie,attr"`
		}
		xml.Unmarshal([]byte(m["@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"].(string)), &c)
		once, _ := url.QueryUnescape(c.PagingCookie)
		cookie, _ = url.QueryUnescape(once)
	}
	var want []any
	for _, rec := range all {
		want = append(want, rec["systemuserid"])
	}
	if len(want) < 2 || !reflect.DeepEqual(got, want) {
		t.Errorf("systemusers paged: %v, want %v", got, want)
	}
	if n := len(records(t, s.fetch(t, "teams", `<fetch><entity name="team"><filter><condition attribute="name" operator="eq" value="Makers"/></filter></entity></fetch>`))); n != 1 {
		t.Errorf("teams: %d", n)
	}
}

// TestFetchXMLRefusals checks that what is outside the subset is a 400 that names it.
func TestFetchXMLRefusals(t *testing.T) {
	s := mustSeed(t)
	for _, tc := range []struct{ path, doc, code, want string }{
		{"connectors", `<fetch><entity name="account"/></fetch>`, connectorhub.ECodeQuery, `<entity name="account"> does not match`},
		{"systemusers", `<fetch><entity name="connector"/></fetch>`, connectorhub.ECodeQuery, "does not match the entity set 'systemusers'"},
		{"connectors?$select=name&", `<fetch><entity name="connector"/></fetch>`, connectorhub.ECodeQuery, "cannot be combined with '$select'"},
		{"connectors", `<fetch><entity name="connector"><filter><condition attribute="name" operator="under" value="x"/></filter></entity></fetch>`, connectorhub.ECodeQuery, "operator 'under'"},
		{"connectors", `<fetch><entity name="connector"><link-entity name="systemuser" from="systemuserid" to="ownerid"><link-entity name="businessunit" from="businessunitid" to="businessunitid"/></link-entity></entity></fetch>`, connectorhub.ECodeQuery, "<link-entity> inside a <link-entity>"},
		{"connectors", `<fetch><entity name="connector"><link-entity name="systemuser" from="systemuserid" to="name"/></entity></fetch>`, connectorhub.ECodeQuery, `<link-entity name="systemuser" from="systemuserid" to="name"> is not supported`},
		{"connectors", `<fetch><entity name="connector"><link-entity name="team" from="teamid" to="createdby"/></entity></fetch>`, connectorhub.ECodeQuery, "is not supported"},
		{"connectors", `<fetch><entity name="connector"><attribute name="colour"/></entity></fetch>`, "0x0", "colour"},
		{"connectors", `<fetch><entity name="connector"><link-entity name="systemuser" from="systemuserid" to="ownerid"><attribute name="colour"/></link-entity></entity></fetch>`, "0x0", "colour"},
		{"connectors", `<fetch distinct="true"><entity name="connector"><attribute name="displayname"/></entity></fetch>`, connectorhub.ECodeQuery, "'distinct'"},
		{"connectors", `<fetch><entity name="connector"><filter><condition attribute="connectortype" operator="eq" value="one"/></filter></entity></fetch>`, connectorhub.ECodeQuery, "is not an integer"},
		{"connectors", `<fetch aggregate="true"><entity name="connector"><attribute name="modifiedon" groupby="true"/></entity></fetch>`, connectorhub.ECodeQuery, ""},
		{"connectors", `<fetch><entity name="connector"><attribute name="name"/>`, connectorhub.ECodeQuery, "not closed"},
		{"connectors(" + id(1) + ")", `<fetch><entity name="connector"/></fetch>`, connectorhub.ECodeQuery, "applies to a list"},
		{"connectors/$count", `<fetch><entity name="connector"/></fetch>`, connectorhub.ECodeQuery, "applies to a list"},
		{"systemusers", `<fetch><entity name="systemuser"><link-entity name="businessunit" from="businessunitid" to="businessunitid"/></entity></fetch>`, connectorhub.ECodeQuery, "<link-entity> is not supported on systemusers"},
		{"teams", `<fetch aggregate="true"><entity name="team"><attribute name="teamid" aggregate="count" alias="n"/></entity></fetch>`, connectorhub.ECodeQuery, "'aggregate' of <fetch> is not supported on teams"},
		{"connectors", `<!DOCTYPE fetch [<!ENTITY x SYSTEM "file:///etc/passwd">]><fetch><entity name="connector"><filter><condition attribute="name" operator="eq" value="&x;"/></filter></entity></fetch>`, connectorhub.ECodeQuery, "DOCTYPE"},
	} {
		path, params, _ := strings.Cut(tc.path, "?")
		r := s.do(t, "GET", "/api/data/v9.2/"+path+"?"+params+"fetchXml="+url.QueryEscape(tc.doc), "")
		code, msg := r.ErrorCode(t)
		if r.Status != 400 || code != tc.code || !strings.Contains(msg, tc.want) {
			t.Errorf("%s %s: %d %s %q, want 400 %s with %q", tc.path, tc.doc, r.Status, code, msg, tc.code, tc.want)
		}
	}
}

// BenchmarkFetchXML compares a FetchXML query with its $filter twin on the same data: the
// cost of parsing and translating the document on top of the same SQL.
func BenchmarkFetchXML(b *testing.B) {
	s := MustOpenServer(b)
	mustCreateMany(b, s, 1, 300, "Alpha", "beta", "Gamma", "delta")
	doc := `<fetch count="50"><entity name="connector"><attribute name="name"/><attribute name="displayname"/><attribute name="ownerid"/>` +
		`<filter type="and"><condition attribute="displayname" operator="like" value="%a%"/><condition attribute="connectortype" operator="in"><value>1</value><value>2</value></condition>` +
		`<condition attribute="modifiedon" operator="last-x-days" value="30"/></filter><order attribute="displayname" descending="true"/>` +
		`<link-entity name="systemuser" from="systemuserid" to="ownerid" alias="u"><attribute name="fullname"/></link-entity></entity></fetch>`
	paths := map[string]string{
		"FetchXML": "/api/data/v9.2/connectors?fetchXml=" + url.QueryEscape(doc),
		"Filter": "/api/data/v9.2/connectors?$select=name,displayname,_ownerid_value&$expand=owninguser($select=fullname)&$orderby=displayname%20desc&$filter=" +
			url.QueryEscape("contains(displayname,'a') and Microsoft.Dynamics.CRM.In(PropertyName='connectortype',PropertyValues=[1,2]) and Microsoft.Dynamics.CRM.LastXDays(PropertyName='modifiedon',PropertyValue=30) and owninguser/systemuserid ne null"),
	}
	for _, name := range []string{"FetchXML", "Filter"} {
		path := paths[name]
		headers := []string{}
		if name == "Filter" {
			headers = append(headers, "Prefer: odata.maxpagesize=50")
		}
		b.Run(name, func(b *testing.B) {
			if r := s.do(b, "GET", path, "", headers...); r.Status != 200 || len(records(b, r)) != 50 {
				b.Fatalf("%d %.300s", r.Status, r.Body)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if r := s.do(b, "GET", path, "", headers...); r.Status != 200 {
					b.Fatalf("%d %s", r.Status, r.Body)
				}
			}
		})
	}
}
