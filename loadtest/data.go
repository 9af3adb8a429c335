package loadtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// NewRunID returns a short random id that names a run's records (bench_<runid>_…).
func NewRunID() string {
	var b [4]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// newGUID returns a random (version 4) GUID.
func newGUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// definitionBase is a small valid Swagger 2.0 document; %s is the padding of its
// info.description.
const definitionBase = `{"swagger":"2.0","info":{"title":"` + titleMark + `","description":"%s","version":"1.0"},` +
	`"host":"api.example.com","basePath":"/","schemes":["https"],"consumes":["application/json"],"produces":["application/json"],` +
	`"paths":{"/items":{"get":{"summary":"List items","description":"Lists the items.","operationId":"ListItems",` +
	`"parameters":[{"name":"top","in":"query","required":false,"type":"integer","description":"How many."}],` +
	`"responses":{"200":{"description":"OK","schema":{"type":"array","items":{"$ref":"#/definitions/Item"}}}}}}},` +
	`"definitions":{"Item":{"type":"object","properties":{"id":{"type":"string","description":"The id."},"name":{"type":"string","description":"The name."}}}},` +
	`"parameters":{},"responses":{},"securityDefinitions":{},"security":[],"tags":[]}`

// titleMark is the definition's info.title, 36 characters that each record's body replaces by
// its connectorid (a GUID has 36), so that no two definitions are the same: a server may skip
// the validation of a definition it has seen before, and the bench must measure a create's.
const titleMark = "Bench connector 00000000000000000000"

// Definition returns a valid Swagger 2.0 definition of size bytes (at least the ~900 of the
// bare document), padded with words in its info.description.
func Definition(size int) string {
	bare := len(definitionBase) - 2
	pad := max(size-bare, 0)
	const words = "Bench connector padding text for the load test. "
	var b strings.Builder
	for b.Len() < pad {
		b.WriteString(words[:min(len(words), pad-b.Len())])
	}
	return fmt.Sprintf(definitionBase, b.String())
}

// Dataset is what a run seeds and its scenarios address: connectors named
// bench_<runid>_s<n>, displayed as "Bench <runid> g<group> s<n>", in groups of about 100
// (at least 50 records each) that contains() finds.
type Dataset struct {
	RunID  string
	IDs    []string // the seeded records' connectorids, in seeding order
	Names  []string
	Groups int

	definition []byte       // the definition as a JSON string literal, quotes included
	titleAt    int          // where titleMark is in definition
	created    atomic.Int64 // numbers the records of the create scenario, over all runs
}

// NewDataset plans the records of a run: records connectors with definitions of
// definitionSize bytes. Nothing is sent until Seed.
func NewDataset(runID string, records, definitionSize int) *Dataset {
	return newDataset(runID, records, Definition(definitionSize))
}

// Titled returns a definition whose info.title is the mark each record replaces by its
// connectorid, so that a given definition (a real connector's) can be sent many times, each
// time as a new one. The text must be a JSON object; it is re-encoded compactly.
func Titled(definition string) (string, error) {
	d := json.NewDecoder(strings.NewReader(strings.TrimPrefix(definition, "\uFEFF")))
	d.UseNumber() // numbers as written: 1.0 stays 1.0
	var doc map[string]any
	if err := d.Decode(&doc); err != nil {
		return "", fmt.Errorf("the definition is not a JSON object: %w", err)
	} else if doc == nil {
		return "", errors.New("the definition is not a JSON object: it is null")
	}
	info, _ := doc["info"].(map[string]any)
	if info == nil {
		info = map[string]any{"version": "1.0"}
		doc["info"] = info
	}
	info["title"] = titleMark
	var b strings.Builder
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	if err := e.Encode(doc); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// newDataset is NewDataset with the definition given: one with titleMark as its info.title.
func newDataset(runID string, records int, definition string) *Dataset {
	ds := &Dataset{RunID: runID, Groups: max(1, records/100)}
	ds.IDs = make([]string, records)
	ds.Names = make([]string, records)
	for n := range records {
		ds.IDs[n] = newGUID()
		ds.Names[n] = fmt.Sprintf("bench_%s_s%d", runID, n)
	}
	ds.definition, _ = json.Marshal(definition)
	ds.titleAt = bytes.Index(ds.definition, []byte(titleMark))
	return ds
}

// displayName is the display name of seeded record n.
func (ds *Dataset) displayName(n int) string {
	return fmt.Sprintf("Bench %s %s s%d", ds.RunID, ds.groupTag(n%ds.Groups), n)
}

// groupTag is what contains() looks for to find the records of group g, and only them.
func (ds *Dataset) groupTag(g int) string { return fmt.Sprintf("%s g%04d ", ds.RunID, g) }

// seededPrefix starts the names of the seeded records, and of no other record.
func (ds *Dataset) seededPrefix() string { return "bench_" + ds.RunID + "_s" }

// createBody is the body of a create; the definition is spliced in already encoded, so that
// a create costs the generator no re-encoding of it, with the record's id (36 characters,
// no JSON escapes) as its title.
func (ds *Dataset) createBody(id, name, displayName string) []byte {
	head, _ := json.Marshal(map[string]any{"connectorid": id, "name": name, "displayname": displayName, "connectortype": 1})
	b := make([]byte, 0, len(head)+len(ds.definition)+32)
	b = append(b, head[:len(head)-1]...)
	b = append(b, `,"openapidefinition":`...)
	def := len(b)
	b = append(b, ds.definition...)
	if len(id) == len(titleMark) && ds.titleAt >= 0 {
		copy(b[def+ds.titleAt:], id)
	}
	return append(b, '}')
}

// Registry holds the ids of the records a run created, for the cleanup. It is safe for
// concurrent use.
type Registry struct {
	mu  sync.Mutex
	ids []string
}

// Add records the id of a created record.
func (r *Registry) Add(id string) {
	r.mu.Lock()
	r.ids = append(r.ids, id)
	r.mu.Unlock()
}

// IDs returns the recorded ids.
func (r *Registry) IDs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ids)
}

