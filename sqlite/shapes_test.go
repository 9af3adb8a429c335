package sqlite

import (
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/storetest"
)

// TestUpdateShapesBounded: updates write only the columns that changed, so each set of
// columns is a statement text of its own. A writer who changes ever new sets must not fill
// the write pool's statement cache (filled once), which every other statement shares.
func TestUpdateShapesBounded(t *testing.T) {
	db, _, ctx := textIndexDB(t)
	c := storetest.MustConnector(t, 1)
	if err := db.CreateConnector(ctx, c); err != nil {
		t.Fatal(err)
	}
	settled := func() int {
		time.Sleep(300 * time.Millisecond) // statements are prepared in the background
		return db.PreparedWrites()
	}
	before := settled()
	// Every non-empty subset of six columns, each to a new value: 63 texts.
	for set := 1; set < 1<<6; set++ {
		v := fmt.Sprint(set)
		u := &connectorhub.ConnectorUpdate{}
		for bit, apply := range []func(){
			func() { u.DisplayName = &v },
			func() { u.Description = &v },
			func() { color := fmt.Sprintf("#%06x", set); u.IconBrandColor = &color },
			func() { params := `{"p` + v + `":{"type":"string"}}`; u.ConnectionParameters = &params },
			func() { ops := `["op` + v + `"]`; u.ScriptOperations = &ops },
			func() {
				code := base64.StdEncoding.EncodeToString([]byte("class C" + v + " {}"))
				u.CustomCodeBlobContent = &code
			},
		} {
			if set&(1<<bit) != 0 {
				apply()
			}
		}
		if _, _, err := db.UpsertConnector(ctx, c.ID, u, connectorhub.Precondition{MustExist: true}, connectorhub.ReturnBrief); err != nil {
			t.Fatalf("set %06b: %v", set, err)
		}
	}
	// 32 texts of UPDATE, and the few fixed statements of an update not seen before it.
	if grown := settled() - before; grown > 36 {
		t.Errorf("63 sets of changed columns left %d more statements prepared, want at most 36", grown)
	}
	got, err := db.FindConnectorByID(ctx, c.ID)
	if err != nil || got.DisplayName != "63" || got.Description != "63" || got.IconBrandColor != "#00003f" {
		t.Fatalf("after the updates: %v, %+v", err, got)
	}
}
