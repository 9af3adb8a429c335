package connectorhub

import "time"

// ColumnKind is the type of a column as the Web API exchanges it.
type ColumnKind int

// The column kinds of the connector table.
const (
	KindString          ColumnKind = iota // Edm.String
	KindInt                               // Edm.Int32
	KindBigInt                            // Edm.Int64
	KindGUID                              // Edm.Guid
	KindDateTime                          // Edm.DateTimeOffset
	KindBool                              // Edm.Boolean
	KindChoice                            // Edm.Int32 with labels
	KindMultiChoice                       // Edm.String of comma-separated choice values
	KindLookup                            // Edm.Guid, read-only _x_value of a navigation property
	KindImage                             // Edm.Binary
	KindDouble                            // Edm.Double
	KindManagedProperty                   // mscrm.BooleanManagedProperty: a complex value, not filterable
)

// EdmType is the CSDL type of the kind.
func (k ColumnKind) EdmType() string {
	switch k {
	case KindInt, KindChoice:
		return "Edm.Int32"
	case KindBigInt:
		return "Edm.Int64"
	case KindGUID, KindLookup:
		return "Edm.Guid"
	case KindDateTime:
		return "Edm.DateTimeOffset"
	case KindBool:
		return "Edm.Boolean"
	case KindImage:
		return "Edm.Binary"
	case KindDouble:
		return "Edm.Double"
	case KindManagedProperty:
		return "mscrm.BooleanManagedProperty"
	default:
		return "Edm.String"
	}
}

// Column describes one column of the connector table: as the Web API serves it (spec §1.2)
// and as the engines store it. It is the one description of the column: the OData
// translator, the engines' row reads and writes, the metadata and the request bodies all
// derive from Columns, so a new column is an entry here, its field in Connector (and
// ConnectorUpdate when writable), and a migration per engine.
type Column struct {
	Name           string // the Web API property name: the logical name, or _x_value for a lookup
	Kind           ColumnKind
	MaxLength      int  // characters, for text; 0 when unbounded or not text
	ValidForCreate bool // may be given in a create body
	ValidForUpdate bool // may be given in an update body
	Choices        map[int]string
	// NavigationProperty and Targets describe a lookup: ownerid → systemuser, team.
	NavigationProperty string
	Targets            []string

	// Stored is the engines' column that holds the property; "" for a property computed
	// from others (owninguser) or constant (ismanaged), which the translator knows.
	Stored string
	// Nullable: the stored column may be null, which the record reads as "" and a write of ""
	// stores. Keyset paging needs to know.
	Nullable bool
	// Large columns (hundreds of KB) are read only when a query names them.
	Large bool
	// TextIndexed: a trigram index of the stored column narrows contains, startswith and
	// endswith (SQLite's FTS5 table connectors_text, PostgreSQL's GIN index
	// connectors_<column>_trgm). The migrations of both engines index exactly these columns.
	TextIndexed bool

	// Value reads the column of a record as the Web API writes it; nil is null.
	Value func(c *Connector) any
	// ref returns the address of the stored column's field in a record: *string, *int,
	// *int64 or *time.Time.
	ref func(c *Connector) any
	// field returns the address of the column in an update: **string or **int; nil when not writable.
	field func(u *ConnectorUpdate) any
	// text returns the text value an update gives, for length checks.
	text func(u *ConnectorUpdate) *string
}

// Ref returns the address of a stored column's field in c, a *string, *int, *int64, *bool
// or *time.Time, for the engines' reads and writes.
func (col *Column) Ref(c *Connector) any { return col.ref(c) }

// Field returns the address of the column's field in u, a **string or a **int, or nil for a
// column that no request body can set.
func (col *Column) Field(u *ConnectorUpdate) any {
	if col.field == nil {
		return nil
	}
	return col.field(u)
}

// Given reports whether u sets the column.
func (col *Column) Given(u *ConnectorUpdate) bool {
	switch f := col.Field(u).(type) {
	case **string:
		return *f != nil
	case **int:
		return *f != nil
	}
	return false
}

// Choice labels (spec §1.3).
var (
	ConnectorTypeLabels  = map[int]string{0: "NotSpecified", 1: "CustomConnector", 2: "ConnectionLess"}
	StateCodeLabels      = map[int]string{0: "Active", 1: "Inactive"}
	StatusCodeLabels     = map[int]string{1: "Active", 2: "Inactive"}
	CapabilityLabels     = map[int]string{118690000: "composite", 118690001: "tabular", 118690002: "blob", 118690003: "gateway", 118690004: "cloud", 118690005: "actions"}
	ComponentStateLabels = map[int]string{0: "Published", 1: "Unpublished", 2: "Deleted", 3: "Deleted Unpublished"}
)

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// FormatTime formats a date-time as the Web API does: UTC, seconds, "Z".
func FormatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// storage says how a text column is stored.
type storage int

const (
	required storage = iota // NOT NULL
	optional                // NULL when empty
	large                   // NULL when empty, and read only when named
)

