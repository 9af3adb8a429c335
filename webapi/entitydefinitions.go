package webapi

import (
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/odata"
)

// EntityDefinitions and GlobalOptionSetDefinitions: the table metadata of Dataverse's
// metadata model, derived from the column metadata the server already has (the connector's
// Columns, the identity tables' columns and what their bodies may set), never from a second
// list of columns.

// mobj is one metadata object: a table, an attribute, a relationship, an option set.
type mobj struct {
	t    *mtype
	vals map[string]any     // structural properties; a property of t missing here is null
	navs map[string][]*mobj // navigation properties; a single-valued one has at most one
}

func (o *mobj) id() string { return o.vals["MetadataId"].(string) }

// label is a Label: one localized label in 1033, or none when text is "".
type label struct{ text, id string }

func newLabel(text, context string) label { return label{text, stableID("label " + context)} }

// kv is a member of a complex value written in order.
type kv struct {
	k string
	v any
}

// cobj is a complex value, such as RequiredLevel or an option.
type cobj []kv

// metadataModel is built once: the model does not change while the server runs.
var metadataModel = buildMetadataModel()

type metadataModelT struct {
	tables     []*mobj
	optionSets []*mobj // the global option sets, GlobalOptionSetDefinitions
}

// attrSource is what an attribute is derived from: a connector or identity column.
type attrSource struct {
	name           string // the attribute's logical name: the navigation property of a lookup
	kind           connectorhub.ColumnKind
	maxLength      int
	create, update bool
	choices        map[int]string
	targets        []string
}

// tableAttributes derives the attributes of a table from its columns. ownerid of systemuser
// and team is principal's, not an attribute of theirs, as in Dataverse.
func tableAttributes(e *entityDef) []attrSource {
	var out []attrSource
	if e.Identity == nil {
		for _, c := range connectorhub.Columns {
			a := attrSource{name: c.Name, kind: c.Kind, maxLength: c.MaxLength, create: c.ValidForCreate, update: c.ValidForUpdate, choices: c.Choices}
			if c.Kind == connectorhub.KindLookup {
				// Bodies bind the owner (ownerid@odata.bind); the other lookups follow from it
				// and from the caller.
				a.name, a.targets = c.NavigationProperty, c.Targets
				a.create = c.NavigationProperty == "ownerid"
				a.update = a.create
			}
			out = append(out, a)
		}
		return out
	}
	w := identityWrites[e.Identity]
	for _, c := range e.Identity.Columns {
		if c.Name == "ownerid" {
			continue
		}
		a := attrSource{name: c.Name, kind: c.Kind, maxLength: c.MaxLength, choices: c.Choices,
			create: contains(w.create, c.Name), update: contains(w.update, c.Name)}
		if c.Kind == connectorhub.KindLookup {
			a.name, a.targets = c.NavigationProperty, []string{c.Target}
			_, a.create = w.binds[c.NavigationProperty]
		}
		out = append(out, a)
	}
	return out
}

// requiredLevels are Dataverse's required levels where the rules of requiredLevel do not
// give them (spec §1.2).
var requiredLevels = map[string]string{
	"connector.connectortype": "ApplicationRequired", "connector.ismanaged": "SystemRequired",
	"connector.componentstate": "SystemRequired", "connector.solutionid": "SystemRequired",
	"systemuser.businessunitid": "SystemRequired", "team.businessunitid": "SystemRequired", "role.businessunitid": "SystemRequired",
}

func requiredLevel(e *entityDef, a attrSource) string {
	if v := requiredLevels[e.LogicalName+"."+a.name]; v != "" {
		return v
	}
	switch a.name {
	case e.PrimaryID, "ownerid", "statecode":
		return "SystemRequired"
	case e.PrimaryName:
		return "ApplicationRequired"
	}
	return "None"
}

// globalOptionSets names the choices that use a global option set, as Dataverse's (spec §1.2).
var globalOptionSets = map[string]string{
	"connector.connectortype": "connectortype", "connector.capabilities": "capability", "connector.componentstate": "componentstate",
}

// maxStringLength is the longest a Dataverse String column may be; longer text is Memo.
const maxStringLength = 4000

