package webapi

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"strings"

	connectorhub "github.com/connectorhub/connectorhub"
)

// entityDef describes a table for $metadata and EntityDefinitions.
type entityDef struct {
	LogicalName   string
	EntitySetName string
	PrimaryID     string
	PrimaryName   string
	DisplayName   string
	// DisplayCollectionName and Description are the table's other labels, as Dataverse's.
	DisplayCollectionName, Description string
	ObjectType                         int // ObjectTypeCode
	Ownership                          string
	BaseType                           string
	Properties                         []edmProperty
	Navigation                         []edmNavigation
	Served                             bool // the Web API serves its entity set (listed in the service document)
	// Identity is the identity table described; nil for the connector table.
	Identity *connectorhub.Table
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

// entities are the tables ConnectorHub describes and serves: the connector, the identity
// tables it refers to and the solution tables.
var entities = append([]entityDef{connectorEntity()}, identityEntities()...)

// identityEntities describes the tables of connectorhub.Tables (the identities and the
// solution tables) from their columns, with their lookups and the collection-valued
// navigation properties of their relationships.
func identityEntities() []entityDef {
	// The labels are Dataverse's.
	labels := map[string][3]string{
		"systemuser":                    {"User", "Users", "Person with access to the Microsoft CRM system and who owns objects in the Microsoft CRM database."},
		"team":                          {"Team", "Teams", "Collection of system users that routinely collaborate. Teams can be used to simplify record sharing and provide team members with common access to organization data when team members belong to different Business Units."},
		"businessunit":                  {"Business Unit", "Business Units", "Business, division, or department in the Microsoft Dynamics 365 database."},
		"role":                          {"Security Role", "Security Roles", "Grouping of security privileges. Users are assigned roles that authorize their access to the Microsoft CRM system."},
		"publisher":                     {"Publisher", "Publishers", "A publisher of a CRM solution."},
		"solution":                      {"Solution", "Solutions", "A solution which contains CRM customizations."},
		"solutioncomponent":             {"Solution Component", "Solution Components", "A component of a CRM solution."},
		"importjob":                     {"Import Job", "Import Jobs", "For internal use only."},
		"asyncoperation":                {"System Job", "System Jobs", "Process whose execution can proceed independently or in the background."},
		"connectionreference":           {"Connection Reference", "Connection References", ""},
		"environmentvariabledefinition": {"Environment Variable Definition", "Environment Variable Definitions", "Contains information about the settable variable: its type, default value, and etc."},
		"environmentvariablevalue":      {"Environment Variable Value", "Environment Variable Values", "Holds the value for the associated EnvironmentVariableDefinition entity."},
	}
	// Ownership as Dataverse declares it.
	ownership := map[string]string{"publisher": "OrganizationOwned", "solution": "OrganizationOwned", "solutioncomponent": "None",
		"importjob": "UserOwned", "asyncoperation": "UserOwned", "connectionreference": "UserOwned",
		"environmentvariabledefinition": "UserOwned", "environmentvariablevalue": "UserOwned"}
	var out []entityDef
	for _, t := range connectorhub.Tables {
		l := labels[t.LogicalName]
		own := ownership[t.LogicalName]
		if own == "" {
			own = "BusinessOwned"
		}
		e := entityDef{LogicalName: t.LogicalName, EntitySetName: t.EntitySetName, PrimaryID: t.PrimaryID, PrimaryName: t.PrimaryName,
			DisplayName: l[0], DisplayCollectionName: l[1], Description: l[2], ObjectType: t.ObjectType, Ownership: own,
			BaseType: "mscrm.crmbaseentity", Served: true, Identity: t}
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
				key := col.Target + "id"
				if col.Target == connectorhub.OwnerSystemUser {
					key = "systemuserid"
				}
				e.Navigation = append(e.Navigation, edmNavigation{col.NavigationProperty, "mscrm." + col.Target, col.Name, key})
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
		DisplayName: "Connector", DisplayCollectionName: "Connectors", Description: "Connector Entity to support Solutioning Integration",
		ObjectType: 10114, Ownership: "UserOwned", BaseType: "mscrm.crmbaseentity", Served: true}
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
func metadataID(logicalName string) string { return stableID("entity " + logicalName) }

// stableID is a version-5-shaped GUID derived from a name: the MetadataId of a table,
// attribute, relationship, option set or label, the same in every installation.
func stableID(name string) string {
	h := sha256.Sum256([]byte("connectorhub " + name))
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
	b.raw(`,{"name":"GlobalOptionSetDefinitions","kind":"EntitySet","url":"GlobalOptionSetDefinitions"}`)
	b.raw(`,{"name":"WhoAmI","kind":"FunctionImport","url":"WhoAmI"}]}`)
	writeJSON(w, http.StatusOK, b.bytes())
	return nil
}

// metadata serves GET $metadata: the CSDL document (spec §6.3). Dataverse's annotations=true
// (the vocabulary annotations) is not answered, so it is refused rather than ignored.
func (s *Server) metadata(w http.ResponseWriter, r *request) error {
	values, err := queryValues(r)
	if err != nil {
		return err
	}
	for name, v := range values {
		switch {
		case name == "annotations" && len(v) == 1 && strings.EqualFold(v[0], "false"):
		case name == "annotations" || strings.HasPrefix(name, "$"):
			return queryError("The query option '%s' is not supported on $metadata: ConnectorHub's CSDL carries no vocabulary annotations.", name)
		}
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(csdl))
	return nil
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
