package odata

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Query holds the parsed system query options of one request. Absent options
// are nil (or false, or "").
type Query struct {
	Filter     Expr
	Select     Select
	OrderBy    OrderBy
	Top        *int
	Count      bool
	Expand     Expand
	Apply      Apply
	SkipToken  string // raw; decode with DecodeSkipToken
	DeltaToken string // raw change-tracking token
	// Fetch is the fetchXml parameter, translated into the trees above (see Fetch); a
	// request that sends it sends no other query option.
	Fetch *Fetch
}

// unsupportedOptions are OData options Dataverse documents as unsupported.
var unsupportedOptions = map[string]bool{"$skip": true, "$search": true, "$format": true}

// unsupportedParameters are Dataverse query parameters ConnectorHub does not answer yet
// (lower-case): saved or user views.
var unsupportedParameters = map[string]bool{"savedquery": true, "userquery": true}

// ParseQuery parses every system query option of a request. Option names are
// case-sensitive, as in Dataverse: "$Filter" is unknown. Unknown options,
// $skip, $search and $format, and options given twice are errors. Parameters
// starting with '@' are aliases for $filter and $orderby; fetchXml is a FetchXML query
// (ParseFetchXML), which no other option may accompany; savedQuery and userQuery are errors
// (not supported yet); other parameters (such as tag=…) are ignored. All errors are *Error.
func ParseQuery(values url.Values) (*Query, error) {
	aliases := map[string]string{}
	names := make([]string, 0, len(values))
	for name, vs := range values {
		names = append(names, name)
		if strings.HasPrefix(name, "@") && len(vs) > 0 {
			aliases[name] = vs[0]
		}
	}
	// Sorted so that the same bad request always reports the same error.
	sort.Strings(names)

	q := &Query{}
	option := "" // the first option or alias, which a fetchXml may not come with
	for _, name := range names {
		vs := values[name]
		if strings.EqualFold(name, "fetchXml") {
			if len(vs) > 1 {
				return nil, &Error{Option: name, Pos: -1, Msg: "The query parameter '" + name + "' was specified more than once, but it must be specified at most once"}
			}
			if q.Fetch != nil {
				return nil, &Error{Option: name, Pos: -1, Msg: "The query parameter 'fetchXml' was specified more than once, but it must be specified at most once"}
			}
			var err error
			if q.Fetch, err = ParseFetchXML(vs[0]); err != nil {
				if oe, ok := err.(*Error); ok {
					oe.Option = name // as the request spells it
				}
				return nil, err
			}
			continue
		}
		if option == "" && (strings.HasPrefix(name, "$") || strings.HasPrefix(name, "@")) {
			option = name
		}
		if !strings.HasPrefix(name, "$") && !strings.HasPrefix(name, "@") {
			// Dataverse's own query parameters change the answer: ignoring one would answer
			// another query than the one asked (every row for a fetchXml that asked for one).
			// Other parameters, such as tag=PowerAppsRP, do not, and are ignored as Dataverse does.
			if unsupportedParameters[strings.ToLower(name)] {
				return nil, &Error{Option: name, Pos: -1, Msg: "The query parameter '" + name + "' is not supported by ConnectorHub yet; use the OData query options ($filter, $select, $orderby, $top, $expand, $apply)"}
			}
			continue
		}
		if len(vs) > 1 {
			return nil, &Error{Option: name, Pos: -1, Msg: "Query option '" + name + "' was specified more than once, but it must be specified at most once"}
		}
		if strings.HasPrefix(name, "@") {
			continue
		}
		v := ""
		if len(vs) == 1 {
			v = vs[0]
		}
		var err error
		switch name {
		case "$filter":
			q.Filter, err = ParseFilter(v, aliases)
		case "$select":
			q.Select, err = ParseSelect(v)
		case "$orderby":
			q.OrderBy, err = ParseOrderBy(v, aliases)
		case "$top":
			q.Top, err = parseTop(v)
		case "$count":
			q.Count, err = parseCount(v)
		case "$expand":
			q.Expand, err = ParseExpand(v)
		case "$apply":
			q.Apply, err = ParseApply(v)
		case "$skiptoken":
			q.SkipToken = v
		case "$deltatoken":
			q.DeltaToken = v
		default:
			return nil, &Error{Option: name, Pos: -1, Msg: "The query parameter '" + name + "' is not supported"}
		}
		if err != nil {
			return nil, err
		}
	}
	if q.Fetch != nil && option != "" {
		return nil, &Error{Option: "fetchXml", Pos: -1, Msg: "The query parameter 'fetchXml' cannot be combined with '" + option + "': the fetch says everything the query asks"}
	}
	return q, nil
}

// parseTop reads a non-negative integer, tolerating surrounding spaces.
func parseTop(v string) (*int, error) {
	s := strings.TrimSpace(v)
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || strings.HasPrefix(s, "+") {
		return nil, &Error{Option: "$top", Input: v, Pos: -1,
			Msg: "Invalid value '" + v + "' for $top query option found. The $top query option requires a non-negative integer value"}
	}
	return &n, nil
}

func parseCount(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, &Error{Option: "$count", Input: v, Pos: -1, Msg: "'" + v + "' is not a valid count option"}
}

// Values returns the query as URL query parameters (aliases resolved), such
// that ParseQuery(q.Values()) gives back an equal Query.
func (q *Query) Values() url.Values {
	v := url.Values{}
	if q.Filter != nil {
		v.Set("$filter", q.Filter.String())
	}
	if q.Select != nil {
		v.Set("$select", q.Select.String())
	}
	if q.OrderBy != nil {
		v.Set("$orderby", q.OrderBy.String())
	}
	if q.Top != nil {
		v.Set("$top", strconv.Itoa(*q.Top))
	}
	if q.Count {
		v.Set("$count", "true")
	}
	if q.Expand != nil {
		v.Set("$expand", q.Expand.String())
	}
	if q.Apply != nil {
		v.Set("$apply", q.Apply.String())
	}
	if q.SkipToken != "" {
		v.Set("$skiptoken", q.SkipToken)
	}
	if q.DeltaToken != "" {
		v.Set("$deltatoken", q.DeltaToken)
	}
	if q.Fetch != nil {
		v.Set("fetchXml", q.Fetch.Source)
	}
	return v
}

// String prints the options unescaped, in a fixed order, for logs and tests.
func (q *Query) String() string {
	v := q.Values()
	var parts []string
	for _, name := range []string{"$select", "$filter", "$orderby", "$top", "$count", "$expand", "$apply", "$skiptoken", "$deltatoken", "fetchXml"} {
		if s, ok := v[name]; ok {
			parts = append(parts, name+"="+s[0])
		}
	}
	return strings.Join(parts, "&")
}
