package webapi

import (
	"context"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/odata"
)

// fetchChunk is how many records the second pass of a page reads at once: few enough that
// their full columns are a bounded amount of memory, many enough that a page of 5000 costs
// a few hundred indexed look-ups.
const fetchChunk = 16

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
	keys := cq
	keys.Columns = []string{connectorhub.ConnectorPrimaryID} // the definitions stay unread
	keys.Top = size
	if paged {
		keys.Top = size + 1 // the row after the page says there is a next one
	}
	var ids []string
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
		return nil
	})
	if err != nil {
		return nil, nil, false, err
	}

	full := cq
	full.After, full.OrderBy = nil, nil
	key := &odata.PropertyPath{Segments: []string{connectorhub.ConnectorPrimaryID}}
	for start := 0; start < len(ids); start += fetchChunk {
		chunk := ids[start:min(start+fetchChunk, len(ids))]
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
	}
	return first, last, more, nil
}
