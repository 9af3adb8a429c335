package webapi

import (
	"errors"
	"log/slog"
	"net/http"

	connectorhub "github.com/connectorhub/connectorhub"
)

// writeError is the one place an error becomes a response: the Dataverse body
// {"error":{"code":"0x…","message":"…"}} with the status of the code. Errors that are not
// *connectorhub.Error are internal: the caller sees a generic message, the log sees the cause.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := connectorhub.ErrorCode(err), connectorhub.ErrorMessage(err)
	status := StatusOf(code)
	switch {
	case errors.Is(err, errURLTooLong):
		status = http.StatusRequestURITooLong
	case errors.Is(err, errBodyTooSlow):
		status = http.StatusRequestTimeout
	}
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		code, status = connectorhub.ECodePayload, http.StatusRequestEntityTooLarge
		msg = "The request body is larger than the limit of " + itoa(int(maxErr.Limit)) + " bytes."
	}
	if status >= 500 {
		s.logger(r).Error("request failed", slog.String("error", err.Error()))
	}
	if (status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests) && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "1")
	}
	var b jsonBuffer
	b.raw(`{"error":{"code":`)
	b.str(code)
	b.raw(`,"message":`)
	b.str(msg)
	b.raw(`}}`)
	w.Header().Set("Content-Type", contentTypeJSON)
	w.WriteHeader(status)
	w.Write(b.bytes())
}

func itoa(n int) string {
	var b jsonBuffer
	b.int(int64(n))
	return string(b.bytes())
}
