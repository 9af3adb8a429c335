package webapi

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"strings"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/odata"
)

// entityDef describes a table for $metadata and EntityDefinitions.
type entityDef struct {
	LogicalName   string
	EntitySetName string
	PrimaryID     string
	PrimaryName   string
	DisplayName   string
	ObjectType    int // ObjectTypeCode
	Ownership     string
	BaseType      string
	Properties    []edmProperty
	Navigation    []edmNavigation
	Served        bool // the Web API serves its entity set (listed in the service document)
}

type edmProperty struct {
	Name, Type string
	MaxLength  int
}

// edmNavigation is a navigation property: single-valued with a referential constraint, or
// collection-valued (Type "Collection(…)") without one.
type edmNavigation struct {
	Name, Type, Constraint, Referenced string
}

// entities are the tables ConnectorHub describes and serves: the connector and the identity
// tables it refers to.
var entities = append([]entityDef{connectorEntity()}, identityEntities()...)

// identityEntities describes systemuser, team, businessunit and role from their columns, with
// their lookups and the collection-valued navigation properties of their relationships.
func identityEntities() []entityDef {
	display := map[string]string{"systemuser": "User", "team": "Team", "businessunit": "Business Unit", "role": "Security Role"}
	var out []entityDef
	for _, t := range connectorhub.IdentityTables {
		e := entityDef{LogicalName: t.LogicalName, EntitySetName: t.EntitySetName, PrimaryID: t.PrimaryID, PrimaryName: t.PrimaryName,
			DisplayName: display[t.LogicalName], ObjectType: t.ObjectType, Ownership: "BusinessOwned", BaseType: "mscrm.crmbaseentity", Served: true}
		if t == connectorhub.SystemUserTable || t == connectorhub.TeamTable {
			e.BaseType = "mscrm.principal"
		}
		for _, col := range t.Columns {
			// ownerid is inherited from principal, which declares it.
			if col.Name == "ownerid" {
				continue
			}
			e.Properties = append(e.Properties, edmProperty{col.Name, col.Kind.EdmType(), col.MaxLength})
			if col.Kind == connectorhub.KindLookup {
				e.Navigation = append(e.Navigation, edmNavigation{col.NavigationProperty, "mscrm." + col.Target, col.Name, col.Target + "id"})
			}
		}
		for _, rel := range connectorhub.Relationships {
			if rel.Tables[0] == t || rel.Tables[1] == t {
				e.Navigation = append(e.Navigation, edmNavigation{Name: rel.Name, Type: "Collection(mscrm." + rel.Other(t).LogicalName + ")"})
			}
		}
		out = append(out, e)
	}
	return out
}

func connectorEntity() entityDef {
	e := entityDef{LogicalName: connectorhub.ConnectorLogicalName, EntitySetName: connectorhub.ConnectorEntitySetName,
		PrimaryID: connectorhub.ConnectorPrimaryID, PrimaryName: connectorhub.ConnectorPrimaryName,
		DisplayName: "Connector", ObjectType: 10114, Ownership: "UserOwned", BaseType: "mscrm.crmbaseentity", Served: true}
	for _, col := range connectorhub.Columns {
		e.Properties = append(e.Properties, edmProperty{col.Name, col.Kind.EdmType(), col.MaxLength})
		if col.Kind != connectorhub.KindLookup {
			continue
		}
		target, key := "mscrm.principal", "ownerid"
		if len(col.Targets) == 1 {
			target, key = "mscrm."+col.Targets[0], col.Targets[0]+"id"
		}
		e.Navigation = append(e.Navigation, edmNavigation{col.NavigationProperty, target, col.Name, key})
	}
	return e
}

