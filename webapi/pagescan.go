package webapi

import (
	"context"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/odata"
)

// The second pass of a page reads its records a chunk at a time: as many as fit in about
// chunkBytes (judged by the records read so far), at least minChunk and at most maxChunk.
// So the memory held is bounded whatever the records' size, and a page of small records
// costs a few indexed look-ups.
const (
	chunkBytes = 4 << 20
	minChunk   = 8
	maxChunk   = 256
)

// completeBytes bounds the complete rows the first pass of a page keeps.
const completeBytes = 8 << 20

// smallColumns reports whether the columns named (nil: all) leave out the large text columns
// (a definition, connection parameters, script: up to a million characters each).
func smallColumns(names []string) bool {
	if names == nil {
		return false
	}
	for _, n := range names {
		if c := connectorhub.ColumnByName(n); c != nil && c.MaxLength > 4000 {
			return false
		}
	}
	return true
}

// rowBytes is about what a record's text columns take.
func rowBytes(c *connectorhub.Connector) int {
	return 512 + len(c.OpenAPIDefinition) + len(c.ConnectionParameters) + len(c.ConnectionParameterSets) +
		len(c.PolicyTemplateInstances) + len(c.ScriptOperations) + len(c.CustomCodeBlobContent) + len(c.Description)
}

// scanPage reads a page of connectors in two passes, so that no database connection is held
// while the client is written to, and the query runs once whatever the page's size:
//
//  1. the query itself, reading the keys (and the small columns that the sort values and the
//     next link need, not the definitions) of up to rowsToRead rows, in the page's order;
//  2. the records' full columns by key, fetchChunk at a time, handed to emit in page order,
//     with flush called between chunks (where the answer may be written to the client).
//
// The first pass reads one row more than size when paged: more reports it, and that row is
// not on the page. A record deleted between the passes is left out. first and last are the
// page's first and last rows of the first pass, for the next link.
func (s *Server) scanPage(ctx context.Context, cq connectorhub.ConnectorQuery, size int, paged bool, emit func(*connectorhub.ConnectorRow) error, flush func() error) (first, last *connectorhub.ConnectorRow, more bool, err error) {
	if size <= 0 {
		return nil, nil, false, nil
	}
	// When the columns asked for are all small, the first pass reads them, and keeps the rows
	// while they fit in completeBytes: a page of small records is one query, as before. Past
	// that, and always for the large columns, it keeps only the keys.
	keys := cq
	// A page of one row at most is read complete too: one query, holding one record, as a
	// GET does (a look-up by name, the usual query of clients that know a connector's name).
	complete := smallColumns(cq.Columns) || size == 1 || connectorhub.AtMostOneRow(cq.Filter)
	if !complete {
		// Only the key and the order's columns: the rows (and the definitions stored in them)
		// stay unread.
		// The lookups the order reads are joined whatever Lookups says.
		keys.Columns, keys.KeysOnly, keys.Lookups = []string{connectorhub.ConnectorPrimaryID}, true, nil
	}
	keys.Top = size
	if paged {
		keys.Top = size + 1 // the row after the page says there is a next one
	}
	var ids []string
	var kept []*connectorhub.ConnectorRow // complete rows, the first len(kept) of ids
	keptBytes := 0
	err = s.Connectors.ScanConnectors(ctx, keys, func(row *connectorhub.ConnectorRow) error {
		if len(ids) == size {
			more = true
			return nil
		}
		if first == nil {
			first = row
		}
		last = row
		ids = append(ids, row.ID)
		if complete && len(kept) == len(ids)-1 && keptBytes < completeBytes {
			kept = append(kept, row)
			keptBytes += rowBytes(row.Connector)
		}
		return nil
	})
	if err != nil {
		return nil, nil, false, err
	}
	for _, row := range kept {
		if err := emit(row); err != nil {
			return nil, nil, false, err
		}
		if err := flush(); err != nil {
			return nil, nil, false, err
		}
	}
	ids = ids[len(kept):]

	full := cq
	full.After, full.OrderBy = nil, nil
	key := &odata.PropertyPath{Segments: []string{connectorhub.ConnectorPrimaryID}}
	chunkSize, readBytes, readRows := minChunk, 0, 0
	for start := 0; start < len(ids); {
		chunk := chunk(ids, start, chunkSize)
		start += len(chunk)
		values := make([]*odata.Literal, len(chunk))
		for i, id := range chunk {
			g, err := odata.ParseGUID(id)
			if err != nil {
				return nil, nil, false, err
			}
			values[i] = &odata.Literal{Kind: odata.KindGUID, Value: g}
		}
		full.Filter = &odata.QueryFunc{Name: "In", Property: key, Values: values}
		full.Top = len(chunk)
		rows := make(map[string]*connectorhub.ConnectorRow, len(chunk))
		if err := s.Connectors.ScanConnectors(ctx, full, func(row *connectorhub.ConnectorRow) error {
			rows[row.ID] = row
			readBytes += rowBytes(row.Connector)
			readRows++
			return nil
		}); err != nil {
			return nil, nil, false, err
		}
		for _, id := range chunk {
			if row := rows[id]; row != nil {
				if err := emit(row); err != nil {
					return nil, nil, false, err
				}
			}
		}
		if err := flush(); err != nil {
			return nil, nil, false, err
		}
		if readRows > 0 {
			chunkSize = min(max(chunkBytes/(readBytes/readRows), minChunk), maxChunk)
		}
	}
	return first, last, more, nil
}

// chunk is the ids of the chunk that starts at start: size of them, or those left.
func chunk(ids []string, start, size int) []string {
	return ids[start:min(start+size, len(ids))]
}