// attributeType gives the metadata type, AttributeType and AttributeTypeName of an attribute.
func attributeType(a attrSource) (t *mtype, code, typeName string) {
	switch a.kind {
	case connectorhub.KindString:
		if a.maxLength > maxStringLength {
			return metadataType("MemoAttributeMetadata"), "Memo", "MemoType"
		}
		return metadataType("StringAttributeMetadata"), "String", "StringType"
	case connectorhub.KindInt:
		return metadataType("IntegerAttributeMetadata"), "Integer", "IntegerType"
	case connectorhub.KindBigInt:
		return metadataType("BigIntAttributeMetadata"), "BigInt", "BigIntType"
	case connectorhub.KindGUID:
		return metadataType("UniqueIdentifierAttributeMetadata"), "Uniqueidentifier", "UniqueidentifierType"
	case connectorhub.KindDateTime:
		return metadataType("DateTimeAttributeMetadata"), "DateTime", "DateTimeType"
	case connectorhub.KindBool:
		return metadataType("BooleanAttributeMetadata"), "Boolean", "BooleanType"
	case connectorhub.KindChoice:
		switch a.name {
		case "statecode":
			return metadataType("StateAttributeMetadata"), "State", "StateType"
		case "statuscode":
			return metadataType("StatusAttributeMetadata"), "Status", "StatusType"
		}
		return metadataType("PicklistAttributeMetadata"), "Picklist", "PicklistType"
	case connectorhub.KindMultiChoice:
		return metadataType("MultiSelectPicklistAttributeMetadata"), "Virtual", "MultiSelectPicklistType"
	case connectorhub.KindLookup:
		if a.name == "ownerid" {
			return metadataType("LookupAttributeMetadata"), "Owner", "OwnerType"
		}
		return metadataType("LookupAttributeMetadata"), "Lookup", "LookupType"
	case connectorhub.KindImage:
		return metadataType("ImageAttributeMetadata"), "Virtual", "ImageType"
	case connectorhub.KindDouble:
		return metadataType("DoubleAttributeMetadata"), "Double", "DoubleType"
	case connectorhub.KindManagedProperty:
		return metadataType("ManagedPropertyAttributeMetadata"), "ManagedProperty", "ManagedPropertyType"
	}
	panic("webapi: no attribute type for column kind")
}

func newMobj(t *mtype, id string) *mobj {
	return &mobj{t: t, vals: map[string]any{"MetadataId": id}, navs: map[string][]*mobj{}}
}

func buildAttribute(e *entityDef, a attrSource, column int, optionSets map[string]*mobj) *mobj {
	t, code, typeName := attributeType(a)
	ctx := e.LogicalName + "." + a.name
	o := newMobj(t, stableID("attribute "+ctx))
	for k, v := range map[string]any{
		"LogicalName": a.name, "SchemaName": a.name, "EntityLogicalName": e.LogicalName, "ColumnNumber": column,
		"AttributeType": code, "AttributeTypeName": cobj{{"Value", typeName}},
		"DisplayName": label{}, "Description": label{},
		"RequiredLevel":    cobj{{"Value", requiredLevel(e, a)}, {"CanBeChanged", false}, {"ManagedPropertyLogicalName", "canmodifyrequirementlevelsettings"}},
		"IsValidForCreate": a.create, "IsValidForUpdate": a.update, "IsValidForRead": true,
		"IsPrimaryId": a.name == e.PrimaryID, "IsPrimaryName": a.name == e.PrimaryName,
		"IsCustomAttribute": false, "IsManaged": true, "IsLogical": false,
	} {
		o.vals[k] = v
	}
	switch t.name {
	case "StringAttributeMetadata":
		o.vals["MaxLength"], o.vals["FormatName"] = a.maxLength, cobj{{"Value", "Text"}}
	case "MemoAttributeMetadata":
		o.vals["MaxLength"], o.vals["FormatName"] = a.maxLength, cobj{{"Value", "TextArea"}}
	case "IntegerAttributeMetadata":
		o.vals["MinValue"], o.vals["MaxValue"] = -2147483648, 2147483647
	case "ManagedPropertyAttributeMetadata":
		o.vals["ManagedPropertyLogicalName"], o.vals["ValueAttributeTypeCode"] = "iscustomizableanddeletable", "Boolean"
	case "DoubleAttributeMetadata":
		o.vals["MinValue"], o.vals["MaxValue"], o.vals["Precision"] = float64(0), float64(100), 2
	case "BigIntAttributeMetadata":
		o.vals["MinValue"], o.vals["MaxValue"] = int64(-9223372036854775808), int64(9223372036854775807)
	case "DateTimeAttributeMetadata":
		o.vals["Format"], o.vals["DateTimeBehavior"] = "DateAndTime", cobj{{"Value", "UserLocal"}}
	case "BooleanAttributeMetadata":
		o.vals["DefaultValue"] = false
	case "LookupAttributeMetadata":
		o.vals["Targets"] = a.targets
	case "ImageAttributeMetadata":
		// The icon's limits (spec §1.2, §7.3).
		for k, v := range map[string]any{"IsPrimaryImage": true, "MaxHeight": 144, "MaxWidth": 144, "MaxSizeInKB": 10240, "CanStoreFullImage": false} {
			o.vals[k] = v
		}
	}
	if t.derives(metadataType("EnumAttributeMetadata")) {
		o.vals["DefaultFormValue"] = -1
		global := globalOptionSets[ctx]
		name := global
		if name == "" {
			name = e.LogicalName + "_" + a.name
		}
		set := optionSets[name]
		if set == nil {
			set = buildOptionSet(name, global != "", code, a.choices)
			optionSets[name] = set
		}
		o.navs["OptionSet"] = []*mobj{set}
		if global != "" {
			o.navs["GlobalOptionSet"] = []*mobj{set}
		}
	}
	return o
}

