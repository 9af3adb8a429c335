package connectorhub

import (
	"strings"
	"testing"
)

func TestSolutionConnectorName(t *testing.T) {
	for _, tt := range []struct{ prefix, display, want string }{
		{"cat", "Approvals Kit", "cat_approvals-20kit"},             // spec §3, APK
		{"cat", "Human-in-the-Loop", "cat_human-2din-2dthe-2dloop"}, // spec §3, HIL
		{"cr736", "Demo_Soln", "cr736_demo-5fsoln"},                 // an underscore is escaped
		{"new", "Café", "new_caf-c3-a9"},                            // non-ASCII: each UTF-8 byte
		{"new", "", "new_"},                                         // refused by the check below
	} {
		if got := SolutionConnectorName(tt.prefix, tt.display); got != tt.want {
			t.Errorf("SolutionConnectorName(%q, %q) = %q, want %q", tt.prefix, tt.display, got, tt.want)
		}
	}
}

func TestCheckSolutionConnectorName(t *testing.T) {
	for _, tt := range []struct {
		name string
		code string
	}{
		// The names of real solutions (spec §3), both shapes.
		{"cr736_5Fdemosolnconnector", ""},
		{"admin_5Foffice-20365-20management-20api", ""},
		{"cat_5Fmicrosoft-20graph-20mailboxsetting", ""},
		{"cr863_5Fmcp-2Dserver-2Dfor-2Denterprise", ""},
		{"cat_approvals-20kit", ""},
		{"cat_human-2din-2dthe-2dloop", ""},
		{"new_caf-c3-a9", ""},
		{"c_x", refused("short prefix")},
		{"toolongprefix_x", refused("long prefix")},
		{"1cr_x", refused("digit first")},
		{"cr736_", refused("no name")},
		{"cr736 demo", refused("space")},
		{"cr736_demo connector", refused("space in name")},
		{"cr736_démo", refused("non-ASCII")},
		{"nounderscore", refused("no prefix")},
		{"cr736_" + strings.Repeat("x", 495), ECodeLengthExceeded},
	} {
		err := CheckSolutionConnectorName(tt.name)
		if got := ErrorCode(err); tt.code == "" && err != nil || tt.code != "" && got != tt.code {
			t.Errorf("CheckSolutionConnectorName(%q) = %v, want code %q", tt.name, err, tt.code)
		}
	}
	// A generated name always passes when the prefix does.
	for _, d := range []string{"Approvals Kit", "ÜBER api", "a/b\\c", "日本"} {
		if err := CheckSolutionConnectorName(SolutionConnectorName("cr736", d)); err != nil {
			t.Errorf("generated from %q: %v", d, err)
		}
	}
}

// refused says why a case is refused; the code is always ECodeInvalidArgument.
func refused(string) string { return ECodeInvalidArgument }
