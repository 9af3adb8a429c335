package connectorhub

import "github.com/connectorhub/connectorhub/odata"

// ConnectorQuery selects connectors for FindConnectors and CountConnectors. Its parts are
// the syntax trees of package odata, with property names already checked against Columns.
type ConnectorQuery struct {
	Filter  odata.Expr    // nil selects every connector
	OrderBy odata.OrderBy // the engine adds the key as the last tie-break
	Top     int           // at most this many rows; 0 for no limit
}