// buildOptionSet describes the choices of a column. The state and status options carry their
// pairing, derived from their labels (Active ↔ Active, Inactive ↔ Inactive).
func buildOptionSet(name string, global bool, code string, choices map[int]string) *mobj {
	o := newMobj(metadataType("OptionSetMetadata"), stableID("optionset "+name))
	setType := "Picklist"
	if code == "State" || code == "Status" {
		setType = code
	}
	for k, v := range map[string]any{"Name": name, "IsGlobal": global, "IsCustomOptionSet": false, "IsManaged": true,
		"OptionSetType": setType, "DisplayName": label{}, "Description": label{}} {
		o.vals[k] = v
	}
	pair := func(labels map[int]string, text string) any {
		for v, l := range labels {
			if l == text {
				return v
			}
		}
		return nil
	}
	var options []cobj
	for _, v := range slices.Sorted(maps.Keys(choices)) {
		opt := cobj{{"Value", v}, {"Label", newLabel(choices[v], "option "+name+fmt.Sprint(v))}, {"Description", label{}},
			{"Color", nil}, {"IsManaged", true}, {"ExternalValue", nil}, {"MetadataId", nil}, {"HasChanged", nil}}
		switch setType {
		case "State":
			opt = append(cobj{{"@odata.type", "#Microsoft.Dynamics.CRM.StateOptionMetadata"}}, opt...)
			opt = append(opt, kv{"DefaultStatus", pair(connectorhub.StatusCodeLabels, choices[v])}, kv{"InvariantName", choices[v]})
		case "Status":
			opt = append(cobj{{"@odata.type", "#Microsoft.Dynamics.CRM.StatusOptionMetadata"}}, opt...)
			opt = append(opt, kv{"State", pair(connectorhub.StateCodeLabels, choices[v])}, kv{"TransitionData", nil})
		}
		options = append(options, opt)
	}
	o.vals["Options"] = options
	return o
}

// relationshipName is Dataverse's schema name of the relationship of a lookup.
func relationshipName(table, nav string) string {
	switch nav {
	case "ownerid":
		return "owner_" + table
	case "owninguser":
		return "user_" + table
	case "owningteam":
		return "team_" + table
	case "owningbusinessunit":
		return "business_unit_" + table
	}
	if name, ok := map[string]string{
		"systemuser.businessunitid": "business_unit_system_users", "team.businessunitid": "business_unit_teams",
		"role.businessunitid": "business_unit_roles", "businessunit.parentbusinessunitid": "business_unit_parent_business_unit",
	}[table+"."+nav]; ok {
		return name
	}
	return "lk_" + table + "_" + nav
}

