package client

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
)

// SolutionsSet is the entity set of solutions.
const SolutionsSet = "solutions"

// The status codes of an asynchronous operation (asyncoperation.statuscode) that
// ExportSolutionAsync and ImportSolution report to their progress functions.
const (
	AsyncWaitingForResources = 0
	AsyncWaiting             = 10
	AsyncInProgress          = 20
	AsyncPausing             = 21
	AsyncCanceling           = 22
	AsyncSucceeded           = 30
	AsyncFailed              = 31
	AsyncCanceled            = 32
)

// asyncCompleted is the statecode of a finished asynchronous operation.
const asyncCompleted = 3

// AsyncStatusName returns the name of an asynchronous operation's statuscode, e.g.
// "InProgress", or the number for a code it does not know.
func AsyncStatusName(statuscode int) string {
	switch statuscode {
	case AsyncWaitingForResources:
		return "WaitingForResources"
	case AsyncWaiting:
		return "Waiting"
	case AsyncInProgress:
		return "InProgress"
	case AsyncPausing:
		return "Pausing"
	case AsyncCanceling:
		return "Canceling"
	case AsyncSucceeded:
		return "Succeeded"
	case AsyncFailed:
		return "Failed"
	case AsyncCanceled:
		return "Canceled"
	}
	return fmt.Sprint(statuscode)
}

// Poll intervals of an asynchronous operation: the first poll is at once (ConnectorHub
// finishes before it answers), then the waits double from pollFirst up to pollMax, so that
// an hour-long import costs a few hundred requests, far below the service protection limits.
const (
	pollFirst = time.Second
	pollMax   = 10 * time.Second
)

// Solution is a row of the solution table as ListSolutions and FindSolution read it; the JSON
// names are the Web API's property names.
type Solution struct {
	ID           string    `json:"solutionid"`
	UniqueName   string    `json:"uniquename"`
	FriendlyName string    `json:"friendlyname"`
	Version      string    `json:"version"`
	IsManaged    bool      `json:"ismanaged"`
	PublisherID  string    `json:"_publisherid_value,omitempty"`
	Description  string    `json:"description,omitempty"`
	InstalledOn  time.Time `json:"installedon,omitzero"`
	ModifiedOn   time.Time `json:"modifiedon,omitzero"`
}

// solutionColumns are the columns ListSolutions and FindSolution select, Solution's fields.
const solutionColumns = "solutionid,uniquename,friendlyname,version,ismanaged,_publisherid_value,description,installedon,modifiedon"

// AsyncOperationError is an asynchronous operation that finished without succeeding
// (statuscode 31 Failed or 32 Canceled); Message is the server's account of why.
type AsyncOperationError struct {
	ID         string // the asyncoperationid
	StatusCode int    // AsyncFailed or AsyncCanceled
	Message    string
}

// Error implements the error interface.
func (e *AsyncOperationError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = "the server gave no message"
	}
	return fmt.Sprintf("dataverse: asynchronous operation %s %s: %s", e.ID, strings.ToLower(AsyncStatusName(e.StatusCode)), msg)
}

// binary is an Edm.Binary value, which the Web API writes as a base64 (StdEncoding) string.
type binary []byte

// UnmarshalJSON decodes the base64 text straight from the answer's bytes, so that a large
// solution file costs its decoded bytes and nothing more.
func (b *binary) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		*b = nil
		return nil
	}
	if len(data) < 2 || data[0] != '"' || data[len(data)-1] != '"' {
		return errors.New("an Edm.Binary value is not a JSON string")
	}
	text := data[1 : len(data)-1]
	if bytes.IndexByte(text, '\\') >= 0 { // escaped characters, such as "\/" or "\u002B"
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		text = []byte(s)
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(text)))
	n, err := base64.StdEncoding.Decode(out, text)
	if err != nil {
		return fmt.Errorf("an Edm.Binary value is not base64: %w", err)
	}
	*b = out[:n]
	return nil
}

// exportFile is the answer of ExportSolution and DownloadSolutionExportData.
type exportFile struct {
	File binary `json:"ExportSolutionFile"`
}

// exportBody is the body of ExportSolution and ExportSolutionAsync.
type exportBody struct {
	SolutionName string `json:"SolutionName"`
	Managed      bool   `json:"Managed"`
}

