package webapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/odata"
)

// aggregateConnectors serves GET connectors?$apply=…groupby(…)/aggregate(…) (spec §3.8):
// one object per group with the groupby properties and the aggregate aliases, without
// @odata.etag, e.g. {"connectortype":1,"count":42}.
func (s *Server) aggregateConnectors(w http.ResponseWriter, r *request, q *query, prefs odata.Preferences) error {
	rows, err := s.Connectors.AggregateConnectors(r.Context(), q.connectorQuery(false))
	if err != nil {
		return err
	}
	var names []string
	var cols []*connectorhub.Column // nil for an aggregate alias
	for _, t := range q.apply {
		var agg *odata.Aggregate
		switch t := t.(type) {
		case *odata.GroupBy:
			for _, p := range t.Properties {
				names = append(names, p.String())
				cols = append(cols, connectorhub.ColumnForPath(p))
			}
			agg = t.Aggregate
		case *odata.Aggregate:
			agg = t
		}
		if agg != nil {
			for _, item := range agg.Items {
				names = append(names, item.Alias)
				cols = append(cols, nil)
			}
		}
	}
	writeAggregates(w, r.base+"/$metadata#connectors("+strings.Join(names, ",")+")", names, cols, rows, prefs)
	return nil
}

// aggregateValue writes a value of an aggregate row.
func aggregateValue(b *jsonBuffer, v any) {
	switch v := v.(type) {
	case time.Time:
		b.str(connectorhub.FormatTime(v))
	case float64:
		b.buf = strconv.AppendFloat(b.buf, v, 'f', -1, 64)
	default:
		b.value(v)
	}
}

// writeAggregates answers the rows of an aggregation ($apply, or a FetchXML aggregate): each
// row's values named by names, with the choices' formatted values when Prefer asks for them
// (cols holds each value's column, nil for an aggregate).
func writeAggregates(w http.ResponseWriter, context string, names []string, cols []*connectorhub.Column, rows []connectorhub.AggregateRow, prefs odata.Preferences) {
	formatted := prefs.IncludesAnnotation(annFormatted)
	var b jsonBuffer
	b.raw(`{"@odata.context":`)
	b.str(context)
	b.raw(`,"value":[`)
	for i, row := range rows {
		if i > 0 {
			b.raw(",")
		}
		b.raw("{")
		for j, v := range row {
			if j > 0 {
				b.raw(",")
			}
			if col := cols[j]; formatted && col != nil {
				if label, ok := choiceLabel(col, v); ok {
					b.str(names[j] + "@" + annFormatted)
					b.raw(":")
					b.str(label)
					b.raw(",")
				}
			}
			b.str(names[j])
			b.raw(":")
			aggregateValue(&b, v)
		}
		b.raw("}")
	}
	b.raw("]}")
	if applied := preferenceApplied(odata.Preferences{IncludeAnnotations: prefs.IncludeAnnotations}); applied != "" {
		w.Header().Set("Preference-Applied", applied)
	}
	writeJSON(w, http.StatusOK, b.bytes())
}
