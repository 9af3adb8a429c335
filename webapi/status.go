package webapi

import (
	"net/http"

	connectorhub "github.com/connectorhub/connectorhub"
)

// codeStatus is the one table from Dataverse code to HTTP status.
var codeStatus = map[string]int{
	connectorhub.ECodeBadRequest:       http.StatusBadRequest,
	connectorhub.ECodeNoResource:       http.StatusNotFound,
	connectorhub.ECodeInvalidArgument:  http.StatusBadRequest,
	connectorhub.ECodeNotFound:         http.StatusNotFound,
	connectorhub.ECodeDuplicateKey:     http.StatusPreconditionFailed,
	connectorhub.ECodeLengthExceeded:   http.StatusBadRequest,
	connectorhub.ECodePayload:          http.StatusBadRequest,
	connectorhub.ECodeQuery:            http.StatusBadRequest,
	connectorhub.ECodeResourceNotFound: http.StatusNotFound,
	connectorhub.ECodeVersionMismatch:  http.StatusPreconditionFailed,
	connectorhub.ECodePrivilegeDenied:  http.StatusForbidden,
	connectorhub.ECodeNotOrgMember:     http.StatusForbidden,
	connectorhub.ECodeRequestsExceeded: http.StatusTooManyRequests,
	connectorhub.ECodeTimeExceeded:     http.StatusTooManyRequests,
	connectorhub.ECodeConcurrency:      http.StatusTooManyRequests,
	connectorhub.ECodeUnauthenticated:  http.StatusUnauthorized,
	connectorhub.ECodeMethodNotAllowed: http.StatusMethodNotAllowed,
	connectorhub.ECodeUnexpected:       http.StatusInternalServerError,
	connectorhub.ECodeServerBusy:       http.StatusServiceUnavailable,
	connectorhub.ECodeDependency:       http.StatusBadRequest,
	connectorhub.ECodeImportFailed:     http.StatusBadRequest,
}

// StatusOf returns the HTTP status of a Dataverse error code (500 when unknown).
func StatusOf(code string) int {
	if s, ok := codeStatus[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}