// ExportSolution exports the solution of that unique name (the ExportSolution action), as
// managed or unmanaged, and returns the zip's bytes. An unknown solution is an *Error.
func (c *Client) ExportSolution(ctx context.Context, name string, managed bool) ([]byte, error) {
	var out exportFile
	if _, err := c.Do(ctx, http.MethodPost, "ExportSolution", exportBody{name, managed}, &out, nil); err != nil {
		return nil, err
	}
	if out.File == nil {
		return nil, errors.New("client: ExportSolution answered without an ExportSolutionFile")
	}
	return out.File, nil
}

// ExportSolutionAsync exports as ExportSolution does, through an asynchronous operation
// (ExportSolutionAsync), which it polls until it finishes, then downloads the file
// (DownloadSolutionExportData). progress, when not nil, is called with the operation's
// statuscode after each poll. ctx bounds the whole wait: give it a deadline. An operation
// that fails is an *AsyncOperationError carrying the server's message.
func (c *Client) ExportSolutionAsync(ctx context.Context, name string, managed bool, progress func(statuscode int)) ([]byte, error) {
	var started struct {
		AsyncOperationID string `json:"AsyncOperationId"`
		ExportJobID      string `json:"ExportJobId"`
	}
	if _, err := c.Do(ctx, http.MethodPost, "ExportSolutionAsync", exportBody{name, managed}, &started, nil); err != nil {
		return nil, err
	}
	if !isGUID(started.AsyncOperationID) || !isGUID(started.ExportJobID) {
		return nil, fmt.Errorf("client: ExportSolutionAsync answered without a valid AsyncOperationId and ExportJobId (%q, %q)", started.AsyncOperationID, started.ExportJobID)
	}
	if err := c.WaitAsyncOperation(ctx, started.AsyncOperationID, progress); err != nil {
		return nil, err
	}
	var out exportFile
	body := map[string]string{"ExportJobId": started.ExportJobID}
	if _, err := c.Do(ctx, http.MethodPost, "DownloadSolutionExportData", body, &out, nil); err != nil {
		return nil, err
	}
	if out.File == nil {
		return nil, errors.New("client: DownloadSolutionExportData answered without an ExportSolutionFile")
	}
	return out.File, nil
}

// WaitAsyncOperation polls asyncoperations(id) until the operation completes (statecode 3),
// at once and then at growing intervals of up to 10 seconds, calling progress (when not nil)
// with its statuscode after each poll. It returns nil when the operation succeeded, an
// *AsyncOperationError when it failed or was canceled, and, when ctx ends first, an error
// that wraps ctx.Err() (the operation may still finish on the server).
func (c *Client) WaitAsyncOperation(ctx context.Context, id string, progress func(statuscode int)) error {
	if !isGUID(id) {
		return fmt.Errorf("client: asynchronous operation id %q is not a GUID", id)
	}
	path := "asyncoperations(" + id + ")?$select=statecode,statuscode,message"
	wait := time.Duration(0)
	last := -1
	for {
		if wait > 0 {
			if err := c.sleep(ctx, wait); err != nil {
				return unfinished(id, last, err)
			}
			wait = min(2*wait, pollMax)
		} else {
			wait = pollFirst
		}
		var op struct {
			StateCode  int     `json:"statecode"`
			StatusCode int     `json:"statuscode"`
			Message    *string `json:"message"`
		}
		if _, err := c.Do(ctx, http.MethodGet, path, nil, &op, nil); err != nil {
			if ctx.Err() != nil {
				return unfinished(id, last, ctx.Err())
			}
			return err
		}
		last = op.StatusCode
		if progress != nil {
			progress(op.StatusCode)
		}
		if op.StateCode != asyncCompleted {
			continue
		}
		if op.StatusCode == AsyncSucceeded {
			return nil
		}
		e := &AsyncOperationError{ID: id, StatusCode: op.StatusCode}
		if op.Message != nil {
			e.Message = *op.Message
		}
		return e
	}
}

// unfinished is the error of a wait that ended before the operation did.
func unfinished(id string, last int, err error) error {
	status := "not read yet"
	if last >= 0 {
		status = AsyncStatusName(last)
	}
	return fmt.Errorf("client: asynchronous operation %s did not finish (last status: %s): %w", id, status, err)
}

// DeploymentSettings is pac's deployment settings file (pac solution create-settings,
// pac solution import --settings-file): the values of environment variables and the
// connections of connection references that an import sets, whatever the zip holds.
type DeploymentSettings struct {
	EnvironmentVariables []EnvironmentVariableSetting `json:"EnvironmentVariables"`
	ConnectionReferences []ConnectionReferenceSetting `json:"ConnectionReferences"`
}

