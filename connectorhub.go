// Package connectorhub is the domain of ConnectorHub: the Dataverse connector record, its
// columns and rules, secret scrubbing, the one error type and the service interfaces that
// the storage engines implement and the Web API calls.
//
// The package knows nothing of HTTP, SQL or tokens. Query options arrive as the syntax tree
// of package odata, the domain's query vocabulary.
package connectorhub

import "context"

// Transactor runs several writes as one (a $batch change set): every write of the services
// made with the context fn is given joins one transaction, committed when fn returns nil and
// rolled back otherwise. Transactions do not nest: Transact inside Transact is an error.
type Transactor interface {
	Transact(ctx context.Context, fn func(ctx context.Context) error) error
}
