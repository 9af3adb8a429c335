package client

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	connectorhub "github.com/connectorhub/connectorhub"
)

// Error is a non-2xx answer of the Web API. When the answer carried Dataverse's error body
// {"error":{"code":"0x…","message":"…"}}, it unwraps to the *connectorhub.Error of that code
// and message, so errors.As and connectorhub.ErrorCode see the Dataverse code.
type Error struct {
	Status    int    // the HTTP status, e.g. 404
	Code      string // Dataverse's code, e.g. "0x80040217"; may be "" (Dataverse sends empty codes too)
	Message   string // Dataverse's message, or the start of a body that was not Dataverse's
	RequestID string // the REQ_ID or x-ms-service-request-id header, when the server sent one
	// dataverse records that the body was a Dataverse error body, so that Unwrap may answer it.
	dataverse bool
}

// Error implements the error interface.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "dataverse: %d %s", e.Status, http.StatusText(e.Status))
	if e.Code != "" {
		fmt.Fprintf(&b, ": code=%s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request %s)", e.RequestID)
	}
	return b.String()
}

// Unwrap returns the *connectorhub.Error of the Dataverse error body, or nil when the answer
// did not carry one (a proxy's HTML page, for instance).
func (e *Error) Unwrap() error {
	if !e.dataverse {
		return nil
	}
	return &connectorhub.Error{Code: e.Code, Message: e.Message}
}

// readError reads a failed answer's body (up to maxErrorBody) into an *Error and closes it.
func readError(resp *http.Response) *Error {
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := &Error{Status: resp.StatusCode, RequestID: resp.Header.Get("REQ_ID")}
	if e.RequestID == "" {
		e.RequestID = resp.Header.Get("x-ms-service-request-id")
	}
	var body struct {
		Error *struct {
			Code    *string `json:"code"`
			Message string  `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &body) == nil && body.Error != nil && body.Error.Code != nil {
		e.Code, e.Message, e.dataverse = *body.Error.Code, body.Error.Message, true
		return e
	}
	msg := strings.TrimSpace(string(data))
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	e.Message = msg
	return e
}
