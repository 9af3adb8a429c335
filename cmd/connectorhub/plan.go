package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/connectorhub/connectorhub/connectordir"
	"github.com/connectorhub/connectorhub/plan"
	"github.com/connectorhub/connectorhub/validate"
)

// The exit statuses of plan and apply: 0 done, 1 an error (nothing or not everything could be
// planned or written), 2 a usage error (cobra's errors and usageError), 3 a batch in which
// some connectors failed and the others went through.
const (
	planExitError   = 1
	planExitUsage   = 2
	planExitPartial = 3
)

// planExit is an error of plan or apply with its exit status.
type planExit struct {
	code int
	err  error
}

func (e planExit) Error() string { return e.err.Error() }

// ExitCode is the process's exit status.
func (e planExit) ExitCode() int { return e.code }

func (e planExit) Unwrap() error { return e.err }

// planFailure wraps an error with exit status 1; nil stays nil.
func planFailure(err error) error {
	if err == nil {
		return nil
	}
	var pe planExit
	if errors.As(err, &pe) {
		return err
	}
	return planExit{planExitError, err}
}

// planOptions are the flags plan and apply share.
type planOptions struct {
	target   target
	output   string
	prefix   string
	parallel int
	prune    bool
}

func (o *planOptions) register(fs *pflag.FlagSet) {
	o.target.register(fs)
	fs.StringVarP(&o.output, "output", "o", "text", "output format: text, json or yaml")
	fs.StringVar(&o.prefix, "prefix", connectordir.DefaultPrefix, "the publisher prefix of derived names; --prune deletes only connectors named <prefix>_…")
	fs.IntVar(&o.parallel, "parallel", 4, "requests in flight at most")
	fs.BoolVar(&o.prune, "prune", false, "also plan the deletion of the connectors named <prefix>_… that are on the server but in no folder of the tree")
}

// check validates the shared flags: a bad one is a usage error (exit status 2).
func (o *planOptions) check() error {
	switch o.output {
	case "text", "json", "yaml":
	default:
		return planExit{planExitUsage, fmt.Errorf("unknown output format %q: use text, json or yaml", o.output)}
	}
	if o.parallel < 1 {
		return planExit{planExitUsage, fmt.Errorf("--parallel must be at least 1, not %d", o.parallel)}
	}
	if o.prune && o.prefix == "" {
		return planExit{planExitUsage, errors.New("--prune needs a --prefix: it deletes only the connectors whose names carry it")}
	}
	return nil
}

func newPlanCmd() *cobra.Command {
	var o planOptions
	cmd := &cobra.Command{
		Use:   "plan DIR...",
		Short: "Show what apply would change to make the server's connectors match a tree of connector folders",
		Long: `Show what apply would change to make the server's connectors match a tree of connector
folders, and change nothing.

Each DIR is a connector folder (apiDefinition.swagger.json, and apiProperties.json, script.csx,
icon.png and settings.json when present) or a directory searched for them. Each folder's
connector is identified by the connectorid of its settings.json, else by an id derived from
its name, <prefix>_<folder name>; the server's record is found by connectorid and, failing
that, by name (without regard to case). For each connector plan prints its action:

  create   the server has no such connector
  update   the server's record differs: the changed columns, and for the definition the
           added, removed and changed operations (parameters, summary, description,
           response status codes, other members) and the other changed parts
  none     the server's record is the folder's
  delete   with --prune: a connector on the server whose name carries the prefix
           (<prefix>_…, without regard to case) and that no folder defines. Connectors
           without the prefix are never deleted.
  error    the folder could not be read (the message says why)

The definition and the JSON-text columns (connectionparameters, connectionparametersets,
policytemplateinstances, scriptoperations) are compared as JSON: key order and whitespace
are no change. Secrets in a folder's connection parameters are no change either: the server
never stores them.

plan lists the server's connectors once (connectorid, name and version only) and then reads
each connector a folder matches, --parallel at a time.

-o json and -o yaml print one object per connector: path, connectorid, name, action, and diff
for an update (columns; definition: added, removed, changed, other), error for an error.

The exit status is 0 when the plan was made, 1 on an error (the server could not be listed,
no folder was found), 2 on a usage error, 3 when some folders could not be read.`,
		Example: `  # What would apply change on a local server?
  connectorhub plan ./connectors

  # Against an environment, with the deletions --prune would make, as JSON
  connectorhub plan --environment https://org.crm.dynamics.com --prune -o json ./connectors`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.check(); err != nil {
				return err
			}
			ctx := cmd.Context()
			tr, err := planReadTree(args, o.prefix)
			if err != nil {
				return planFailure(err)
			}
			tr.warn(cmd.ErrOrStderr())
			c, err := o.target.connectorClient(ctx)
			if err != nil {
				return planFailure(err)
			}
			p, err := plan.Make(ctx, c, tr.desired, plan.Options{Prune: o.prune, Prefix: o.prefix, Parallel: o.parallel})
			if err != nil {
				return planFailure(err)
			}
			out := cmd.OutOrStdout()
			switch o.output {
			case "text":
				err = writePlanText(out, p)
			default:
				err = writePlanRecords(out, o.output, planRecords(p, nil))
			}
			if err != nil {
				return planFailure(err)
			}
			if n := p.Count(plan.Error); n > 0 {
				return planExit{planExitPartial, fmt.Errorf("%d of %d connector folders could not be planned", n, len(tr.desired))}
			}
			return nil
		},
	}
	o.register(cmd.Flags())
	return cmd
}

