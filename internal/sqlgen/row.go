package sqlgen

import (
	"database/sql"
	"fmt"
	"strings"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
)

// The connector row as both engines store it, derived from connectorhub.StoredColumns: text
// as TEXT (NULL when empty for a nullable column), choices and integers as integers, times as
// Unix seconds (the precision the Web API shows).

// RowColumns is the list of the stored columns, in connectorhub.StoredColumns order: for the
// engines' INSERT and plain SELECT.
var RowColumns = rowColumns(false)

// BriefRowColumns is RowColumns with each large column (connectorhub.Column.Large) read as
// its empty value: the record without the columns that can be hundreds of KB, which SQLite
// keeps in overflow pages that a read of the row would otherwise walk.
var BriefRowColumns = rowColumns(true)

// rowColumns lists the stored columns, the large ones as their empty values when brief.
func rowColumns(brief bool) string {
	names := make([]string, len(connectorhub.StoredColumns))
	for i, col := range connectorhub.StoredColumns {
		names[i] = col.Stored
		if brief && col.Large {
			names[i] = emptyOf(col)
		}
	}
	return strings.Join(names, ", ")
}

// emptyOf is what a query reads instead of a stored column it leaves out (a large one it does
// not name): NULL, ” for required text, 0 for numbers.
func emptyOf(col *connectorhub.Column) string {
	switch {
	case col.Nullable:
		return "NULL"
	case isNumber(col.Kind) || col.Kind == connectorhub.KindDateTime:
		return "0"
	}
	return "''"
}

func isNumber(k connectorhub.ColumnKind) bool {
	switch k {
	case connectorhub.KindInt, connectorhub.KindBigInt, connectorhub.KindChoice, connectorhub.KindBool:
		return true
	}
	return false
}

// RowDest returns the scan destinations of the stored columns for c, in RowColumns order,
// and the function that completes c after the scan. A list reads it for every row, so the
// values that need converting (nullable text, times, booleans) are scanned into one block of
// temporaries rather than a variable and a closure each.
func RowDest(c *connectorhub.Connector) ([]any, func()) {
	n := len(connectorhub.StoredColumns)
	t := &rowTemps{dest: make([]any, n), text: make([]sql.NullString, n), ints: make([]int64, n)}
	for i, col := range connectorhub.StoredColumns {
		switch f := col.Ref(c).(type) {
		case *string:
			if col.Nullable {
				t.dest[i] = &t.text[i]
			} else {
				t.dest[i] = f
			}
		case *time.Time, *bool:
			t.dest[i] = &t.ints[i]
		case *int, *int64:
			t.dest[i] = f
		default:
			panic(fmt.Sprintf("sqlgen: stored column %s holds a %T", col.Stored, f))
		}
	}
	return t.dest, func() { t.finish(c) }
}

// rowTemps are the scan destinations of a row and the temporaries of the columns that are
// converted after the scan, indexed by column.
type rowTemps struct {
	dest []any
	text []sql.NullString
	ints []int64
}

// finish stores the converted temporaries in c.
func (t *rowTemps) finish(c *connectorhub.Connector) {
	for i, col := range connectorhub.StoredColumns {
		switch f := col.Ref(c).(type) {
		case *string:
			if col.Nullable {
				*f = t.text[i].String
			}
		case *time.Time:
			*f = time.Unix(t.ints[i], 0).UTC()
		case *bool:
			*f = t.ints[i] != 0
		}
	}
}

// RowArgs returns the values of c's stored columns to write, in RowColumns order.
func RowArgs(c *connectorhub.Connector) []any {
	args := make([]any, len(connectorhub.StoredColumns))
	for i, col := range connectorhub.StoredColumns {
		switch f := col.Ref(c).(type) {
		case *string:
			if col.Nullable && *f == "" {
				args[i] = nil
			} else {
				args[i] = *f
			}
		case *time.Time:
			args[i] = f.Unix()
		case *int:
			args[i] = *f
		case *int64:
			args[i] = *f
		case *bool:
			args[i] = 0
			if *f {
				args[i] = 1
			}
		default:
			panic(fmt.Sprintf("sqlgen: stored column %s holds a %T", col.Stored, f))
		}
	}
	return args
}

// ScanRow reads one row of "SELECT RowColumns …" into a connector.
func ScanRow(row Scanner) (*connectorhub.Connector, error) {
	var c connectorhub.Connector
	dest, finish := RowDest(&c)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	finish()
	return &c, nil
}
