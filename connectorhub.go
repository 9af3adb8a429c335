// Package connectorhub is the domain of ConnectorHub: the Dataverse connector record, its
// columns and rules, secret scrubbing, the one error type and the service interfaces that
// the storage engines implement and the Web API calls.
//
// The package knows nothing of HTTP, SQL or tokens. Query options arrive as the syntax tree
// of package odata, the domain's query vocabulary.
package connectorhub
