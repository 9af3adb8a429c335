// Package plan computes and applies the changes that make a Web API environment's connectors
// match a tree of connector folders: for each folder whether its connector is to be created,
// updated (with a readable diff of its columns and its definition's operations) or left as
// it is, and which prefixed connectors are no longer in the tree. It knows nothing of
// commands or output formats; cmd/connectorhub's plan and apply print what it returns.
package plan

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/connectorhub/connectorhub/client"
)

// Action is what a plan does with one connector.
type Action string

// The actions of a plan.
const (
	Create Action = "create" // the connector is not on the server
	Update Action = "update" // the server's record differs from the folder
	None   Action = "none"   // the server's record is the folder's
	Delete Action = "delete" // a prefixed connector on the server that no folder defines (Options.Prune)
	Error  Action = "error"  // the folder could not be read or planned (Item.Err says why)
)

// Desired is one connector as the tree defines it.
type Desired struct {
	Path string // the connector folder
	// Connector holds the columns to write, with connectorid and name set; nil when Err is set.
	Connector *client.Connector
	Err       error // the folder could not be read
}

// Item is the plan of one connector.
type Item struct {
	Path        string // the folder; "" for a delete
	ConnectorID string // the server's record's id when there is one, else the desired id
	Name        string
	Action      Action
	Diff        *Diff // for Update
	Err         error // for Error
	// Desired is the folder's columns (Create, Update); nil for Delete and Error.
	Desired *client.Connector
	// ETag is the server's record's ETag when the plan read it (Update, None, Delete): apply
	// writes with If-Match on it, so a record changed since fails rather than being overwritten.
	ETag string
}

// Plan is the plan of a tree: one item per folder, in the order given, then the deletes
// sorted by name.
type Plan struct {
	Items []*Item
}

// Count returns how many items have the action.
func (p *Plan) Count(a Action) int {
	n := 0
	for _, it := range p.Items {
		if it.Action == a {
			n++
		}
	}
	return n
}

// Changes returns how many items would write (create, update or delete).
func (p *Plan) Changes() int { return p.Count(Create) + p.Count(Update) + p.Count(Delete) }

// Options are the options of Make.
type Options struct {
	// Prune plans the deletion of the connectors on the server that no folder defines, among
	// those whose name carries Prefix ("<prefix>_…", compared without regard to case) only.
	Prune bool
	// Prefix scopes Prune; Make refuses Prune with an empty prefix.
	Prefix string
	// Parallel bounds the reads in flight (default 4).
	Parallel int
}

// ReadColumns are the columns a plan reads of each candidate for update.
var ReadColumns = append([]string{"connectorid", "name"}, Columns...)

// HasPrefix reports whether a connector name carries the publisher prefix: "<prefix>_…",
// compared without regard to case.
func HasPrefix(name, prefix string) bool {
	return prefix != "" && len(name) > len(prefix)+1 && strings.EqualFold(name[:len(prefix)+1], prefix+"_")
}

// foldName is the key of a name: the server's names are unique without regard to case.
func foldName(name string) string { return strings.ToLower(name) }

