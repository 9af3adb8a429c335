package odata

// queryFuncNamespace prefixes every Dataverse query function name.
const queryFuncNamespace = "Microsoft.Dynamics.CRM."

// paramShape is which value parameters a query function takes besides
// PropertyName (Web API Query Function Reference, learn.microsoft.com).
type paramShape int

const (
	shapeNone   paramShape = iota // PropertyName only
	shapeValue                    // PropertyValue
	shapeValues                   // PropertyValues=[…]
	shapePair                     // PropertyValue1, PropertyValue2
)

// valueRule restricts the kinds of a function's values.
type valueRule int

const (
	anyValue  valueRule = iota // any non-null primitive
	intValue                   // a count of days, hours, a fiscal period or year
	dateValue                  // a date, a date-time or a string holding one
	idValue                    // a GUID or a string holding one
	strValue                   // a string
)

type funcSig struct {
	shape    paramShape
	rule     valueRule
	min, max int // number of PropertyValues (max 0 = unbounded)
}

var (
	noValue   = funcSig{shape: shapeNone}
	countSig  = funcSig{shape: shapeValue, rule: intValue}
	dateSig   = funcSig{shape: shapeValue, rule: dateValue}
	idSig     = funcSig{shape: shapeValue, rule: idValue}
	fiscalSig = funcSig{shape: shapePair, rule: intValue}
)

// queryFuncs lists the Dataverse query functions and their signatures.
var queryFuncs = map[string]funcSig{
	// Dates without a value.
	"Today": noValue, "Tomorrow": noValue, "Yesterday": noValue,
	"Last7Days": noValue, "Next7Days": noValue,
	"LastWeek": noValue, "ThisWeek": noValue, "NextWeek": noValue,
	"LastMonth": noValue, "ThisMonth": noValue, "NextMonth": noValue,
	"LastYear": noValue, "ThisYear": noValue, "NextYear": noValue,
	"LastFiscalPeriod": noValue, "ThisFiscalPeriod": noValue, "NextFiscalPeriod": noValue,
	"LastFiscalYear": noValue, "ThisFiscalYear": noValue, "NextFiscalYear": noValue,
	// Dates relative to now by a count.
	"LastXDays": countSig, "LastXHours": countSig, "LastXWeeks": countSig,
	"LastXMonths": countSig, "LastXYears": countSig,
	"LastXFiscalPeriods": countSig, "LastXFiscalYears": countSig,
	"NextXDays": countSig, "NextXHours": countSig, "NextXWeeks": countSig,
	"NextXMonths": countSig, "NextXYears": countSig,
	"NextXFiscalPeriods": countSig, "NextXFiscalYears": countSig,
	"OlderThanXMinutes": countSig, "OlderThanXHours": countSig, "OlderThanXDays": countSig,
	"OlderThanXWeeks": countSig, "OlderThanXMonths": countSig, "OlderThanXYears": countSig,
	"InFiscalPeriod": countSig, "InFiscalYear": countSig,
	"InFiscalPeriodAndYear": fiscalSig, "InOrAfterFiscalPeriodAndYear": fiscalSig,
	"InOrBeforeFiscalPeriodAndYear": fiscalSig,
	// Dates compared with a value.
	"On": dateSig, "OnOrAfter": dateSig, "OnOrBefore": dateSig,
	// Ids of the caller.
	"EqualUserId": noValue, "NotEqualUserId": noValue,
	"EqualBusinessId": noValue, "NotEqualBusinessId": noValue,
	"EqualRoleBusinessId": noValue, "EqualUserLanguage": noValue,
	// Hierarchy.
	"Above": idSig, "AboveOrEqual": idSig, "Under": idSig, "UnderOrEqual": idSig, "NotUnder": idSig,
	"EqualUserOrUserHierarchy": noValue, "EqualUserOrUserHierarchyAndTeams": noValue,
	"EqualUserOrUserTeams": noValue, "EqualUserTeams": noValue,
	// Lists.
	"In":                   {shape: shapeValues, min: 1},
	"NotIn":                {shape: shapeValues, min: 1},
	"Between":              {shape: shapeValues, min: 2, max: 2},
	"NotBetween":           {shape: shapeValues, min: 2, max: 2},
	"ContainValues":        {shape: shapeValues, min: 1},
	"DoesNotContainValues": {shape: shapeValues, min: 1},
	// Full-text search (knowledge articles only, but it parses).
	"Contains": {shape: shapeValue, rule: strValue},
}

// lookupQueryFunc returns the signature of a function named without namespace.
func lookupQueryFunc(name string) (funcSig, bool) {
	sig, ok := queryFuncs[name]
	return sig, ok
}

// valueParams names the value parameters of a signature, in print order.
func (s funcSig) valueParams() []string {
	switch s.shape {
	case shapeValue:
		return []string{"PropertyValue"}
	case shapeValues:
		return []string{"PropertyValues"}
	case shapePair:
		return []string{"PropertyValue1", "PropertyValue2"}
	}
	return nil
}

// accepts reports whether a literal fits the function's value rule.
func (s funcSig) accepts(l *Literal) bool {
	switch s.rule {
	case intValue:
		return l.Kind == KindInt
	case dateValue:
		return l.Kind == KindDate || l.Kind == KindDateTimeOffset || l.Kind == KindString
	case idValue:
		return l.Kind == KindGUID || l.Kind == KindString
	case strValue:
		return l.Kind == KindString
	}
	return l.Kind != KindNull
}

func (r valueRule) describe() string {
	switch r {
	case intValue:
		return "an integer"
	case dateValue:
		return "a date"
	case idValue:
		return "a GUID"
	case strValue:
		return "a string"
	}
	return "a non-null value"
}
