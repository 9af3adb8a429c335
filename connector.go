package connectorhub

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/connectorhub/connectorhub/internal/jsontext"
)

// Choice values of the connector table (spec §1.3).
const (
	ConnectorTypeNotSpecified   = 0
	ConnectorTypeCustom         = 1
	ConnectorTypeConnectionLess = 2

	StateActive    = 0
	StateInactive  = 1
	StatusActive   = 1
	StatusInactive = 2
)

// ActiveSolutionID is the id of Dataverse's "Active" solution, to which unmanaged components belong.
const ActiveSolutionID = "fd140aae-4df4-11dd-bd17-0019b9312238"

// Owner types: the logical names of the tables an owner lookup can point to.
const (
	OwnerSystemUser = "systemuser"
	OwnerTeam       = "team"
)

// Connector is a row of Dataverse's connector table. An empty string is a null column, as
// in Dataverse, which stores empty text as null.
type Connector struct {
	ID                      string // connectorid, a lower-case GUID
	Name                    string
	DisplayName             string
	Description             string
	ConnectorType           int
	OpenAPIDefinition       string
	ConnectionParameters    string
	ConnectionParameterSets string
	PolicyTemplateInstances string
	ScriptOperations        string
	CustomCodeBlobContent   string
	Capabilities            string // comma-separated choice values, e.g. "118690000,118690005"
	IconBrandColor          string
	ConnectorInternalID     string
	StateCode               int
	StatusCode              int
	// Icon is iconblob, base64: only a solution import sets it (the Web API cannot).
	Icon string
	// SolutionID is the managed solution that installed the connector, else ActiveSolutionID.
	SolutionID string
	IsManaged  bool // installed by a managed solution
	// Customized: a managed connector changed after its import (an unmanaged layer, which an
	// import with OverwriteUnmanagedCustomizations replaces and any other import keeps).
	Customized bool

	OwnerID            string // systemuser or team
	OwnerType          string // OwnerSystemUser or OwnerTeam
	OwningBusinessUnit string
	CreatedBy          string
	ModifiedBy         string
	CreatedOn          time.Time
	ModifiedOn         time.Time
	VersionNumber      int64 // strictly increasing per database; the ETag
}

// SolutionColumns is the update that sets every column a solution file carries of c (its
// key, names, type, definition and the other files' text), for an import's checks and writes.
func (c *Connector) SolutionColumns() *ConnectorUpdate {
	typ := c.ConnectorType
	return &ConnectorUpdate{ID: &c.ID, Name: &c.Name, DisplayName: &c.DisplayName, Description: &c.Description,
		ConnectorType: &typ, OpenAPIDefinition: &c.OpenAPIDefinition, ConnectionParameters: &c.ConnectionParameters,
		ConnectionParameterSets: &c.ConnectionParameterSets, PolicyTemplateInstances: &c.PolicyTemplateInstances,
		ScriptOperations: &c.ScriptOperations, CustomCodeBlobContent: &c.CustomCodeBlobContent, IconBrandColor: &c.IconBrandColor}
}

// OwningUser is the owner when a user owns the record, else "".
func (c *Connector) OwningUser() string {
	if c.OwnerType == OwnerSystemUser {
		return c.OwnerID
	}
	return ""
}

// OwningTeam is the owner when a team owns the record, else "".
func (c *Connector) OwningTeam() string {
	if c.OwnerType == OwnerTeam {
		return c.OwnerID
	}
	return ""
}

// ETag is the record's weak entity tag, W/"<versionnumber>".
func (c *Connector) ETag() string { return `W/"` + strconv.FormatInt(c.VersionNumber, 10) + `"` }

// OwnerRef names an owner given with ownerid@odata.bind.
type OwnerRef struct {
	Type string // OwnerSystemUser or OwnerTeam
	ID   string
}

// ConnectorUpdate holds the columns a create or update sets; nil means "not given" and a
// pointer to "" clears a text column.
type ConnectorUpdate struct {
	ID                      *string
	Name                    *string
	DisplayName             *string
	Description             *string
	ConnectorType           *int
	OpenAPIDefinition       *string
	ConnectionParameters    *string
	ConnectionParameterSets *string
	PolicyTemplateInstances *string
	ScriptOperations        *string
	CustomCodeBlobContent   *string
	Capabilities            *string
	IconBrandColor          *string
	ConnectorInternalID     *string
	StateCode               *int
	StatusCode              *int
	Owner                   *OwnerRef
}

