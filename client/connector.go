package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"reflect"
	"strings"
	"time"
)

// ConnectorsSet is the entity set of custom connectors.
const ConnectorsSet = "connectors"

// Connector is a record of Dataverse's connector table; the JSON names are the Web API's
// property names. Text columns that are null read as "". Reading fills the columns the
// answer holds ($select may leave some out); writing (CreateConnector, UpsertConnector)
// sends only the columns a request may set.
type Connector struct {
	ETag                    string `json:"@odata.etag,omitempty"` // W/"<versionnumber>"; opaque, compare for equality only
	ConnectorID             string `json:"connectorid,omitempty"`
	Name                    string `json:"name,omitempty"`
	DisplayName             string `json:"displayname,omitempty"`
	Description             string `json:"description,omitempty"`
	ConnectorType           int    `json:"connectortype"` // 0 NotSpecified, 1 CustomConnector, 2 ConnectionLess
	OpenAPIDefinition       string `json:"openapidefinition,omitempty"`
	ConnectionParameters    string `json:"connectionparameters,omitempty"`
	ConnectionParameterSets string `json:"connectionparametersets,omitempty"`
	PolicyTemplateInstances string `json:"policytemplateinstances,omitempty"`
	ScriptOperations        string `json:"scriptoperations,omitempty"`
	CustomCodeBlobContent   string `json:"customcodeblobcontent,omitempty"`
	Capabilities            string `json:"capabilities,omitempty"` // comma-separated choice values, e.g. "118690000,118690005"
	IconBrandColor          string `json:"iconbrandcolor,omitempty"`
	ConnectorInternalID     string `json:"connectorinternalid,omitempty"`
	IconBlob                string `json:"iconblob,omitempty"` // read-only through the Web API (base64)
	StateCode               int    `json:"statecode"`          // 0 Active, 1 Inactive
	StatusCode              int    `json:"statuscode,omitempty"`

	CreatedOn          time.Time `json:"createdon,omitzero"`
	ModifiedOn         time.Time `json:"modifiedon,omitzero"`
	CreatedBy          string    `json:"_createdby_value,omitempty"`
	ModifiedBy         string    `json:"_modifiedby_value,omitempty"`
	CreatedOnBehalfBy  string    `json:"_createdonbehalfby_value,omitempty"`
	ModifiedOnBehalfBy string    `json:"_modifiedonbehalfby_value,omitempty"`
	OwnerID            string    `json:"_ownerid_value,omitempty"`
	OwningUser         string    `json:"_owninguser_value,omitempty"`
	OwningTeam         string    `json:"_owningteam_value,omitempty"`
	OwningBusinessUnit string    `json:"_owningbusinessunit_value,omitempty"`
	IsManaged          bool      `json:"ismanaged,omitempty"`
	ComponentState     int       `json:"componentstate,omitempty"`
	VersionNumber      int64     `json:"versionnumber,omitempty"`
	SolutionID         string    `json:"solutionid,omitempty"`

	// Owner sets the owner when writing, as an entity reference: "systemusers(<id>)" or
	// "teams(<id>)" (ownerid@odata.bind); it is never read back (see OwnerID).
	Owner string `json:"ownerid@odata.bind,omitempty"`

	// Extra holds the members of a read record that have no field: annotations such as
	// "connectortype@OData.Community.Display.V1.FormattedValue", and expanded navigation
	// properties such as "ownerid". It is never written.
	Extra map[string]json.RawMessage `json:"-"`
}

// connectorMembers are the JSON names of Connector's fields.
var connectorMembers = func() map[string]bool {
	m := map[string]bool{}
	t := reflect.TypeFor[Connector]()
	for i := 0; i < t.NumField(); i++ {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			m[name] = true
		}
	}
	return m
}()

// UnmarshalJSON reads a record, keeping the members without a field in Extra.
func (c *Connector) UnmarshalJSON(data []byte) error {
	type plain Connector
	if err := json.Unmarshal(data, (*plain)(c)); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return err
	}
	for k, v := range all {
		if !connectorMembers[k] {
			if c.Extra == nil {
				c.Extra = map[string]json.RawMessage{}
			}
			c.Extra[k] = v
		}
	}
	return nil
}

