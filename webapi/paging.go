package webapi

import (
	"net/url"
	"strings"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/odata"
)

// page is where a list request starts and how many rows it holds (spec §3.9).
type page struct {
	size   int    // rows on the page
	paged  bool   // a next page may follow; false with $top and no odata.maxpagesize
	number int    // 1 for the first page
	key    []byte // signs and checks the skiptokens
	after  []any  // the keyset position: sort values and key of the previous page's last row
}

// pageOf reads the page size and the position of a list request. The page size is Prefer:
// odata.maxpagesize (at most 5000, the default); when it is given, $top is ignored, as in
// Dataverse (spec §3.5). Without it, $top limits the rows and there is no next page.
func (s *Server) pageOf(r *request, prefs odata.Preferences, top *int, skipToken string, orderBy odata.OrderBy, keyColumn string) (*page, error) {
	p := &page{size: connectorhub.MaxPageSize, paged: true, number: 1}
	switch {
	case prefs.MaxPageSize > 0:
		p.size = prefs.MaxPageSize
	case top != nil:
		p.size, p.paged = min(*top, connectorhub.MaxPageSize), false
	}
	if p.paged {
		var err error
		if p.key, err = s.Connectors.PagingKey(r.Context()); err != nil {
			return nil, err
		}
	}
	if skipToken == "" {
		return p, nil
	}
	if !p.paged {
		return nil, queryError("$skiptoken needs the page size of the request that gave it: send the same Prefer: odata.maxpagesize, or none, and no $top.")
	}
	tok, err := odata.DecodeSkipToken(p.key, skipToken, orderBy, keyColumn)
	if err != nil {
		return nil, asQueryError(err)
	}
	for _, sv := range tok.Sort {
		p.after = append(p.after, sv.Value)
	}
	p.after = append(p.after, tok.LastKey)
	p.number = tok.PageNumber
	return p, nil
}

// rowsToRead is how many rows to ask the store for: one more than the page says whether
// there is a next page.
func (p *page) rowsToRead() int {
	if p.paged {
		return p.size + 1
	}
	return p.size
}

// nextLink is the request's URL with the $skiptoken of the page after this one, whose rows
// follow lastID; sortValue gives the last row's value of each $orderby key.
func (p *page) nextLink(r *request, orderBy odata.OrderBy, keyColumn, firstID, lastID string, sortValue func(*odata.PropertyPath) (any, error)) (string, error) {
	text, err := p.skipToken(orderBy, keyColumn, firstID, lastID, sortValue)
	if err != nil {
		return "", err
	}
	return withSkipToken(r, text), nil
}

// skipToken is the signed $skiptoken of the page after this one (see nextLink).
func (p *page) skipToken(orderBy odata.OrderBy, keyColumn, firstID, lastID string, sortValue func(*odata.PropertyPath) (any, error)) (string, error) {
	tok := odata.SkipToken{PageNumber: p.number + 1, KeyColumn: keyColumn}
	for _, o := range orderBy {
		v, err := sortValue(o.Path)
		if err != nil {
			return "", err
		}
		tok.Sort = append(tok.Sort, odata.SortValue{Column: o.Path.String(), Desc: o.Desc, Value: v})
	}
	var err error
	if tok.LastKey, err = odata.ParseGUID(lastID); err != nil {
		return "", err
	}
	if tok.FirstKey, err = odata.ParseGUID(firstID); err != nil {
		return "", err
	}
	return odata.EncodeSkipToken(p.key, tok)
}

// fetchPage is the page of a fetchXml: count rows (5000 by default; with top, top rows and no
// paging), after the position its paging-cookie holds. A page after the first needs the
// cookie: ConnectorHub pages by keyset, never by skipping rows.
func (s *Server) fetchPage(r *request, fq *fetchQuery, top *int, orderBy odata.OrderBy, keyColumn string) (*page, error) {
	var prefs odata.Preferences
	if fq.count != nil {
		prefs.MaxPageSize = *fq.count
	}
	token := ""
	switch {
	case fq.cookie != "" && top != nil:
		return nil, queryError("The FetchXML attribute 'paging-cookie' of <fetch> cannot be combined with 'top'.")
	case fq.cookie != "":
		var err error
		if token, err = odata.FetchSkipToken(fq.page, fq.cookie); err != nil {
			return nil, asQueryError(err)
		}
	case fq.page > 1:
		return nil, queryError("The FetchXML attribute 'page' of <fetch> is %d without a 'paging-cookie': send the paging-cookie of page %d, which its @%s gives (ConnectorHub pages by keyset, not by skipping rows).", fq.page, fq.page-1, annPagingCookie)
	}
	return s.pageOf(r, prefs, top, token, orderBy, keyColumn)
}

// withSkipToken is the request's URL with $skiptoken set to text: the client's other
// parameters stay as sent, in their order.
func withSkipToken(r *request, text string) string {
	return withParam(r, "$skiptoken", text)
}

// withParam is the request's URL with the query parameter name set to text: the client's
// other parameters stay as sent, in their order.
func withParam(r *request, name, text string) string {
	var params []string
	for _, p := range strings.Split(r.URL.RawQuery, "&") {
		n, _, _ := strings.Cut(p, "=")
		if n, err := url.QueryUnescape(n); p == "" || err == nil && n == name {
			continue
		}
		params = append(params, p)
	}
	params = append(params, name+"="+strings.ReplaceAll(url.QueryEscape(text), "+", "%20"))
	return r.origin() + r.URL.EscapedPath() + "?" + strings.Join(params, "&")
}
