package webapi

import (
	"fmt"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/validate"
)

// Validation says which rules a definition must pass to be stored.
type Validation int

// The validation modes of `serve --validation`.
const (
	// ValidationDefault refuses definitions with error-severity structural findings.
	ValidationDefault Validation = iota
	// ValidationStrict also enforces the certification rules.
	ValidationStrict
	// ValidationOff checks only that the definition is Swagger 2.0.
	ValidationOff
)

// ParseValidation reads "default", "strict" or "off".
func ParseValidation(s string) (Validation, error) {
	switch s {
	case "default", "":
		return ValidationDefault, nil
	case "strict":
		return ValidationStrict, nil
	case "off":
		return ValidationOff, nil
	}
	return 0, fmt.Errorf("validation mode %q: use default, strict or off", s)
}

// tolerated are rules whose errors the service is known to accept: published connectors
// that break them are in the corpus (definitions that are not even lenient JSON), so the
// server stores them as given, and `connectorhub connector validate` still reports them.
var tolerated = map[string]bool{"InvalidJson": true}

// checkDefinition runs the validator on a definition a write gives, and refuses it with a
// 400 that lists the first findings with their pointers.
func (s *Server) checkDefinition(r *request, u *connectorhub.ConnectorUpdate) error {
	if s.Validation == ValidationOff || u.OpenAPIDefinition == nil || *u.OpenAPIDefinition == "" {
		return nil
	}
	var who string
	if p := caller(r); p != nil {
		who = p.UserID
	}
	key := verdictKey(who, s.Validation, *u.OpenAPIDefinition)
	refusal, ok := s.verdicts.get(key)
	if !ok {
		var err error
		if refusal, err = s.validateDefinition(r, *u.OpenAPIDefinition); err != nil {
			return err
		}
		s.verdicts.put(key, refusal)
	}
	if refusal != "" {
		return connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "%s", refusal)
	}
	return nil
}

// validateDefinition runs the validator on a definition and returns why it is refused, or "";
// an error only when the client went away.
func (s *Server) validateDefinition(r *request, definition string) (string, error) {
	// The domain's own check first: its message for an OpenAPI 3 document is the clearer one.
	if err := connectorhub.CheckSwagger2(definition); err != nil {
		return connectorhub.ErrorMessage(err), nil
	}
	// One validation a core at most: it is CPU-bound, so more at once adds only memory. The
	// request's context ends the wait, and the validation, when the client goes away.
	if s.validators != nil {
		select {
		case s.validators <- struct{}{}:
			defer func() { <-s.validators }()
		case <-r.Context().Done():
			return "", errClientGone
		}
	}
	report, err := validate.DefinitionContext(r.Context(), []byte(definition), validate.Options{Certification: s.Validation == ValidationStrict})
	if err != nil {
		return "", errClientGone
	}
	var refused validate.Report
	for _, f := range report.Errors() {
		if !tolerated[f.Rule] {
			refused.Findings = append(refused.Findings, f)
		}
	}
	if !refused.HasErrors() {
		return "", nil
	}
	return fmt.Sprintf("The 'openapidefinition' property is not a valid connector definition: %s", refused.Summary(5)), nil
}