// FormattedValue returns the OData.Community.Display.V1.FormattedValue annotation of a
// property (asked for with IncludeAnnotations), or "" when the record has none.
func (c *Connector) FormattedValue(property string) string {
	var s string
	if raw, ok := c.Extra[property+"@OData.Community.Display.V1.FormattedValue"]; ok {
		json.Unmarshal(raw, &s)
	}
	return s
}

// connectorBody is what a create or an upsert sends: the columns a request may set.
type connectorBody struct {
	ConnectorID             string `json:"connectorid,omitempty"`
	Name                    string `json:"name,omitempty"`
	DisplayName             string `json:"displayname,omitempty"`
	Description             string `json:"description,omitempty"`
	ConnectorType           int    `json:"connectortype"`
	OpenAPIDefinition       string `json:"openapidefinition,omitempty"`
	ConnectionParameters    string `json:"connectionparameters,omitempty"`
	ConnectionParameterSets string `json:"connectionparametersets,omitempty"`
	PolicyTemplateInstances string `json:"policytemplateinstances,omitempty"`
	ScriptOperations        string `json:"scriptoperations,omitempty"`
	CustomCodeBlobContent   string `json:"customcodeblobcontent,omitempty"`
	Capabilities            string `json:"capabilities,omitempty"`
	IconBrandColor          string `json:"iconbrandcolor,omitempty"`
	ConnectorInternalID     string `json:"connectorinternalid,omitempty"`
	StateCode               *int   `json:"statecode,omitempty"`
	StatusCode              *int   `json:"statuscode,omitempty"`
	Owner                   string `json:"ownerid@odata.bind,omitempty"`
}

// body returns the columns of c a write sends. statuscode goes when set; statecode, which a
// create may not set, goes on an upsert when either state column is set.
func (c *Connector) body(create bool) *connectorBody {
	b := &connectorBody{
		ConnectorID: c.ConnectorID, Name: c.Name, DisplayName: c.DisplayName, Description: c.Description,
		ConnectorType: c.ConnectorType, OpenAPIDefinition: c.OpenAPIDefinition,
		ConnectionParameters: c.ConnectionParameters, ConnectionParameterSets: c.ConnectionParameterSets,
		PolicyTemplateInstances: c.PolicyTemplateInstances, ScriptOperations: c.ScriptOperations,
		CustomCodeBlobContent: c.CustomCodeBlobContent, Capabilities: c.Capabilities,
		IconBrandColor: c.IconBrandColor, ConnectorInternalID: c.ConnectorInternalID, Owner: c.Owner,
	}
	if c.StatusCode != 0 {
		b.StatusCode = Ptr(c.StatusCode)
	}
	if !create && (c.StateCode != 0 || c.StatusCode != 0) {
		b.StateCode = Ptr(c.StateCode)
	}
	return b
}

// ConnectorUpdate is the body of an update: the columns to change; nil leaves a column as it
// is, a pointer to "" clears a text column (sent as null, as Dataverse documents clearing a
// value). connectorid, name and connectorinternalid cannot change after create, so they have
// no field.
type ConnectorUpdate struct {
	DisplayName             *string `json:"displayname,omitempty"`
	Description             *string `json:"description,omitempty"`
	ConnectorType           *int    `json:"connectortype,omitempty"`
	OpenAPIDefinition       *string `json:"openapidefinition,omitempty"`
	ConnectionParameters    *string `json:"connectionparameters,omitempty"`
	ConnectionParameterSets *string `json:"connectionparametersets,omitempty"`
	PolicyTemplateInstances *string `json:"policytemplateinstances,omitempty"`
	ScriptOperations        *string `json:"scriptoperations,omitempty"`
	CustomCodeBlobContent   *string `json:"customcodeblobcontent,omitempty"`
	Capabilities            *string `json:"capabilities,omitempty"`
	IconBrandColor          *string `json:"iconbrandcolor,omitempty"`
	StateCode               *int    `json:"statecode,omitempty"`
	StatusCode              *int    `json:"statuscode,omitempty"`
	// Owner reassigns the record: "systemusers(<id>)" or "teams(<id>)".
	Owner *string `json:"ownerid@odata.bind,omitempty"`
}

