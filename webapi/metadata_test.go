package webapi_test

import (
	"encoding/xml"
	"strings"
	"testing"
)

// csdlDoc is the part of a CSDL document the tests read.
type csdlDoc struct {
	XMLName      xml.Name `xml:"Edmx"`
	Version      string   `xml:"Version,attr"`
	DataServices struct {
		Schema struct {
			Namespace   string `xml:"Namespace,attr"`
			Alias       string `xml:"Alias,attr"`
			EntityTypes []struct {
				Name     string `xml:"Name,attr"`
				BaseType string `xml:"BaseType,attr"`
				Key      struct {
					PropertyRef []struct {
						Name string `xml:"Name,attr"`
					} `xml:"PropertyRef"`
				} `xml:"Key"`
				Properties []struct {
					Name      string `xml:"Name,attr"`
					Type      string `xml:"Type,attr"`
					MaxLength string `xml:"MaxLength,attr"`
				} `xml:"Property"`
				Navigation []struct {
					Name       string `xml:"Name,attr"`
					Type       string `xml:"Type,attr"`
					Constraint struct {
						Property   string `xml:"Property,attr"`
						Referenced string `xml:"ReferencedProperty,attr"`
					} `xml:"ReferentialConstraint"`
				} `xml:"NavigationProperty"`
			} `xml:"EntityType"`
			Actions []struct {
				Name    string `xml:"Name,attr"`
				IsBound string `xml:"IsBound,attr"`
			} `xml:"Action"`
			Functions []struct {
				Name string `xml:"Name,attr"`
			} `xml:"Function"`
			Container struct {
				Name       string `xml:"Name,attr"`
				EntitySets []struct {
					Name       string `xml:"Name,attr"`
					EntityType string `xml:"EntityType,attr"`
				} `xml:"EntitySet"`
				FunctionImports []struct {
					Name string `xml:"Name,attr"`
				} `xml:"FunctionImport"`
			} `xml:"EntityContainer"`
		} `xml:"Schema"`
	} `xml:"DataServices"`
}

func TestMetadata(t *testing.T) {
	s := MustOpenServer(t)
	r := s.do(t, "GET", "/api/data/v9.2/$metadata", "")
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/xml") {
		t.Fatalf("got %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	var doc csdlDoc
	if err := xml.Unmarshal(r.Body, &doc); err != nil {
		t.Fatalf("$metadata is not XML: %v", err)
	}
	schema := doc.DataServices.Schema
	if doc.Version != "4.0" || schema.Namespace != "Microsoft.Dynamics.CRM" || schema.Alias != "mscrm" {
		t.Errorf("got version %q, namespace %q, alias %q", doc.Version, schema.Namespace, schema.Alias)
	}
	keys := map[string]string{}
	props := map[string]map[string]string{}
	navs := map[string]map[string]string{}
	for _, et := range schema.EntityTypes {
		if len(et.Key.PropertyRef) == 1 {
			keys[et.Name] = et.Key.PropertyRef[0].Name
		}
		props[et.Name] = map[string]string{}
		for _, p := range et.Properties {
			props[et.Name][p.Name] = p.Type + "/" + p.MaxLength
		}
		navs[et.Name] = map[string]string{}
		for _, n := range et.Navigation {
			navs[et.Name][n.Name] = n.Type + " " + n.Constraint.Property + "->" + n.Constraint.Referenced
		}
	}
	for entity, key := range map[string]string{"connector": "connectorid", "systemuser": "systemuserid", "team": "teamid", "businessunit": "businessunitid"} {
		if keys[entity] != key {
			t.Errorf("%s: key %q, want %q", entity, keys[entity], key)
		}
	}
	for prop, want := range map[string]string{
		"connectorid": "Edm.Guid/", "name": "Edm.String/500", "openapidefinition": "Edm.String/1000000",
		"connectortype": "Edm.Int32/", "capabilities": "Edm.String/", "createdon": "Edm.DateTimeOffset/",
		"versionnumber": "Edm.Int64/", "_ownerid_value": "Edm.Guid/", "iconblob": "Edm.Binary/",
	} {
		if got := props["connector"][prop]; got != want {
			t.Errorf("connector.%s: got %q, want %q", prop, got, want)
		}
	}
	for nav, want := range map[string]string{
		"ownerid":            "mscrm.principal _ownerid_value->ownerid",
		"owninguser":         "mscrm.systemuser _owninguser_value->systemuserid",
		"owningteam":         "mscrm.team _owningteam_value->teamid",
		"owningbusinessunit": "mscrm.businessunit _owningbusinessunit_value->businessunitid",
		"createdby":          "mscrm.systemuser _createdby_value->systemuserid",
		"modifiedby":         "mscrm.systemuser _modifiedby_value->systemuserid",
	} {
		if got := navs["connector"][nav]; got != want {
			t.Errorf("connector navigation %s: got %q, want %q", nav, got, want)
		}
	}
	operations := map[string]bool{}
	for _, a := range schema.Actions {
		operations[a.Name] = true
	}
	for _, f := range schema.Functions {
		operations[f.Name] = true
	}
	for _, name := range []string{"WhoAmI", "GrantAccess", "ModifyAccess", "RevokeAccess", "RetrievePrincipalAccess",
		"RetrieveSharedPrincipalsAndAccess", "AddPrivilegesRole", "ReplacePrivilegesRole", "RemovePrivilegeRole", "RetrieveRolePrivilegesRole"} {
		if !operations[name] {
			t.Errorf("$metadata does not declare %s", name)
		}
	}
	sets := map[string]string{}
	for _, es := range schema.Container.EntitySets {
		sets[es.Name] = es.EntityType
	}
	if sets["connectors"] != "mscrm.connector" || sets["systemusers"] != "mscrm.systemuser" || len(schema.Container.FunctionImports) == 0 ||
		sets["EntityDefinitions"] != "mscrm.EntityMetadata" || sets["GlobalOptionSetDefinitions"] != "mscrm.OptionSetMetadataBase" {
		t.Errorf("container: %+v", schema.Container)
	}
}