// metadataID is a stable MetadataId for a table, the same in every installation.
func metadataID(logicalName string) string {
	h := sha256.Sum256([]byte("connectorhub entity " + logicalName))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// serviceDocument serves GET /api/data/v9.x/: the entity sets.
func (s *Server) serviceDocument(w http.ResponseWriter, r *request) error {
	var b jsonBuffer
	b.raw(`{"@odata.context":`)
	b.str(r.base + "/$metadata")
	b.raw(`,"value":[`)
	for _, e := range entities {
		if !e.Served {
			continue
		}
		b.raw(`{"name":`)
		b.str(e.EntitySetName)
		b.raw(`,"kind":"EntitySet","url":`)
		b.str(e.EntitySetName)
		b.raw("},")
	}
	b.raw(`{"name":"EntityDefinitions","kind":"EntitySet","url":"EntityDefinitions"}`)
	b.raw(`,{"name":"WhoAmI","kind":"FunctionImport","url":"WhoAmI"}]}`)
	writeJSON(w, http.StatusOK, b.bytes())
	return nil
}

// metadata serves GET $metadata: the CSDL document (spec §6.3).
func (s *Server) metadata(w http.ResponseWriter, r *request) error {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(csdl))
	return nil
}

// csdl is built once: the model does not change while the server runs.
var csdl = buildCSDL()

func buildCSDL() string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
<edmx:DataServices>
<Schema Namespace="Microsoft.Dynamics.CRM" Alias="mscrm" xmlns="http://docs.oasis-open.org/odata/ns/edm">
<EntityType Name="crmbaseentity" Abstract="true"/>
<EntityType Name="principal" BaseType="mscrm.crmbaseentity" Abstract="true"><Key><PropertyRef Name="ownerid"/></Key><Property Name="ownerid" Type="Edm.Guid"/></EntityType>
`)
	for _, e := range entities {
		fmt.Fprintf(&b, `<EntityType Name="%s" BaseType="%s"><Key><PropertyRef Name="%s"/></Key>`, e.LogicalName, e.BaseType, e.PrimaryID)
		for _, p := range e.Properties {
			fmt.Fprintf(&b, `<Property Name="%s" Type="%s"`, p.Name, p.Type)
			if p.MaxLength > 0 {
				fmt.Fprintf(&b, ` MaxLength="%d"`, p.MaxLength)
			}
			b.WriteString("/>")
		}
		for _, n := range e.Navigation {
			if n.Constraint == "" {
				fmt.Fprintf(&b, `<NavigationProperty Name="%s" Type="%s"/>`, n.Name, n.Type)
				continue
			}
			fmt.Fprintf(&b, `<NavigationProperty Name="%s" Type="%s"><ReferentialConstraint Property="%s" ReferencedProperty="%s"/></NavigationProperty>`,
				n.Name, n.Type, n.Constraint, n.Referenced)
		}
		b.WriteString("</EntityType>\n")
	}
	b.WriteString(`<ComplexType Name="WhoAmIResponse"><Property Name="BusinessUnitId" Type="Edm.Guid" Nullable="false"/><Property Name="UserId" Type="Edm.Guid" Nullable="false"/><Property Name="OrganizationId" Type="Edm.Guid" Nullable="false"/></ComplexType>
<Function Name="WhoAmI"><ReturnType Type="mscrm.WhoAmIResponse" Nullable="false"/></Function>
` + operationsCSDL + `<EntityContainer Name="System">
`)
	for _, e := range entities {
		fmt.Fprintf(&b, `<EntitySet Name="%s" EntityType="mscrm.%s">`, e.EntitySetName, e.LogicalName)
		for _, n := range e.Navigation {
			target := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(n.Type, "Collection("), "mscrm."), ")")
			if target != "principal" {
				fmt.Fprintf(&b, `<NavigationPropertyBinding Path="%s" Target="%s"/>`, n.Name, setOf(target))
			}
		}
		b.WriteString("</EntitySet>\n")
	}
	b.WriteString(`<FunctionImport Name="WhoAmI" Function="mscrm.WhoAmI"/>
