package webapi

import (
	"fmt"
	"strings"
)

// The CSDL document ($metadata) is built once from the same declarations the Web API answers
// with: the tables (entities) and the metadata types below, which EntityDefinitions and
// GlobalOptionSetDefinitions also use to check $select, $filter and $expand. It follows the
// CSDL XML rules strict readers enforce (TestCSDLValid checks them): every type reference
// resolves, navigation properties target entity types, complex types have no key, a key is
// declared once in a type hierarchy and its properties are not nullable. Where Dataverse's own
// document breaks a rule, ConnectorHub keeps the rule: principal, the abstract base of
// systemuser and team, declares ownerid but no key (Dataverse keys it by ownerid and keys its
// subtypes again, which a strict reader refuses).

// mtype is a metadata type: an entity type (keyed by MetadataId through MetadataBase) or a
// complex type.
type mtype struct {
	name     string
	baseName string
	base     *mtype
	abstract bool
	complex  bool
	props    []mprop
	navs     []mnav
}

// mprop is a structural property; nonNull writes Nullable="false".
type mprop struct {
	name, typ string
	nonNull   bool
}

// mnav is a navigation property of a metadata type. Collection-valued when many; contains is
// ContainsTarget: the related metadata are reached through their parent.
type mnav struct {
	name, typ      string
	many, contains bool
}

func mdp(name, typ string) mprop      { return mprop{name: name, typ: typ} }
func mdpNN(name, typ string) mprop    { return mprop{name: name, typ: typ, nonNull: true} }
func mdStr(names ...string) []mprop   { return mdTyped("Edm.String", names) }
func mdBool(names ...string) []mprop  { return mdTyped("Edm.Boolean", names) }
func mdLabel(names ...string) []mprop { return mdTyped("mscrm.Label", names) }

func mdTyped(typ string, names []string) []mprop {
	out := make([]mprop, len(names))
	for i, n := range names {
		out[i] = mdp(n, typ)
	}
	return out
}

