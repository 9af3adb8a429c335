package webapi

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/jsontext"
	"github.com/connectorhub/connectorhub/solutionzip"
)

// importLimits bound what an import reads of a solution file: a quarter of solutionzip's
// defaults for the total, which still holds 700 corpus connectors, so that one import
// holds at most about 130 MB while it reads.
var importLimits = solutionzip.Limits{MaxTotalBytes: 64 << 20}

// exportParams are ExportSolution's parameters (spec §4.1): the Export* booleans ask for
// organization settings, which a solution of connectors does not carry.
var exportParams = []string{"SolutionName", "Managed", "TargetVersion", "ExportAutoNumberingSettings", "ExportCalendarSettings",
	"ExportCustomizationSettings", "ExportEmailTrackingSettings", "ExportGeneralSettings", "ExportMarketingSettings",
	"ExportOutlookSynchronizationSettings", "ExportRelationshipRoles", "ExportIsvConfig", "ExportSales",
	"ExportExternalApplications", "ExportComponentsParams"}

// importParams are ImportSolution's parameters.
var importParams = []string{"OverwriteUnmanagedCustomizations", "PublishWorkflows", "CustomizationFile", "ImportJobId",
	"ConvertToManaged", "SkipProductUpdateDependencies", "HoldingSolution", "ComponentParameters", "SolutionParameters",
	"SkipQueueRibbonJob", "LayerDesiredOrder", "AsyncRibbonProcessing", "IsTemplateMode", "TemplateSuffix"}

// exportFile runs an export: the base64 solution file of the named solution.
func (s *Server) exportFile(r *request, action string) (string, string, error) {
	ss, err := s.solutions()
	if err != nil {
		return "", "", err
	}
	p, err := readParams(r, action, exportParams...)
	if err != nil {
		return "", "", err
	}
	name, err := p.str("SolutionName", true)
	if err != nil {
		return "", "", err
	}
	managed, err := p.boolean("Managed", true)
	if err != nil {
		return "", "", err
	}
	for _, flag := range exportParams[3:14] {
		if on, err := p.boolean(flag, false); err != nil {
			return "", "", err
		} else if on {
			return "", "", connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "%s is not supported: ConnectorHub has no organization settings to export. Leave it false.", flag)
		}
	}
	pkg, err := ss.ExportSolution(r.Context(), name)
	if err != nil {
		return "", "", err
	}
	z, err := fileOf(pkg, managed)
	if err != nil {
		return "", "", err
	}
	var buf bytes.Buffer
	if err := solutionzip.Write(&buf, z); err != nil {
		return "", "", fmt.Errorf("export %s: %w", name, err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes()), pkg.Solution.UniqueName, nil
}

// exportSolution serves ExportSolution: 200 with the base64 file (spec §4.1).
func (s *Server) exportSolution(w http.ResponseWriter, r *request) error {
	file, _, err := s.exportFile(r, "ExportSolution")
	if err != nil {
		return err
	}
	writeActionResult(w, r, "ExportSolutionResponse", "ExportSolutionFile", file)
	return nil
}

// exportSolutionAsync serves ExportSolutionAsync. ConnectorHub exports at once and records
// a completed operation, whose ExportJobId (the operation's id) DownloadSolutionExportData
// takes; a client polling asyncoperations finds it Succeeded.
func (s *Server) exportSolutionAsync(w http.ResponseWriter, r *request) error {
	file, name, err := s.exportFile(r, "ExportSolutionAsync")
	if err != nil {
		return err
	}
	op := &connectorhub.AsyncOperation{Name: "Export solution " + name, OperationType: connectorhub.AsyncExportSolution,
		StatusCode: connectorhub.AsyncStatusSucceeded, Result: file}
	if err := s.Solutions.SaveAsyncOperation(r.Context(), op); err != nil {
		return err
	}
	writeActionResult(w, r, "ExportSolutionAsyncResponse", "AsyncOperationId", op.ID, "ExportJobId", op.ID)
	return nil
}