// Len returns the number of recorded ids.
func (r *Registry) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ids)
}

// create sends one create, and records the id when the server created the record or may have
// (an answer lost on the way), so that the cleanup deletes exactly what exists.
func (t *Target) create(ctx context.Context, reg *Registry, body []byte, id string, attempts int) exchange {
	ex := t.setup(ctx, http.MethodPost, "connectors", body, nil, attempts)
	var se *StatusError
	if ex.err == nil || !errors.As(ex.err, &se) {
		reg.Add(id)
	}
	return ex
}

// setupAttempts bounds the attempts of one request of the set-up.
const setupAttempts = 6

// Seed creates the dataset's records through the Web API with the given number of requests
// at once, recording each in reg as it is created, and reports progress to w (may be nil)
// about every 10%. It stops at the first refused create and returns its error.
func (t *Target) Seed(ctx context.Context, ds *Dataset, reg *Registry, parallel int, w io.Writer) error {
	// The first refusal stops the workers between requests; requests in flight finish, so
	// that what they did is known to the cleanup.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next, done atomic.Int64
	total := int64(len(ds.IDs))
	step := max(total/10, 1)
	var wg sync.WaitGroup
	for range max(parallel, 1) {
		wg.Go(func() {
			for ctx.Err() == nil {
				n := int(next.Add(1) - 1)
				if n >= len(ds.IDs) {
					return
				}
				body := ds.createBody(ds.IDs[n], ds.Names[n], ds.displayName(n))
				if ex := t.create(ctx, reg, body, ds.IDs[n], setupAttempts); ex.err != nil {
					cancel(fmt.Errorf("seeding %s: %w", ds.Names[n], ex.err))
					return
				}
				if d := done.Add(1); w != nil && (d%step == 0 || d == total) {
					fmt.Fprintf(w, "seeded %d/%d\n", d, total)
				}
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}

// CleanupResult is what a cleanup did; the JSON names are stable.
type CleanupResult struct {
	Deleted    int     `json:"deleted"`
	Missing    int     `json:"missing"` // already gone (404)
	Failed     int     `json:"failed"`
	FirstError string  `json:"first_error,omitempty"`
	Seconds    float64 `json:"seconds"`
}

// Cleanup deletes the records of reg with the given number of requests at once, ctx
// bounding the whole. A record already gone counts as missing, not failed.
func (t *Target) Cleanup(ctx context.Context, reg *Registry, parallel int) CleanupResult {
	start := time.Now()
	ids := reg.IDs()
	var (
		mu  sync.Mutex
		res CleanupResult
		n   atomic.Int64
		wg  sync.WaitGroup
	)
	for range max(parallel, 1) {
		wg.Go(func() {
			for {
				i := int(n.Add(1) - 1)
				if i >= len(ids) {
					return
				}
				ex := t.setup(ctx, http.MethodDelete, "connectors("+ids[i]+")", nil, nil, setupAttempts)
				var se *StatusError
				mu.Lock()
				switch {
				case ex.err == nil:
					res.Deleted++
				case errors.As(ex.err, &se) && se.Status == http.StatusNotFound:
					res.Missing++
				default:
					res.Failed++
					if res.FirstError == "" {
						res.FirstError = ex.err.Error()
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res.Seconds = time.Since(start).Seconds()
	return res
}