func mdProps(groups ...[]mprop) []mprop {
	var out []mprop
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// metadataTypes are the types of Dataverse's metadata model that ConnectorHub serves, with the
// subset of their properties it answers, named and typed as Dataverse declares them.
var metadataTypes = []*mtype{
	{name: "LocalizedLabel", complex: true, props: []mprop{mdp("Label", "Edm.String"), mdpNN("LanguageCode", "Edm.Int32"),
		mdp("IsManaged", "Edm.Boolean"), mdp("MetadataId", "Edm.Guid"), mdp("HasChanged", "Edm.Boolean")}},
	{name: "Label", complex: true, props: []mprop{mdpNN("LocalizedLabels", "Collection(mscrm.LocalizedLabel)"), mdp("UserLocalizedLabel", "mscrm.LocalizedLabel")}},
	{name: "AttributeRequiredLevelManagedProperty", complex: true, props: []mprop{mdpNN("Value", "mscrm.AttributeRequiredLevel"),
		mdpNN("CanBeChanged", "Edm.Boolean"), mdp("ManagedPropertyLogicalName", "Edm.String")}},
	{name: "AttributeTypeDisplayName", complex: true, props: mdStr("Value")},
	{name: "StringFormatName", complex: true, props: mdStr("Value")},
	{name: "DateTimeBehavior", complex: true, props: mdStr("Value")},
	{name: "OptionMetadata", complex: true, props: mdProps([]mprop{mdp("Value", "Edm.Int32")}, mdLabel("Label", "Description"),
		mdStr("Color"), mdBool("IsManaged"), mdStr("ExternalValue"), []mprop{mdp("MetadataId", "Edm.Guid")}, mdBool("HasChanged"))},
	{name: "StateOptionMetadata", baseName: "OptionMetadata", complex: true, props: mdProps([]mprop{mdp("DefaultStatus", "Edm.Int32")}, mdStr("InvariantName"))},
	{name: "StatusOptionMetadata", baseName: "OptionMetadata", complex: true, props: mdProps([]mprop{mdp("State", "Edm.Int32")}, mdStr("TransitionData"))},

	{name: "MetadataBase", abstract: true, props: []mprop{mdpNN("MetadataId", "Edm.Guid"), mdp("HasChanged", "Edm.Boolean")}},
	{name: "EntityMetadata", baseName: "MetadataBase",
		props: mdProps(mdStr("LogicalName", "SchemaName", "EntitySetName", "LogicalCollectionName", "CollectionSchemaName",
			"PrimaryIdAttribute", "PrimaryNameAttribute", "PrimaryImageAttribute"),
			[]mprop{mdp("ObjectTypeCode", "Edm.Int32"), mdp("OwnershipType", "mscrm.OwnershipTypes")}, mdStr("TableType"),
			mdBool("IsCustomEntity", "IsActivity", "IsIntersect", "IsManaged", "IsPrivate", "ChangeTrackingEnabled"),
			mdLabel("DisplayName", "DisplayCollectionName", "Description")),
		navs: []mnav{{"Attributes", "mscrm.AttributeMetadata", true, true}, {"Keys", "mscrm.EntityKeyMetadata", true, true},
			{"ManyToOneRelationships", "mscrm.OneToManyRelationshipMetadata", true, true},
			{"OneToManyRelationships", "mscrm.OneToManyRelationshipMetadata", true, true},
			{"ManyToManyRelationships", "mscrm.ManyToManyRelationshipMetadata", true, true}}},
	{name: "AttributeMetadata", baseName: "MetadataBase",
		props: mdProps(mdStr("LogicalName", "SchemaName", "EntityLogicalName"), []mprop{mdp("ColumnNumber", "Edm.Int32")}, mdStr("AttributeOf"),
			[]mprop{mdp("AttributeType", "mscrm.AttributeTypeCode"), mdp("AttributeTypeName", "mscrm.AttributeTypeDisplayName")},
			mdLabel("DisplayName", "Description"), []mprop{mdp("RequiredLevel", "mscrm.AttributeRequiredLevelManagedProperty")},
			mdBool("IsValidForCreate", "IsValidForUpdate", "IsValidForRead", "IsPrimaryId", "IsPrimaryName", "IsCustomAttribute",
				"IsManaged", "IsLogical"))},
	{name: "StringAttributeMetadata", baseName: "AttributeMetadata", props: []mprop{mdp("MaxLength", "Edm.Int32"), mdp("FormatName", "mscrm.StringFormatName")}},
	{name: "MemoAttributeMetadata", baseName: "AttributeMetadata", props: []mprop{mdp("MaxLength", "Edm.Int32"), mdp("FormatName", "mscrm.StringFormatName")}},
	{name: "IntegerAttributeMetadata", baseName: "AttributeMetadata", props: []mprop{mdp("MinValue", "Edm.Int32"), mdp("MaxValue", "Edm.Int32")}},
	{name: "BigIntAttributeMetadata", baseName: "AttributeMetadata", props: []mprop{mdp("MinValue", "Edm.Int64"), mdp("MaxValue", "Edm.Int64")}},
	{name: "ManagedPropertyAttributeMetadata", baseName: "AttributeMetadata", props: []mprop{mdp("ManagedPropertyLogicalName", "Edm.String"), mdp("ParentAttributeName", "Edm.String"), mdp("ParentComponentType", "Edm.Int32"), mdp("ValueAttributeTypeCode", "Edm.String")}},
	{name: "DoubleAttributeMetadata", baseName: "AttributeMetadata", props: []mprop{mdp("MinValue", "Edm.Double"), mdp("MaxValue", "Edm.Double"), mdp("Precision", "Edm.Int32")}},
	{name: "DateTimeAttributeMetadata", baseName: "AttributeMetadata", props: []mprop{mdp("Format", "mscrm.DateTimeFormat"), mdp("DateTimeBehavior", "mscrm.DateTimeBehavior")}},
	{name: "BooleanAttributeMetadata", baseName: "AttributeMetadata", props: mdBool("DefaultValue")},
	{name: "UniqueIdentifierAttributeMetadata", baseName: "AttributeMetadata"},
	{name: "LookupAttributeMetadata", baseName: "AttributeMetadata", props: []mprop{mdp("Targets", "Collection(Edm.String)")}},
	{name: "ImageAttributeMetadata", baseName: "AttributeMetadata", props: mdProps(mdBool("IsPrimaryImage"),
		[]mprop{mdp("MaxHeight", "Edm.Int16"), mdp("MaxWidth", "Edm.Int16"), mdp("MaxSizeInKB", "Edm.Int32")}, mdBool("CanStoreFullImage"))},
	{name: "EnumAttributeMetadata", baseName: "AttributeMetadata", abstract: true, props: []mprop{mdp("DefaultFormValue", "Edm.Int32")},
		navs: []mnav{{"OptionSet", "mscrm.OptionSetMetadata", false, true}, {"GlobalOptionSet", "mscrm.OptionSetMetadata", false, false}}},
	{name: "PicklistAttributeMetadata", baseName: "EnumAttributeMetadata"},
	{name: "StateAttributeMetadata", baseName: "EnumAttributeMetadata"},
	{name: "StatusAttributeMetadata", baseName: "EnumAttributeMetadata"},
	{name: "MultiSelectPicklistAttributeMetadata", baseName: "EnumAttributeMetadata"},
	{name: "OptionSetMetadataBase", baseName: "MetadataBase", abstract: true,
		props: mdProps(mdStr("Name"), mdBool("IsGlobal", "IsCustomOptionSet", "IsManaged"), []mprop{mdp("OptionSetType", "mscrm.OptionSetType")},
			mdLabel("DisplayName", "Description"))},
	{name: "OptionSetMetadata", baseName: "OptionSetMetadataBase", props: []mprop{mdp("Options", "Collection(mscrm.OptionMetadata)")}},
	{name: "EntityKeyMetadata", baseName: "MetadataBase", props: mdProps(mdStr("LogicalName", "SchemaName", "EntityLogicalName"),
		[]mprop{mdp("KeyAttributes", "Collection(Edm.String)")}, mdLabel("DisplayName"))},
	{name: "RelationshipMetadataBase", baseName: "MetadataBase", abstract: true,
		props: mdProps(mdStr("SchemaName"), []mprop{mdp("RelationshipType", "mscrm.RelationshipType")}, mdBool("IsCustomRelationship", "IsManaged"))},
	{name: "OneToManyRelationshipMetadata", baseName: "RelationshipMetadataBase", props: mdStr("ReferencedAttribute", "ReferencedEntity",
		"ReferencingAttribute", "ReferencingEntity", "ReferencedEntityNavigationPropertyName", "ReferencingEntityNavigationPropertyName")},
	{name: "ManyToManyRelationshipMetadata", baseName: "RelationshipMetadataBase", props: mdStr("Entity1LogicalName", "Entity2LogicalName",
		"IntersectEntityName", "Entity1IntersectAttribute", "Entity2IntersectAttribute", "Entity1NavigationPropertyName", "Entity2NavigationPropertyName")},
}

// metadataEnums are the enumerations the metadata types use, with Dataverse's members.
const metadataEnums = `<EnumType Name="OwnershipTypes" IsFlags="true"><Member Name="None" Value="0"/><Member Name="UserOwned" Value="1"/><Member Name="TeamOwned" Value="2"/><Member Name="BusinessOwned" Value="4"/><Member Name="OrganizationOwned" Value="8"/><Member Name="BusinessParented" Value="16"/></EnumType>
<EnumType Name="AttributeTypeCode"><Member Name="Boolean" Value="0"/><Member Name="Customer" Value="1"/><Member Name="DateTime" Value="2"/><Member Name="Decimal" Value="3"/><Member Name="Double" Value="4"/><Member Name="Integer" Value="5"/><Member Name="Lookup" Value="6"/><Member Name="Memo" Value="7"/><Member Name="Money" Value="8"/><Member Name="Owner" Value="9"/><Member Name="PartyList" Value="10"/><Member Name="Picklist" Value="11"/><Member Name="State" Value="12"/><Member Name="Status" Value="13"/><Member Name="String" Value="14"/><Member Name="Uniqueidentifier" Value="15"/><Member Name="CalendarRules" Value="16"/><Member Name="Virtual" Value="17"/><Member Name="BigInt" Value="18"/><Member Name="ManagedProperty" Value="19"/><Member Name="EntityName" Value="20"/></EnumType>
<EnumType Name="AttributeRequiredLevel"><Member Name="None" Value="0"/><Member Name="SystemRequired" Value="1"/><Member Name="ApplicationRequired" Value="2"/><Member Name="Recommended" Value="3"/></EnumType>
<EnumType Name="DateTimeFormat"><Member Name="DateOnly" Value="0"/><Member Name="DateAndTime" Value="1"/></EnumType>
<EnumType Name="OptionSetType"><Member Name="Picklist" Value="0"/><Member Name="State" Value="1"/><Member Name="Status" Value="2"/><Member Name="Boolean" Value="3"/></EnumType>
<EnumType Name="RelationshipType"><Member Name="OneToManyRelationship" Value="0"/><Member Name="ManyToManyRelationship" Value="1"/></EnumType>
`

var metadataTypeIndex = func() map[string]*mtype {
	m := map[string]*mtype{}
	for _, t := range metadataTypes {
		m[t.name] = t
	}
	for _, t := range metadataTypes {
		if t.baseName != "" {
			t.base = m[t.baseName]
		}
	}
	return m
}()

// metadataType returns a metadata type by its name, qualified (Microsoft.Dynamics.CRM.X,
// mscrm.X) or not; nil when there is none.
func metadataType(name string) *mtype {
	name = strings.TrimPrefix(strings.TrimPrefix(name, "Microsoft.Dynamics.CRM."), "mscrm.")
	return metadataTypeIndex[name]
}

// derives reports whether t is u or derives from it.
func (t *mtype) derives(u *mtype) bool {
	for ; t != nil; t = t.base {
		if t == u {
			return true
		}
	}
	return false
}

// prop returns the structural property of t or of its bases.
func (t *mtype) prop(name string) *mprop {
	for ; t != nil; t = t.base {
		for i := range t.props {
			if t.props[i].name == name {
				return &t.props[i]
			}
		}
	}
	return nil
}

// nav returns the navigation property of t or of its bases.
func (t *mtype) nav(name string) *mnav {
	for ; t != nil; t = t.base {
		for i := range t.navs {
			if t.navs[i].name == name {
				return &t.navs[i]
			}
		}
	}
	return nil
}

// allProps lists the structural properties of t, its bases' first.
func (t *mtype) allProps() []mprop {
	if t == nil {
		return nil
	}
	return append(t.base.allProps(), t.props...)
}

// qualified is the type's name in @odata.type and error messages.
func (t *mtype) qualified() string { return "Microsoft.Dynamics.CRM." + t.name }

func writeMetadataTypesCSDL(b *strings.Builder) {
	b.WriteString(metadataEnums)
	for _, t := range metadataTypes {
		kind := "EntityType"
		if t.complex {
			kind = "ComplexType"
		}
		fmt.Fprintf(b, `<%s Name="%s"`, kind, t.name)
		if t.baseName != "" {
			fmt.Fprintf(b, ` BaseType="mscrm.%s"`, t.baseName)
		}
		if t.abstract {
			b.WriteString(` Abstract="true"`)
		}
		b.WriteString(">")
		if t.name == "MetadataBase" {
			b.WriteString(`<Key><PropertyRef Name="MetadataId"/></Key>`)
		}
		for _, p := range t.props {
			fmt.Fprintf(b, `<Property Name="%s" Type="%s"`, p.name, p.typ)
			if p.nonNull {
				b.WriteString(` Nullable="false"`)
			}
			b.WriteString("/>")
		}
		for _, n := range t.navs {
			typ := n.typ
			if n.many {
				typ = "Collection(" + typ + ")"
			}
			fmt.Fprintf(b, `<NavigationProperty Name="%s" Type="%s"`, n.name, typ)
			if n.contains {
				b.WriteString(` ContainsTarget="true"`)
			}
			b.WriteString("/>")
		}
		fmt.Fprintf(b, "</%s>\n", kind)
	}
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
<EntityType Name="principal" BaseType="mscrm.crmbaseentity" Abstract="true"><Property Name="ownerid" Type="Edm.Guid"/></EntityType>
`)
	for _, e := range entities {
		fmt.Fprintf(&b, `<EntityType Name="%s" BaseType="%s"><Key><PropertyRef Name="%s"/></Key>`, e.LogicalName, e.BaseType, e.PrimaryID)
		for _, p := range e.Properties {
			fmt.Fprintf(&b, `<Property Name="%s" Type="%s"`, p.Name, p.Type)
			if p.MaxLength > 0 {
				fmt.Fprintf(&b, ` MaxLength="%d"`, p.MaxLength)
			}
			if p.Name == e.PrimaryID {
				b.WriteString(` Nullable="false"`)
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
	writeMetadataTypesCSDL(&b)
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
	b.WriteString(`<EntitySet Name="EntityDefinitions" EntityType="mscrm.EntityMetadata"/>
<EntitySet Name="GlobalOptionSetDefinitions" EntityType="mscrm.OptionSetMetadataBase"/>
<FunctionImport Name="WhoAmI" Function="mscrm.WhoAmI"/>
<ActionImport Name="GrantAccess" Action="mscrm.GrantAccess"/>
<ActionImport Name="ModifyAccess" Action="mscrm.ModifyAccess"/>
<ActionImport Name="RevokeAccess" Action="mscrm.RevokeAccess"/>
<FunctionImport Name="RetrieveSharedPrincipalsAndAccess" Function="mscrm.RetrieveSharedPrincipalsAndAccess"/>
` + solutionImportsCSDL + `
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

// operationsCSDL declares the actions and functions served besides WhoAmI, with the types
// Dataverse gives them, so that clients generated from $metadata can call them. The principal
// of PrincipalAccess is a navigation property, as in Dataverse: principal is an entity type.
const operationsCSDL = `<EnumType Name="AccessRights" IsFlags="true"><Member Name="None" Value="0"/><Member Name="ReadAccess" Value="1"/><Member Name="WriteAccess" Value="2"/><Member Name="AppendAccess" Value="4"/><Member Name="AppendToAccess" Value="16"/><Member Name="CreateAccess" Value="32"/><Member Name="DeleteAccess" Value="65536"/><Member Name="ShareAccess" Value="262144"/><Member Name="AssignAccess" Value="524288"/></EnumType>
<EnumType Name="PrivilegeDepth"><Member Name="Basic" Value="0"/><Member Name="Local" Value="1"/><Member Name="Deep" Value="2"/><Member Name="Global" Value="3"/></EnumType>
<ComplexType Name="PrincipalAccess"><Property Name="AccessMask" Type="mscrm.AccessRights" Nullable="false"/><NavigationProperty Name="Principal" Type="mscrm.principal" Nullable="false"/></ComplexType>
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
` + solutionsCSDL

// solutionImportsCSDL makes the solution actions callable unbound.
const solutionImportsCSDL = `<ActionImport Name="AddSolutionComponent" Action="mscrm.AddSolutionComponent"/>
<ActionImport Name="RemoveSolutionComponent" Action="mscrm.RemoveSolutionComponent"/>
<ActionImport Name="ExportSolution" Action="mscrm.ExportSolution"/>
<ActionImport Name="ExportSolutionAsync" Action="mscrm.ExportSolutionAsync"/>
<ActionImport Name="DownloadSolutionExportData" Action="mscrm.DownloadSolutionExportData"/>
<ActionImport Name="ImportSolution" Action="mscrm.ImportSolution"/>
<ActionImport Name="ImportSolutionAsync" Action="mscrm.ImportSolutionAsync"/>
<ActionImport Name="StageSolution" Action="mscrm.StageSolution"/>
<ActionImport Name="PublishAllXml" Action="mscrm.PublishAllXml"/>
`

// solutionsCSDL declares the managed property type of iscustomizable and the solution
// actions (solutions spec §2, §4.1) with Dataverse's parameter and response types.
const solutionsCSDL = `<ComplexType Name="BooleanManagedProperty"><Property Name="Value" Type="Edm.Boolean" Nullable="false"/><Property Name="CanBeChanged" Type="Edm.Boolean" Nullable="false"/><Property Name="ManagedPropertyLogicalName" Type="Edm.String"/></ComplexType>
<ComplexType Name="AddSolutionComponentResponse"><Property Name="id" Type="Edm.Guid" Nullable="false"/></ComplexType>
<ComplexType Name="RemoveSolutionComponentResponse"><Property Name="id" Type="Edm.Guid" Nullable="false"/></ComplexType>
<ComplexType Name="ExportSolutionResponse"><Property Name="ExportSolutionFile" Type="Edm.Binary"/></ComplexType>
<ComplexType Name="ExportSolutionAsyncResponse"><Property Name="AsyncOperationId" Type="Edm.Guid" Nullable="false"/><Property Name="ExportJobId" Type="Edm.Guid" Nullable="false"/></ComplexType>
<ComplexType Name="DownloadSolutionExportDataResponse"><Property Name="ExportSolutionFile" Type="Edm.Binary"/></ComplexType>
<ComplexType Name="ImportSolutionAsyncResponse"><Property Name="AsyncOperationId" Type="Edm.Guid" Nullable="false"/><Property Name="ImportJobKey" Type="Edm.String"/></ComplexType>
<ComplexType Name="SolutionParameters"><Property Name="StageSolutionUploadId" Type="Edm.String"/></ComplexType>
<ComplexType Name="SolutionDetails"><Property Name="SolutionUniqueName" Type="Edm.String"/><Property Name="SolutionFriendlyName" Type="Edm.String"/><Property Name="SolutionVersion" Type="Edm.String"/><Property Name="IsManaged" Type="Edm.Boolean" Nullable="false"/><Property Name="PublisherUniqueName" Type="Edm.String"/><Property Name="PublisherFriendlyName" Type="Edm.String"/></ComplexType>
<ComplexType Name="SolutionComponentDetails"><Property Name="ComponentType" Type="Edm.Int32" Nullable="false"/><Property Name="ComponentId" Type="Edm.Guid" Nullable="false"/><Property Name="ComponentName" Type="Edm.String"/><Property Name="ComponentTypeName" Type="Edm.String"/></ComplexType>
<ComplexType Name="MissingDependency"><Property Name="RequiredComponentSchemaName" Type="Edm.String"/><Property Name="DependentComponentSchemaName" Type="Edm.String"/></ComplexType>
<ComplexType Name="SolutionValidationResult"><Property Name="SolutionValidationResultType" Type="Edm.String"/><Property Name="ErrorCode" Type="Edm.String"/><Property Name="Message" Type="Edm.String"/><Property Name="AdditionalInfo" Type="Edm.String"/></ComplexType>
<ComplexType Name="StageSolutionResults"><Property Name="StageSolutionStatus" Type="Edm.Int32" Nullable="false"/><Property Name="StageSolutionUploadId" Type="Edm.String"/><Property Name="SolutionDetails" Type="mscrm.SolutionDetails"/><Property Name="SolutionComponentsDetails" Type="Collection(mscrm.SolutionComponentDetails)"/><Property Name="MissingDependencies" Type="Collection(mscrm.MissingDependency)"/><Property Name="SolutionValidationResults" Type="Collection(mscrm.SolutionValidationResult)"/></ComplexType>
<ComplexType Name="StageSolutionResponse"><Property Name="StageSolutionResults" Type="mscrm.StageSolutionResults"/></ComplexType>
<Action Name="AddSolutionComponent"><Parameter Name="ComponentId" Type="Edm.Guid" Nullable="false"/><Parameter Name="ComponentType" Type="Edm.Int32" Nullable="false"/><Parameter Name="SolutionUniqueName" Type="Edm.String" Nullable="false"/><Parameter Name="AddRequiredComponents" Type="Edm.Boolean" Nullable="false"/><Parameter Name="DoNotIncludeSubcomponents" Type="Edm.Boolean"/><Parameter Name="IncludedComponentSettingsValues" Type="Collection(Edm.String)"/><ReturnType Type="mscrm.AddSolutionComponentResponse" Nullable="false"/></Action>
<Action Name="RemoveSolutionComponent"><Parameter Name="SolutionComponent" Type="mscrm.crmbaseentity" Nullable="false"/><Parameter Name="ComponentType" Type="Edm.Int32" Nullable="false"/><Parameter Name="SolutionUniqueName" Type="Edm.String" Nullable="false"/><ReturnType Type="mscrm.RemoveSolutionComponentResponse" Nullable="false"/></Action>
<Action Name="ExportSolution"><Parameter Name="SolutionName" Type="Edm.String" Nullable="false"/><Parameter Name="Managed" Type="Edm.Boolean" Nullable="false"/><Parameter Name="TargetVersion" Type="Edm.String"/><Parameter Name="ExportAutoNumberingSettings" Type="Edm.Boolean"/><Parameter Name="ExportCalendarSettings" Type="Edm.Boolean"/><Parameter Name="ExportCustomizationSettings" Type="Edm.Boolean"/><Parameter Name="ExportEmailTrackingSettings" Type="Edm.Boolean"/><Parameter Name="ExportGeneralSettings" Type="Edm.Boolean"/><Parameter Name="ExportMarketingSettings" Type="Edm.Boolean"/><Parameter Name="ExportOutlookSynchronizationSettings" Type="Edm.Boolean"/><Parameter Name="ExportRelationshipRoles" Type="Edm.Boolean"/><Parameter Name="ExportIsvConfig" Type="Edm.Boolean"/><Parameter Name="ExportSales" Type="Edm.Boolean"/><Parameter Name="ExportExternalApplications" Type="Edm.Boolean"/><ReturnType Type="mscrm.ExportSolutionResponse" Nullable="false"/></Action>
<Action Name="ExportSolutionAsync"><Parameter Name="SolutionName" Type="Edm.String" Nullable="false"/><Parameter Name="Managed" Type="Edm.Boolean" Nullable="false"/><ReturnType Type="mscrm.ExportSolutionAsyncResponse" Nullable="false"/></Action>
<Action Name="DownloadSolutionExportData"><Parameter Name="ExportJobId" Type="Edm.Guid" Nullable="false"/><ReturnType Type="mscrm.DownloadSolutionExportDataResponse" Nullable="false"/></Action>
<Action Name="ImportSolution"><Parameter Name="OverwriteUnmanagedCustomizations" Type="Edm.Boolean" Nullable="false"/><Parameter Name="PublishWorkflows" Type="Edm.Boolean" Nullable="false"/><Parameter Name="CustomizationFile" Type="Edm.Binary" Nullable="false"/><Parameter Name="ImportJobId" Type="Edm.Guid" Nullable="false"/><Parameter Name="ConvertToManaged" Type="Edm.Boolean"/><Parameter Name="SkipProductUpdateDependencies" Type="Edm.Boolean"/><Parameter Name="HoldingSolution" Type="Edm.Boolean"/><Parameter Name="ComponentParameters" Type="Collection(mscrm.crmbaseentity)"/><Parameter Name="SolutionParameters" Type="mscrm.SolutionParameters"/></Action>
<Action Name="ImportSolutionAsync"><Parameter Name="OverwriteUnmanagedCustomizations" Type="Edm.Boolean" Nullable="false"/><Parameter Name="PublishWorkflows" Type="Edm.Boolean" Nullable="false"/><Parameter Name="CustomizationFile" Type="Edm.Binary"/><Parameter Name="ConvertToManaged" Type="Edm.Boolean"/><Parameter Name="SkipProductUpdateDependencies" Type="Edm.Boolean"/><Parameter Name="HoldingSolution" Type="Edm.Boolean"/><Parameter Name="ComponentParameters" Type="Collection(mscrm.crmbaseentity)"/><Parameter Name="SolutionParameters" Type="mscrm.SolutionParameters"/><ReturnType Type="mscrm.ImportSolutionAsyncResponse" Nullable="false"/></Action>
<Action Name="StageSolution"><Parameter Name="CustomizationFile" Type="Edm.Binary"/><Parameter Name="StageSolutionUploadId" Type="Edm.String"/><ReturnType Type="mscrm.StageSolutionResponse" Nullable="false"/></Action>
<Action Name="PublishAllXml"/>
`
