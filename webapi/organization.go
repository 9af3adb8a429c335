package webapi

import (
	"net/http"
	"strings"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/odata"
)

// DataverseVersion is the version RetrieveVersion and the organization record answer: the Web
// API version ConnectorHub speaks (Dataverse adds a build number).
const DataverseVersion = "9.2.0.0"

// organizationColumns are the organization's properties, in the order records are written.
var organizationColumns = []string{"organizationid", "name", "languagecode", "version"}

// routeOrganizations serves GET organizations (the one record) and GET organizations(<id>),
// which clients read after WhoAmI for the organization's name, with $select.
func (s *Server) routeOrganizations(w http.ResponseWriter, r *request, segs []segment) error {
	if r.Method != http.MethodGet {
		return methodNotAllowed(r, "GET")
	}
	if len(segs) > 1 {
		return resourceNotFound(segs[1].name)
	}
	cols := organizationColumns
	values, err := queryValues(r)
	if err != nil {
		return err
	}
	for name, vs := range values {
		switch {
		case name == "$select":
			items, err := odata.ParseSelect(vs[0])
			if err != nil {
				return asQueryError(err)
			}
			cols = nil
			for _, it := range items {
				if !contains(organizationColumns, it.Name) {
					return connectorhub.Errorf(connectorhub.ECodeBadRequest, "Could not find a property named '%s' on type 'Microsoft.Dynamics.CRM.organization'.", it.Name)
				}
				cols = append(cols, it.Name)
			}
		case strings.HasPrefix(name, "$"):
			return queryError("The query option '%s' is not supported on organizations; $select is.", name)
		}
	}
	org, err := s.Principals.Organization(r.Context())
	if err != nil {
		return err
	}
	set := segs[0]
	if set.hasKey {
		id, ok := connectorhub.ParseGUID(strings.TrimPrefix(set.key, "organizationid="))
		if !ok || id != org.ID {
			return connectorhub.Errorf(connectorhub.ECodeNotFound, "organization With Id = %s Does Not Exist", set.key)
		}
	}
	var b jsonBuffer
	b.raw(`{"@odata.context":`)
	ctx := r.base + "/$metadata#organizations"
	if values.Has("$select") {
		ctx += "(" + strings.Join(cols, ",") + ")"
	}
	if set.hasKey {
		b.str(ctx + "/$entity")
		b.raw(",")
		writeOrganization(&b, org, cols)
	} else {
		b.str(ctx)
		b.raw(`,"value":[{`)
		writeOrganization(&b, org, cols)
		b.raw("}]")
	}
	b.raw("}")
	writeJSON(w, http.StatusOK, b.bytes())
	return nil
}

// writeOrganization writes the organization's members, the key always.
func writeOrganization(b *jsonBuffer, org *connectorhub.Organization, cols []string) {
	values := map[string]any{"organizationid": org.ID, "name": org.Name, "languagecode": 1033, "version": DataverseVersion}
	b.raw(`"organizationid":`)
	b.str(org.ID)
	for _, c := range cols {
		if c == "organizationid" {
			continue
		}
		b.raw(",")
		b.str(c)
		b.raw(":")
		b.value(values[c])
	}
}

// retrieveVersion serves the RetrieveVersion function.
func (s *Server) retrieveVersion(w http.ResponseWriter, r *request) error {
	var b jsonBuffer
	b.raw(`{"@odata.context":`)
	b.str(r.base + "/$metadata#Microsoft.Dynamics.CRM.RetrieveVersionResponse")
	b.raw(`,"Version":`)
	b.str(DataverseVersion)
	b.raw("}")
	writeJSON(w, http.StatusOK, b.bytes())
	return nil
}
