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
// and the function that completes c after the scan.
func RowDest(c *connectorhub.Connector) ([]any, func()) {
	dest := make([]any, len(connectorhub.StoredColumns))
	var finish []func()
	for i, col := range connectorhub.StoredColumns {
		switch f := col.Ref(c).(type) {
		case *string:
			if !col.Nullable {
				dest[i] = f
				continue
			}
			var ns sql.NullString
			dest[i] = &ns
			finish = append(finish, func() { *f = ns.String })
		case *time.Time:
			var secs int64
			dest[i] = &secs
			finish = append(finish, func() { *f = time.Unix(secs, 0).UTC() })
		case *int, *int64:
			dest[i] = f
		case *bool:
			var n int64
			dest[i] = &n
			finish = append(finish, func() { *f = n != 0 })
		default:
			panic(fmt.Sprintf("sqlgen: stored column %s holds a %T", col.Stored, f))
		}
	}
	return dest, func() {
		for _, f := range finish {
			f()
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
