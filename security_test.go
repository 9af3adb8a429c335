package connectorhub

import (
	"fmt"
	"testing"
)

func TestCanAccessByDepth(t *testing.T) {
	const (
		me, team, other = "u-me", "t-mine", "u-other"
		myBU, childBU   = "bu-mine", "bu-child"
		otherBU         = "bu-other"
	)
	principal := func(d Depth) *Principal {
		p := &Principal{UserID: me, BusinessUnitID: myBU, Security: &Security{TeamIDs: []string{team}, BusinessUnits: []string{myBU, childBU}}}
		p.Security.Privileges[PrivRead] = d
		return p
	}
	records := map[string]Record{
		"mine":          {OwnerID: me, OwningBusinessUnit: myBU},
		"myTeams":       {OwnerID: team, OwningBusinessUnit: myBU},
		"colleagues":    {OwnerID: other, OwningBusinessUnit: myBU},
		"childUnit":     {OwnerID: other, OwningBusinessUnit: childBU},
		"elsewhere":     {OwnerID: other, OwningBusinessUnit: otherBU},
		"sharedToMe":    {OwnerID: other, OwningBusinessUnit: otherBU, Shared: AccessRead},
		"sharedToWrite": {OwnerID: other, OwningBusinessUnit: otherBU, Shared: AccessWrite},
	}
	tests := []struct {
		depth Depth
		reads string // the records read, in this order: mine myTeams colleagues childUnit elsewhere sharedToMe sharedToWrite
	}{
		{DepthNone, "0000000"},
		{DepthUser, "1100010"},
		{DepthBusinessUnit, "1110010"},
		{DepthParentChild, "1111010"},
		{DepthOrganization, "1111111"},
	}
	order := []string{"mine", "myTeams", "colleagues", "childUnit", "elsewhere", "sharedToMe", "sharedToWrite"}
	for _, tt := range tests {
		t.Run(tt.depth.String(), func(t *testing.T) {
			p := principal(tt.depth)
			got := ""
			for _, name := range order {
				got += map[bool]string{true: "1", false: "0"}[p.CanAccess(PrivRead, records[name])]
			}
			if got != tt.reads {
				t.Errorf("got %s, want %s (%v)", got, tt.reads, order)
			}
			if err := p.Require(PrivRead, nil); (err == nil) != (tt.depth > DepthNone) {
				t.Errorf("Require on the table: %v", err)
			}
		})
	}
}

func TestReadScope(t *testing.T) {
	p := &Principal{UserID: "u", BusinessUnitID: "bu", Security: &Security{TeamIDs: []string{"t"}, BusinessUnits: []string{"bu", "child"}}}
	for _, tt := range []struct {
		depth Depth
		want  string
	}{
		{DepthNone, "{false [] [] []}"},
		{DepthUser, "{false [] [u t] [u t]}"},
		{DepthBusinessUnit, "{false [bu] [u t] [u t]}"},
		{DepthParentChild, "{false [bu child] [u t] [u t]}"},
		{DepthOrganization, "{true [] [] []}"},
	} {
		p.Security.Privileges[PrivRead] = tt.depth
		if got := fmt.Sprint(p.ReadScope()); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.depth, got, tt.want)
		}
	}
	if got := (*Principal)(nil).ReadScope(); got.All || len(got.Owners) > 0 {
		t.Errorf("no principal: got %+v, want nothing readable", got)
	}
}