func buildMetadataModel() *metadataModelT {
	m := &metadataModelT{}
	optionSets := map[string]*mobj{}
	var manyToOne []*mobj
	for i := range entities {
		e := &entities[i]
		o := newMobj(metadataType("EntityMetadata"), metadataID(e.LogicalName))
		for k, v := range map[string]any{
			"LogicalName": e.LogicalName, "SchemaName": e.LogicalName, "EntitySetName": e.EntitySetName,
			"LogicalCollectionName": e.EntitySetName, "CollectionSchemaName": e.EntitySetName,
			"PrimaryIdAttribute": e.PrimaryID, "PrimaryNameAttribute": e.PrimaryName,
			"ObjectTypeCode": e.ObjectType, "OwnershipType": e.Ownership, "TableType": "Standard",
			"IsCustomEntity": false, "IsActivity": false, "IsIntersect": false, "IsManaged": true, "IsPrivate": false,
			// Change tracking is served on connectors (Prefer: odata.track-changes).
			"ChangeTrackingEnabled": e.LogicalName == connectorhub.ConnectorLogicalName,
			"DisplayName":           newLabel(e.DisplayName, "entity "+e.LogicalName+" DisplayName"),
			"DisplayCollectionName": newLabel(e.DisplayCollectionName, "entity "+e.LogicalName+" DisplayCollectionName"),
			"Description":           newLabel(e.Description, "entity "+e.LogicalName+" Description"),
		} {
			o.vals[k] = v
		}
		o.navs["Keys"] = []*mobj{}
		attrs := []*mobj{}
		var rels []*mobj
		for j, a := range tableAttributes(e) {
			attr := buildAttribute(e, a, j+1, optionSets)
			attrs = append(attrs, attr)
			if a.kind == connectorhub.KindImage && o.vals["PrimaryImageAttribute"] == nil {
				o.vals["PrimaryImageAttribute"] = a.name
			}
			if a.kind != connectorhub.KindLookup {
				continue
			}
			referenced, key := "owner", "ownerid"
			if len(a.targets) == 1 {
				referenced, key = a.targets[0], ""
				for _, t := range entities {
					if t.LogicalName == referenced {
						key = t.PrimaryID
					}
				}
			}
			name := relationshipName(e.LogicalName, a.name)
			rel := newMobj(metadataType("OneToManyRelationshipMetadata"), stableID("relationship "+name))
			for k, v := range map[string]any{"SchemaName": name, "RelationshipType": "OneToManyRelationship",
				"IsCustomRelationship": false, "IsManaged": true, "ReferencedAttribute": key, "ReferencedEntity": referenced,
				"ReferencingAttribute": a.name, "ReferencingEntity": e.LogicalName,
				"ReferencedEntityNavigationPropertyName": name, "ReferencingEntityNavigationPropertyName": a.name} {
				rel.vals[k] = v
			}
			rels = append(rels, rel)
		}
		o.navs["Attributes"] = attrs
		o.navs["ManyToOneRelationships"] = append([]*mobj{}, rels...)
		manyToOne = append(manyToOne, rels...)
		var m2m []*mobj
		for _, r := range connectorhub.Relationships {
			if e.Identity == nil || r.Tables[0] != e.Identity && r.Tables[1] != e.Identity {
				continue
			}
			rel := newMobj(metadataType("ManyToManyRelationshipMetadata"), stableID("relationship "+r.Name))
			for k, v := range map[string]any{"SchemaName": r.Name, "RelationshipType": "ManyToManyRelationship",
				"IsCustomRelationship": false, "IsManaged": true,
				"Entity1LogicalName": r.Tables[0].LogicalName, "Entity2LogicalName": r.Tables[1].LogicalName,
				"IntersectEntityName":       strings.TrimSuffix(r.Name, "_association"),
				"Entity1IntersectAttribute": r.Tables[0].PrimaryID, "Entity2IntersectAttribute": r.Tables[1].PrimaryID,
				"Entity1NavigationPropertyName": r.Name, "Entity2NavigationPropertyName": r.Name} {
				rel.vals[k] = v
			}
			m2m = append(m2m, rel)
		}
		o.navs["ManyToManyRelationships"] = m2m
		m.tables = append(m.tables, o)
	}
	// The one-to-many relationships of a table are the many-to-one ones that refer to it.
	for _, o := range m.tables {
		one := []*mobj{}
		for _, rel := range manyToOne {
			if rel.vals["ReferencedEntity"] == o.vals["LogicalName"] {
				one = append(one, rel)
			}
		}
		o.navs["OneToManyRelationships"] = one
	}
	for _, name := range slices.Sorted(maps.Keys(optionSets)) {
		if set := optionSets[name]; set.vals["IsGlobal"] == true {
			m.optionSets = append(m.optionSets, set)
		}
	}
	return m
}

// alternateKey is the property a metadata collection is keyed by besides MetadataId:
// EntityDefinitions(LogicalName='connector'), GlobalOptionSetDefinitions(Name='capability').
func alternateKey(t *mtype) string {
	switch {
	case t.derives(metadataType("RelationshipMetadataBase")):
		return "SchemaName"
	case t.derives(metadataType("OptionSetMetadataBase")):
		return "Name"
	}
	return "LogicalName"
}

// metadataResult is where a metadata path leads: one object or a collection, of a declared type.
type metadataResult struct {
	single   *mobj
	isSingle bool
	coll     []*mobj
	static   *mtype
	context  []string
}

