package client

import (
	"context"
	"net/http"
	"sync"
)

// ConnectorLogicalName is the logical name of the connector table.
const ConnectorLogicalName = "connector"

// EntityDefinition is the metadata of a table (an EntityDefinitions record): the properties
// ConnectorTable selects.
type EntityDefinition struct {
	MetadataID           string `json:"MetadataId,omitempty"`
	LogicalName          string `json:"LogicalName"`
	EntitySetName        string `json:"EntitySetName"`
	PrimaryIDAttribute   string `json:"PrimaryIdAttribute"`
	PrimaryNameAttribute string `json:"PrimaryNameAttribute"`
}

// connectorTablePath is the request ConnectorTable sends, as pac resolves the table first.
const connectorTablePath = "EntityDefinitions(LogicalName='" + ConnectorLogicalName + "')" +
	"?$select=LogicalName,EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute"

// tableCache holds the connector table's metadata once it has been read.
type tableCache struct {
	mu  sync.Mutex
	def *EntityDefinition
}

// ConnectorTable reads the connector table's metadata (GET
// EntityDefinitions(LogicalName='connector') with $select=LogicalName,EntitySetName,
// PrimaryIdAttribute,PrimaryNameAttribute), as pac does before it works on connectors. The
// answer is kept for the life of the Client, so only the first successful call sends a
// request; concurrent first calls send one. An environment without the table (Dataverse for
// Teams) answers 404: an *Error with Status 404. Errors are not kept: a later call asks again.
func (c *Client) ConnectorTable(ctx context.Context) (*EntityDefinition, error) {
	c.table.mu.Lock()
	defer c.table.mu.Unlock()
	if c.table.def != nil {
		d := *c.table.def
		return &d, nil
	}
	def := &EntityDefinition{}
	if _, err := c.Do(ctx, http.MethodGet, connectorTablePath, nil, def, nil); err != nil {
		return nil, err
	}
	c.table.def = def
	d := *def
	return &d, nil
}
