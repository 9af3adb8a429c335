package connectorhub

import (
	"fmt"
	"regexp"
	"strings"
)

// Names of solution connectors (solutions spec §3). Dataverse documents no rule for a
// connector's name; the names real solutions carry are a publisher's customization prefix, an
// underscore, and the display name lower-cased with every other character escaped as "-" and
// two hex digits of each of its UTF-8 bytes: "cat_approvals-20kit" for "Approvals Kit".

// solutionConnectorName is the shape ConnectorHub accepts for a connector created in a
// solution: a prefix of 2 to 8 characters starting with a letter, an underscore, then the
// escaped name.
var solutionConnectorName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{1,7}_[A-Za-z0-9_-]+$`)

// CheckSolutionConnectorName refuses a name a connector created in a solution cannot have:
// not prefix_name in the shape above, or longer than the column's 500 characters. The prefix
// need not be the solution publisher's: solutions imported from elsewhere keep theirs.
func CheckSolutionConnectorName(name string) error {
	if len(name) > 500 {
		return Errorf(ECodeLengthExceeded, "A validation error occurred.  The length of the 'name' attribute of the 'connector' entity exceeded the maximum allowed length of '500'.")
	}
	if !solutionConnectorName.MatchString(name) {
		return Errorf(ECodeInvalidArgument, "The name '%s' is not the name of a solution connector: a publisher's customization prefix (2 to 8 letters, digits or underscores, starting with a letter), an underscore, then letters, digits, '-' and '_' only, such as cr736_5Fdemosolnconnector.", name)
	}
	return nil
}

// SolutionConnectorName is the name ConnectorHub gives a connector created in a solution
// whose publisher's prefix is prefix: prefix, "_", and the display name lower-cased with each
// byte outside [a-z0-9] escaped as "-" and two lower-case hex digits (the second of the two
// shapes real solutions carry, spec §3: "cat_human-2din-2dthe-2dloop").
func SolutionConnectorName(prefix, displayName string) string {
	var b strings.Builder
	b.WriteString(prefix)
	b.WriteByte('_')
	for _, c := range []byte(strings.ToLower(displayName)) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "-%02x", c)
	}
	return b.String()
}
