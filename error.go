package connectorhub

import (
	"errors"
	"fmt"
)

// Dataverse error codes ConnectorHub returns. Each code has one HTTP status, which the Web
// API's one table gives (webapi.StatusOf): the domain knows nothing of HTTP.
const (
	ECodeBadRequest       = "0x0"        // 400: Dataverse's code for an invalid property in a body or query
	ECodeNoResource       = ""           // 404: "No HTTP resource was found that matches the request URI"
	ECodeInvalidArgument  = "0x80040203" // 400: a value or argument is not acceptable
	ECodeNotFound         = "0x80040217" // 404: ObjectDoesNotExist
	ECodeDuplicateKey     = "0x80040237" // 412: Cannot insert duplicate key
	ECodeLengthExceeded   = "0x80044331" // 400: a column's maximum length is exceeded
	ECodePayload          = "0x80048d19" // 400: the request body cannot be read
	ECodeQuery            = "0x80060888" // 400: a query option is invalid
	ECodeResourceNotFound = "0x8006088a" // 404: unknown entity set, function or segment
	ECodeVersionMismatch  = "0x80060882" // 412: ConcurrencyVersionMismatch
	ECodePrivilegeDenied  = "0x80040220" // 403: the caller lacks a privilege
	ECodeNotOrgMember     = "0x80072560" // 403: "The user is not a member of the organization."
	ECodeRequestsExceeded = "0x80072322" // 429: service protection, number of requests
	ECodeTimeExceeded     = "0x80072321" // 429: service protection, combined execution time
	ECodeConcurrency      = "0x80072326" // 429: service protection, concurrent requests
	// ECodeUnauthenticated is ConnectorHub's choice: Dataverse answers a missing or bad token
	// with 401 but documents no code for it.
	ECodeUnauthenticated = "0x8004a001" // 401: no valid bearer token
	ECodeUnexpected      = "0x80040216" // 500: an unexpected error occurred
	// ECodeMethodNotAllowed is ConnectorHub's choice: Dataverse documents the 405 but not its code.
	ECodeMethodNotAllowed = "0x80060889" // 405: the method is not supported on the resource
	// ECodeServerBusy is ConnectorHub's choice for a server-wide limit (requests in flight,
	// large bodies in memory); Dataverse's service protection codes are per user.
	ECodeServerBusy = "0x8004a002" // 503: the server is at capacity; Retry-After says when to retry
	// ECodeDependency: "Solution dependencies exist, cannot uninstall." (solutions spec §4.3).
	ECodeDependency = "0x8004f01d" // 400: another component depends on what would be removed
	// ECodeImportFailed is ConnectorHub's choice for a solution file an import refuses
	// (Dataverse reports import failures in the job's log, with no documented HTTP code).
	ECodeImportFailed = "0x8004801f" // 400: the solution cannot be imported
)

// Error is the one error type of the domain: a Dataverse error code and a message for the caller.
type Error struct {
	Code    string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("connectorhub error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the *Error in err's chain, or ECodeUnexpected for any other error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return ECodeUnexpected
}

// ErrorMessage returns the message of the *Error in err's chain, or a generic message that
// reveals nothing of internal errors.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "An unexpected error occurred."
}