// planTree is a tree of connector folders as read.
type planTree struct {
	desired []plan.Desired
	folders []*connectordir.Folder // nil for a folder that could not be read
}

// warn prints what the folders' columns leave out (capabilities the table cannot hold), each
// line with its folder.
func (t *planTree) warn(w io.Writer) {
	for _, f := range t.folders {
		if f != nil {
			for _, msg := range f.Warnings {
				fmt.Fprintf(w, "warning: %s: %s\n", f.Dir, msg)
			}
		}
	}
}

// planReadTree finds the connector folders under the roots and reads each; a folder that cannot
// be read is a Desired with an Err. It fails when the roots cannot be searched or hold no
// connector folder.
func planReadTree(roots []string, prefix string) (*planTree, error) {
	dirs, err := connectordir.Find(roots...)
	if err != nil {
		return nil, err
	}
	if len(dirs) == 0 {
		return nil, fmt.Errorf("no connector folder (with %s) in %s", definitionFileName, strings.Join(roots, ", "))
	}
	t := &planTree{}
	for _, dir := range dirs {
		d := plan.Desired{Path: dir}
		f, err := connectordir.Read(dir)
		if err == nil {
			d.Connector, err = f.Columns(connectordir.Options{Prefix: prefix})
		}
		d.Err = err
		if err != nil {
			f = nil
		}
		t.desired = append(t.desired, d)
		t.folders = append(t.folders, f)
	}
	return t, nil
}

// planValidateTree runs the offline validator on the definition and properties of every folder
// read, prints the error findings to w as connector validate does (file:line:col severity
// rule message) and returns how many there were.
func planValidateTree(ctx context.Context, w io.Writer, t *planTree) (int, error) {
	n := 0
	for i, f := range t.folders {
		if f == nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			return n, err
		}
		dir := t.desired[i].Path
		reports := []fileReport{{File: filepath.Join(dir, definitionFileName), Report: validate.Definition(f.Definition, validate.Options{})}}
		if f.Properties != nil {
			reports = append(reports, fileReport{File: filepath.Join(dir, propertiesFileName), Report: validate.Properties(f.Properties, f.Definition, validate.Options{})})
		}
		for _, fr := range reports {
			for _, finding := range fr.Report.Errors() {
				n++
				fmt.Fprintf(w, "%s:%d:%d %s %s %s\n", fr.File, finding.Line, finding.Column, finding.Severity, finding.Rule, finding.Message)
			}
		}
	}
	return n, nil
}

// planRecord is one connector of -o json and -o yaml; apply adds outcome and result.
type planRecord struct {
	Path        string           `json:"path"`
	ConnectorID string           `json:"connectorid"`
	Name        string           `json:"name"`
	Action      plan.Action      `json:"action"`
	Diff        *plan.Diff       `json:"diff,omitempty"`
	Error       *planRecordError `json:"error,omitempty"`
	Outcome     plan.Outcome     `json:"outcome,omitempty"`
	Result      *planApplyResult `json:"result,omitempty"`
}

