package webapi

import (
	"net/http"

	connectorhub "github.com/connectorhub/connectorhub"
)

// lookupByNavigation returns the connector's lookup column whose navigation property is nav
// (createdby, ownerid, owningbusinessunit…), or nil.
func lookupByNavigation(nav string) *connectorhub.Column {
	for i := range connectorhub.Columns {
		if c := &connectorhub.Columns[i]; c.Kind == connectorhub.KindLookup && c.NavigationProperty == nav {
			return c
		}
	}
	return nil
}

// getConnectorNavigation serves GET connectors(id)/<nav> (the related record, with $select)
// and GET connectors(id)/<nav>/$ref (its URL): the single-valued navigation properties that
// $metadata declares. A lookup with no record (owningteam of a user-owned connector) is 204.
func (s *Server) getConnectorNavigation(w http.ResponseWriter, r *request, id string, col *connectorhub.Column, ref bool) error {
	if r.Method != http.MethodGet {
		return methodNotAllowed(r, "GET")
	}
	// FindConnectorByID answers 404 and checks the caller's read privilege on the record.
	c, err := s.Connectors.FindConnectorByID(r.Context(), id)
	if err != nil {
		return err
	}
	target, _ := col.Value(c).(string)
	if target == "" {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	t := connectorhub.SystemUserTable
	switch {
	case col.NavigationProperty == "owningteam" || col.NavigationProperty == "ownerid" && c.OwnerType == connectorhub.OwnerTeam:
		t = connectorhub.TeamTable
	case col.NavigationProperty == "owningbusinessunit":
		t = connectorhub.BusinessUnitTable
	}
	if ref {
		var b jsonBuffer
		b.raw(`{"@odata.context":`)
		b.str(r.base + "/$metadata#$ref")
		b.raw(`,"@odata.id":`)
		b.str(r.base + "/" + t.EntitySetName + "(" + target + ")")
		b.raw("}")
		writeJSON(w, http.StatusOK, b.bytes())
		return nil
	}
	return s.getIdentity(w, r, t, target)
}
