package webapi_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// TestTextFunctionsFetchXML: FetchXML's like, not-like, begins-with, not-begin-with, ends-with
// and not-end-with become the same contains, startswith and endswith as $filter, so an engine's
// trigram index narrows them alike (values of three characters or more): the same records as
// their $filter twins, and as a scan of the seed selects.
func TestTextFunctionsFetchXML(t *testing.T) {
	s := mustSeed(t)
	for _, tc := range []struct {
		attr, op, value, twin, want string
	}{
		{"displayname", "like", "%LPH%", "contains(displayname,'LPH')", "1"},
		{"displayname", "not-like", "%lph%", "not contains(displayname,'lph')", "2,3,4,5,6,7"},
		{"displayname", "like", "%eta%", "contains(displayname,'eta')", "2"},
		{"displayname", "like", "%0% p%", "contains(displayname,'0% p')", "5"},
		{"displayname", "like", "%ta_x%", "contains(displayname,'ta_x')", "6"},
		{"displayname", "like", "%'Bry%", "contains(displayname,'''Bry')", "4"},
		{"displayname", "begins-with", "GAM", "startswith(displayname,'GAM')", "3"},
		{"displayname", "not-begin-with", "gam", "not startswith(displayname,'gam')", "1,2,4,5,6,7"},
		{"displayname", "ends-with", "LON", "endswith(displayname,'LON')", "7"},
		{"displayname", "not-end-with", "lon", "not endswith(displayname,'lon')", "1,2,3,4,5,6"},
		{"description", "like", "%IRD%", "contains(description,'IRD')", "3"},
		// A null description is selected by neither.
		{"description", "not-like", "%ird%", "not contains(description,'ird')", "1,5"},
		{"description", "ends-with", "fth", "endswith(description,'fth')", "5"},
		{"name", "begins-with", "cr736_c", "startswith(name,'cr736_c')", "1,2,3,4,5,6,7"},
	} {
		t.Run(tc.op+" "+tc.value, func(t *testing.T) {
			doc := fmt.Sprintf(connectorFetch, fmt.Sprintf(`<attribute name="name"/><attribute name="%s"/><filter><condition attribute="%s" operator="%s" value="%s"/></filter>`,
				tc.attr, tc.attr, tc.op, xmlEscape(tc.value)))
			f := s.fetch(t, "connectors", doc)
			twin := s.get(t, "connectors?$select=name,"+tc.attr+"&$filter="+tc.twin)
			if n, m := numbers(t, f), numbers(t, twin); n != tc.want || m != tc.want {
				t.Errorf("fetch gives %q, $filter %q, want %q", n, m, tc.want)
			}
			if got, want := records(t, f), withoutNulls(records(t, twin)); !reflect.DeepEqual(got, want) {
				t.Errorf("fetch and twin differ:\nfetch %s\ntwin  %s", f.Body, twin.Body)
			}
		})
	}
}

// TestTextFunctionsPagingAndCount: pages of a text filter, followed by their nextLinks, are
// its rows in order, and $count counts them, with $select and $orderby.
func TestTextFunctionsPagingAndCount(t *testing.T) {
	s := mustSeed(t)
	const filter = "contains(displayname,'eta') or contains(displayname,'LPH') or endswith(displayname,'lon') or startswith(description,'thi') or contains(name,'_c6')"
	for _, order := range []string{"", "displayname desc", "description,modifiedon desc"} {
		t.Run(order, func(t *testing.T) {
			q := "connectors?$select=name,displayname&$count=true&$filter=" + filter
			if order != "" {
				q += "&$orderby=" + order
			}
			whole := s.get(t, q)
			want := numbers(t, whole)
			if len(strings.Split(want, ",")) != 5 || !strings.Contains(string(whole.Body), `"@odata.count":5`) {
				t.Fatalf("got %s", whole.Body)
			}
			var got []string
			p := readPage(t, s.get(t, q, "Prefer: odata.maxpagesize=2"))
			for pages := 1; ; pages++ {
				for _, key := range p.ids {
					got = append(got, strings.TrimLeft(key[len(key)-12:], "0"))
				}
				if p.nextLink == "" || pages > 5 {
					break
				}
				p = readPage(t, s.follow(t, p.nextLink, "Prefer: odata.maxpagesize=2"))
			}
			if strings.Join(got, ",") != want {
				t.Errorf("pages put together: got %s, want %s", strings.Join(got, ","), want)
			}
		})
	}
}
