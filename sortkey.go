package connectorhub

import (
	"fmt"
	"time"

	"github.com/connectorhub/connectorhub/odata"
)

// SortKey converts a column value, as the Web API writes it, into the typed value a
// $skiptoken carries for keyset paging (odata.SortValue): nil, string, int64, bool, time.Time
// or odata.GUID.
func SortKey(kind ColumnKind, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch kind {
	case KindDateTime:
		return time.Parse(time.RFC3339, v.(string))
	case KindGUID, KindLookup:
		return odata.ParseGUID(v.(string))
	}
	if n, ok := v.(int); ok {
		return int64(n), nil
	}
	return v, nil
}

// SortValue returns the $skiptoken form of the $orderby key p on a connector.
func SortValue(p *odata.PropertyPath, c *Connector) (any, error) {
	col := ColumnForPath(p)
	if col == nil {
		return nil, fmt.Errorf("no connector column for %s", p)
	}
	return SortKey(col.Kind, col.Value(c))
}

// SortValue returns the $skiptoken form of the $orderby key p on a record of the table.
func (t *Table) SortValue(p *odata.PropertyPath, rec *Row) (any, error) {
	if p == nil || len(p.Segments) != 1 || t.Column(p.Segments[0]) == nil {
		return nil, fmt.Errorf("no %s column for %s", t.LogicalName, p)
	}
	return SortKey(t.Column(p.Segments[0]).Kind, rec.Values[p.Segments[0]])
}