// MarshalJSON writes the columns set, in the fields' order, a text column set to "" as null.
func (u ConnectorUpdate) MarshalJSON() ([]byte, error) {
	type plain ConnectorUpdate
	data, err := json.Marshal(plain(u))
	if err != nil {
		return nil, err
	}
	// Every member is a scalar: copy them, "" replaced by null.
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		if string(raw) == `""` {
			raw = json.RawMessage("null")
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(key)
		b.Write(k)
		b.WriteByte(':')
		b.Write(raw)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Ptr returns a pointer to v, for the fields of ConnectorUpdate.
func Ptr[T any](v T) *T { return &v }

// CreateOptions are the options of CreateConnector.
type CreateOptions struct {
	// SolutionUniqueName adds the record to that unmanaged solution (MSCRM.SolutionUniqueName).
	SolutionUniqueName string
}

// UpdateOptions are the options of UpdateConnector.
type UpdateOptions struct {
	// IfMatch is the ETag the record must still have (a stale one fails with 412,
	// 0x80060882); "" sends "*", which only requires the record to exist.
	IfMatch string
	// SolutionUniqueName adds the record to that unmanaged solution (MSCRM.SolutionUniqueName).
	SolutionUniqueName string
}

// UpsertOptions are the options of UpsertConnector.
type UpsertOptions struct {
	// SolutionUniqueName adds the record to that unmanaged solution (MSCRM.SolutionUniqueName).
	SolutionUniqueName string
}

// DeleteOptions are the options of DeleteConnector.
type DeleteOptions struct {
	// IfMatch, when not "", is the ETag the record must still have (412, 0x80060882, if not).
	IfMatch string
}

// GetOptions are the options of GetConnector.
type GetOptions struct {
	Select []string // $select: the columns to read (the key and ETag always come)
	Expand string   // $expand, e.g. "ownerid($select=fullname)"
	// IncludeAnnotations asks for annotations (Prefer: odata.include-annotations), e.g. "*"
	// or "OData.Community.Display.V1.FormattedValue"; they land in Connector.Extra.
	IncludeAnnotations string
}

// ListOptions are the query options of a list; zero values are left out.
type ListOptions struct {
	Filter  string   // $filter, e.g. "name eq " + Quote(name)
	Select  []string // $select
	OrderBy []string // $orderby items, e.g. "modifiedon desc"
	Expand  string   // $expand
	Top     int      // $top; Dataverse ignores it when MaxPageSize is set
	Count   bool     // $count=true: the page carries @odata.count (at most 5000)
	// MaxPageSize is the page size (Prefer: odata.maxpagesize, at most 5000); 0 leaves the
	// server's default (5000).
	MaxPageSize        int
	IncludeAnnotations string // Prefer: odata.include-annotations, as in GetOptions
}

// ConnectorPage is one page of a list.
type ConnectorPage struct {
	Connectors []*Connector
	// NextLink is the URL of the next page (@odata.nextLink), "" on the last page.
	NextLink string
	// Count is @odata.count, or -1 when the answer had none (ListOptions.Count not set).
	Count int
}

// WriteResult is what an update or an upsert reports.
type WriteResult struct {
	ID      string // the record's connectorid
	ETag    string // the record's ETag after the write
	Created bool   // the upsert created the record (201), rather than updated it (200)
}

// connectorPath is the path of one connector; it refuses an id that is not a GUID, which
// would otherwise address another resource.
func connectorPath(id string) (string, error) {
	if !isGUID(id) {
		return "", fmt.Errorf("client: connector id %q is not a GUID", id)
	}
	return ConnectorsSet + "(" + id + ")", nil
}

func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// solutionHeader sets MSCRM.SolutionUniqueName, spelled as Dataverse spells it.
func solutionHeader(h http.Header, solution string) {
	if solution != "" {
		h["MSCRM.SolutionUniqueName"] = []string{solution}
	}
}

// CreateConnector creates conn (POST connectors) and returns its id, read from the
// OData-EntityId header. Create needs connectorid, name, displayname, openapidefinition and
// connectortype; the server's refusal is an *Error (400 for a missing or invalid column, 412
// 0x80040237 for a duplicate id or name).
func (c *Client) CreateConnector(ctx context.Context, conn *Connector, opts *CreateOptions) (string, error) {
	if conn == nil {
		return "", errors.New("client: CreateConnector of a nil connector")
	}
	if opts == nil {
		opts = &CreateOptions{}
	}
	h := http.Header{}
	solutionHeader(h, opts.SolutionUniqueName)
	resp, err := c.Do(ctx, http.MethodPost, ConnectorsSet, conn.body(true), nil, h)
	if err != nil {
		return "", err
	}
	if id := entityID(resp.Header.Get("OData-EntityId")); id != "" {
		return id, nil
	}
	if conn.ConnectorID != "" {
		return conn.ConnectorID, nil
	}
	return "", errors.New("client: the server created the connector but did not say its id (no OData-EntityId)")
}

// entityID returns the key of an entity URL such as https://…/connectors(<id>), or "".
func entityID(u string) string {
	if !strings.HasSuffix(u, ")") {
		return ""
	}
	i := strings.LastIndexByte(u, '(')
	if i < 0 {
		return ""
	}
	return strings.TrimPrefix(u[i+1:len(u)-1], "connectorid=")
}

// GetConnector reads one connector (GET connectors(id)); a missing one is an *Error with
// status 404 and code 0x80040217. opts may be nil.
func (c *Client) GetConnector(ctx context.Context, id string, opts *GetOptions) (*Connector, error) {
	if opts == nil {
		opts = &GetOptions{}
	}
	path, err := connectorPath(id)
	if err != nil {
		return nil, err
	}
	var q query
	q.add("$select", strings.Join(opts.Select, ","))
	q.add("$expand", opts.Expand)
	var p preferences
	p.includeAnnotations(opts.IncludeAnnotations)
	h := http.Header{}
	if p.header() != "" {
		h.Set("Prefer", p.header())
	}
	conn := &Connector{}
	if _, err := c.Do(ctx, http.MethodGet, path+q.String(), nil, conn, h); err != nil {
		return nil, err
	}
	return conn, nil
}

// UpdateConnector changes the columns u sets on an existing connector (PATCH with If-Match,
// so it never creates one) and returns its new ETag. A missing record is an *Error 404; a
// stale opts.IfMatch is an *Error 412 with code 0x80060882. opts may be nil.
func (c *Client) UpdateConnector(ctx context.Context, id string, u *ConnectorUpdate, opts *UpdateOptions) (*WriteResult, error) {
	if u == nil {
		return nil, errors.New("client: UpdateConnector of a nil update")
	}
	if opts == nil {
		opts = &UpdateOptions{}
	}
	h := http.Header{}
	h.Set("If-Match", orDefault(opts.IfMatch, "*"))
	solutionHeader(h, opts.SolutionUniqueName)
	return c.patchConnector(ctx, id, u, h)
}

// UpsertConnector updates the connector with that id, or creates it when there is none (PATCH
// without If-Match), and reports which (Created) with the new ETag. conn's columns that a
// request may set are sent; its connectorid may be "" (the id is the key), and name and
// connectorinternalid must not differ from the stored ones (400). opts may be nil.
func (c *Client) UpsertConnector(ctx context.Context, id string, conn *Connector, opts *UpsertOptions) (*WriteResult, error) {
	if conn == nil {
		return nil, errors.New("client: UpsertConnector of a nil connector")
	}
	if opts == nil {
		opts = &UpsertOptions{}
	}
	h := http.Header{}
	solutionHeader(h, opts.SolutionUniqueName)
	return c.patchConnector(ctx, id, conn.body(false), h)
}

// patchConnector sends a PATCH asking for the record's key back (return=representation,
// $select=connectorid), from which the status tells created (201) from updated (200).
func (c *Client) patchConnector(ctx context.Context, id string, body any, h http.Header) (*WriteResult, error) {
	path, err := connectorPath(id)
	if err != nil {
		return nil, err
	}
	var p preferences
	p.returnRepresentation()
	h.Set("Prefer", p.header())
	var q query
	q.add("$select", "connectorid")
	var rec Connector
	resp, err := c.Do(ctx, http.MethodPatch, path+q.String(), body, &rec, h)
	if err != nil {
		return nil, err
	}
	res := &WriteResult{ID: orDefault(rec.ConnectorID, id), ETag: rec.ETag, Created: resp.StatusCode == http.StatusCreated}
	if res.ETag == "" {
		res.ETag = resp.Header.Get("ETag")
	}
	return res, nil
}

// DeleteConnector deletes a connector; a missing one is an *Error 404 (0x80040217), a stale
// opts.IfMatch an *Error 412 (0x80060882). opts may be nil.
func (c *Client) DeleteConnector(ctx context.Context, id string, opts *DeleteOptions) error {
	if opts == nil {
		opts = &DeleteOptions{}
	}
	path, err := connectorPath(id)
	if err != nil {
		return err
	}
	h := http.Header{}
	if opts.IfMatch != "" {
		h.Set("If-Match", opts.IfMatch)
	}
	_, err = c.Do(ctx, http.MethodDelete, path, nil, nil, h)
	return err
}

// ListConnectorsPage reads one page of connectors: the first when nextLink is "", else the
// page at nextLink (a ConnectorPage.NextLink), which must be requested with the same opts
// (Dataverse requires the same page size). A refused query is an *Error 400. opts may be nil.
func (c *Client) ListConnectorsPage(ctx context.Context, opts *ListOptions, nextLink string) (*ConnectorPage, error) {
	if opts == nil {
		opts = &ListOptions{}
	}
	path := nextLink
	if path == "" {
		var q query
		q.add("$select", strings.Join(opts.Select, ","))
		q.add("$filter", opts.Filter)
		q.add("$orderby", strings.Join(opts.OrderBy, ","))
		q.add("$expand", opts.Expand)
		if opts.Top > 0 {
			q.add("$top", fmt.Sprint(opts.Top))
		}
		if opts.Count {
			q.add("$count", "true")
		}
		path = ConnectorsSet + q.String()
	}
	var p preferences
	p.maxPageSize(opts.MaxPageSize)
	p.includeAnnotations(opts.IncludeAnnotations)
	h := http.Header{}
	if p.header() != "" {
		h.Set("Prefer", p.header())
	}
	var body struct {
		Value    []*Connector `json:"value"`
		NextLink string       `json:"@odata.nextLink"`
		Count    *int         `json:"@odata.count"`
	}
	if _, err := c.Do(ctx, http.MethodGet, path, nil, &body, h); err != nil {
		return nil, err
	}
	page := &ConnectorPage{Connectors: body.Value, NextLink: body.NextLink, Count: -1}
	if body.Count != nil {
		page.Count = *body.Count
	}
	return page, nil
}

// ListConnectors returns the connectors opts selects, following @odata.nextLink from page to
// page as the loop asks for more. An error (an *Error for a refused query; a nextLink to
// another origin than the client's) is yielded once, with a nil connector, and ends the
// sequence. opts may be nil.
func (c *Client) ListConnectors(ctx context.Context, opts *ListOptions) iter.Seq2[*Connector, error] {
	return func(yield func(*Connector, error) bool) {
		next := ""
		for {
			page, err := c.ListConnectorsPage(ctx, opts, next)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, conn := range page.Connectors {
				if !yield(conn, nil) {
					return
				}
			}
			if page.NextLink == "" {
				return
			}
			if page.NextLink == next {
				yield(nil, fmt.Errorf("client: the server answered the same @odata.nextLink twice: %s", next))
				return
			}
			next = page.NextLink
		}
	}
}

// orDefault returns s, or def when s is "".
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