// Precondition is what If-Match and If-None-Match ask of a write.
type Precondition struct {
	MustExist    bool   // If-Match: *
	MustNotExist bool   // If-None-Match: *
	ETag         string // If-Match: W/"n": the record's ETag must be this one
}

// Return says how much of the record it wrote a write returns.
type Return int

const (
	// ReturnRecord returns the record as stored, every column read.
	ReturnRecord Return = iota
	// ReturnBrief may return the record without the large columns (Column.Large) that the
	// write leaves alone, which then read as "": for a caller that answers with the record's id
	// alone (a 204), so that a store need not read a definition of hundreds of KB that it does
	// not write.
	ReturnBrief
)

// ConnectorService stores connectors. Every write records the principal of ctx.
type ConnectorService interface {
	// FindConnectorByID returns one connector; ECodeNotFound if there is none.
	FindConnectorByID(ctx context.Context, id string) (*Connector, error)
	// FindConnectors returns the connectors that q selects, in q's order; like ScanConnectors,
	// whose errors it returns, but collected in memory: for small results only.
	FindConnectors(ctx context.Context, q ConnectorQuery) ([]*Connector, error)
	// ScanConnectors calls fn with each row q selects, in q's order (its OrderBy, then the key),
	// after q.After, at most q.Top of them, as it reads them, so that a page of any size is
	// never held in memory; fn's error stops the scan and is returned. Errors that come before
	// fn's first call: ECodeQuery for a query the engine cannot run (a type mismatch, an
	// unsupported function, a bad keyset position), ECodeBadRequest for an unknown property.
	ScanConnectors(ctx context.Context, q ConnectorQuery, fn func(*ConnectorRow) error) error
	// CountConnectors returns how many connectors q's filter selects, ignoring its order,
	// position and columns; when q.Top > 0 it counts no further than q.Top. Errors as ScanConnectors.
	CountConnectors(ctx context.Context, q ConnectorQuery) (int, error)
	// AggregateConnectors runs q.Apply over the connectors q.Filter selects (spec §3.8): one
	// row per group, ordered by the group keys, at most q.Top rows. ECodeQuery when Dataverse
	// refuses the aggregation (grouping by a date, ordering by an aggregate), ECodeBadRequest
	// for an unknown property.
	AggregateConnectors(ctx context.Context, q ConnectorQuery) ([]AggregateRow, error)
	// PagingKey returns the secret that signs $skiptoken values: random, created on first use,
	// and the same for every server on the database and across restarts.
	PagingKey(ctx context.Context) ([]byte, error)
	// CreateConnector stores a new connector built by NewConnector, filling its system columns;
	// ECodeDuplicateKey if its id or name is taken, ECodeInvalidArgument for an unknown owner.
	CreateConnector(ctx context.Context, c *Connector) error
	// UpsertConnector updates the connector with that id, or creates it when there is none
	// (reporting created). ECodeNotFound when pre.MustExist (or pre.ETag) and it is missing;
	// ECodeDuplicateKey when pre.MustNotExist and it exists, or the name is taken;
	// ECodeVersionMismatch when pre.ETag differs; ECodeInvalidArgument when the update breaks a
	// rule. ret says how much of the record c holds.
	UpsertConnector(ctx context.Context, id string, u *ConnectorUpdate, pre Precondition, ret Return) (c *Connector, created bool, err error)
	// DeleteConnector removes a connector; ECodeNotFound if there is none,
	// ECodeVersionMismatch when pre.ETag differs.
	DeleteConnector(ctx context.Context, id string, pre Precondition) error
}