// planRecordError is an error of a record: the server's status, code and message when the
// server refused, else the message alone.
type planRecordError struct {
	Status  int    `json:"status,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func newPlanRecordError(err error) *planRecordError {
	status, code, msg := plan.ErrorInfo(err)
	return &planRecordError{Status: status, Code: code, Message: msg}
}

// planApplyResult is "ok" or the error's object.
type planApplyResult struct{ err *planRecordError }

// MarshalJSON writes "ok" or {"status":…,"code":…,"message":…}.
func (r *planApplyResult) MarshalJSON() ([]byte, error) {
	if r.err == nil {
		return []byte(`"ok"`), nil
	}
	return json.Marshal(r.err)
}

// planRecords returns the records of a plan; with results (apply), each has its outcome and
// result.
func planRecords(p *plan.Plan, results []plan.Result) []planRecord {
	recs := make([]planRecord, 0, len(p.Items))
	for i, it := range p.Items {
		r := planRecord{Path: filepath.ToSlash(it.Path), ConnectorID: it.ConnectorID, Name: it.Name, Action: it.Action, Diff: it.Diff}
		if it.Err != nil && results == nil {
			r.Error = newPlanRecordError(it.Err)
		}
		if results != nil {
			res := results[i]
			r.Outcome = res.Outcome
			r.Result = &planApplyResult{}
			if res.Err != nil {
				r.Result.err = newPlanRecordError(res.Err)
			}
		}
		recs = append(recs, r)
	}
	return recs
}

// writePlanRecords prints records as JSON (an array, indented) or YAML.
func writePlanRecords(w io.Writer, format string, recs []planRecord) error {
	data, err := json.MarshalIndent(recs, "", "  ")
	if err != nil {
		return err
	}
	if format == "yaml" {
		return planWriteYAML(w, data)
	}
	_, err = fmt.Fprintf(w, "%s\n", data)
	return err
}

// writePlanText prints a plan for people: one line per connector (action, name, path), the
// diff of an update below it, and a count.
func writePlanText(w io.Writer, p *plan.Plan) error {
	var b strings.Builder
	width := 1
	for _, it := range p.Items {
		width = max(width, utf8.RuneCountInString(it.Name))
	}
	for _, it := range p.Items {
		where := it.Path
		if where == "" {
			where = "(not in the tree) " + it.ConnectorID
		}
		name := it.Name
		if name == "" {
			name = "-"
		}
		fmt.Fprintf(&b, "%-6s  %-*s  %s\n", it.Action, width, name, where)
		if it.Err != nil {
			fmt.Fprintf(&b, "        %s\n", planErrorText(it.Err))
		}
		if it.Diff != nil {
			writePlanDiffText(&b, it.Diff)
		}
	}
	fmt.Fprintf(&b, "\nPlan: %d to create, %d to update, %d to delete, %d unchanged", p.Count(plan.Create), p.Count(plan.Update), p.Count(plan.Delete), p.Count(plan.None))
	if n := p.Count(plan.Error); n > 0 {
		fmt.Fprintf(&b, ", %d not readable", n)
	}
	b.WriteString(".\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// planErrorText is an error as one line: the server's status, code and message, or its text.
func planErrorText(err error) string {
	status, code, msg := plan.ErrorInfo(err)
	var parts []string
	if status != 0 {
		parts = append(parts, strconv.Itoa(status))
	}
	if code != "" {
		parts = append(parts, code)
	}
	parts = append(parts, strings.ReplaceAll(msg, "\n", " "))
	return strings.Join(parts, " ")
}

// writePlanDiffText prints an update's diff, indented below its connector's line.
func writePlanDiffText(b *strings.Builder, d *plan.Diff) {
	for _, ch := range d.Columns {
		if ch.Summary != "" {
			fmt.Fprintf(b, "        ~ %s: %s\n", ch.Column, ch.Summary)
		} else {
			fmt.Fprintf(b, "        ~ %s: %s → %s\n", ch.Column, planQuote(ch.Old), planQuote(ch.New))
		}
		if ch.Column != "openapidefinition" || d.Definition == nil {
			continue
		}
		dd := d.Definition
		for _, op := range dd.Added {
			fmt.Fprintf(b, "            + %s  %s %s\n", planOpName(op), op.Method, op.Path)
		}
		for _, op := range dd.Removed {
			fmt.Fprintf(b, "            - %s  %s %s\n", planOpName(op), op.Method, op.Path)
		}
		for _, oc := range dd.Changed {
			fmt.Fprintf(b, "            ~ %s  %s %s\n", planOpName(oc.Operation), oc.Method, oc.Path)
			const in = "                "
			if oc.OldPath != "" {
				fmt.Fprintf(b, "%smoved from %s %s\n", in, oc.OldMethod, oc.OldPath)
			}
			for _, prm := range oc.ParametersAdded {
				fmt.Fprintf(b, "%s+ parameter %s\n", in, planParamText(prm))
			}
			for _, prm := range oc.ParametersRemoved {
				fmt.Fprintf(b, "%s- parameter %s\n", in, planParamText(prm))
			}
			for _, pc := range oc.ParametersChanged {
				fmt.Fprintf(b, "%s~ parameter %s (%s): %s → %s [%s]\n", in, pc.Name, pc.In, planParamShape(pc.Old), planParamShape(pc.New), strings.Join(pc.Fields, ", "))
			}
			for _, f := range oc.Fields {
				fmt.Fprintf(b, "%s~ %s: %s → %s\n", in, f.Field, planQuote(f.Old), planQuote(f.New))
			}
			if r := oc.Responses; r != nil {
				var parts []string
				for _, s := range r.Added {
					parts = append(parts, "+"+s)
				}
				for _, s := range r.Removed {
					parts = append(parts, "-"+s)
				}
				for _, s := range r.Changed {
					parts = append(parts, "~"+s)
				}
				fmt.Fprintf(b, "%s~ responses: %s\n", in, strings.Join(parts, " "))
			}
			if len(oc.Other) > 0 {
				fmt.Fprintf(b, "%s~ %s\n", in, strings.Join(oc.Other, ", "))
			}
		}
		for _, o := range dd.Other {
			fmt.Fprintf(b, "            ~ %s\n", o)
		}
	}
}

func planOpName(op plan.Operation) string {
	if op.OperationID == "" {
		return "(no operationId)"
	}
	return op.OperationID
}

// planParamText is "name (in, type, required)".
func planParamText(p plan.Parameter) string {
	return fmt.Sprintf("%s (%s)", p.Name, strings.TrimPrefix(p.In+", "+planParamShape(p), ", "))
}

// planParamShape is "type, required" or "type, optional".
func planParamShape(p plan.Parameter) string {
	req := "optional"
	if p.Required {
		req = "required"
	}
	if p.Type == "" {
		return req
	}
	return p.Type + ", " + req
}

// planQuote quotes a text value, cut to 60 characters.
func planQuote(s string) string {
	if utf8.RuneCountInString(s) > 60 {
		s = string([]rune(s)[:59]) + "…"
	}
	return strconv.Quote(s)
}

// planIsTerminal reports whether f is a terminal; any other reader or writer is not. Tests
// replace it.
var planIsTerminal = func(f any) bool {
	file, ok := f.(*os.File)
	return ok && term.IsTerminal(int(file.Fd()))
}

// planWriteYAML writes a JSON document as YAML: block mappings and sequences in the JSON's
// order, strings in double quotes (JSON's escapes are YAML's), other scalars as they are.
func planWriteYAML(w io.Writer, data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := planReadYAMLNode(dec)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("---\n")
	n.write(&b, 0)
	_, err = io.WriteString(w, b.String())
	return err
}

// planYAMLNode is a JSON value with its objects' keys in order.
type planYAMLNode struct {
	kind   byte // 'o' object, 'a' array, 's' scalar
	keys   []string
	elems  []*planYAMLNode
	scalar string
}

func planReadYAMLNode(dec *json.Decoder) (*planYAMLNode, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		n := &planYAMLNode{kind: 'a'}
		if t == '{' {
			n.kind = 'o'
		}
		for dec.More() {
			if n.kind == 'o' {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, kt.(string))
			}
			e, err := planReadYAMLNode(dec)
			if err != nil {
				return nil, err
			}
			n.elems = append(n.elems, e)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		return n, nil
	case string:
		q, _ := json.Marshal(t)
		return &planYAMLNode{kind: 's', scalar: string(q)}, nil
	case nil:
		return &planYAMLNode{kind: 's', scalar: "null"}, nil
	default:
		return &planYAMLNode{kind: 's', scalar: fmt.Sprint(t)}, nil
	}
}

// block reports whether the node is written as a block (a non-empty object or array).
func (n *planYAMLNode) block() bool { return n.kind != 's' && len(n.elems) > 0 }

// write writes the node where the current line stands, continuing lines at indent.
func (n *planYAMLNode) write(b *strings.Builder, indent int) {
	pad := strings.Repeat(" ", indent)
	switch {
	case n.kind == 'o' && len(n.elems) == 0:
		b.WriteString("{}\n")
	case n.kind == 'a' && len(n.elems) == 0:
		b.WriteString("[]\n")
	case n.kind == 's':
		b.WriteString(n.scalar + "\n")
	case n.kind == 'o':
		for i, k := range n.keys {
			if i > 0 {
				b.WriteString(pad)
			}
			b.WriteString(planYAMLKey(k) + ":")
			if e := n.elems[i]; e.block() {
				b.WriteString("\n" + pad + "  ")
				e.write(b, indent+2)
			} else {
				b.WriteString(" ")
				e.write(b, indent+2)
			}
		}
	default:
		for i, e := range n.elems {
			if i > 0 {
				b.WriteString(pad)
			}
			b.WriteString("- ")
			e.write(b, indent+2)
		}
	}
}

// planYAMLKey writes a key plainly when it is a simple word, else quoted.
func planYAMLKey(k string) string {
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			q, _ := json.Marshal(k)
			return string(q)
		}
	}
	if k == "" {
		return `""`
	}
	return k
}
