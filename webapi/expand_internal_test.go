package webapi

import (
	"testing"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/sqlgen"
	"github.com/connectorhub/connectorhub/odata"
)

// plain is a dialect whose only use is to compile a query.
type plain struct{}

func (plain) Placeholder(int) string             { return "?" }
func (plain) CompareText(l, op, r string) string { return l + " " + op + " " + r }
func (plain) Like(e, p string, _ bool) string    { return e + " LIKE " + p }
func (plain) Concat(parts ...string) string      { return parts[0] }
func (plain) OrderText(e string) string          { return e }
func (plain) NullsOrder(bool) string             { return "" }
func (plain) JoinText(e, sep string) string      { return e }

// TestTraversalsCompile checks that the property names of a lookup's record that this package
// accepts in $filter and $orderby (those $expand writes) are the ones the translator knows.
func TestTraversalsCompile(t *testing.T) {
	env := sqlgen.Env{Now: time.Now()}
	for _, nav := range connectorhub.ExpandableLookups {
		for _, target := range connectorhub.ColumnByName("_" + nav + "_value").Targets {
			for _, field := range relatedFields[target] {
				path := nav + "/" + field
				filter, err := odata.ParseFilter(path+" ne null", nil)
				if err != nil {
					t.Fatal(err)
				}
				order, err := odata.ParseOrderBy(path+" desc", nil)
				if err != nil {
					t.Fatal(err)
				}
				if err := checkProperties(filter); err != nil {
					t.Errorf("%s: %v", path, err)
				}
				q := connectorhub.ConnectorQuery{Filter: filter, OrderBy: order, Top: 5}
				if _, err := sqlgen.SelectConnectors(plain{}, env, q); err != nil {
					t.Errorf("%s: %v", path, err)
				}
			}
		}
	}
}