// downloadSolutionExportData serves DownloadSolutionExportData.
func (s *Server) downloadSolutionExportData(w http.ResponseWriter, r *request) error {
	ss, err := s.solutions()
	if err != nil {
		return err
	}
	p, err := readParams(r, "DownloadSolutionExportData", "ExportJobId")
	if err != nil {
		return err
	}
	id, err := p.guid("ExportJobId", true)
	if err != nil {
		return err
	}
	file, err := ss.AsyncResult(r.Context(), id)
	if err != nil {
		return err
	}
	writeActionResult(w, r, "DownloadSolutionExportDataResponse", "ExportSolutionFile", file)
	return nil
}

// importRequest is a read ImportSolution, ImportSolutionAsync or StageSolution.
type importRequest struct {
	file    *solutionzip.Solution
	pkg     *connectorhub.SolutionPackage
	opt     connectorhub.ImportOptions
	secrets []string // what was stripped, as "<connector>: <column>/<pointer>"
	started time.Time
}

// readImport reads and checks an import's parameters and file: the zip, every connector as a
// create would check it (lengths, secrets stripped, the validator), the component
// parameters. Nothing is written. Once the parameters are read, in is returned with the
// error too (its ImportJobId names the failed job's log); in.pkg is nil when the file
// could not be read.
func (s *Server) readImport(r *request, action string, allowed []string) (*importRequest, error) {
	if err := caller(r).RequireCustomize("prvImportCustomization", connectorhub.SolutionTable); err != nil {
		return nil, err // before the body: a caller who may not import sends no file to parse
	}
	p, err := readParams(r, action, allowed...)
	if err != nil {
		return nil, err
	}
	in := &importRequest{started: time.Now()}
	if in.opt.OverwriteUnmanagedCustomizations, err = p.boolean("OverwriteUnmanagedCustomizations", false); err != nil {
		return nil, err
	}
	if in.opt.ConvertToManaged, err = p.boolean("ConvertToManaged", false); err != nil {
		return nil, err
	}
	if in.opt.ImportJobID, err = p.guid("ImportJobId", false); err != nil {
		return nil, err
	}
	for _, b := range []string{"PublishWorkflows", "SkipProductUpdateDependencies", "SkipQueueRibbonJob", "AsyncRibbonProcessing"} {
		if _, err := p.boolean(b, false); err != nil {
			return nil, err
		}
	}
	if holding, err := p.boolean("HoldingSolution", false); err != nil {
		return nil, err
	} else if holding {
		return nil, connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "HoldingSolution is not supported: import the new version as an upgrade (ConnectorHub applies it at once).")
	}
	if sp := p.body.Get("SolutionParameters"); sp != nil && sp.Kind == jsontext.Object && sp.Get("StageSolutionUploadId") != nil {
		return nil, connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "SolutionParameters.StageSolutionUploadId is not supported: send the file in CustomizationFile.")
	}
	file, err := p.str("CustomizationFile", true)
	if err != nil {
		return nil, err
	}
	data, err := base64.StdEncoding.DecodeString(file)
	if err != nil {
		return nil, connectorhub.Errorf(connectorhub.ECodeBadRequest, "The parameter 'CustomizationFile' is not valid base64 (Edm.Binary): %v.", err)
	}
	if in.file, err = solutionzip.Read(bytes.NewReader(data), int64(len(data)), importLimits); err != nil {
		return in, importFileError(err)
	}
	data = nil
	in.pkg = packageOf(in.file)
	if err := componentParameters(p, in.pkg); err != nil {
		return in, err
	}
	// The body (the base64 file, up to 32 MB) is not read again: it need not stay in memory
	// through the validator's pass and the import's transaction.
	r.body, p.body = nil, nil
	for i := range in.pkg.Connectors {
		c := &in.pkg.Connectors[i]
		u := c.SolutionColumns()
		if err := u.Validate(); err != nil {
			return in, importFailed(c, err)
		}
		for _, path := range u.ScrubSecrets() {
			in.secrets = append(in.secrets, c.Name+": "+path)
		}
		c.ConnectionParameters, c.ConnectionParameterSets = *u.ConnectionParameters, *u.ConnectionParameterSets
		if err := s.checkDefinition(r, u); err != nil {
			return in, importFailed(c, err)
		}
	}
	return in, nil
}

