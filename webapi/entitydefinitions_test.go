package webapi_test

import (
	"encoding/json"
	"encoding/xml"
	"slices"
	"sort"
	"strings"
	"testing"

	connectorhub "github.com/connectorhub/connectorhub"
)

const ed = "/api/data/v9.2/EntityDefinitions"

// metaGet sends a GET with the spaces of the query escaped, as clients send them.
func metaGet(t *testing.T, s *testServer, path string) *response {
	t.Helper()
	return s.do(t, "GET", strings.ReplaceAll(path, " ", "%20"), "")
}

// field walks a decoded JSON value: "value.0.LogicalName", "OptionSet.Options.1.Label".
func field(v any, path string) any {
	for _, k := range strings.Split(strings.ReplaceAll(path, "@odata.", "@odata\x00"), ".") {
		k = strings.ReplaceAll(k, "\x00", ".")
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			i := 0
			for _, c := range k {
				i = i*10 + int(c-'0')
			}
			if i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// names collects one string member of each object of a JSON array, sorted.
func names(v any, member string) []string {
	var out []string
	list, _ := v.([]any)
	for _, o := range list {
		if s, ok := field(o, member).(string); ok {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

func TestEntityDefinitionsPaths(t *testing.T) {
	s := MustOpenServer(t)
	labelOf := func(v any) string { s, _ := field(v, "UserLocalizedLabel.Label").(string); return s }
	for _, c := range []struct {
		name, path string
		check      func(t *testing.T, m map[string]any)
	}{
		{"EveryTable", ed, func(t *testing.T, m map[string]any) {
			if got := names(m["value"], "LogicalName"); !slices.Equal(got, []string{"asyncoperation", "businessunit", "connectionreference", "connector", "environmentvariabledefinition",
				"environmentvariablevalue", "importjob", "publisher", "role", "solution", "solutioncomponent", "systemuser", "team"}) {
				t.Errorf("tables: %v", got)
			}
		}},
		{"Labels", ed + "(LogicalName='connector')?$select=DisplayName,DisplayCollectionName,Description", func(t *testing.T, m map[string]any) {
			if labelOf(m["DisplayName"]) != "Connector" || labelOf(m["DisplayCollectionName"]) != "Connectors" ||
				labelOf(m["Description"]) != "Connector Entity to support Solutioning Integration" {
				t.Errorf("labels: %v", m)
			}
			if field(m, "DisplayName.LocalizedLabels.0.LanguageCode") != 1033.0 || field(m, "DisplayName.LocalizedLabels.0.Label") != "Connector" {
				t.Errorf("LocalizedLabels: %v", m["DisplayName"])
			}
			if _, ok := m["LogicalName"]; ok || m["MetadataId"] == nil {
				t.Errorf("$select: got %v", m)
			}
			if !strings.HasSuffix(m["@odata.context"].(string), "$metadata#EntityDefinitions(DisplayName,DisplayCollectionName,Description)/$entity") {
				t.Errorf("context %v", m["@odata.context"])
			}
		}},
		{"ByMetadataId", ed + "(LogicalName='team')?$select=MetadataId", func(t *testing.T, m map[string]any) {
			r := metaGet(t, s, ed+"("+m["MetadataId"].(string)+")?$select=LogicalName")
			if r.Status != 200 || r.JSON(t)["LogicalName"] != "team" {
				t.Errorf("by MetadataId: %d %s", r.Status, r.Body)
			}
		}},
		{"FilterNumber", ed + "?$select=LogicalName&$filter=ObjectTypeCode eq 8 or ObjectTypeCode gt 10100", func(t *testing.T, m map[string]any) {
			if got := names(m["value"], "LogicalName"); !slices.Equal(got, []string{"connector", "systemuser"}) {
				t.Errorf("got %v", got)
			}
		}},
		{"FilterEnum", ed + "?$select=LogicalName&$filter=OwnershipType eq 'UserOwned' and IsCustomEntity eq false and ObjectTypeCode gt 10100", func(t *testing.T, m map[string]any) {
			if got := names(m["value"], "LogicalName"); !slices.Equal(got, []string{"connector"}) {
				t.Errorf("got %v", got)
			}
		}},
		{"ExpandAttributes", ed + "(LogicalName='connector')?$select=LogicalName&$expand=Attributes", func(t *testing.T, m map[string]any) {
			attrs := m["Attributes"].([]any)
			if len(attrs) != len(connectorhub.Columns) {
				t.Errorf("%d attributes, want %d", len(attrs), len(connectorhub.Columns))
			}
			byName := map[string]map[string]any{}
			for _, a := range attrs {
				byName[a.(map[string]any)["LogicalName"].(string)] = a.(map[string]any)
			}
			for name, want := range map[string]string{
				"connectorid": "UniqueIdentifier Uniqueidentifier", "name": "String String", "openapidefinition": "Memo Memo",
				"connectionparameters": "Memo Memo", "description": "String String", "connectortype": "Picklist Picklist",
				"capabilities": "MultiSelectPicklist Virtual", "iconblob": "Image Virtual", "statecode": "State State",
				"statuscode": "Status Status", "createdon": "DateTime DateTime", "ownerid": "Lookup Owner", "createdby": "Lookup Lookup",
				"owningbusinessunit": "Lookup Lookup", "ismanaged": "Boolean Boolean", "versionnumber": "BigInt BigInt",
			} {
				a := byName[name]
				if got := strings.TrimSuffix(strings.TrimPrefix(a["@odata.type"].(string), "#Microsoft.Dynamics.CRM."), "AttributeMetadata") + " " + a["AttributeType"].(string); got != want {
					t.Errorf("%s: got %s, want %s", name, got, want)
				}
			}
			if a := byName["openapidefinition"]; a["MaxLength"] != 1000000.0 || field(a, "FormatName.Value") != "TextArea" || a["IsValidForCreate"] != true || a["IsValidForUpdate"] != true {
				t.Errorf("openapidefinition: %v", a)
			}
			if a := byName["connectorid"]; a["IsPrimaryId"] != true || field(a, "RequiredLevel.Value") != "SystemRequired" || a["IsValidForUpdate"] != false {
				t.Errorf("connectorid: %v", a)
			}
			if a := byName["ownerid"]; field(a, "Targets.0") != "systemuser" || field(a, "Targets.1") != "team" || field(a, "Targets.2") != nil || a["IsValidForUpdate"] != true {
				t.Errorf("ownerid: %v", a)
			}
			if a := byName["createdon"]; a["IsValidForCreate"] != false || a["IsValidForUpdate"] != false || a["IsValidForRead"] != true {
				t.Errorf("createdon: %v", a)
			}
			if a := byName["iconblob"]; a["IsPrimaryImage"] != true || a["MaxHeight"] != 144.0 {
				t.Errorf("iconblob: %v", a)
			}
			if a := byName["connectortype"]; field(a, "RequiredLevel.Value") != "ApplicationRequired" || field(a, "AttributeTypeName.Value") != "PicklistType" {
				t.Errorf("connectortype: %v", a)
			}
		}},
		{"ExpandAttributesSelectFilter", ed + "(LogicalName='systemuser')?$select=LogicalName&$expand=Attributes($select=LogicalName,IsValidForCreate;$filter=IsValidForCreate eq true)", func(t *testing.T, m map[string]any) {
			got := names(m["Attributes"], "LogicalName")
			if !slices.Equal(got, []string{"azureactivedirectoryobjectid", "businessunitid", "fullname", "internalemailaddress", "systemuserid"}) {
				t.Errorf("got %v", got)
			}
			if a := field(m, "Attributes.0").(map[string]any); len(a) != 4 { // @odata.type, the two selected, MetadataId
				t.Errorf("selected: %v", a)
			}
		}},
		{"AttributesPath", ed + "(LogicalName='team')/Attributes?$select=LogicalName", func(t *testing.T, m map[string]any) {
			if got := names(m["value"], "LogicalName"); !slices.Equal(got, []string{"businessunitid", "name", "teamid", "teamtype", "versionnumber"}) {
				t.Errorf("got %v (ownerid is principal's)", got)
			}
		}},
		{"AttributeByName", ed + "(LogicalName='connector')/Attributes(LogicalName='name')", func(t *testing.T, m map[string]any) {
			if m["@odata.type"] != "#Microsoft.Dynamics.CRM.StringAttributeMetadata" || m["MaxLength"] != 500.0 || m["IsPrimaryName"] != true ||
				field(m, "RequiredLevel.Value") != "ApplicationRequired" || m["IsValidForUpdate"] != false || m["SchemaName"] != "name" {
				t.Errorf("name: %v", m)
			}
			r := metaGet(t, s, ed+"(LogicalName='connector')/Attributes("+m["MetadataId"].(string)+")?$select=LogicalName")
			if r.Status != 200 || r.JSON(t)["LogicalName"] != "name" {
				t.Errorf("by MetadataId: %d %s", r.Status, r.Body)
			}
		}},
		{"LookupTargets", ed + "(LogicalName='role')/Attributes(LogicalName='businessunitid')", func(t *testing.T, m map[string]any) {
			if m["@odata.type"] != "#Microsoft.Dynamics.CRM.LookupAttributeMetadata" || field(m, "Targets.0") != "businessunit" || m["IsValidForCreate"] != true {
				t.Errorf("got %v", m)
			}
		}},
		{"StateOptionSet", ed + "(LogicalName='connector')/Attributes(LogicalName='statecode')/Microsoft.Dynamics.CRM.StateAttributeMetadata?$select=LogicalName&$expand=OptionSet", func(t *testing.T, m map[string]any) {
			if field(m, "OptionSet.OptionSetType") != "State" || field(m, "OptionSet.Options.1.Value") != 1.0 ||
				labelOf(field(m, "OptionSet.Options.1.Label")) != "Inactive" || field(m, "OptionSet.Options.1.DefaultStatus") != 2.0 {
				t.Errorf("got %v", m)
			}
			if !strings.HasSuffix(m["@odata.context"].(string), "#EntityDefinitions('connector')/Attributes/Microsoft.Dynamics.CRM.StateAttributeMetadata(LogicalName,OptionSet())/$entity") {
				t.Errorf("context %v", m["@odata.context"])
			}
		}},
		{"StatusOptionSetPath", ed + "(LogicalName='connector')/Attributes(LogicalName='statuscode')/Microsoft.Dynamics.CRM.StatusAttributeMetadata/OptionSet", func(t *testing.T, m map[string]any) {
			if m["Name"] != "connector_statuscode" || field(m, "Options.1.State") != 1.0 || field(m, "Options.1.@odata.type") != "#Microsoft.Dynamics.CRM.StatusOptionMetadata" {
				t.Errorf("got %v", m)
			}
		}},
		{"PicklistGlobalOptionSet", ed + "(LogicalName='connector')/Attributes(LogicalName='connectortype')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet($select=Options),GlobalOptionSet($select=Name,IsGlobal)", func(t *testing.T, m map[string]any) {
			if field(m, "GlobalOptionSet.Name") != "connectortype" || field(m, "GlobalOptionSet.IsGlobal") != true ||
				labelOf(field(m, "OptionSet.Options.1.Label")) != "CustomConnector" || field(m, "OptionSet.Name") != nil {
				t.Errorf("got %v", m)
			}
		}},
		{"LocalPicklist", ed + "(LogicalName='team')/Attributes(LogicalName='teamtype')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$expand=OptionSet($select=Name,IsGlobal),GlobalOptionSet", func(t *testing.T, m map[string]any) {
			if field(m, "OptionSet.Name") != "team_teamtype" || field(m, "OptionSet.IsGlobal") != false || m["GlobalOptionSet"] != nil {
				t.Errorf("got %v", m)
			}
		}},
		{"MultiSelect", ed + "(LogicalName='connector')/Attributes/Microsoft.Dynamics.CRM.MultiSelectPicklistAttributeMetadata?$select=LogicalName&$expand=GlobalOptionSet($select=Name,Options)", func(t *testing.T, m map[string]any) {
			if field(m, "value.0.LogicalName") != "capabilities" || field(m, "value.0.GlobalOptionSet.Name") != "capability" ||
				field(m, "value.0.GlobalOptionSet.Options.5.Value") != 118690005.0 || field(m, "value.1") != nil {
				t.Errorf("got %v", m)
			}
		}},
		{"CastCollection", ed + "(LogicalName='connector')/Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata?$select=LogicalName,MaxLength&$filter=MaxLength ge 400", func(t *testing.T, m map[string]any) {
			if got := names(m["value"], "LogicalName"); !slices.Equal(got, []string{"connectorinternalid", "description", "name"}) {
				t.Errorf("got %v", got)
			}
		}},
		{"FilterAttributeType", ed + "(LogicalName='connector')/Attributes?$select=LogicalName&$filter=AttributeType eq 'Memo'", func(t *testing.T, m map[string]any) {
			if got := names(m["value"], "LogicalName"); len(got) != 6 || !slices.Contains(got, "openapidefinition") {
				t.Errorf("got %v", got)
			}
		}},
		{"Keys", ed + "(LogicalName='connector')?$select=LogicalName&$expand=Keys", func(t *testing.T, m map[string]any) {
			if keys, ok := m["Keys"].([]any); !ok || len(keys) != 0 {
				t.Errorf("Keys: %v", m["Keys"])
			}
		}},
		{"KeysPath", ed + "(LogicalName='connector')/Keys", func(t *testing.T, m map[string]any) {
			if v, ok := m["value"].([]any); !ok || len(v) != 0 {
				t.Errorf("got %v", m)
			}
		}},
		{"ManyToOne", ed + "(LogicalName='connector')/ManyToOneRelationships?$select=SchemaName,ReferencedEntity,ReferencingAttribute", func(t *testing.T, m map[string]any) {
			got := names(m["value"], "SchemaName")
			want := []string{"business_unit_connector", "lk_connector_createdby", "lk_connector_createdonbehalfby", "lk_connector_modifiedby",
				"lk_connector_modifiedonbehalfby", "owner_connector", "team_connector", "user_connector"}
			if !slices.Equal(got, want) {
				t.Errorf("got %v", got)
			}
		}},
		{"ManyToOneByName", ed + "(LogicalName='connector')/ManyToOneRelationships(SchemaName='user_connector')", func(t *testing.T, m map[string]any) {
			if m["ReferencedEntity"] != "systemuser" || m["ReferencedAttribute"] != "systemuserid" || m["ReferencingEntity"] != "connector" ||
				m["ReferencingAttribute"] != "owninguser" || m["ReferencingEntityNavigationPropertyName"] != "owninguser" || m["RelationshipType"] != "OneToManyRelationship" {
				t.Errorf("got %v", m)
			}
		}},
		{"OneToManyPath", ed + "(LogicalName='businessunit')/OneToManyRelationships?$select=SchemaName&$filter=ReferencingEntity eq 'connector' or ReferencingEntity eq 'businessunit'", func(t *testing.T, m map[string]any) {
			if got := names(m["value"], "SchemaName"); !slices.Equal(got, []string{"business_unit_connector", "business_unit_parent_business_unit"}) {
				t.Errorf("got %v", got)
			}
		}},
		{"ManyToManyExpand", ed + "(LogicalName='team')?$select=LogicalName&$expand=ManyToManyRelationships($select=SchemaName,Entity1LogicalName,Entity2LogicalName,IntersectEntityName)", func(t *testing.T, m map[string]any) {
			if got := names(m["ManyToManyRelationships"], "SchemaName"); !slices.Equal(got, []string{"teammembership_association", "teamroles_association"}) {
				t.Errorf("got %v", got)
			}
			if field(m, "ManyToManyRelationships.0.IntersectEntityName") != "teammembership" {
				t.Errorf("got %v", m)
			}
		}},
		{"EveryNavigation", ed + "(LogicalName='systemuser')?$select=LogicalName&$expand=Attributes($select=LogicalName),Keys,ManyToOneRelationships($select=SchemaName),OneToManyRelationships($select=SchemaName),ManyToManyRelationships($select=SchemaName)", func(t *testing.T, m map[string]any) {
			if got := names(m["OneToManyRelationships"], "SchemaName"); !slices.Contains(got, "lk_connector_createdby") || !slices.Contains(got, "user_connector") {
				t.Errorf("OneToMany: %v", got)
			}
			if got := names(m["ManyToOneRelationships"], "SchemaName"); !slices.Equal(got, []string{"business_unit_system_users"}) {
				t.Errorf("ManyToOne: %v", got)
			}
			if got := names(m["ManyToManyRelationships"], "SchemaName"); !slices.Equal(got, []string{"systemuserroles_association", "teammembership_association"}) {
				t.Errorf("ManyToMany: %v", got)
			}
		}},
		{"GlobalOptionSets", "/api/data/v9.2/GlobalOptionSetDefinitions?$select=Name", func(t *testing.T, m map[string]any) {
			if got := names(m["value"], "Name"); !slices.Equal(got, []string{"capability", "componentstate", "connectortype"}) {
				t.Errorf("got %v", got)
			}
		}},
		{"GlobalOptionSetByName", "/api/data/v9.2/GlobalOptionSetDefinitions(Name='connectortype')", func(t *testing.T, m map[string]any) {
			if m["@odata.type"] != "#Microsoft.Dynamics.CRM.OptionSetMetadata" || labelOf(field(m, "Options.2.Label")) != "ConnectionLess" {
				t.Errorf("got %v", m)
			}
		}},
		{"LabelLanguages", ed + "(LogicalName='role')?$select=DisplayName&LabelLanguages=1033", func(t *testing.T, m map[string]any) {
			if labelOf(m["DisplayName"]) != "Security Role" {
				t.Errorf("got %v", m)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := metaGet(t, s, c.path)
			if r.Status != 200 {
				t.Fatalf("%s: %d %s", c.path, r.Status, r.Body)
			}
			c.check(t, r.JSON(t))
		})
	}
}

// TestEntityDefinitionsSelectEveryProperty: every structural property $metadata declares on
// EntityMetadata and AttributeMetadata (with their bases) can be selected, and is answered.
func TestEntityDefinitionsSelectEveryProperty(t *testing.T) {
	s := MustOpenServer(t)
	var doc struct {
		Types []struct {
			Name     string `xml:"Name,attr"`
			BaseType string `xml:"BaseType,attr"`
			Props    []struct {
				Name string `xml:"Name,attr"`
			} `xml:"Property"`
		} `xml:"DataServices>Schema>EntityType"`
	}
	if err := xml.Unmarshal(s.do(t, "GET", "/api/data/v9.2/$metadata", "").Body, &doc); err != nil {
		t.Fatal(err)
	}
	declared := func(name string) []string {
		var out []string
		for name != "" {
			next := ""
			for _, ty := range doc.Types {
				if ty.Name == name {
					for _, p := range ty.Props {
						out = append(out, p.Name)
					}
					next = strings.TrimPrefix(ty.BaseType, "mscrm.")
				}
			}
			name = next
		}
		return out
	}
	for path, typ := range map[string]string{
		ed + "(LogicalName='connector')":                                                        "EntityMetadata",
		ed + "(LogicalName='connector')/Attributes(LogicalName='name')":                         "AttributeMetadata",
		ed + "(LogicalName='connector')/ManyToOneRelationships(SchemaName='owner_connector')":   "OneToManyRelationshipMetadata",
		ed + "(LogicalName='team')/ManyToManyRelationships(SchemaName='teamroles_association')": "ManyToManyRelationshipMetadata",
	} {
		props := declared(typ)
		if len(props) < 5 {
			t.Fatalf("%s declares %v", typ, props)
		}
		for _, p := range props {
			r := metaGet(t, s, path+"?$select="+p)
			if r.Status != 200 {
				t.Errorf("%s $select=%s: %d %s", typ, p, r.Status, r.Body)
				continue
			}
			if _, ok := r.JSON(t)[p]; !ok {
				t.Errorf("%s $select=%s: not answered: %s", typ, p, r.Body)
			}
		}
		r := metaGet(t, s, path)
		m := r.JSON(t)
		for _, p := range props {
			if _, ok := m[p]; !ok {
				t.Errorf("%s: %s missing without $select", typ, p)
			}
		}
	}
}

// TestEntityDefinitionsRefused: what the metadata resources do not answer is a 400 or 404
// that says so, never ignored.
func TestEntityDefinitionsRefused(t *testing.T) {
	s := MustOpenServer(t)
	for _, c := range []struct {
		name, path string
		status     int
		code, msg  string
	}{
		{"UnknownSelect", ed + "?$select=LogicalName,Nope", 400, connectorhub.ECodeBadRequest, "'Nope'"},
		{"SubtypePropertyOnBase", ed + "(LogicalName='connector')/Attributes?$select=MaxLength", 400, connectorhub.ECodeBadRequest, "'MaxLength' on type 'Microsoft.Dynamics.CRM.AttributeMetadata'"},
		{"NavigationInSelect", ed + "?$select=Attributes", 400, connectorhub.ECodeBadRequest, "$expand=Attributes"},
		{"UnknownExpand", ed + "?$expand=Nope", 400, connectorhub.ECodeBadRequest, "'Nope'"},
		{"UnknownNestedSelect", ed + "(LogicalName='connector')?$expand=Attributes($select=Nope)", 400, connectorhub.ECodeBadRequest, "'Nope'"},
		{"OptionSetWithoutCast", ed + "(LogicalName='connector')/Attributes?$expand=OptionSet", 400, connectorhub.ECodeBadRequest, "'OptionSet'"},
		{"NestedOrderBy", ed + "(LogicalName='connector')?$expand=Attributes($orderby=LogicalName)", 400, connectorhub.ECodeQuery, "not"},
		{"NestedTop", ed + "(LogicalName='connector')?$expand=Attributes($top=2)", 400, connectorhub.ECodeQuery, "not"},
		{"NestedExpand", ed + "(LogicalName='connector')/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$expand=OptionSet($expand=Nope)", 400, connectorhub.ECodeQuery, "not"},
		{"Top", ed + "?$top=1", 400, connectorhub.ECodeQuery, "not supported"},
		{"OrderBy", ed + "?$orderby=LogicalName", 400, connectorhub.ECodeQuery, "not supported"},
		{"Count", ed + "(LogicalName='connector')/Attributes?$count=true", 400, connectorhub.ECodeQuery, "not supported"},
		{"Skip", ed + "?$skip=1", 400, connectorhub.ECodeQuery, "not supported"},
		{"FetchXml", ed + "?fetchXml=x", 400, connectorhub.ECodeQuery, "not supported"},
		{"FilterOnSingle", ed + "(LogicalName='connector')?$filter=LogicalName eq 'connector'", 400, connectorhub.ECodeQuery, "not supported"},
		{"FilterOnLabel", ed + "?$filter=DisplayName eq 'Connector'", 400, connectorhub.ECodeQuery, "DisplayName"},
		{"FilterUnknown", ed + "?$filter=Nope eq 'x'", 400, connectorhub.ECodeBadRequest, "'Nope'"},
		{"FilterTypeMismatch", ed + "?$filter=ObjectTypeCode eq 'x'", 400, connectorhub.ECodeQuery, "incompatible"},
		{"FilterNestedUnknown", ed + "(LogicalName='connector')?$expand=Attributes($filter=MaxLength gt 1)", 400, connectorhub.ECodeBadRequest, "'MaxLength'"},
		{"LabelLanguages", ed + "?LabelLanguages=1031", 400, connectorhub.ECodeQuery, "1031"},
		{"UnknownTable", ed + "(LogicalName='account')", 404, connectorhub.ECodeNotFound, "account"},
		{"UnknownAttribute", ed + "(LogicalName='connector')/Attributes(LogicalName='nope')", 404, connectorhub.ECodeNotFound, "nope"},
		{"BadKey", ed + "(SchemaName='connector')", 400, connectorhub.ECodeBadRequest, "LogicalName="},
		{"CastNotDerived", ed + "(LogicalName='connector')/Attributes/Microsoft.Dynamics.CRM.EntityMetadata", 400, connectorhub.ECodeBadRequest, "not a type derived"},
		{"CastMismatch", ed + "(LogicalName='connector')/Attributes(LogicalName='statecode')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata", 404, connectorhub.ECodeNotFound, "PicklistAttributeMetadata"},
		{"UnknownSegment", ed + "(LogicalName='connector')/Nope", 404, connectorhub.ECodeResourceNotFound, "Nope"},
		{"SegmentOnCollection", ed + "/Attributes", 404, connectorhub.ECodeResourceNotFound, "Attributes"},
		{"MetadataAnnotations", "/api/data/v9.2/$metadata?annotations=true", 400, connectorhub.ECodeQuery, "annotations"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := metaGet(t, s, c.path)
			code, msg := r.ErrorCode(t)
			if r.Status != c.status || code != c.code || !strings.Contains(msg, c.msg) {
				t.Errorf("%s: got %d %s %q, want %d %s with %q", c.path, r.Status, code, msg, c.status, c.code, c.msg)
			}
		})
	}
	if r := s.do(t, "POST", ed, `{}`); r.Status != 405 {
		t.Errorf("POST EntityDefinitions: %d", r.Status)
	}
	r := metaGet(t, s, ed+"(LogicalName='connector')/Attributes(LogicalName='statecode')/Microsoft.Dynamics.CRM.StateAttributeMetadata/GlobalOptionSet")
	if r.Status != 204 || len(r.Body) != 0 {
		t.Errorf("a local option set's GlobalOptionSet: %d %s", r.Status, r.Body)
	}
}

// TestServiceDocumentMetadataSets: the service document lists the metadata sets $metadata declares.
func TestServiceDocumentMetadataSets(t *testing.T) {
	s := MustOpenServer(t)
	var doc struct {
		Value []struct{ Name, Kind, URL string }
	}
	if err := json.Unmarshal(s.do(t, "GET", "/api/data/v9.2/", "").Body, &doc); err != nil {
		t.Fatal(err)
	}
	var sets []string
	for _, v := range doc.Value {
		if v.Kind == "EntitySet" {
			sets = append(sets, v.Name)
		}
	}
	for _, want := range []string{"EntityDefinitions", "GlobalOptionSetDefinitions", "connectors"} {
		if !slices.Contains(sets, want) {
			t.Errorf("service document: %s missing from %v", want, sets)
		}
	}
}