// EnvironmentVariableSetting is the value of one environment variable in DeploymentSettings.
type EnvironmentVariableSetting struct {
	SchemaName string `json:"SchemaName"`
	Value      string `json:"Value"`
}

// ConnectionReferenceSetting is the connection of one connection reference in
// DeploymentSettings; ConnectorID is the API's id, e.g. /providers/Microsoft.PowerApps/apis/shared_x.
type ConnectionReferenceSetting struct {
	LogicalName  string `json:"LogicalName"`
	ConnectionID string `json:"ConnectionId"`
	ConnectorID  string `json:"ConnectorId"`
}

// componentParameters maps s onto ImportSolution's ComponentParameters. Entries with an
// empty value are left out: pac create-settings writes every variable and reference with
// empty values as a template, and an entry left empty must not clear what the zip holds.
func (s *DeploymentSettings) componentParameters() ([]map[string]string, error) {
	if s == nil {
		return nil, nil
	}
	var params []map[string]string
	for _, ev := range s.EnvironmentVariables {
		if ev.SchemaName == "" {
			return nil, errors.New("client: a deployment setting of an environment variable has no SchemaName")
		}
		if ev.Value == "" {
			continue
		}
		params = append(params, map[string]string{"@odata.type": "Microsoft.Dynamics.CRM.environmentvariablevalue",
			"schemaname": ev.SchemaName, "value": ev.Value})
	}
	for _, cr := range s.ConnectionReferences {
		if cr.LogicalName == "" {
			return nil, errors.New("client: a deployment setting of a connection reference has no LogicalName")
		}
		if cr.ConnectionID == "" {
			continue
		}
		p := map[string]string{"@odata.type": "Microsoft.Dynamics.CRM.connectionreference",
			"connectionreferencelogicalname": cr.LogicalName, "connectionid": cr.ConnectionID}
		if cr.ConnectorID != "" {
			p["connectorid"] = cr.ConnectorID
		}
		params = append(params, p)
	}
	return params, nil
}

// ImportSolutionOptions are the options of ImportSolution.
type ImportSolutionOptions struct {
	// OverwriteUnmanagedCustomizations discards unmanaged changes made over the managed
	// components the zip updates (pac's --force-overwrite).
	OverwriteUnmanagedCustomizations bool
	// ConvertToManaged is Dataverse's obsolete parameter, sent as given.
	ConvertToManaged bool
	// PublishWorkflows activates the processes the solution holds (pac's --activate-plugins).
	PublishWorkflows bool
	// Async imports through ImportSolutionAsync and polls the operation until it finishes;
	// give ctx a deadline to bound the wait.
	Async bool
	// ImportJobID is the id of the importjobs row that logs the import; "" makes a new one.
	ImportJobID string
	// Settings, when not nil, are sent as ComponentParameters.
	Settings *DeploymentSettings
	// Progress, when not nil, is called with the asynchronous operation's statuscode after
	// each poll (Async only).
	Progress func(statuscode int)
}

// ImportSolution imports a solution zip (the ImportSolution action, or ImportSolutionAsync
// with opts.Async) and returns the import job's id, whose importjobs row holds the log. A
// refused import is an *Error with the server's message; a failed asynchronous one an
// *AsyncOperationError with the operation's message.
func (c *Client) ImportSolution(ctx context.Context, zip []byte, opts ImportSolutionOptions) (string, error) {
	jobID := opts.ImportJobID
	if jobID == "" {
		jobID = connectorhub.NewGUID()
	} else if !isGUID(jobID) {
		return "", fmt.Errorf("client: import job id %q is not a GUID", jobID)
	}
	params, err := opts.Settings.componentParameters()
	if err != nil {
		return "", err
	}
	body, err := importBody(zip, jobID, &opts, params)
	if err != nil {
		return "", err
	}
	if !opts.Async {
		_, err := c.Do(ctx, http.MethodPost, "ImportSolution", body, nil, nil)
		return jobID, err
	}
	var started struct {
		AsyncOperationID string `json:"AsyncOperationId"`
	}
	if _, err := c.Do(ctx, http.MethodPost, "ImportSolutionAsync", body, &started, nil); err != nil {
		return jobID, err
	}
	if !isGUID(started.AsyncOperationID) {
		return jobID, fmt.Errorf("client: ImportSolutionAsync answered without a valid AsyncOperationId (%q)", started.AsyncOperationID)
	}
	return jobID, c.WaitAsyncOperation(ctx, started.AsyncOperationID, opts.Progress)
}

