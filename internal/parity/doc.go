// Package parity holds the cross-engine tests of the query translator: the same OData queries
// run on SQLite and on PostgreSQL over identical data must give identical answers. It has no
// code of its own; see parity_test.go.
package parity
