package webapi

import (
	"strconv"
	"strings"
	"unicode/utf8"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/jsontext"
)

// readBody reads a JSON request body into its top-level object. Room for a large body is
// reserved from the server's budget before it is read, and its shape is checked against the
// parse budget before a tree is built. It tolerates trailing commas, as Dataverse does, and
// refuses malformed JSON with Dataverse's payload error.
func readBody(r *request) (*jsontext.Value, error) {
	if err := r.reserveBody(); err != nil {
		return nil, err
	}
	data, err := readAll(r)
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(data) {
		return nil, payloadError("the body is not valid UTF-8")
	}
	if err := checkBudget(data); err != nil {
		return nil, err
	}
	r.body = jsontext.StripTrailingCommas(data)
	obj, err := jsontext.Parse(r.body)
	if err != nil {
		return nil, payloadError("Invalid JSON: " + err.Error())
	}
	if obj.Kind != jsontext.Object {
		return nil, payloadError("the body must be a JSON object")
	}
	return obj, nil
}

func payloadError(detail string) error {
	return connectorhub.Errorf(connectorhub.ECodePayload, "Error identified in Payload provided by the user for Entity :'connectors' ----> InnerException : %s", detail)
}

// decodeConnector turns a create (create=true) or update body into a ConnectorUpdate,
// checking each property's name and JSON type against the connector's columns.
func decodeConnector(r *request, body *jsontext.Value, create bool) (*connectorhub.ConnectorUpdate, error) {
	u := &connectorhub.ConnectorUpdate{}
	for _, m := range body.Members {
		if err := decodeProperty(r, u, m.Key, m.Value, create); err != nil {
			return nil, err
		}
	}
	return u, nil
}

func decodeProperty(r *request, u *connectorhub.ConnectorUpdate, name string, v *jsontext.Value, create bool) error {
	if prop, annotation, ok := strings.Cut(name, "@"); ok {
		return decodeAnnotation(r, u, prop, annotation, v)
	}
	if name == "iconblob" {
		return connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "The connector icon (iconblob) cannot be set through the Web API. Set the icon in the maker portal after the connector is created.")
	}
	col := connectorhub.ColumnByName(name)
	if col == nil {
		if isNavigationProperty(name) {
			return connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "The '%s' navigation property cannot be set directly; use \"%s@odata.bind\": \"systemusers(<id>)\".", name, name)
		}
		return connectorhub.Errorf(connectorhub.ECodeBadRequest, "An error occurred while validating input parameters: Microsoft.Crm.CrmException: Invalid property '%s' was found in entity 'Microsoft.Dynamics.CRM.connector'. ---> Microsoft.OData.ODataException: Does not support untyped value in non-open type.", name)
	}
	if create && !col.ValidForCreate || !create && !col.ValidForCreate && !col.ValidForUpdate {
		return connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "The '%s' property of a connector cannot be set %s.", name, map[bool]string{true: "when it is created", false: "through the Web API"}[create])
	}
	switch field := col.Field(u).(type) {
	case **string:
		switch v.Kind {
		case jsontext.String:
			s := v.Str
			*field = &s
		case jsontext.Null:
			empty := ""
			*field = &empty
		default:
			return typeError(name, "Edm.String")
		}
	case **int:
		if v.Kind != jsontext.Number {
			return typeError(name, "Edm.Int32")
		}
		n, err := strconv.ParseInt(string(jsonNumber(r, v)), 10, 32)
		if err != nil {
			return typeError(name, "Edm.Int32")
		}
		i := int(n)
		*field = &i
	}
	return nil
}

// jsonNumber returns the text of a number value; the body's bytes are kept by reference.
func jsonNumber(r *request, v *jsontext.Value) []byte { return r.body[v.Start:v.End] }

func typeError(name, edmType string) error {
	return connectorhub.Errorf(connectorhub.ECodePayload, "Error identified in Payload provided by the user for Entity :'connectors' ----> InnerException : Cannot convert the value of the '%s' property to the expected type '%s'.", name, edmType)
}

// decodeAnnotation handles "prop@annotation" members: @odata.bind sets the owner; instance
// annotations such as @odata.type, @odata.etag or FormattedValue, which clients send back with
// records they read, are ignored.
func decodeAnnotation(r *request, u *connectorhub.ConnectorUpdate, prop, annotation string, v *jsontext.Value) error {
	if annotation == "odata.type" && prop == "" {
		if v.Kind != jsontext.String || strings.TrimPrefix(v.Str, "#") != "Microsoft.Dynamics.CRM.connector" {
			return payloadError("the @odata.type of a connector must be Microsoft.Dynamics.CRM.connector")
		}
		return nil
	}
	if annotation != "odata.bind" {
		return nil
	}
	if !isNavigationProperty(prop) {
		return payloadError("An undeclared property '" + prop + "' which only has property annotations in the payload but no property value was found in the payload. In OData, only declared navigation properties and declared named streams can be represented as properties without values.")
	}
	if prop != "ownerid" {
		return connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "The '%s' navigation property of a connector is set by the service; only ownerid can be bound.", prop)
	}
	if v.Kind != jsontext.String {
		return connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "A connector must have an owner: ownerid@odata.bind takes \"systemusers(<id>)\" or \"teams(<id>)\".")
	}
	owner, err := parseOwnerBind(r, v.Str)
	if err != nil {
		return err
	}
	u.Owner = owner
	return nil
}

// parseOwnerBind reads "systemusers(<id>)" or "teams(<id>)", with or without a leading slash,
// or as an absolute URL of this service.
func parseOwnerBind(r *request, ref string) (*connectorhub.OwnerRef, error) {
	s := ref
	if i := strings.Index(s, "/api/data/"); i >= 0 && (strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")) {
		if _, rest, ok := cutAPIPrefix(s[i:]); ok {
			s = rest
		}
	}
	s = strings.TrimPrefix(s, "/")
	segs := splitPath(s)
	if len(segs) == 1 && segs[0].hasKey {
		if id, ok := connectorhub.ParseGUID(segs[0].key); ok {
			switch segs[0].name {
			case "systemusers":
				return &connectorhub.OwnerRef{Type: connectorhub.OwnerSystemUser, ID: id}, nil
			case "teams":
				return &connectorhub.OwnerRef{Type: connectorhub.OwnerTeam, ID: id}, nil
			}
		}
	}
	return nil, connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "'%s' is not a valid value for ownerid@odata.bind: use systemusers(<id>) or teams(<id>).", ref)
}

// navigationProperties are the connector's single-valued navigation properties (spec §1.4).
var navigationProperties = map[string]bool{
	"ownerid": true, "owninguser": true, "owningteam": true, "owningbusinessunit": true,
	"createdby": true, "modifiedby": true, "createdonbehalfby": true, "modifiedonbehalfby": true,
}

func isNavigationProperty(name string) bool { return navigationProperties[name] }
