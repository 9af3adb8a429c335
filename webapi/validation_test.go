package webapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/webapi"
)

// A definition with two operations of the same operationId and a broken $ref: structural
// errors the default mode refuses.
const brokenDefinition = `{"swagger": "2.0", "info": {"title": "Broken", "version": "1.0"}, "host": "api.example.com", "basePath": "/", "schemes": ["https"],
 "paths": {"/a": {"get": {"operationId": "GetThing", "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Missing"}}}}},
           "/b": {"get": {"operationId": "GetThing", "responses": {"200": {"description": "ok"}}}}}}`

// A structurally valid definition that breaks certification rules (a title over 30
// characters containing "API").
const uncertifiableDefinition = `{"swagger": "2.0", "info": {"title": "An API title far longer than thirty characters", "version": "1.0"}, "host": "api.example.com", "basePath": "/", "schemes": ["https"],
 "paths": {"/a": {"get": {"operationId": "GetThing", "summary": "Get a thing", "description": "Gets a thing.", "responses": {"200": {"description": "ok"}}}}}}`

func TestValidationOnWrite(t *testing.T) {
	s := MustOpenServer(t)
	r := s.do(t, "POST", "/api/data/v9.2/connectors", body(1, map[string]any{"openapidefinition": brokenDefinition}))
	code, msg := r.ErrorCode(t)
	if r.Status != 400 || code != connectorhub.ECodeInvalidArgument || !strings.Contains(msg, "OperationIdNotUnique at /paths/~1b/get/operationId") || !strings.Contains(msg, "SchemaReferenceNotFound") {
		t.Errorf("broken definition: got %d %s %q", r.Status, code, msg)
	}
	// The same through PATCH, on a record that exists.
	if r := s.do(t, "POST", "/api/data/v9.2/connectors", body(2, nil)); r.Status != 204 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	r = s.do(t, "PATCH", "/api/data/v9.2/connectors(00000000-0000-0000-0000-000000000002)", mustJSON(map[string]any{"openapidefinition": brokenDefinition}))
	if code, _ := r.ErrorCode(t); r.Status != 400 || code != connectorhub.ECodeInvalidArgument {
		t.Errorf("PATCH with a broken definition: got %d %s", r.Status, r.Body)
	}
	// Certification findings do not stop a write in the default mode …
	if r := s.do(t, "POST", "/api/data/v9.2/connectors", body(3, map[string]any{"openapidefinition": uncertifiableDefinition})); r.Status != 204 {
		t.Errorf("default mode refused a definition with certification findings only: %d %s", r.Status, r.Body)
	}
	// … but do with --validation strict.
	s.Server.Close(context.Background())
	strict := &webapi.Server{Addr: "127.0.0.1:0", Connectors: s.DB, Principals: s.DB, Sharing: s.DB, Identities: s.DB,
		Auth: s.Server.Auth, Validation: webapi.ValidationStrict}
	if err := strict.Open(); err != nil {
		t.Fatal(err)
	}
	defer strict.Close(context.Background())
	s.Server = strict
	r = s.do(t, "POST", "/api/data/v9.2/connectors", body(4, map[string]any{"openapidefinition": uncertifiableDefinition}))
	if code, msg := r.ErrorCode(t); r.Status != http.StatusBadRequest || code != connectorhub.ECodeInvalidArgument || !strings.Contains(msg, "TitleTooLong") {
		t.Errorf("strict mode: got %d %s %q", r.Status, code, msg)
	}
}

// TestValidationVerdictsRemembered: a definition a caller sends again is not validated again,
// with the same verdict (refusal message included), and another caller's is never reused.
func TestValidationVerdictsRemembered(t *testing.T) {
	s, addUser := MustOpenMultiUserServer(t)
	addUser("maker", connectorhub.RoleSystemCustomizer)
	good := strings.Replace(uncertifiableDefinition, "An API title far longer than thirty characters", "Verdicts", 1)
	steps := []struct {
		name, user, method, path, def string
		status                        int
		hit                           bool
	}{
		{"a first create", "admin", "POST", "", good, 204, false},
		{"a PATCH sending it again", "admin", "PATCH", "(00000000-0000-0000-0000-000000000001)", good, 204, true},
		{"another caller sending it", "maker", "PATCH", "(00000000-0000-0000-0000-000000000001)", good, 204, false},
		{"a broken one", "admin", "PATCH", "(00000000-0000-0000-0000-000000000001)", brokenDefinition, 400, false},
		{"the broken one again", "admin", "PATCH", "(00000000-0000-0000-0000-000000000001)", brokenDefinition, 400, true},
		{"a changed one", "admin", "PATCH", "(00000000-0000-0000-0000-000000000001)", good + " ", 204, false},
	}
	var refusal string
	for _, st := range steps {
		before := webapi.VerdictHits(s.Server)
		b := mustJSON(map[string]any{"openapidefinition": st.def})
		if st.method == "POST" {
			b = body(1, map[string]any{"openapidefinition": st.def})
		}
		r := s.do(t, st.method, "/api/data/v9.2/connectors"+st.path, b, asUser(st.user))
		if r.Status != st.status {
			t.Fatalf("%s: got %d %s, want %d", st.name, r.Status, r.Body, st.status)
		}
		if hit := webapi.VerdictHits(s.Server) > before; hit != st.hit {
			t.Errorf("%s: answered from a remembered verdict: %v, want %v", st.name, hit, st.hit)
		}
		if st.status == 400 {
			_, msg := r.ErrorCode(t)
			if !strings.Contains(msg, "OperationIdNotUnique") || refusal != "" && msg != refusal {
				t.Errorf("%s: message %q, want the validator's, as the first time (%q)", st.name, msg, refusal)
			}
			refusal = msg
		}
	}
}
