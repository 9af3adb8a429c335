package client_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/connectorhub/connectorhub/client"
)

// TestConnectorTableRealServer reads the connector table's metadata from the real server, with
// the $select pac's lookup sends.
func TestConnectorTableRealServer(t *testing.T) {
	s := MustOpenServer(t)
	c := MustNew(t, s.URL)
	def, err := c.ConnectorTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := client.EntityDefinition{MetadataID: def.MetadataID, LogicalName: "connector", EntitySetName: "connectors",
		PrimaryIDAttribute: "connectorid", PrimaryNameAttribute: "name"}
	if *def != want || def.MetadataID == "" {
		t.Errorf("ConnectorTable = %+v, want %+v with a MetadataId", *def, want)
	}
}

// TestConnectorTableRequests checks the request, that the answer is kept (one request for
// many concurrent calls), that an error is not kept, and that a 404 is an *Error 404.
func TestConnectorTableRequests(t *testing.T) {
	ctx := context.Background()
	const uri = "/api/data/v9.2/EntityDefinitions(LogicalName='connector')?$select=LogicalName,EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute"
	ok := reply{Status: 200, Body: `{"@odata.context":"$URL/api/data/v9.2/$metadata#EntityDefinitions(LogicalName,EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute)/$entity",` +
		`"LogicalName":"connector","EntitySetName":"connectors","PrimaryIdAttribute":"connectorid","PrimaryNameAttribute":"name","MetadataId":"6bd6e2b3-4f2a-4e3b-9d1a-3c8f6f0d2a11"}`}
	notFound := reply{Status: 404, Body: `{"error":{"code":"0x80040217","message":"Could not find entity with name connector."}}`}
	for _, tt := range []struct {
		name     string
		replies  []reply
		calls    int
		requests int
		status   int // of every call; 0: success
	}{
		{"kept", []reply{ok}, 8, 1, 0},
		{"404 not kept", []reply{notFound}, 2, 2, 404},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := MustRecord(t, tt.replies...)
			c := MustNew(t, rec.srv.URL)
			var wg sync.WaitGroup
			errs := make([]error, tt.calls)
			defs := make([]*client.EntityDefinition, tt.calls)
			for i := range tt.calls {
				wg.Go(func() { defs[i], errs[i] = c.ConnectorTable(ctx) })
			}
			wg.Wait()
			for i, err := range errs {
				var apiErr *client.Error
				switch {
				case tt.status == 0 && err != nil:
					t.Errorf("call %d: %v", i, err)
				case tt.status == 0 && (defs[i].EntitySetName != "connectors" || defs[i].PrimaryIDAttribute != "connectorid"):
					t.Errorf("call %d: %+v", i, defs[i])
				case tt.status != 0 && (!errors.As(err, &apiErr) || apiErr.Status != tt.status):
					t.Errorf("call %d: got %v, want an *Error %d", i, err, tt.status)
				}
			}
			wants := make([]want, tt.requests)
			for i := range wants {
				wants[i] = want{Method: "GET", URI: uri}
			}
			checkRequests(t, rec.Requests(), wants)
		})
	}
}