// importFailed names the connector in a refusal of one of its columns.
func importFailed(c *connectorhub.Connector, err error) error {
	var ce *connectorhub.Error
	if errors.As(err, &ce) {
		return connectorhub.Errorf(connectorhub.ECodeImportFailed, "The solution's connector %s (%s) cannot be imported: %s", c.Name, c.ID, ce.Message)
	}
	return err
}

// importFileError turns solutionzip's refusal into the import failure that names the problem.
func importFileError(err error) error {
	var ze *solutionzip.Error
	if errors.As(err, &ze) {
		return connectorhub.Errorf(connectorhub.ECodeImportFailed, "The solution file cannot be imported: %s", ze.Error())
	}
	return err
}

// componentParameters applies ImportSolution's ComponentParameters to the package: the
// values of environment variables and the connections of connection references, which
// override the file's (spec §4.1).
func componentParameters(p *params, pkg *connectorhub.SolutionPackage) error {
	list := p.body.Get("ComponentParameters")
	if list == nil || list.Kind == jsontext.Null {
		return nil
	}
	if list.Kind != jsontext.Array {
		return p.wrongType("ComponentParameters", "Collection(mscrm.crmbaseentity)")
	}
	text := func(v *jsontext.Value, key string) string {
		if m := v.Get(key); m != nil && m.Kind == jsontext.String {
			return m.Str
		}
		return ""
	}
	for _, e := range list.Elems {
		typ := strings.TrimPrefix(strings.TrimPrefix(text(e, "@odata.type"), "#"), "Microsoft.Dynamics.CRM.")
		switch typ {
		case connectorhub.EnvVarValueLogicalName:
			schema, found := text(e, "schemaname"), false
			for i := range pkg.EnvironmentVariables {
				ev := &pkg.EnvironmentVariables[i]
				if strings.EqualFold(ev.SchemaName, schema) {
					if ev.Value == nil {
						ev.Value = &connectorhub.EnvironmentVariableValue{SchemaName: schema}
					}
					ev.Value.Value, found = text(e, "value"), true
				}
			}
			if !found {
				return connectorhub.Errorf(connectorhub.ECodeImportFailed, "ComponentParameters names the environment variable %s, which the solution does not hold.", schema)
			}
		case connectorhub.ConnectionReferenceLogicalName:
			name, found := text(e, "connectionreferencelogicalname"), false
			for i := range pkg.ConnectionReferences {
				ref := &pkg.ConnectionReferences[i]
				if strings.EqualFold(ref.LogicalName, name) {
					ref.ConnectionID, found = text(e, "connectionid"), true
				}
			}
			if !found {
				return connectorhub.Errorf(connectorhub.ECodeImportFailed, "ComponentParameters names the connection reference %s, which the solution does not hold.", name)
			}
		default:
			return connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "ComponentParameters takes environmentvariablevalue and connectionreference entities (with @odata.type); got '%s'.", typ)
		}
	}
	return nil
}

