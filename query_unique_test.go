package connectorhub_test

import (
	"testing"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/odata"
)

func TestMaxRows(t *testing.T) {
	for _, c := range []struct {
		filter string
		want   int // 0: unbounded
	}{
		{"name eq 'a'", 1},
		{"'a' eq name", 1},
		{"connectorid eq 00000000-0000-0000-0000-000000000001", 1},
		{"name eq 'a' and statecode eq 0", 1},
		{"statecode eq 0 and (description eq 'x' and name eq 'a')", 1},
		{"Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=['a','b'])", 2},
		{"Microsoft.Dynamics.CRM.In(PropertyName='connectorid',PropertyValues=['00000000-0000-0000-0000-000000000001','00000000-0000-0000-0000-000000000002','00000000-0000-0000-0000-000000000003'])", 3},
		{"Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=['a'])", 1},
		{"Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=['a','b','c']) and name eq 'a'", 1},
		{"statecode eq 0 and Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=['a','b'])", 2},
		{"Microsoft.Dynamics.CRM.In(PropertyName='displayname',PropertyValues=['a','b'])", 0},
		{"Microsoft.Dynamics.CRM.NotIn(PropertyName='name',PropertyValues=['a','b'])", 0},
		{"Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=['a','b']) or name eq 'c'", 0},
		{"not Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=['a','b'])", 0},
		{"name eq 'a' or name eq 'b'", 0},
		{"statecode eq 0", 0},
	} {
		f, err := odata.ParseFilter(c.filter, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.filter, err)
		}
		if got := connectorhub.MaxRows(f); got != c.want {
			t.Errorf("%s: got %d, want %d", c.filter, got, c.want)
		}
	}
}

func TestAtMostOneRow(t *testing.T) {
	for _, c := range []struct {
		filter string
		want   bool
	}{
		{"name eq 'a'", true},
		{"'a' eq name", true},
		{"connectorid eq 00000000-0000-0000-0000-000000000001", true},
		{"name eq 'a' and statecode eq 0", true},
		{"statecode eq 0 and (description eq 'x' and name eq 'a')", true},
		{"name eq 'a' or name eq 'b'", false},
		{"not (name eq 'a')", false},
		{"name ne 'a'", false},
		{"displayname eq 'a'", false},
		{"contains(name,'a')", false},
		{"name eq displayname", false},
		{"ownerid/fullname eq 'a'", false},
		{"Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=['a','b'])", false},
		{"Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=['a'])", true},
	} {
		f, err := odata.ParseFilter(c.filter, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.filter, err)
		}
		if got := connectorhub.AtMostOneRow(f); got != c.want {
			t.Errorf("%s: got %v, want %v", c.filter, got, c.want)
		}
	}
}