// metadataResource serves GET EntityDefinitions and GlobalOptionSetDefinitions and the paths
// under them: EntityDefinitions(LogicalName='connector')/Attributes(LogicalName='statecode')/
// Microsoft.Dynamics.CRM.StateAttributeMetadata, …/OneToManyRelationships, with $select,
// $filter and $expand. What is not answered is refused, never ignored.
func (s *Server) metadataResource(w http.ResponseWriter, r *request, segs []segment) error {
	res := metadataResult{static: metadataType("EntityMetadata"), coll: metadataModel.tables, context: []string{segs[0].name}}
	if segs[0].name == "GlobalOptionSetDefinitions" {
		res.static, res.coll = metadataType("OptionSetMetadataBase"), metadataModel.optionSets
	}
	keyAt, keyText := -1, ""
	if segs[0].hasKey {
		o, err := pickByKey(res.coll, res.static, segs[0].key)
		if err != nil {
			return err
		}
		res.single, res.isSingle, res.coll = o, true, nil
		keyAt, keyText = 0, "'"+fmt.Sprint(o.vals[alternateKey(res.static)])+"'"
	}
	for _, seg := range segs[1:] {
		if cast, ok := strings.CutPrefix(seg.name, "Microsoft.Dynamics.CRM."); ok {
			t := metadataType(cast)
			if seg.hasKey || t == nil || t.complex || !t.derives(res.static) {
				return connectorhub.Errorf(connectorhub.ECodeBadRequest, "The type cast '%s' is not a type derived from '%s'.", seg.name, res.static.qualified())
			}
			if res.isSingle {
				if !res.single.t.derives(t) {
					return connectorhub.Errorf(connectorhub.ECodeNotFound, "The %s '%s' is not a %s.", res.static.name, res.single.vals[alternateKey(res.static)], t.qualified())
				}
			} else {
				var kept []*mobj
				for _, o := range res.coll {
					if o.t.derives(t) {
						kept = append(kept, o)
					}
				}
				res.coll = kept
			}
			res.static = t
			res.context = append(res.context, t.qualified())
			continue
		}
		var nav *mnav
		if res.isSingle {
			nav = res.static.nav(seg.name)
		}
		if nav == nil || seg.name == "$count" {
			return resourceNotFound(seg.name)
		}
		if keyAt >= 0 {
			res.context[keyAt] += "(" + keyText + ")"
			keyAt = -1
		}
		items := res.single.navs[nav.name]
		res.static = metadataType(nav.typ)
		res.context = append(res.context, nav.name)
		if !nav.many {
			if seg.hasKey {
				return connectorhub.Errorf(connectorhub.ECodeBadRequest, "'%s' is single-valued: it takes no key.", nav.name)
			}
			if len(items) == 0 {
				values, err := queryValues(r)
				if err != nil {
					return err
				}
				if err := checkMetadataOptions(values, true); err != nil {
					return err
				}
				w.WriteHeader(http.StatusNoContent)
				return nil
			}
			res.single = items[0]
			continue
		}
		res.single, res.isSingle, res.coll = nil, false, items
		if seg.hasKey {
			o, err := pickByKey(items, res.static, seg.key)
			if err != nil {
				return err
			}
			res.single, res.isSingle, res.coll = o, true, nil
			keyAt, keyText = len(res.context)-1, o.id()
		}
	}
	return s.writeMetadataResult(w, r, &res)
}

// pickByKey finds the object of a key: a MetadataId, or the collection's alternate key
// (LogicalName='connector').
func pickByKey(coll []*mobj, t *mtype, key string) (*mobj, error) {
	alt := alternateKey(t)
	match := func(o *mobj) bool { return false }
	if id, ok := connectorhub.ParseGUID(strings.TrimPrefix(key, "MetadataId=")); ok {
		match = func(o *mobj) bool { return o.id() == id }
	} else if v, ok := strings.CutPrefix(key, alt+"="); ok && len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		v = strings.ReplaceAll(v[1:len(v)-1], "''", "'")
		match = func(o *mobj) bool { s, _ := o.vals[alt].(string); return strings.EqualFold(s, v) }
	} else {
		return nil, connectorhub.Errorf(connectorhub.ECodeBadRequest, "'%s' is not a valid key of %s: give its MetadataId or %s='…'.", key, t.qualified(), alt)
	}
	for _, o := range coll {
		if match(o) {
			return o, nil
		}
	}
	return nil, connectorhub.Errorf(connectorhub.ECodeNotFound, "Could not find a %s with key %s.", t.name, key)
}