// NewConnector builds a connector to create from the columns of a create request and checks
// the rules of create: required columns, and those of Validate. id, when not "", is the key
// from the URL of an upsert and wins over a connectorid in the body only if they agree.
func NewConnector(id string, u *ConnectorUpdate) (*Connector, error) {
	if id != "" {
		if u.ID != nil && !strings.EqualFold(*u.ID, id) {
			return nil, Errorf(ECodeInvalidArgument, "The connectorid in the body (%s) does not match the key in the URL (%s).", *u.ID, id)
		}
		u.ID = &id
	}
	for _, req := range []struct {
		name  string
		given bool
	}{
		{"connectorid", u.ID != nil && *u.ID != ""},
		{"name", u.Name != nil && *u.Name != ""},
		{"displayname", u.DisplayName != nil && *u.DisplayName != ""},
		{"openapidefinition", u.OpenAPIDefinition != nil && *u.OpenAPIDefinition != ""},
		{"connectortype", u.ConnectorType != nil},
	} {
		if !req.given {
			return nil, Errorf(ECodeInvalidArgument, "The '%s' property is required to create a connector: give connectorid, name, displayname, openapidefinition and connectortype.", req.name)
		}
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	// Scrubbing is idempotent: whoever called it before (to report what it stripped), no
	// record leaves the domain with a secret in it. After Validate, which bounds the parse.
	u.ScrubSecrets()
	c := &Connector{StateCode: StateActive, StatusCode: StatusActive, SolutionID: ActiveSolutionID}
	c.set(u)
	if u.Owner != nil {
		c.OwnerID, c.OwnerType = u.Owner.ID, u.Owner.Type
	}
	if c.ConnectorInternalID == "" {
		c.ConnectorInternalID = DeriveInternalID(c.Name)
	}
	if err := c.checkState(); err != nil {
		return nil, err
	}
	return c, nil
}

// Apply changes c by u, refusing changes to the columns that are fixed after create.
func (c *Connector) Apply(u *ConnectorUpdate) error {
	for _, fixed := range []struct {
		name     string
		given    *string
		current  string
		foldCase bool
	}{
		{"connectorid", u.ID, c.ID, true},
		{"name", u.Name, c.Name, false},
		{"connectorinternalid", u.ConnectorInternalID, c.ConnectorInternalID, false},
	} {
		if fixed.given == nil {
			continue
		}
		if *fixed.given == fixed.current || (fixed.foldCase && strings.EqualFold(*fixed.given, fixed.current)) {
			continue
		}
		return Errorf(ECodeInvalidArgument, "The '%s' property of a connector cannot be changed after it is created.", fixed.name)
	}
	for _, notNull := range []struct {
		name string
		v    *string
	}{{"displayname", u.DisplayName}, {"openapidefinition", u.OpenAPIDefinition}} {
		if notNull.v != nil && *notNull.v == "" {
			return Errorf(ECodeInvalidArgument, "The '%s' property of a connector cannot be set to null.", notNull.name)
		}
	}
	if err := u.Validate(); err != nil {
		return err
	}
	// Scrubbing is idempotent: whoever called it before (to report what it stripped), no
	// record leaves the domain with a secret in it. After Validate, which bounds the parse.
	u.ScrubSecrets()
	// Changing statecode alone applies that state's default status, as Dataverse does.
	if u.StateCode != nil && u.StatusCode == nil {
		s := defaultStatus(*u.StateCode)
		u.StatusCode = &s
	}
	c.set(u)
	return c.checkState()
}

// set copies every given column of u into c.
func (c *Connector) set(u *ConnectorUpdate) {
	for _, f := range []struct {
		dst *string
		src *string
	}{
		{&c.ID, u.ID}, {&c.Name, u.Name}, {&c.DisplayName, u.DisplayName}, {&c.Description, u.Description},
		{&c.OpenAPIDefinition, u.OpenAPIDefinition}, {&c.ConnectionParameters, u.ConnectionParameters},
		{&c.ConnectionParameterSets, u.ConnectionParameterSets}, {&c.PolicyTemplateInstances, u.PolicyTemplateInstances},
		{&c.ScriptOperations, u.ScriptOperations}, {&c.CustomCodeBlobContent, u.CustomCodeBlobContent},
		{&c.Capabilities, u.Capabilities}, {&c.IconBrandColor, u.IconBrandColor},
		{&c.ConnectorInternalID, u.ConnectorInternalID},
	} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	c.ID = strings.ToLower(c.ID)
	for _, f := range []struct {
		dst *int
		src *int
	}{{&c.ConnectorType, u.ConnectorType}, {&c.StateCode, u.StateCode}, {&c.StatusCode, u.StatusCode}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
}

func defaultStatus(state int) int {
	if state == StateInactive {
		return StatusInactive
	}
	return StatusActive
}

func (c *Connector) checkState() error {
	if defaultStatus(c.StateCode) != c.StatusCode {
		return Errorf(ECodeInvalidArgument, "%d is not a valid status code for state code %d on connector.", c.StatusCode, c.StateCode)
	}
	return nil
}

// Validate checks the values of the given columns: lengths, choices, the GUID key, that
// openapidefinition is a Swagger 2.0 document, and that the connection parameter columns are
// JSON objects without duplicate keys. The full rule validation is package validate's.
func (u *ConnectorUpdate) Validate() error {
	if u.ID != nil {
		id, ok := ParseGUID(*u.ID)
		if !ok {
			return Errorf(ECodeInvalidArgument, "The value of 'connectorid' is not a valid GUID: '%s'.", *u.ID)
		}
		*u.ID = id
	}
	for _, col := range Columns {
		if col.text == nil {
			continue
		}
		v := col.text(u)
		if v == nil {
			continue
		}
		if err := checkStorable("connector", col.Name, *v); err != nil {
			return err
		}
		if col.MaxLength == 0 {
			continue
		}
		// Dataverse counts characters; counting runes only when bytes exceed the limit keeps this cheap.
		if len(*v) > col.MaxLength && utf8.RuneCountInString(*v) > col.MaxLength {
			return Errorf(ECodeLengthExceeded, "A validation error occurred.  The length of the '%s' attribute of the 'connector' entity exceeded the maximum allowed length of '%d'.", col.Name, col.MaxLength)
		}
	}
	if u.ConnectorType != nil {
		if _, ok := ConnectorTypeLabels[*u.ConnectorType]; !ok {
			return Errorf(ECodeInvalidArgument, "%d is not a valid value for the 'connectortype' property: use 0 (NotSpecified), 1 (CustomConnector) or 2 (ConnectionLess).", *u.ConnectorType)
		}
	}
	if u.StateCode != nil {
		if _, ok := StateCodeLabels[*u.StateCode]; !ok {
			return Errorf(ECodeInvalidArgument, "%d is not a valid value for the 'statecode' property: use 0 (Active) or 1 (Inactive).", *u.StateCode)
		}
	}
	if u.StatusCode != nil {
		if _, ok := StatusCodeLabels[*u.StatusCode]; !ok {
			return Errorf(ECodeInvalidArgument, "%d is not a valid value for the 'statuscode' property: use 1 (Active) or 2 (Inactive).", *u.StatusCode)
		}
	}
	if u.Capabilities != nil && *u.Capabilities != "" {
		norm, err := normalizeCapabilities(*u.Capabilities)
		if err != nil {
			return err
		}
		u.Capabilities = &norm
	}
	if u.OpenAPIDefinition != nil && *u.OpenAPIDefinition != "" {
		if err := CheckSwagger2(*u.OpenAPIDefinition); err != nil {
			return err
		}
	}
	for _, col := range []struct {
		name string
		v    *string
	}{{"connectionparameters", u.ConnectionParameters}, {"connectionparametersets", u.ConnectionParameterSets}} {
		if col.v != nil && *col.v != "" && !isJSONObject(*col.v) {
			return Errorf(ECodeInvalidArgument, "The '%s' property must hold a JSON object as text.", col.name)
		}
	}
	// Every write validates, so no write path stores a repeated key.
	if err := u.checkParameterColumns(); err != nil {
		return err
	}
	if u.Owner != nil {
		if u.Owner.Type != OwnerSystemUser && u.Owner.Type != OwnerTeam {
			return Errorf(ECodeInvalidArgument, "A connector's owner must be a systemuser or a team, not a %s.", u.Owner.Type)
		}
	}
	return nil
}

// normalizeCapabilities checks a multi-select choice value ("118690000, 118690005") and
// returns it in the form Dataverse answers with ("118690000,118690005").
func normalizeCapabilities(s string) (string, error) {
	parts := strings.Split(s, ",")
	out := make([]string, 0, len(parts))
	seen := map[int]bool{}
	for _, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || CapabilityLabels[n] == "" {
			return "", Errorf(ECodeInvalidArgument, "'%s' is not a valid value for the 'capabilities' property: give comma-separated choice values from 118690000 to 118690005.", strings.TrimSpace(p))
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, strconv.Itoa(n))
		}
	}
	return strings.Join(out, ","), nil
}