// Make plans the tree: it lists the server's connectors once ($select=connectorid,name,
// versionnumber: small even for thousands of connectors), matches each folder to a record by
// connectorid and else by name (without regard to case), then reads each matched record
// with all its columns (in parallel, bounded by Options.Parallel) and compares it with the
// folder. Listing the full records instead would transfer every definition on the server,
// including those no folder names, in answers of up to 5,000 records held in memory at
// once; a read per candidate transfers only what is compared, one record at a time.
//
// Folders that define the same connectorid or name as an earlier one, and folders with an
// Err, become Error items. Make fails when the server cannot be listed or read.
func Make(ctx context.Context, c *client.Client, desired []Desired, opts Options) (*Plan, error) {
	if opts.Prune && opts.Prefix == "" {
		return nil, errors.New("plan: prune needs a prefix")
	}
	if opts.Parallel < 1 {
		opts.Parallel = 4
	}
	type rec struct{ id, name, etag string }
	byID := map[string]*rec{}
	byName := map[string]*rec{}
	for conn, err := range c.ListConnectors(ctx, &client.ListOptions{Select: []string{"connectorid", "name", "versionnumber"}}) {
		if err != nil {
			return nil, fmt.Errorf("listing the server's connectors: %w", err)
		}
		r := &rec{id: strings.ToLower(conn.ConnectorID), name: conn.Name, etag: conn.ETag}
		byID[r.id] = r
		byName[foldName(r.name)] = r
	}

	p := &Plan{}
	matched := map[*rec]bool{}
	seenID := map[string]string{}
	seenName := map[string]string{}
	var reads []*Item
	for _, d := range desired {
		it := &Item{Path: d.Path}
		p.Items = append(p.Items, it)
		if d.Err != nil || d.Connector == nil {
			it.Action, it.Err = Error, d.Err
			if it.Err == nil {
				it.Err = errors.New("no columns")
			}
			continue
		}
		it.Desired = d.Connector
		it.ConnectorID, it.Name = strings.ToLower(d.Connector.ConnectorID), d.Connector.Name
		if other, dup := seenID[it.ConnectorID]; dup && it.ConnectorID != "" {
			it.Action, it.Err = Error, fmt.Errorf("connectorid %s is also %s's", it.ConnectorID, other)
			continue
		}
		if other, dup := seenName[foldName(it.Name)]; dup {
			it.Action, it.Err = Error, fmt.Errorf("name %s is also %s's", it.Name, other)
			continue
		}
		seenID[it.ConnectorID], seenName[foldName(it.Name)] = d.Path, d.Path
		r := byID[it.ConnectorID]
		if r == nil {
			r = byName[foldName(it.Name)]
		}
		if r == nil || matched[r] {
			it.Action = Create
			continue
		}
		matched[r] = true
		it.ConnectorID, it.ETag = r.id, r.etag
		if !strings.EqualFold(r.name, it.Name) {
			// Matched by id, but the name differs: the name cannot change after create.
			it.Action, it.Err = Error, fmt.Errorf("the server's connector %s is named %s, not %s: a name cannot change after create", r.id, r.name, it.Name)
			continue
		}
		reads = append(reads, it)
	}

	// Read the candidates for update, at most opts.Parallel at a time.
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		sem      = make(chan struct{}, opts.Parallel)
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, it := range reads {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := readAndCompare(ctx, c, it); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
				cancel()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	if opts.Prune {
		var deletes []*Item
		for _, r := range byID {
			if !matched[r] && HasPrefix(r.name, opts.Prefix) {
				deletes = append(deletes, &Item{ConnectorID: r.id, Name: r.name, Action: Delete, ETag: r.etag})
			}
		}
		sort.Slice(deletes, func(i, j int) bool { return foldName(deletes[i].Name) < foldName(deletes[j].Name) })
		p.Items = append(p.Items, deletes...)
	}
	return p, nil
}

// readAndCompare reads the server's record of a matched item and sets its action and diff. A
// record deleted since the list is to be created.
func readAndCompare(ctx context.Context, c *client.Client, it *Item) error {
	cur, err := c.GetConnector(ctx, it.ConnectorID, &client.GetOptions{Select: ReadColumns})
	var apiErr *client.Error
	if errors.As(err, &apiErr) && apiErr.Status == 404 {
		it.Action, it.ConnectorID, it.ETag = Create, strings.ToLower(it.Desired.ConnectorID), ""
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading connector %s (%s): %w", it.ConnectorID, it.Name, err)
	}
	it.ETag = cur.ETag
	it.Diff = Compare(cur, it.Desired)
	if it.Diff.Empty() {
		it.Action, it.Diff = None, nil
	} else {
		it.Action = Update
	}
	return nil
}