<ActionImport Name="GrantAccess" Action="mscrm.GrantAccess"/>
<ActionImport Name="ModifyAccess" Action="mscrm.ModifyAccess"/>
<ActionImport Name="RevokeAccess" Action="mscrm.RevokeAccess"/>
<FunctionImport Name="RetrieveSharedPrincipalsAndAccess" Function="mscrm.RetrieveSharedPrincipalsAndAccess"/>
</EntityContainer>
</Schema>
</edmx:DataServices>
</edmx:Edmx>
`)
	return b.String()
}

func setOf(logicalName string) string {
	for _, e := range entities {
		if e.LogicalName == logicalName {
			return e.EntitySetName
		}
	}
	return logicalName + "s"
}

// whoAmI serves GET WhoAmI (spec §6.1).
func (s *Server) whoAmI(w http.ResponseWriter, r *request) error {
	p := connectorhub.PrincipalFromContext(r.Context())
	org, err := s.Principals.Organization(r.Context())
	if err != nil {
		return err
	}
	var b jsonBuffer
	b.raw(`{"@odata.context":`)
	b.str(r.base + "/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse")
	b.raw(`,"BusinessUnitId":`)
	b.str(p.BusinessUnitID)
	b.raw(`,"UserId":`)
	b.str(p.UserID)
	b.raw(`,"OrganizationId":`)
	b.str(org.ID)
	b.raw("}")
	writeJSON(w, http.StatusOK, b.bytes())
	return nil
}

// entityDefinitionAttrs are the EntityDefinitions properties served, in order.
var entityDefinitionAttrs = []string{"MetadataId", "LogicalName", "SchemaName", "EntitySetName", "LogicalCollectionName",
	"PrimaryIdAttribute", "PrimaryNameAttribute", "ObjectTypeCode", "OwnershipType", "IsCustomEntity"}

func (e *entityDef) attr(name string) any {
	switch name {
	case "MetadataId":
		return metadataID(e.LogicalName)
	case "LogicalName", "SchemaName":
		return e.LogicalName
	case "EntitySetName", "LogicalCollectionName":
		return e.EntitySetName
	case "PrimaryIdAttribute":
		return e.PrimaryID
	case "PrimaryNameAttribute":
		return e.PrimaryName
	case "ObjectTypeCode":
		return e.ObjectType
	case "OwnershipType":
		return e.Ownership
	case "IsCustomEntity":
		return false
	}
	return nil
}

// entityDefinitions serves GET EntityDefinitions, with $select and a $filter on its string
// properties, and EntityDefinitions(LogicalName='x') or EntityDefinitions(<MetadataId>).
func (s *Server) entityDefinitions(w http.ResponseWriter, r *request, seg segment) error {
	values := r.URL.Query()
	// What is not answered is refused, never ignored: an ignored $expand=Attributes would
	// answer a table without the attributes the client asked for.
	for name := range values {
		if strings.HasPrefix(name, "$") && name != "$select" && name != "$filter" || strings.EqualFold(name, "fetchXml") {
			return queryError("The query option '%s' is not supported on EntityDefinitions yet; $select and $filter are.", name)
		}
	}
	sel := entityDefinitionAttrs
	if v := values.Get("$select"); v != "" {
		items, err := odata.ParseSelect(v)
		if err != nil {
			return asQueryError(err)
		}
		sel = nil
		for _, it := range items {
			if (&entityDef{}).attr(it.Name) == nil && it.Name != "MetadataId" {
				return connectorhub.Errorf(connectorhub.ECodeBadRequest, "Could not find a property named '%s' on type 'Microsoft.Dynamics.CRM.EntityMetadata'.", it.Name)
			}
			sel = append(sel, it.Name)
		}
	}
	var filter odata.Expr
	if v := values.Get("$filter"); v != "" {
		var err error
		if filter, err = odata.ParseFilter(v, nil); err != nil {
			return asQueryError(err)
		}
	}
	context := r.base + "/$metadata#EntityDefinitions"
	if values.Has("$select") {
		context += "(" + strings.Join(sel, ",") + ")"
	}
	var matched []*entityDef
	for i := range entities {
		e := &entities[i]
		ok, err := matchEntity(e, seg, filter)
		if err != nil {
			return err
		}
		if ok {
			matched = append(matched, e)
		}
	}
	var b jsonBuffer
	b.raw(`{"@odata.context":`)
	if seg.hasKey {
		if len(matched) == 0 {
			return connectorhub.Errorf(connectorhub.ECodeNotFound, "Could not find an entity with key %s.", seg.key)
		}
		b.str(context + "/$entity")
		writeEntityDef(&b, matched[0], sel)
		b.raw("}")
	} else {
		b.str(context)
		b.raw(`,"value":[`)
		for i, e := range matched {
			if i > 0 {
				b.raw(",")
			}
			b.raw("{")
			b.raw(`"@odata.type":"#Microsoft.Dynamics.CRM.EntityMetadata"`)
			writeEntityDef(&b, e, sel)
			b.raw("}")
		}
		b.raw("]}")
	}
	writeJSON(w, http.StatusOK, b.bytes())
	return nil
}

func writeEntityDef(b *jsonBuffer, e *entityDef, sel []string) {
	wroteID := false
	for _, name := range sel {
		wroteID = wroteID || name == "MetadataId"
		b.raw(",")
		b.str(name)
		b.raw(":")
		b.value(e.attr(name))
	}
	if !wroteID {
		b.raw(`,"MetadataId":`)
		b.str(metadataID(e.LogicalName))
	}
}

// matchEntity applies the key of EntityDefinitions(…) and the $filter to one table.
func matchEntity(e *entityDef, seg segment, filter odata.Expr) (bool, error) {
	if seg.hasKey {
		key := seg.key
		if name, ok := strings.CutPrefix(key, "LogicalName="); ok {
			if strings.Trim(name, "'") != e.LogicalName {
				return false, nil
			}
		} else if id, ok := connectorhub.ParseGUID(key); !ok || id != metadataID(e.LogicalName) {
			return false, nil
		}
	}
	if filter == nil {
		return true, nil
	}
	return evalEntityFilter(e, filter)
}

// evalEntityFilter evaluates a filter on the string properties of a table's metadata: the few
// tables need no SQL. Comparisons are case-insensitive, as Dataverse's.
func evalEntityFilter(e *entityDef, f odata.Expr) (bool, error) {
	switch f := f.(type) {
	case *odata.LogicalExpr:
		l, err := evalEntityFilter(e, f.Left)
		if err != nil {
			return false, err
		}
		r, err := evalEntityFilter(e, f.Right)
		if err != nil {
			return false, err
		}
		if f.Op == odata.And {
			return l && r, nil
		}
		return l || r, nil
	case *odata.NotExpr:
		v, err := evalEntityFilter(e, f.X)
		return !v, err
	case *odata.CompareExpr:
		prop, lit := f.Left, f.Right
		if _, ok := prop.(*odata.PropertyPath); !ok {
			prop, lit = lit, prop
		}
		name, value, err := entityOperands(e, prop, lit)
		if err != nil {
			return false, err
		}
		switch f.Op {
		case odata.Eq:
			return strings.EqualFold(fmt.Sprint(e.attr(name)), value), nil
		case odata.Ne:
			return !strings.EqualFold(fmt.Sprint(e.attr(name)), value), nil
		}
	case *odata.StringCall:
		name, value, err := entityOperands(e, f.Property, f.Value)
		if err != nil {
			return false, err
		}
		have, want := strings.ToLower(fmt.Sprint(e.attr(name))), strings.ToLower(value)
		switch f.Func {
		case "contains":
			return strings.Contains(have, want), nil
		case "startswith":
			return strings.HasPrefix(have, want), nil
		case "endswith":
			return strings.HasSuffix(have, want), nil
		}
	}
	return false, connectorhub.Errorf(connectorhub.ECodeQuery, "EntityDefinitions supports only eq, ne, contains, startswith, endswith, and, or and not in $filter.")
}

func entityOperands(e *entityDef, prop, lit odata.Expr) (string, string, error) {
	p, ok := prop.(*odata.PropertyPath)
	l, ok2 := lit.(*odata.Literal)
	if !ok || !ok2 || len(p.Segments) != 1 {
		return "", "", connectorhub.Errorf(connectorhub.ECodeQuery, "EntityDefinitions filters compare a property with a literal.")
	}
	if e.attr(p.Segments[0]) == nil {
		return "", "", connectorhub.Errorf(connectorhub.ECodeBadRequest, "Could not find a property named '%s' on type 'Microsoft.Dynamics.CRM.EntityMetadata'.", p.Segments[0])
	}
	return p.Segments[0], fmt.Sprint(l.Value), nil
}

// operationsCSDL declares the actions and functions served besides WhoAmI, with the types
// Dataverse gives them, so that clients generated from $metadata can call them.
const operationsCSDL = `<EnumType Name="AccessRights" IsFlags="true"><Member Name="None" Value="0"/><Member Name="ReadAccess" Value="1"/><Member Name="WriteAccess" Value="2"/><Member Name="AppendAccess" Value="4"/><Member Name="AppendToAccess" Value="16"/><Member Name="CreateAccess" Value="32"/><Member Name="DeleteAccess" Value="65536"/><Member Name="ShareAccess" Value="262144"/><Member Name="AssignAccess" Value="524288"/></EnumType>
<EnumType Name="PrivilegeDepth"><Member Name="Basic" Value="0"/><Member Name="Local" Value="1"/><Member Name="Deep" Value="2"/><Member Name="Global" Value="3"/></EnumType>
<ComplexType Name="PrincipalAccess"><Property Name="AccessMask" Type="mscrm.AccessRights" Nullable="false"/><Property Name="Principal" Type="mscrm.principal"/></ComplexType>
<ComplexType Name="RetrievePrincipalAccessResponse"><Property Name="AccessRights" Type="mscrm.AccessRights" Nullable="false"/></ComplexType>
<ComplexType Name="RetrieveSharedPrincipalsAndAccessResponse"><Property Name="PrincipalAccesses" Type="Collection(mscrm.PrincipalAccess)"/></ComplexType>
<ComplexType Name="RolePrivilege"><Property Name="Depth" Type="mscrm.PrivilegeDepth" Nullable="false"/><Property Name="PrivilegeId" Type="Edm.Guid" Nullable="false"/><Property Name="BusinessUnitId" Type="Edm.Guid" Nullable="false"/><Property Name="PrivilegeName" Type="Edm.String"/></ComplexType>
<ComplexType Name="RetrieveRolePrivilegesRoleResponse"><Property Name="RolePrivileges" Type="Collection(mscrm.RolePrivilege)"/></ComplexType>
<Action Name="GrantAccess"><Parameter Name="Target" Type="mscrm.crmbaseentity" Nullable="false"/><Parameter Name="PrincipalAccess" Type="mscrm.PrincipalAccess" Nullable="false"/></Action>
<Action Name="ModifyAccess"><Parameter Name="Target" Type="mscrm.crmbaseentity" Nullable="false"/><Parameter Name="PrincipalAccess" Type="mscrm.PrincipalAccess" Nullable="false"/></Action>
<Action Name="RevokeAccess"><Parameter Name="Target" Type="mscrm.crmbaseentity" Nullable="false"/><Parameter Name="Revokee" Type="mscrm.principal" Nullable="false"/></Action>
<Function Name="RetrieveSharedPrincipalsAndAccess"><Parameter Name="Target" Type="mscrm.crmbaseentity" Nullable="false"/><ReturnType Type="mscrm.RetrieveSharedPrincipalsAndAccessResponse" Nullable="false"/></Function>
<Function Name="RetrievePrincipalAccess" IsBound="true"><Parameter Name="entity" Type="mscrm.principal" Nullable="false"/><Parameter Name="Target" Type="mscrm.crmbaseentity" Nullable="false"/><ReturnType Type="mscrm.RetrievePrincipalAccessResponse" Nullable="false"/></Function>
<Action Name="AddPrivilegesRole" IsBound="true"><Parameter Name="entity" Type="mscrm.role" Nullable="false"/><Parameter Name="Privileges" Type="Collection(mscrm.RolePrivilege)" Nullable="false"/></Action>
<Action Name="ReplacePrivilegesRole" IsBound="true"><Parameter Name="entity" Type="mscrm.role" Nullable="false"/><Parameter Name="Privileges" Type="Collection(mscrm.RolePrivilege)" Nullable="false"/></Action>
<Action Name="RemovePrivilegeRole" IsBound="true"><Parameter Name="entity" Type="mscrm.role" Nullable="false"/><Parameter Name="PrivilegeId" Type="Edm.Guid" Nullable="false"/></Action>
<Function Name="RetrieveRolePrivilegesRole" IsBound="true"><Parameter Name="entity" Type="mscrm.role" Nullable="false"/><ReturnType Type="mscrm.RetrieveRolePrivilegesRoleResponse" Nullable="false"/></Function>
`