// CheckSwagger2 accepts text that opens a JSON object whose top-level "swagger" member is
// "2.0". Published definitions are not all strict JSON (trailing or missing commas, raw tabs in
// strings, a stray brace: see the corpus), and the service accepts them, so this reads the top
// level tolerantly and leaves the rest to package validate, which reports such faults.
func CheckSwagger2(def string) error {
	top, isObject := topLevelStrings(def)
	switch {
	case !isObject:
		return Errorf(ECodeInvalidArgument, "The 'openapidefinition' property must be a Swagger 2.0 document as JSON text (a JSON object with \"swagger\": \"2.0\").")
	case top["swagger"] == nil && top["openapi"] != nil:
		return Errorf(ECodeInvalidArgument, "The 'openapidefinition' property holds an OpenAPI %s document; only Swagger 2.0 (\"swagger\": \"2.0\") is supported for custom connectors.", *top["openapi"])
	case top["swagger"] == nil || *top["swagger"] != "2.0":
		return Errorf(ECodeInvalidArgument, "The 'openapidefinition' property must be a Swagger 2.0 document with \"swagger\": \"2.0\"; only Swagger 2.0 is supported for custom connectors.")
	}
	return nil
}

// topLevelStrings scans JSON-like text tolerantly and returns the string members of its
// top-level object (the last one of a duplicated key wins, as in Json.NET). isObject is false
// when the text does not start with '{' (after a byte-order mark and white space).
func topLevelStrings(text string) (members map[string]*string, isObject bool) {
	members, _, isObject = topLevel(text)
	return members, isObject
}