// importBody writes ImportSolution's body into one buffer of the final size, the zip
// base64-encoded in place, rather than through json.Marshal, which would hold the encoded
// file twice.
func importBody(zip []byte, jobID string, opts *ImportSolutionOptions, params []map[string]string) ([]byte, error) {
	rest, err := json.Marshal(struct {
		OverwriteUnmanagedCustomizations bool                `json:"OverwriteUnmanagedCustomizations"`
		PublishWorkflows                 bool                `json:"PublishWorkflows"`
		ImportJobID                      string              `json:"ImportJobId"`
		ConvertToManaged                 bool                `json:"ConvertToManaged"`
		ComponentParameters              []map[string]string `json:"ComponentParameters,omitempty"`
	}{opts.OverwriteUnmanagedCustomizations, opts.PublishWorkflows, jobID, opts.ConvertToManaged, params})
	if err != nil {
		return nil, fmt.Errorf("client: encoding the request body: %w", err)
	}
	const head = `{"CustomizationFile":"`
	n := base64.StdEncoding.EncodedLen(len(zip))
	buf := make([]byte, 0, len(head)+n+2+len(rest)-1)
	buf = append(buf, head...)
	buf = buf[:len(buf)+n]
	base64.StdEncoding.Encode(buf[len(head):], zip)
	buf = append(buf, '"', ',')
	return append(buf, rest[1:]...), nil // rest without its "{"
}

// PublishAllXml publishes every unpublished customization (the PublishAllXml action), as
// pac solution import --publish-changes does after an import.
func (c *Client) PublishAllXml(ctx context.Context) error {
	_, err := c.Do(ctx, http.MethodPost, "PublishAllXml", nil, nil, nil)
	return err
}

// ListSolutions returns the visible solutions (isvisible eq true, as pac solution list shows
// them) in the order of their unique names, following @odata.nextLink from page to page.
func (c *Client) ListSolutions(ctx context.Context) ([]Solution, error) {
	var q query
	q.add("$select", solutionColumns)
	q.add("$filter", "isvisible eq true")
	q.add("$orderby", "uniquename")
	return c.listSolutions(ctx, SolutionsSet+q.String())
}

// listSolutions reads every page of a solutions query.
func (c *Client) listSolutions(ctx context.Context, path string) ([]Solution, error) {
	sols := []Solution{}
	for path != "" {
		var page struct {
			Value    []Solution `json:"value"`
			NextLink string     `json:"@odata.nextLink"`
		}
		if _, err := c.Do(ctx, http.MethodGet, path, nil, &page, nil); err != nil {
			return nil, err
		}
		sols = append(sols, page.Value...)
		if page.NextLink == path {
			return nil, fmt.Errorf("client: the server answered the same @odata.nextLink twice: %s", path)
		}
		path = page.NextLink
	}
	return sols, nil
}

// FindSolution reads the solution of that unique name (compared by the server, without regard
// to case on Dataverse). A missing one is an *Error with status 404 and code 0x80040217, as a
// missing record is.
func (c *Client) FindSolution(ctx context.Context, uniqueName string) (*Solution, error) {
	var q query
	q.add("$select", solutionColumns)
	q.add("$filter", "uniquename eq "+Quote(uniqueName))
	sols, err := c.listSolutions(ctx, SolutionsSet+q.String())
	if err != nil {
		return nil, err
	}
	if len(sols) == 0 {
		return nil, &Error{Status: http.StatusNotFound, Code: connectorhub.ECodeNotFound, dataverse: true,
			Message: fmt.Sprintf("solution With UniqueName = %s Does Not Exist", uniqueName)}
	}
	return &sols[0], nil
}

// DeleteSolution deletes the solution of that unique name (DELETE solutions(id)): an
// unmanaged solution's container only, its components staying; a managed solution is
// uninstalled with its components. A missing one is an *Error 404 (0x80040217).
func (c *Client) DeleteSolution(ctx context.Context, uniqueName string) error {
	sol, err := c.FindSolution(ctx, uniqueName)
	if err != nil {
		return err
	}
	if !isGUID(sol.ID) {
		return fmt.Errorf("client: the solution %s has no valid solutionid (%q)", uniqueName, sol.ID)
	}
	_, err = c.Do(ctx, http.MethodDelete, SolutionsSet+"("+sol.ID+")", nil, nil, nil)
	return err
}