// checkMetadataOptions refuses the query options the metadata resources do not answer.
func checkMetadataOptions(values url.Values, single bool) error {
	for name, v := range values {
		switch {
		case name == "$select" || name == "$expand" || name == "$filter" && !single:
			if len(v) > 1 {
				return queryError("The query option '%s' is specified more than once.", name)
			}
		case name == "$filter":
			return queryError("The query option '$filter' is not supported on a single metadata object, only on collections.")
		case name == "LabelLanguages":
			for _, lang := range strings.Split(strings.Join(v, ","), ",") {
				if strings.TrimSpace(lang) != "1033" {
					return queryError("LabelLanguages '%s' is not supported: ConnectorHub's labels are in 1033 only.", lang)
				}
			}
		case strings.HasPrefix(name, "$") || strings.EqualFold(name, "fetchXml") || strings.EqualFold(name, "savedQuery") || strings.EqualFold(name, "userQuery"):
			return queryError("The query option '%s' is not supported on the metadata resources yet; $select, $filter and $expand are.", name)
		}
	}
	return nil
}

// metaExpansion is one checked item of $expand on a metadata resource.
type metaExpansion struct {
	nav    *mnav
	target *mtype
	sel    []string // nil: every property
	filter odata.Expr
}

// metaSelect checks $select against the declared type: an unknown property is a 400 that names it.
func metaSelect(items odata.Select, t *mtype) ([]string, error) {
	var out []string
	for _, it := range items {
		if t.prop(it.Name) == nil {
			if t.nav(it.Name) != nil {
				return nil, connectorhub.Errorf(connectorhub.ECodeBadRequest, "'%s' is a navigation property of type '%s': use $expand=%s.", it.Name, t.qualified(), it.Name)
			}
			return nil, connectorhub.Errorf(connectorhub.ECodeBadRequest, "Could not find a property named '%s' on type '%s'.", it.Name, t.qualified())
		}
		if !slices.Contains(out, it.Name) {
			out = append(out, it.Name)
		}
	}
	return out, nil
}

func (s *Server) writeMetadataResult(w http.ResponseWriter, r *request, res *metadataResult) error {
	values, err := queryValues(r)
	if err != nil {
		return err
	}
	if err := checkMetadataOptions(values, res.isSingle); err != nil {
		return err
	}
	var sel []string
	if v := values.Get("$select"); values.Has("$select") {
		items, err := odata.ParseSelect(v)
		if err != nil {
			return asQueryError(err)
		}
		if sel, err = metaSelect(items, res.static); err != nil {
			return err
		}
	}
	var filter odata.Expr
	if v := values.Get("$filter"); values.Has("$filter") {
		var err error
		if filter, err = odata.ParseFilter(v, nil); err != nil {
			return asQueryError(err)
		}
		if err := checkMetaFilter(filter, res.static); err != nil {
			return err
		}
	}
	var expansions []metaExpansion
	if v := values.Get("$expand"); values.Has("$expand") {
		items, err := odata.ParseExpand(v)
		if err != nil {
			return asQueryError(err)
		}
		for _, it := range items {
			nav := res.static.nav(it.Nav)
			if nav == nil {
				return connectorhub.Errorf(connectorhub.ECodeBadRequest, "Could not find a navigation property named '%s' on type '%s'.", it.Nav, res.static.qualified())
			}
			x := metaExpansion{nav: nav, target: metadataType(nav.typ), filter: it.Filter}
			switch {
			case it.Ref || it.OrderBy != nil || it.Top != nil || it.Expand != nil:
				return queryError("Only $select and $filter are supported inside $expand=%s; $ref, $orderby, $top and nested $expand are not.", it.Nav)
			case it.Filter != nil && !nav.many:
				return queryError("$filter is not supported inside $expand=%s: it is single-valued.", it.Nav)
			case slices.ContainsFunc(expansions, func(e metaExpansion) bool { return e.nav == nav }):
				return queryError("The navigation property '%s' is expanded more than once.", it.Nav)
			}
			if it.Select != nil {
				if x.sel, err = metaSelect(it.Select, x.target); err != nil {
					return err
				}
			}
			if it.Filter != nil {
				if err := checkMetaFilter(it.Filter, x.target); err != nil {
					return err
				}
			}
			expansions = append(expansions, x)
		}
	}
	context := r.base + "/$metadata#" + strings.Join(res.context, "/")
	var parts []string
	if sel != nil {
		parts = append(parts, sel...)
	}
	for _, x := range expansions {
		parts = append(parts, x.nav.name+"("+strings.Join(x.sel, ",")+")")
	}
	if parts != nil {
		context += "(" + strings.Join(parts, ",") + ")"
	}
	var b jsonBuffer
	b.raw(`{"@odata.context":`)
	if res.isSingle {
		b.str(context + "/$entity")
		writeMetaMembers(&b, res.single, res.static, sel, expansions, false)
		b.raw("}")
	} else {
		b.str(context)
		b.raw(`,"value":[`)
		n := 0
		for _, o := range res.coll {
			if filter != nil && !evalMetaFilter(o, filter) {
				continue
			}
			if n++; n > 1 {
				b.raw(",")
			}
			b.raw("{")
			writeMetaMembers(&b, o, res.static, sel, expansions, true)
			b.raw("}")
		}
		b.raw("]}")
	}
	writeJSON(w, http.StatusOK, b.bytes())
	return nil
}

