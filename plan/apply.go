package plan

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/connectorhub/connectorhub/client"
)

// Outcome is what applying one item did.
type Outcome string

// The outcomes of Apply.
const (
	Created   Outcome = "created"
	Updated   Outcome = "updated"
	Unchanged Outcome = "unchanged"
	Deleted   Outcome = "deleted"
	Failed    Outcome = "failed"
)

// Result is the outcome of one item.
type Result struct {
	Item    *Item
	Outcome Outcome
	Err     error // for Failed
}

// ErrorInfo returns the HTTP status, Dataverse code and message of an error: those of the
// server's answer for a *client.Error, else 0, "" and the error's text.
func ErrorInfo(err error) (status int, code, message string) {
	var apiErr *client.Error
	if errors.As(err, &apiErr) {
		return apiErr.Status, apiErr.Code, apiErr.Message
	}
	return 0, "", err.Error()
}

// ApplyOptions are the options of Apply.
type ApplyOptions struct {
	// Parallel bounds the writes in flight (default 4).
	Parallel int
	// Done, when set, is called after each item, one call at a time.
	Done func(Result)
}

// Apply carries out a plan: creates, updates with If-Match on the ETag the plan read (a
// record changed since fails with the server's 412, 0x80060882, instead of being
// overwritten; only the changed columns are sent), and deletes, likewise with If-Match. At
// most opts.Parallel writes are in flight. One connector's failure does not stop the others;
// when ctx ends, the items not yet started fail with its error. The results are in the plan's
// order.
func Apply(ctx context.Context, c *client.Client, p *Plan, opts ApplyOptions) []Result {
	if opts.Parallel < 1 {
		opts.Parallel = 4
	}
	results := make([]Result, len(p.Items))
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		sem = make(chan struct{}, opts.Parallel)
	)
	done := func(i int, r Result) {
		mu.Lock()
		defer mu.Unlock()
		results[i] = r
		if opts.Done != nil {
			opts.Done(r)
		}
	}
	for i, it := range p.Items {
		switch it.Action {
		case None:
			done(i, Result{Item: it, Outcome: Unchanged})
			continue
		case Error:
			done(i, Result{Item: it, Outcome: Failed, Err: it.Err})
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if err := ctx.Err(); err != nil {
			done(i, Result{Item: it, Outcome: Failed, Err: err})
			continue
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			done(i, applyItem(ctx, c, it))
		}()
	}
	wg.Wait()
	return results
}

// applyItem makes one write.
func applyItem(ctx context.Context, c *client.Client, it *Item) Result {
	r := Result{Item: it}
	var err error
	switch it.Action {
	case Create:
		_, err = c.CreateConnector(ctx, it.Desired, nil)
		r.Outcome = Created
	case Update:
		_, err = c.UpdateConnector(ctx, it.ConnectorID, UpdateOf(it.Diff, it.Desired), &client.UpdateOptions{IfMatch: it.ETag})
		r.Outcome = Updated
	case Delete:
		err = c.DeleteConnector(ctx, it.ConnectorID, &client.DeleteOptions{IfMatch: it.ETag})
		r.Outcome = Deleted
	default:
		err = fmt.Errorf("plan: nothing to apply for action %q", it.Action)
	}
	if err != nil {
		r.Outcome, r.Err = Failed, err
	}
	return r
}

// UpdateOf returns the update body that writes the columns d changes, with desired's values.
func UpdateOf(d *Diff, desired *client.Connector) *client.ConnectorUpdate {
	u := &client.ConnectorUpdate{}
	for _, ch := range d.Columns {
		if f := fieldIndex[ch.Column]; f != nil {
			f.set(u, desired)
		}
	}
	return u
}
