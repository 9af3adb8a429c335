package webapi

import (
	"encoding/json"
	"net/http"
	"strings"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/jsontext"
)

// grantAccess serves the GrantAccess, ModifyAccess and RevokeAccess actions (POST, unbound):
//
//	{"Target": {"connectorid": "…", "@odata.type": "Microsoft.Dynamics.CRM.connector"},
//	 "PrincipalAccess": {"Principal": {"systemuserid": "…", "@odata.type": "Microsoft.Dynamics.CRM.systemuser"}, "AccessMask": "ReadAccess"}}
//
// RevokeAccess takes "Revokee" (the principal) instead of "PrincipalAccess".
func (s *Server) shareAction(w http.ResponseWriter, r *request, action string) error {
	// The three actions need Share on the record: a caller without it reads no body.
	if err := caller(r).Require(connectorhub.PrivShare, nil); err != nil {
		return err
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	target, err := actionTarget(body.Get("Target"))
	if err != nil {
		return err
	}
	ctx := r.Context()
	if action == "RevokeAccess" {
		principal, err := actionPrincipal(body.Get("Revokee"), "Revokee")
		if err != nil {
			return err
		}
		err = s.Sharing.RevokeAccess(ctx, target, principal)
		if err != nil {
			return err
		}
	} else {
		pa := body.Get("PrincipalAccess")
		if pa == nil || pa.Kind != jsontext.Object {
			return connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "%s needs a PrincipalAccess parameter with Principal and AccessMask.", action)
		}
		principal, err := actionPrincipal(pa.Get("Principal"), "PrincipalAccess.Principal")
		if err != nil {
			return err
		}
		m := pa.Get("AccessMask")
		if m == nil || m.Kind != jsontext.String {
			return connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "PrincipalAccess.AccessMask must be a string such as \"ReadAccess, WriteAccess\".")
		}
		mask, err := connectorhub.ParseAccessMask(m.Str)
		if err != nil {
			return err
		}
		if err := s.Sharing.GrantAccess(ctx, target, principal, mask, action == "ModifyAccess"); err != nil {
			return err
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// actionTarget reads the connector an action is about: {"connectorid": "…", "@odata.type": …}.
func actionTarget(v *jsontext.Value) (string, error) {
	if v != nil && v.Kind == jsontext.Object {
		if t := v.Get("@odata.type"); t != nil && strings.TrimPrefix(t.Str, "#") != "Microsoft.Dynamics.CRM.connector" {
			return "", connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "Target must be a connector, not %s.", t.Str)
		}
		if id := v.Get("connectorid"); id != nil && id.Kind == jsontext.String {
			if guid, ok := connectorhub.ParseGUID(id.Str); ok {
				return guid, nil
			}
		}
	}
	return "", connectorhub.Errorf(connectorhub.ECodeInvalidArgument, `Target must be {"connectorid": "<id>", "@odata.type": "Microsoft.Dynamics.CRM.connector"}.`)
}

// actionPrincipal reads {"systemuserid": "…"} or {"teamid": "…"}, with their @odata.type.
func actionPrincipal(v *jsontext.Value, name string) (connectorhub.OwnerRef, error) {
	if v != nil && v.Kind == jsontext.Object {
		for _, k := range []struct{ key, typ string }{{"systemuserid", connectorhub.OwnerSystemUser}, {"teamid", connectorhub.OwnerTeam}, {"ownerid", ""}} {
			id := v.Get(k.key)
			if id == nil || id.Kind != jsontext.String {
				continue
			}
			guid, ok := connectorhub.ParseGUID(id.Str)
			if !ok {
				break
			}
			typ := k.typ
			if t := v.Get("@odata.type"); t != nil {
				switch strings.TrimPrefix(t.Str, "#") {
				case "Microsoft.Dynamics.CRM.systemuser":
					typ = connectorhub.OwnerSystemUser
				case "Microsoft.Dynamics.CRM.team":
					typ = connectorhub.OwnerTeam
				}
			}
			if typ != "" {
				return connectorhub.OwnerRef{Type: typ, ID: guid}, nil
			}
		}
	}
	return connectorhub.OwnerRef{}, connectorhub.Errorf(connectorhub.ECodeInvalidArgument, `%s must be {"systemuserid": "<id>", "@odata.type": "Microsoft.Dynamics.CRM.systemuser"} or {"teamid": "<id>", "@odata.type": "Microsoft.Dynamics.CRM.team"}.`, name)
}

// functionTarget reads the Target parameter of a function call segment such as
// RetrievePrincipalAccess(Target=@tid) with @tid={'@odata.id':'connectors(<id>)'}.
func functionTarget(r *request, params string) (string, error) {
	var raw string
	for _, p := range strings.Split(params, ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.TrimSpace(k) == "Target" {
			raw = strings.TrimSpace(v)
		}
	}
	if strings.HasPrefix(raw, "@") {
		raw = r.URL.Query().Get(raw)
	}
	// The value is JSON written with single quotes: {'@odata.id':'connectors(…)'}.
	var ref map[string]string
	if err := json.Unmarshal([]byte(strings.ReplaceAll(raw, "'", `"`)), &ref); err == nil {
		id := ref["@odata.id"]
		if i := strings.Index(id, "/api/data/"); i >= 0 {
			if _, rest, ok := cutAPIPrefix(id[i:]); ok {
				id = rest
			}
		}
		if segs := splitPath(strings.TrimPrefix(id, "/")); len(segs) == 1 && segs[0].name == connectorhub.ConnectorEntitySetName && segs[0].hasKey {
			if guid, ok := connectorhub.ParseGUID(segs[0].key); ok {
				return guid, nil
			}
		}
	}
	return "", connectorhub.Errorf(connectorhub.ECodeQuery, "The function needs Target=@tid with @tid={'@odata.id':'connectors(<id>)'}.")
}

// retrievePrincipalAccess serves GET systemusers(id)/Microsoft.Dynamics.CRM.RetrievePrincipalAccess(Target=@tid)
// and the same on teams(id).
func (s *Server) retrievePrincipalAccess(w http.ResponseWriter, r *request, principal connectorhub.OwnerRef, params string) error {
	target, err := functionTarget(r, params)
	if err != nil {
		return err
	}
	mask, err := s.Sharing.RetrievePrincipalAccess(r.Context(), target, principal)
	if err != nil {
		return err
	}
	var b jsonBuffer
	b.raw(`{"@odata.context":`)
	b.str(r.base + "/$metadata#Microsoft.Dynamics.CRM.RetrievePrincipalAccessResponse")
	b.raw(`,"AccessRights":`)
	b.str(mask.String())
	b.raw("}")
	writeJSON(w, http.StatusOK, b.bytes())
	return nil
}

// retrieveSharedPrincipalsAndAccess serves GET RetrieveSharedPrincipalsAndAccess(Target=@tid).
func (s *Server) retrieveSharedPrincipalsAndAccess(w http.ResponseWriter, r *request, params string) error {
	target, err := functionTarget(r, params)
	if err != nil {
		return err
	}
	shares, err := s.Sharing.RetrieveSharedPrincipalsAndAccess(r.Context(), target)
	if err != nil {
		return err
	}
	var b jsonBuffer
	b.raw(`{"@odata.context":`)
	b.str(r.base + "/$metadata#Microsoft.Dynamics.CRM.RetrieveSharedPrincipalsAndAccessResponse")
	b.raw(`,"PrincipalAccesses":[`)
	for i, pa := range shares {
		if i > 0 {
			b.raw(",")
		}
		b.raw(`{"AccessMask":`)
		b.str(pa.Mask.String())
		b.raw(`,"Principal":{"@odata.type":`)
		b.str("#Microsoft.Dynamics.CRM." + pa.Principal.Type)
		b.raw(`,"ownerid":`)
		b.str(pa.Principal.ID)
		b.raw("}}")
	}
	b.raw("]}")
	writeJSON(w, http.StatusOK, b.bytes())
	return nil
}