// importSolution serves ImportSolution: 204, with the import's log in importjobs (spec §4.1).
func (s *Server) importSolution(w http.ResponseWriter, r *request) error {
	_, _, err := s.runImport(r, "ImportSolution")
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// importSolutionAsync serves ImportSolutionAsync. ConnectorHub imports at once and records
// a completed operation: Succeeded, or Failed with the refusal's message, which the caller
// reads by polling asyncoperations(<id>) as with Dataverse.
func (s *Server) importSolutionAsync(w http.ResponseWriter, r *request) error {
	_, in, err := s.runImport(r, "ImportSolutionAsync")
	var ce *connectorhub.Error
	if err != nil && (in == nil || !errors.As(err, &ce) || StatusOf(ce.Code)/100 != 4) {
		return err // the request itself is wrong: no operation was started
	}
	name := "(unreadable file)"
	if in.pkg != nil {
		name = in.pkg.Solution.UniqueName
	}
	op := &connectorhub.AsyncOperation{Name: "Import solution " + name, OperationType: connectorhub.AsyncImportSolution,
		StatusCode: connectorhub.AsyncStatusSucceeded}
	if err != nil {
		op.StatusCode, op.Message = connectorhub.AsyncStatusFailed, ce.Message
	}
	if err := s.Solutions.SaveAsyncOperation(r.Context(), op); err != nil {
		return err
	}
	writeActionResult(w, r, "ImportSolutionAsyncResponse", "AsyncOperationId", op.ID, "ImportJobKey", in.opt.ImportJobID)
	return nil
}

// runImport reads and applies an import and writes its job: in is nil when the request was
// refused before the file was read.
func (s *Server) runImport(r *request, action string) (*connectorhub.ImportResult, *importRequest, error) {
	in, err := s.readImport(r, action, importParams)
	if in != nil && in.opt.ImportJobID == "" {
		in.opt.ImportJobID = connectorhub.NewGUID()
	}
	if err != nil {
		var ce *connectorhub.Error
		if in != nil && errors.As(err, &ce) && ce.Code == connectorhub.ECodeImportFailed {
			s.saveFailedJob(r, in, err)
			return nil, in, err
		}
		return nil, nil, err
	}
	res, err := s.Solutions.ImportSolution(r.Context(), in.pkg, in.opt)
	job := &connectorhub.ImportJob{ID: in.opt.ImportJobID, Name: in.pkg.Solution.UniqueName, SolutionName: in.pkg.Solution.UniqueName,
		Progress: 100, StartedOn: connectorhub.FormatTime(in.started), CompletedOn: connectorhub.FormatTime(time.Now())}
	if res != nil {
		job.SolutionID = res.SolutionID
	}
	job.Data = importLog(in, res, err)
	if jerr := s.Solutions.SaveImportJob(r.Context(), job); jerr != nil && err == nil {
		err = jerr
	}
	return res, in, err
}

// saveFailedJob records an import refused while its file was read, so that the job's log
// says why, as Dataverse's does.
func (s *Server) saveFailedJob(r *request, in *importRequest, err error) {
	if in.pkg == nil {
		in.pkg = &connectorhub.SolutionPackage{}
	}
	job := &connectorhub.ImportJob{ID: in.opt.ImportJobID, Name: in.pkg.Solution.UniqueName, SolutionName: in.pkg.Solution.UniqueName,
		StartedOn: connectorhub.FormatTime(in.started), CompletedOn: connectorhub.FormatTime(time.Now()), Data: importLog(in, nil, err)}
	_ = s.Solutions.SaveImportJob(r.Context(), job) // the refusal is what the caller needs
}

// importLog is the importjob's data: <importexportxml> with the solution's result, a result
// per connector, what was stripped and what is kept without being modelled (spec §4.2).
func importLog(in *importRequest, res *connectorhub.ImportResult, err error) string {
	var b strings.Builder
	esc := func(s string) string {
		var out strings.Builder
		xmlEscape(&out, s)
		return out.String()
	}
	now := time.Now().UTC()
	fmt.Fprintf(&b, `<importexportxml start="%d" stop="%d" progress="100" processed="true">`, in.started.UnixMilli(), now.UnixMilli())
	result := `result="success" errorcode="0" errortext=""`
	if err != nil {
		code := connectorhub.ECodeUnexpected
		var ce *connectorhub.Error
		msg := err.Error()
		if errors.As(err, &ce) {
			code, msg = ce.Code, ce.Message
		}
		result = `result="failure" errorcode="` + esc(code) + `" errortext="` + esc(msg) + `"`
	}
	sol := in.pkg.Solution
	typ := "Unmanaged"
	if sol.Managed {
		typ = "Managed"
	}
	fmt.Fprintf(&b, `<solutionManifests><solutionManifest languagecode="1033" id="%s" LocalizedName="%s" Description="%s" version="%s" type="%s"><result %s/></solutionManifest></solutionManifests>`,
		esc(sol.UniqueName), esc(sol.FriendlyName), esc(sol.Description), esc(sol.Version), typ, result)
	b.WriteString(`<connectors>`)
	if res != nil {
		for _, c := range res.Connectors {
			fmt.Fprintf(&b, `<connector id="%s" name="%s" processed="true"><result result="success" action="%s"/></connector>`, esc(c.ID), esc(c.Name), esc(c.Action))
		}
	}
	b.WriteString(`</connectors><strippedSecrets>`)
	for _, s := range in.secrets {
		fmt.Fprintf(&b, `<secret path="%s"/>`, esc(s))
	}
	b.WriteString(`</strippedSecrets><notModelled>`)
	if in.file != nil {
		u := in.file.Unmodeled()
		for _, rc := range u.RootComponents {
			fmt.Fprintf(&b, `<rootComponent type="%d" id="%s" schemaName="%s"/>`, rc.Type, esc(rc.ID), esc(rc.SchemaName))
		}
		for _, sec := range u.Sections {
			fmt.Fprintf(&b, `<section name="%s"/>`, esc(sec))
		}
		for _, f := range u.Files {
			fmt.Fprintf(&b, `<file name="%s"/>`, esc(f))
		}
	}
	b.WriteString(`</notModelled></importexportxml>`)
	return b.String()
}

// stageSolution serves StageSolution: the file is read and checked as an import would check
// it, and nothing is written (spec §4.1).
func (s *Server) stageSolution(w http.ResponseWriter, r *request) error {
	in, err := s.readImport(r, "StageSolution", []string{"CustomizationFile", "StageSolutionUploadId"})
	var ce *connectorhub.Error
	status, results := 1, []any{}
	if err != nil {
		if !errors.As(err, &ce) || ce.Code != connectorhub.ECodeImportFailed {
			return err
		}
		status = 0
		results = append(results, map[string]any{"SolutionValidationResultType": "Error", "ErrorCode": ce.Code, "Message": ce.Message, "AdditionalInfo": ""})
	}
	details, components := map[string]any{}, []any{}
	if in != nil && in.pkg != nil {
		sol := in.pkg.Solution
		details = map[string]any{"SolutionUniqueName": sol.UniqueName, "SolutionFriendlyName": sol.FriendlyName, "SolutionVersion": sol.Version,
			"IsManaged": sol.Managed, "PublisherUniqueName": in.pkg.Publisher.UniqueName, "PublisherFriendlyName": in.pkg.Publisher.FriendlyName}
		for _, c := range in.pkg.Connectors {
			components = append(components, map[string]any{"ComponentType": connectorhub.ComponentTypeConnector, "ComponentId": c.ID,
				"ComponentName": c.Name, "ComponentTypeName": "Connector"})
		}
		for _, path := range in.secrets {
			results = append(results, map[string]any{"SolutionValidationResultType": "Warning", "ErrorCode": "",
				"Message": "A secret will be stripped: " + path, "AdditionalInfo": ""})
		}
	}
	writeActionResult(w, r, "StageSolutionResponse", "StageSolutionResults", map[string]any{
		"StageSolutionStatus": status, "StageSolutionUploadId": connectorhub.NewGUID(), "SolutionDetails": details,
		"SolutionComponentsDetails": components, "MissingDependencies": []any{}, "SolutionValidationResults": results})
	return nil
}

// xmlEscape writes s escaped for XML text and attributes.
func xmlEscape(w *strings.Builder, s string) {
	xml.EscapeText(w, []byte(s))
}