func textColumn(name string, max int, create, update bool, st storage, ref func(*Connector) *string, field func(*ConnectorUpdate) **string) Column {
	return Column{
		Name: name, Kind: KindString, MaxLength: max, ValidForCreate: create, ValidForUpdate: update,
		Stored: name, Nullable: st != required, Large: name == "openapidefinition" || st == large,
		Value: func(c *Connector) any { return nullable(*ref(c)) },
		ref:   func(c *Connector) any { return ref(c) },
		field: func(u *ConnectorUpdate) any { return field(u) },
		text:  func(u *ConnectorUpdate) *string { return *field(u) },
	}
}

// trigram marks a text column as TextIndexed.
func trigram(col Column) Column {
	col.TextIndexed = true
	return col
}

// lookupColumn is the _x_value of a stored lookup, held in the column named like the
// navigation property.
func lookupColumn(nav string, targets []string, ref func(*Connector) *string) Column {
	return Column{
		Name: "_" + nav + "_value", Kind: KindLookup, NavigationProperty: nav, Targets: targets, Stored: nav,
		Value: func(c *Connector) any { return nullable(*ref(c)) },
		ref:   func(c *Connector) any { return ref(c) },
	}
}

// computedLookup is the _x_value of a lookup computed from other columns (or always null).
func computedLookup(nav string, targets []string, get func(*Connector) string) Column {
	return Column{
		Name: "_" + nav + "_value", Kind: KindLookup, NavigationProperty: nav, Targets: targets, Nullable: true,
		Value: func(c *Connector) any { return nullable(get(c)) },
	}
}

func none(*Connector) string { return "" }

// Columns lists the connector's Web API properties in the order records are written.
var Columns = []Column{
	{Name: "connectorid", Kind: KindGUID, ValidForCreate: true, Stored: "connectorid",
		Value: func(c *Connector) any { return c.ID },
		ref:   func(c *Connector) any { return &c.ID },
		field: func(u *ConnectorUpdate) any { return &u.ID }},
	trigram(textColumn("name", 500, true, false, required, func(c *Connector) *string { return &c.Name }, func(u *ConnectorUpdate) **string { return &u.Name })),
	trigram(textColumn("displayname", 200, true, true, required, func(c *Connector) *string { return &c.DisplayName }, func(u *ConnectorUpdate) **string { return &u.DisplayName })),
	trigram(textColumn("description", 1000, true, true, optional, func(c *Connector) *string { return &c.Description }, func(u *ConnectorUpdate) **string { return &u.Description })),
	{Name: "connectortype", Kind: KindChoice, Choices: ConnectorTypeLabels, ValidForCreate: true, ValidForUpdate: true, Stored: "connectortype",
		Value: func(c *Connector) any { return c.ConnectorType },
		ref:   func(c *Connector) any { return &c.ConnectorType },
		field: func(u *ConnectorUpdate) any { return &u.ConnectorType }},
	textColumn("openapidefinition", 1000000, true, true, required, func(c *Connector) *string { return &c.OpenAPIDefinition }, func(u *ConnectorUpdate) **string { return &u.OpenAPIDefinition }),
	textColumn("connectionparameters", 500000, true, true, large, func(c *Connector) *string { return &c.ConnectionParameters }, func(u *ConnectorUpdate) **string { return &u.ConnectionParameters }),
	textColumn("connectionparametersets", 500000, true, true, large, func(c *Connector) *string { return &c.ConnectionParameterSets }, func(u *ConnectorUpdate) **string { return &u.ConnectionParameterSets }),
	textColumn("policytemplateinstances", 500000, true, true, large, func(c *Connector) *string { return &c.PolicyTemplateInstances }, func(u *ConnectorUpdate) **string { return &u.PolicyTemplateInstances }),
	textColumn("scriptoperations", 500000, true, true, large, func(c *Connector) *string { return &c.ScriptOperations }, func(u *ConnectorUpdate) **string { return &u.ScriptOperations }),
	textColumn("customcodeblobcontent", 500000, true, true, large, func(c *Connector) *string { return &c.CustomCodeBlobContent }, func(u *ConnectorUpdate) **string { return &u.CustomCodeBlobContent }),
	{Name: "capabilities", Kind: KindMultiChoice, Choices: CapabilityLabels, ValidForCreate: true, ValidForUpdate: true, Stored: "capabilities", Nullable: true,
		Value: func(c *Connector) any { return nullable(c.Capabilities) },
		ref:   func(c *Connector) any { return &c.Capabilities },
		field: func(u *ConnectorUpdate) any { return &u.Capabilities }},
	textColumn("iconbrandcolor", 100, true, true, optional, func(c *Connector) *string { return &c.IconBrandColor }, func(u *ConnectorUpdate) **string { return &u.IconBrandColor }),
	textColumn("connectorinternalid", 400, true, false, optional, func(c *Connector) *string { return &c.ConnectorInternalID }, func(u *ConnectorUpdate) **string { return &u.ConnectorInternalID }),
	// The icon is listed as writable in Dataverse's metadata, but cannot be set through the Web API.
	// A solution import sets it.
	{Name: "iconblob", Kind: KindImage, Stored: "iconblob", Nullable: true, Large: true,
		Value: func(c *Connector) any { return nullable(c.Icon) },
		ref:   func(c *Connector) any { return &c.Icon }},
	{Name: "statecode", Kind: KindChoice, Choices: StateCodeLabels, ValidForUpdate: true, Stored: "statecode",
		Value: func(c *Connector) any { return c.StateCode },
		ref:   func(c *Connector) any { return &c.StateCode },
		field: func(u *ConnectorUpdate) any { return &u.StateCode }},
	{Name: "statuscode", Kind: KindChoice, Choices: StatusCodeLabels, ValidForCreate: true, ValidForUpdate: true, Stored: "statuscode",
		Value: func(c *Connector) any { return c.StatusCode },
		ref:   func(c *Connector) any { return &c.StatusCode },
		field: func(u *ConnectorUpdate) any { return &u.StatusCode }},
	{Name: "createdon", Kind: KindDateTime, Stored: "createdon",
		Value: func(c *Connector) any { return FormatTime(c.CreatedOn) },
		ref:   func(c *Connector) any { return &c.CreatedOn }},
	{Name: "modifiedon", Kind: KindDateTime, Stored: "modifiedon",
		Value: func(c *Connector) any { return FormatTime(c.ModifiedOn) },
		ref:   func(c *Connector) any { return &c.ModifiedOn }},
	lookupColumn("createdby", []string{OwnerSystemUser}, func(c *Connector) *string { return &c.CreatedBy }),
	lookupColumn("modifiedby", []string{OwnerSystemUser}, func(c *Connector) *string { return &c.ModifiedBy }),
	computedLookup("createdonbehalfby", []string{OwnerSystemUser}, none),
	computedLookup("modifiedonbehalfby", []string{OwnerSystemUser}, none),
	lookupColumn("ownerid", []string{OwnerSystemUser, OwnerTeam}, func(c *Connector) *string { return &c.OwnerID }),
	computedLookup("owninguser", []string{OwnerSystemUser}, (*Connector).OwningUser),
	computedLookup("owningteam", []string{OwnerTeam}, (*Connector).OwningTeam),
	lookupColumn("owningbusinessunit", []string{"businessunit"}, func(c *Connector) *string { return &c.OwningBusinessUnit }),
	{Name: "ismanaged", Kind: KindBool, Stored: "ismanaged",
		Value: func(c *Connector) any { return c.IsManaged },
		ref:   func(c *Connector) any { return &c.IsManaged }},
	{Name: "componentstate", Kind: KindChoice, Choices: ComponentStateLabels, Value: func(*Connector) any { return 0 }},
	// Customizable, and changeable only while the connector is unmanaged (solutions spec §4.4).
	{Name: "iscustomizable", Kind: KindManagedProperty, Value: func(c *Connector) any {
		return BooleanManagedProperty{Value: true, CanBeChanged: !c.IsManaged, LogicalName: "iscustomizableanddeletable"}
	}},
	{Name: "versionnumber", Kind: KindBigInt, Stored: "versionnumber",
		Value: func(c *Connector) any { return c.VersionNumber },
		ref:   func(c *Connector) any { return &c.VersionNumber }},
	{Name: "solutionid", Kind: KindGUID, Stored: "solutionid",
		Value: func(c *Connector) any { return c.SolutionID },
		ref:   func(c *Connector) any { return &c.SolutionID }},
}