// DefinitionInfo returns info.title and info.description of a definition, read as tolerantly
// as the service reads definitions (published ones are not all strict JSON): "" for what is
// missing or not a string.
func DefinitionInfo(def string) (title, description string) {
	_, objects, _ := topLevel(def)
	info, _ := topLevelStrings(objects["info"])
	if t := info["title"]; t != nil {
		title = *t
	}
	if d := info["description"]; d != nil {
		description = *d
	}
	return title, description
}

// topLevel scans JSON-like text tolerantly: the string members of its top-level object, and
// the text of its object members ("{…}").
func topLevel(text string) (members map[string]*string, objects map[string]string, isObject bool) {
	text = strings.TrimLeft(strings.TrimPrefix(text, "\ufeff"), " \t\r\n")
	if !strings.HasPrefix(text, "{") {
		return nil, nil, false
	}
	members, objects = map[string]*string{}, map[string]string{}
	depth := 0
	var key *string   // a top-level string that may be a key
	var owner *string // the key whose value comes next
	var open *string  // the key of the object member being read
	start := 0
	for i := 0; i < len(text); i++ {
		switch c := text[i]; c {
		case '{', '[':
			depth++
			if depth == 2 && c == '{' && owner != nil {
				open, start = owner, i
			}
			key, owner = nil, nil
		case '}', ']':
			depth--
			key, owner = nil, nil
			if depth == 1 && open != nil && c == '}' {
				objects[*open] = text[start : i+1]
				open = nil
			}
			if depth == 0 {
				return members, objects, true
			}
		case ':':
			if depth == 1 && key != nil {
				owner, key = key, nil
			}
		case ',':
			key, owner = nil, nil
		case '"':
			end := jsontext.StringEnd(text, i+1)
			if end >= len(text) {
				return members, objects, true
			}
			raw := text[i : end+1]
			i = end
			if depth != 1 {
				continue
			}
			var s string
			if err := json.Unmarshal([]byte(raw), &s); err != nil {
				s = raw[1 : len(raw)-1] // raw control characters: Json.NET reads them as they are
			}
			if owner != nil {
				members[*owner] = &s
				owner = nil
			} else {
				key = &s
			}
		}
	}
	return members, objects, true
}

func isJSONObject(s string) bool {
	s = strings.TrimLeft(s, " \t\r\n")
	return strings.HasPrefix(s, "{") && json.Valid([]byte(s))
}

// TombstoneRetention is how long deletions are remembered for change tracking: a delta
// token older than that can no longer say what was deleted, and is refused.
const TombstoneRetention = 30 * 24 * time.Hour

// ChangeTracker is what change tracking (Prefer: odata.track-changes, $deltatoken) reads.
type ChangeTracker interface {
	// CurrentVersion returns the newest row version: where a delta token starts.
	CurrentVersion(ctx context.Context) (int64, error)
	// ScanConnectorDeletions calls fn with each connector deleted after the row version since
	// and up to until that the caller could read, in version order.
	ScanConnectorDeletions(ctx context.Context, since, until int64, fn func(id string) error) error
}