// writeMetaMembers writes the members of an object: its @odata.type, the selected properties
// (every one of its type by default; MetadataId, the key, always), then the expansions. first
// is true for the objects of a collection and expanded objects, where no member precedes them
// and the type is always written; the single object answered at the top follows its
// @odata.context and names its type only when it is derived from the declared one.
func writeMetaMembers(b *jsonBuffer, o *mobj, static *mtype, sel []string, expansions []metaExpansion, first bool) {
	member := func(name string) {
		if !first {
			b.raw(",")
		}
		first = false
		b.str(name)
		b.raw(":")
	}
	if first || o.t != static {
		member("@odata.type")
		b.str("#" + o.t.qualified())
	}
	names := sel
	if names == nil {
		for _, p := range o.t.allProps() {
			names = append(names, p.name)
		}
	} else if !slices.Contains(names, "MetadataId") {
		names = append(slices.Clip(names), "MetadataId")
	}
	for _, name := range names {
		member(name)
		writeMetaValue(b, o.vals[name])
	}
	for _, x := range expansions {
		member(x.nav.name)
		items := o.navs[x.nav.name]
		if !x.nav.many {
			if len(items) == 0 {
				b.raw("null")
				continue
			}
			b.raw("{")
			writeMetaMembers(b, items[0], x.target, x.sel, nil, true)
			b.raw("}")
			continue
		}
		b.raw("[")
		n := 0
		for _, it := range items {
			if x.filter != nil && !evalMetaFilter(it, x.filter) {
				continue
			}
			if n++; n > 1 {
				b.raw(",")
			}
			b.raw("{")
			writeMetaMembers(b, it, x.target, x.sel, nil, true)
			b.raw("}")
		}
		b.raw("]")
	}
}

func writeLocalizedLabel(b *jsonBuffer, l label) {
	b.raw(`{"Label":`)
	b.str(l.text)
	b.raw(`,"LanguageCode":1033,"IsManaged":true,"MetadataId":`)
	b.str(l.id)
	b.raw(`,"HasChanged":null}`)
}

func writeMetaValue(b *jsonBuffer, v any) {
	switch v := v.(type) {
	case label:
		if v.text == "" {
			b.raw(`{"LocalizedLabels":[],"UserLocalizedLabel":null}`)
			return
		}
		b.raw(`{"LocalizedLabels":[`)
		writeLocalizedLabel(b, v)
		b.raw(`],"UserLocalizedLabel":`)
		writeLocalizedLabel(b, v)
		b.raw("}")
	case cobj:
		b.raw("{")
		for i, m := range v {
			if i > 0 {
				b.raw(",")
			}
			b.str(m.k)
			b.raw(":")
			writeMetaValue(b, m.v)
		}
		b.raw("}")
	case []cobj:
		b.raw("[")
		for i, o := range v {
			if i > 0 {
				b.raw(",")
			}
			writeMetaValue(b, o)
		}
		b.raw("]")
	case []string:
		b.raw("[")
		for i, s := range v {
			if i > 0 {
				b.raw(",")
			}
			b.str(s)
		}
		b.raw("]")
	default:
		b.value(v)
	}
}

// filterable reports whether a property may be compared in $filter: a primitive or an
// enumeration, not a label or another complex value, nor a collection.
func filterable(p *mprop) bool {
	if strings.HasPrefix(p.typ, "Collection(") {
		return false
	}
	if strings.HasPrefix(p.typ, "Edm.") {
		return true
	}
	t := metadataType(p.typ)
	return t == nil // the mscrm enumerations, which are not metadata types
}

