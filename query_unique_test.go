package connectorhub_test

import (
	"testing"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/odata"
)

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
