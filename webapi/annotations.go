package webapi

import (
	"strconv"
	"strings"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/odata"
)

// The instance annotations Prefer: odata.include-annotations can ask for (spec §2.8).
const (
	annFormatted        = "OData.Community.Display.V1.FormattedValue"
	annLogicalName      = "Microsoft.Dynamics.CRM.lookuplogicalname"
	annNavigation       = "Microsoft.Dynamics.CRM.associatednavigationproperty"
	annTotalCount       = "Microsoft.Dynamics.CRM.totalrecordcount"
	annTotalCountExceed = "Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"
)

// annotations says which per-property annotations a response carries.
type annotations struct {
	formatted, logicalName, navigation bool
}

func annotationsOf(p odata.Preferences) annotations {
	return annotations{
		formatted:   p.IncludesAnnotation(annFormatted),
		logicalName: p.IncludesAnnotation(annLogicalName),
		navigation:  p.IncludesAnnotation(annNavigation),
	}
}

// parsePrefer reads the Prefer headers of a read.
func parsePrefer(r *request) (odata.Preferences, error) {
	p, err := odata.ParsePrefer(r.Header.Values("Prefer"))
	return p, asQueryError(err)
}

// preferenceApplied is the Preference-Applied header of a read: the page size and the
// annotations it honoured, as sent.
func preferenceApplied(p odata.Preferences) string {
	applied := odata.Preferences{MaxPageSize: p.MaxPageSize, IncludeAnnotations: p.IncludeAnnotations}
	return applied.String()
}

// recordWriter writes connector records with the columns, annotations and expansions a
// query asks for.
type recordWriter struct {
	base   string
	cols   []*connectorhub.Column
	ann    annotations
	expand []expansion
	quotes *quoteCache // the escaped large values of records read again; nil for none
}

// writeMembers writes @odata.etag, the columns (the key always), their annotations, then the
// expanded navigation properties.
func (w *recordWriter) writeMembers(b *jsonBuffer, r *connectorhub.ConnectorRow) {
	c := r.Connector
	b.raw(`"@odata.etag":`)
	b.str(c.ETag())
	wroteKey := false
	for _, col := range w.cols {
		wroteKey = wroteKey || col.Name == connectorhub.ConnectorPrimaryID
		w.writeColumn(b, r, col)
	}
	if !wroteKey {
		w.writeColumn(b, r, connectorhub.ColumnByName(connectorhub.ConnectorPrimaryID))
	}
	for _, x := range w.expand {
		x.write(b, w.base, r.Related[x.nav])
	}
}

// writeColumn writes a column, preceded by its annotations as Dataverse orders them:
// FormattedValue, associatednavigationproperty, lookuplogicalname. A null has none.
func (w *recordWriter) writeColumn(b *jsonBuffer, r *connectorhub.ConnectorRow, col *connectorhub.Column) {
	v := col.Value(r.Connector)
	if v != nil {
		if w.ann.formatted {
			if f, ok := formattedValue(r, col, v); ok {
				annotation(b, col.Name, annFormatted, f)
			}
		}
		if col.Kind == connectorhub.KindLookup {
			if w.ann.navigation {
				annotation(b, col.Name, annNavigation, col.NavigationProperty)
			}
			if w.ann.logicalName {
				table := col.Targets[0]
				if len(col.Targets) > 1 {
					table = r.OwnerType
				}
				annotation(b, col.Name, annLogicalName, table)
			}
		}
	}
	b.raw(",")
	b.str(col.Name)
	b.raw(":")
	if s, ok := v.(string); ok && col.Large {
		b.buf = w.quotes.appendQuote(b.buf, r.Connector.ID, col, s)
		return
	}
	b.value(v)
}

func annotation(b *jsonBuffer, prop, term, value string) {
	b.raw(",")
	b.str(prop + "@" + term)
	b.raw(":")
	b.str(value)
}

// formattedValue is a column's value as Dataverse shows it to people: a choice's label, the
// labels of a multi-select choice joined by "; ", a date-time in en-US form (UTC), a lookup's
// primary name. ok is false for a column that has none.
func formattedValue(r *connectorhub.ConnectorRow, col *connectorhub.Column, v any) (string, bool) {
	switch col.Kind {
	case connectorhub.KindChoice:
		label, ok := col.Choices[v.(int)]
		return label, ok
	case connectorhub.KindMultiChoice:
		var labels []string
		for _, s := range strings.Split(v.(string), ",") {
			if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && col.Choices[n] != "" {
				labels = append(labels, col.Choices[n])
			}
		}
		return strings.Join(labels, "; "), labels != nil
	case connectorhub.KindDateTime:
		t, err := time.Parse(time.RFC3339, v.(string))
		return formatDate(t), err == nil
	case connectorhub.KindBool:
		if col.Name == "ismanaged" {
			if v.(bool) {
				return "Managed", true
			}
			return "Unmanaged", true
		}
		if v.(bool) {
			return "Yes", true
		}
		return "No", true
	case connectorhub.KindLookup:
		if rel := r.Related[col.NavigationProperty]; rel != nil {
			return rel.Name(), true
		}
	}
	return "", false
}

// formatDate writes a date-time as Dataverse's formatted values do for en-US users.
func formatDate(t time.Time) string { return t.UTC().Format("1/2/2006 3:04 PM") }

// choiceLabel is the formatted value of a choice value in an aggregate row.
func choiceLabel(col *connectorhub.Column, v any) (string, bool) {
	n, ok := v.(int64)
	if !ok || col.Choices == nil {
		return "", false
	}
	label, ok := col.Choices[int(n)]
	return label, ok
}