// checkMetaFilter checks a $filter against the declared type before it runs, so that an
// unknown property is refused even when no object is there to test.
func checkMetaFilter(f odata.Expr, t *mtype) error {
	switch f := f.(type) {
	case *odata.LogicalExpr:
		if err := checkMetaFilter(f.Left, t); err != nil {
			return err
		}
		return checkMetaFilter(f.Right, t)
	case *odata.NotExpr:
		return checkMetaFilter(f.X, t)
	case *odata.CompareExpr:
		prop, lit := f.Left, f.Right
		if _, ok := prop.(*odata.PropertyPath); !ok {
			prop, lit = lit, prop
		}
		p, l, err := metaOperands(prop, lit, t)
		if err != nil {
			return err
		}
		want := map[string][]odata.Kind{"Edm.String": {odata.KindString}, "Edm.Guid": {odata.KindGUID, odata.KindString},
			"Edm.Boolean": {odata.KindBool}, "Edm.Int16": {odata.KindInt}, "Edm.Int32": {odata.KindInt}, "Edm.Int64": {odata.KindInt}}[p.typ]
		if want == nil {
			want = []odata.Kind{odata.KindString} // an enumeration, compared with its member's name
		}
		if l.Kind != odata.KindNull && !slices.Contains(want, l.Kind) {
			return queryError("A binary operator with incompatible types was detected. Found operand types '%s' and '%s' for '%s'.", p.typ, l.Kind, f.Op)
		}
		if f.Op != odata.Eq && f.Op != odata.Ne && (l.Kind != odata.KindInt) {
			return queryError("The operator '%s' is supported on the metadata's numbers only; eq and ne on the others.", f.Op)
		}
		return nil
	case *odata.StringCall:
		p, _, err := metaOperands(f.Property, f.Value, t)
		if err != nil {
			return err
		}
		if p.typ != "Edm.String" {
			return queryError("%s applies to Edm.String properties; '%s' is %s.", f.Func, p.name, p.typ)
		}
		return nil
	}
	return queryError("The metadata resources support eq, ne, gt, ge, lt, le, contains, startswith, endswith, and, or and not in $filter.")
}

func metaOperands(prop, lit odata.Expr, t *mtype) (*mprop, *odata.Literal, error) {
	pp, ok := prop.(*odata.PropertyPath)
	l, ok2 := lit.(*odata.Literal)
	if !ok || !ok2 || pp.Var != "" || len(pp.Segments) != 1 {
		return nil, nil, queryError("The metadata resources' filters compare a property with a literal.")
	}
	p := t.prop(pp.Segments[0])
	if p == nil {
		return nil, nil, connectorhub.Errorf(connectorhub.ECodeBadRequest, "Could not find a property named '%s' on type '%s'.", pp.Segments[0], t.qualified())
	}
	if !filterable(p) {
		return nil, nil, queryError("The property '%s' (%s) cannot be used in $filter: only primitive and enumeration properties can.", p.name, p.typ)
	}
	return p, l, nil
}

// evalMetaFilter evaluates a checked filter on one object: the few objects need no SQL.
// Text compares case-insensitively, as Dataverse's.
func evalMetaFilter(o *mobj, f odata.Expr) bool {
	switch f := f.(type) {
	case *odata.LogicalExpr:
		l, r := evalMetaFilter(o, f.Left), evalMetaFilter(o, f.Right)
		if f.Op == odata.And {
			return l && r
		}
		return l || r
	case *odata.NotExpr:
		return !evalMetaFilter(o, f.X)
	case *odata.CompareExpr:
		prop, lit, op := f.Left, f.Right, f.Op
		if _, ok := prop.(*odata.PropertyPath); !ok {
			prop, lit = lit, prop
			op = map[odata.CompareOp]odata.CompareOp{odata.Gt: odata.Lt, odata.Ge: odata.Le, odata.Lt: odata.Gt, odata.Le: odata.Ge}[op]
			if op == "" {
				op = f.Op
			}
		}
		v, l := o.vals[prop.(*odata.PropertyPath).Segments[0]], lit.(*odata.Literal)
		if v == nil || l.Kind == odata.KindNull {
			eq := v == nil && l.Kind == odata.KindNull
			return op == odata.Eq && eq || op == odata.Ne && !eq
		}
		var c int
		switch v := v.(type) {
		case int:
			c = cmp.Compare(int64(v), l.Value.(int64))
		case int64:
			c = cmp.Compare(v, l.Value.(int64))
		case bool:
			if v != l.Value.(bool) {
				c = 1
			}
		default:
			c = strings.Compare(strings.ToLower(fmt.Sprint(v)), strings.ToLower(fmt.Sprint(l.Value)))
		}
		switch op {
		case odata.Eq:
			return c == 0
		case odata.Ne:
			return c != 0
		case odata.Gt:
			return c > 0
		case odata.Ge:
			return c >= 0
		case odata.Lt:
			return c < 0
		case odata.Le:
			return c <= 0
		}
	case *odata.StringCall:
		have, _ := o.vals[f.Property.Segments[0]].(string)
		have, want := strings.ToLower(have), strings.ToLower(fmt.Sprint(f.Value.Value))
		switch f.Func {
		case "contains":
			return strings.Contains(have, want)
		case "startswith":
			return strings.HasPrefix(have, want)
		case "endswith":
			return strings.HasSuffix(have, want)
		}
	}
	return false
}
