package connectorhub

import (
	"fmt"
	"testing"

	"github.com/connectorhub/connectorhub/odata"
)

func TestSortValue(t *testing.T) {
	rec := &Row{Values: map[string]any{"createdon": "2024-03-13T15:30:00Z", "fullname": "Ada", "isdisabled": false, "_businessunitid_value": nil}}
	for prop, want := range map[string]string{"createdon": "2024-03-13 15:30:00 +0000 UTC", "fullname": "Ada", "isdisabled": "false", "_businessunitid_value": "<nil>"} {
		v, err := SystemUserTable.SortValue(&odata.PropertyPath{Segments: []string{prop}}, rec)
		if err != nil || fmt.Sprint(v) != want {
			t.Errorf("%s: got %v, %v; want %s", prop, v, err, want)
		}
	}
	c := &Connector{ID: "00000000-0000-0000-0000-00000000000a", ConnectorType: 1, Name: "n"}
	for prop, want := range map[string]string{"connectorid": "00000000-0000-0000-0000-00000000000a", "connectortype": "1", "name": "n", "description": "<nil>"} {
		v, err := SortValue(&odata.PropertyPath{Segments: []string{prop}}, c)
		if err != nil || fmt.Sprint(v) != want {
			t.Errorf("%s: got %v (%T), %v; want %s", prop, v, v, err, want)
		}
	}
	if _, err := SortValue(&odata.PropertyPath{Segments: []string{"colour"}}, c); err == nil {
		t.Error("a sort value of an unknown column")
	}
}
