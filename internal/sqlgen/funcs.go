package sqlgen

import (
	"strconv"
	"strings"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/odata"
)

// queryFunc translates a Dataverse query function (Microsoft.Dynamics.CRM.<Name>).
func (b *Builder) queryFunc(e *odata.QueryFunc) (string, error) {
	col, err := b.column(e.Property)
	if err != nil {
		return "", err
	}
	switch e.Name {
	case "In", "NotIn":
		terms := make([]string, len(e.Values))
		for i, lit := range e.Values {
			v, err := sqlValue(e.Property, col, lit)
			if err != nil {
				return "", err
			}
			terms[i] = b.cmp(col, odata.Eq, b.value(v))
		}
		return negate(e.Name == "NotIn", balanced("OR", terms)), nil
	case "Between", "NotBetween":
		lo, err := sqlValue(e.Property, col, e.Values[0])
		if err != nil {
			return "", err
		}
		hi, err := sqlValue(e.Property, col, e.Values[1])
		if err != nil {
			return "", err
		}
		return negate(e.Name == "NotBetween", "("+b.cmp(col, odata.Ge, b.value(lo))+" AND "+b.cmp(col, odata.Le, b.value(hi))+")"), nil
	case "ContainValues", "DoesNotContainValues":
		return b.containValues(e, col)
	case "EqualUserId", "NotEqualUserId":
		return b.equalCaller(e, col, b.env.UserID, "user")
	case "EqualBusinessId", "NotEqualBusinessId":
		return b.equalCaller(e, col, b.env.BusinessUnitID, "business unit")
	}
	if strings.HasPrefix(e.Name, "On") {
		if _, isTime := timeValue(e.Values[0]); !isTime {
			return "", connectorhub.Errorf(connectorhub.ECodeQuery, "The value of Microsoft.Dynamics.CRM.%s must be a date, not %s.", e.Name, e.Values[0])
		}
	}
	from, to, ok := dateRange(e, b.env.Now)
	if !ok {
		return "", unsupported("the function Microsoft.Dynamics.CRM." + e.Name)
	}
	if col.Kind != connectorhub.KindDateTime {
		return "", connectorhub.Errorf(connectorhub.ECodeQuery, "The function Microsoft.Dynamics.CRM.%s applies to date and time properties, not to '%s' of type %s.", e.Name, e.Property, col.Kind.EdmType())
	}
	var terms []string
	if !from.IsZero() {
		terms = append(terms, col.SQL+" >= "+b.param(from.Unix()))
	}
	if !to.IsZero() {
		terms = append(terms, col.SQL+" < "+b.param(to.Unix()))
	}
	return "(" + strings.Join(terms, " AND ") + ")", nil
}

// negate wraps a condition in NOT when asked: rows where the column is null stay excluded,
// as SQL's three-valued logic and Dataverse agree.
func negate(not bool, cond string) string {
	if not {
		return "(NOT " + cond + ")"
	}
	return cond
}

// containValues matches a multi-select choice column, stored as "118690000,118690005",
// against any of the values: the column is framed with commas so that each value matches
// only a whole element. DoesNotContainValues selects rows with no value too.
func (b *Builder) containValues(e *odata.QueryFunc, col Column) (string, error) {
	if col.Kind != connectorhub.KindMultiChoice {
		return "", connectorhub.Errorf(connectorhub.ECodeQuery, "The function Microsoft.Dynamics.CRM.%s applies to multi-select choice properties, not to '%s' of type %s.", e.Name, e.Property, col.Kind.EdmType())
	}
	framed := b.d.Concat("','", "COALESCE("+col.SQL+", '')", "','")
	terms := make([]string, len(e.Values))
	for i, lit := range e.Values {
		var n int64
		var err error
		switch v := lit.Value.(type) {
		case int64:
			n = v
		case string:
			n, err = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		default:
			err = strconv.ErrSyntax
		}
		if err != nil {
			return "", connectorhub.Errorf(connectorhub.ECodeQuery, "The values of Microsoft.Dynamics.CRM.%s must be choice values (integers), not %s.", e.Name, lit)
		}
		terms[i] = b.d.Like(framed, b.param("%,"+strconv.FormatInt(n, 10)+",%"), false)
	}
	return negate(e.Name == "DoesNotContainValues", "("+strings.Join(terms, " OR ")+")"), nil
}