// BooleanManagedProperty is Dataverse's managed property of a component, such as
// iscustomizable: its value, whether it can still be changed (not once a managed solution
// installed the component), and the name of the property that governs it.
type BooleanManagedProperty struct {
	Value        bool
	CanBeChanged bool
	LogicalName  string // ManagedPropertyLogicalName
}

// ownerTypeColumn is stored but not a property: the table of the owner (systemuser or team),
// which the Web API tells in the annotations of _ownerid_value.
var ownerTypeColumn = Column{Name: "owneridtype", Kind: KindString, Stored: "owneridtype",
	ref: func(c *Connector) any { return &c.OwnerType }}

// customizedColumn is stored but not a property: whether a managed connector was changed
// after its import.
var customizedColumn = Column{Name: "customized", Kind: KindBool, Stored: "customized",
	ref: func(c *Connector) any { return &c.Customized }}

// StoredColumns lists the stored columns of the connector row, in the order the engines
// read and write them: each Column with a Stored name, then owneridtype and customized.
var StoredColumns = func() []*Column {
	var out []*Column
	for i := range Columns {
		if Columns[i].Stored != "" {
			out = append(out, &Columns[i])
		}
	}
	return append(out, &ownerTypeColumn, &customizedColumn)
}()

var columnIndex = func() map[string]*Column {
	m := make(map[string]*Column, len(Columns))
	for i := range Columns {
		m[Columns[i].Name] = &Columns[i]
	}
	return m
}()

// ColumnByName returns the column with that Web API property name (case-sensitive, as in
// Dataverse), or nil.
func ColumnByName(name string) *Column { return columnIndex[name] }

// Entity metadata of the connector table (spec §1.1).
const (
	ConnectorLogicalName   = "connector"
	ConnectorEntitySetName = "connectors"
	ConnectorPrimaryID     = "connectorid"
	ConnectorPrimaryName   = "name"
)