// equalCaller compares a lookup with the caller's user or business unit.
func (b *Builder) equalCaller(e *odata.QueryFunc, col Column, id, what string) (string, error) {
	if col.Kind != connectorhub.KindLookup && col.Kind != connectorhub.KindGUID {
		return "", connectorhub.Errorf(connectorhub.ECodeQuery, "The function Microsoft.Dynamics.CRM.%s applies to lookup properties, not to '%s' of type %s.", e.Name, e.Property, col.Kind.EdmType())
	}
	if id == "" {
		return "", connectorhub.Errorf(connectorhub.ECodeQuery, "The function Microsoft.Dynamics.CRM.%s needs a calling %s.", e.Name, what)
	}
	op := odata.Eq
	if strings.HasPrefix(e.Name, "Not") {
		op = odata.Ne
	}
	return b.cmp(col, op, b.param(id)), nil
}

// dateRange returns the instants [from, to) a date function selects, relative to now in UTC
// (ConnectorHub has no per-user time zone); a zero bound is open. ok is false for a function
// that is not about dates or is not supported (fiscal periods).
func dateRange(e *odata.QueryFunc, now time.Time) (from, to time.Time, ok bool) {
	now = now.UTC().Truncate(time.Second)
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	// untilNow is the exclusive bound that includes the current second.
	untilNow := now.Add(time.Second)
	n := 0
	if len(e.Values) > 0 {
		if v, isInt := e.Values[0].Value.(int64); isInt {
			n = int(v)
		}
	}
	week := day.AddDate(0, 0, -int(day.Weekday())) // weeks start on Sunday, as in en-US
	month := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
	year := time.Date(day.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	switch e.Name {
	case "Today":
		return day, day.AddDate(0, 0, 1), true
	case "Yesterday":
		return day.AddDate(0, 0, -1), day, true
	case "Tomorrow":
		return day.AddDate(0, 0, 1), day.AddDate(0, 0, 2), true
	case "Last7Days":
		return day.AddDate(0, 0, -7), untilNow, true
	case "Next7Days":
		return now, day.AddDate(0, 0, 8), true
	case "LastXHours":
		return now.Add(-time.Duration(n) * time.Hour), untilNow, true
	case "NextXHours":
		return now, now.Add(time.Duration(n)*time.Hour + time.Second), true
	case "LastXDays":
		return day.AddDate(0, 0, -n), untilNow, true
	case "NextXDays":
		return now, day.AddDate(0, 0, n+1), true
	case "LastXWeeks":
		return day.AddDate(0, 0, -7*n), untilNow, true
	case "NextXWeeks":
		return now, day.AddDate(0, 0, 7*n+1), true
	case "LastXMonths":
		return day.AddDate(0, -n, 0), untilNow, true
	case "NextXMonths":
		return now, day.AddDate(0, n, 1), true
	case "LastXYears":
		return day.AddDate(-n, 0, 0), untilNow, true
	case "NextXYears":
		return now, day.AddDate(n, 0, 1), true
	case "OlderThanXMinutes":
		return time.Time{}, now.Add(-time.Duration(n) * time.Minute), true
	case "OlderThanXHours":
		return time.Time{}, now.Add(-time.Duration(n) * time.Hour), true
	case "OlderThanXDays":
		return time.Time{}, now.AddDate(0, 0, -n), true
	case "OlderThanXWeeks":
		return time.Time{}, now.AddDate(0, 0, -7*n), true
	case "OlderThanXMonths":
		return time.Time{}, now.AddDate(0, -n, 0), true
	case "OlderThanXYears":
		return time.Time{}, now.AddDate(-n, 0, 0), true
	case "ThisWeek":
		return week, week.AddDate(0, 0, 7), true
	case "LastWeek":
		return week.AddDate(0, 0, -7), week, true
	case "NextWeek":
		return week.AddDate(0, 0, 7), week.AddDate(0, 0, 14), true
	case "ThisMonth":
		return month, month.AddDate(0, 1, 0), true
	case "LastMonth":
		return month.AddDate(0, -1, 0), month, true
	case "NextMonth":
		return month.AddDate(0, 1, 0), month.AddDate(0, 2, 0), true
	case "ThisYear":
		return year, year.AddDate(1, 0, 0), true
	case "LastYear":
		return year.AddDate(-1, 0, 0), year, true
	case "NextYear":
		return year.AddDate(1, 0, 0), year.AddDate(2, 0, 0), true
	case "On", "OnOrAfter", "OnOrBefore":
		t, isTime := timeValue(e.Values[0])
		if !isTime {
			return time.Time{}, time.Time{}, false
		}
		// The date as written, whatever its offset: On(2024-05-01T23:00:00+02:00) is 1 May.
		d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		switch e.Name {
		case "On":
			return d, d.AddDate(0, 0, 1), true
		case "OnOrAfter":
			return d, time.Time{}, true
		}
		return time.Time{}, d.AddDate(0, 0, 1), true
	}
	return time.Time{}, time.Time{}, false
}
