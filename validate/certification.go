package validate

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Certification limits (devhub certification-submission.md and connector-string-guidance.md).
const (
	maxTitle       = 30  // "Can't be longer than 30 characters"
	minDescription = 30  // "Can't be shorter than 30 characters or longer than 500 characters"
	maxDescription = 500 //
	maxSummary     = 80  // "summaries should be phrases of 80 characters or shorter"
	maxCategories  = 2   // "using a maximum of two of the following categories"
	// "The connector title and description can't include the word API" and "can't contain any
	// Power Platform product names"; the title can't contain "Connector" either.
	productNames = `Power ?Apps|Power ?Automate|Power ?Platform|Power ?BI|Power ?Virtual ?Agents|Copilot ?Studio|Logic ?Apps|Microsoft ?Flow`
)

var (
	restrictedInTitle       = regexp.MustCompile(`(?i)\b(API|Connector|` + productNames + `)\b`)
	restrictedInDescription = regexp.MustCompile(`\bAPIs?\b|(?i:\b(` + productNames + `)\b)`)
)

// connectorCategories is the list of certification-submission.md, step 3b.
var connectorCategories = []string{"AI", "Business Management", "Business Intelligence", "Collaboration", "Commerce",
	"Communication", "Content and Files", "Finance", "Data", "Human Resources", "Internet of Things", "IT Operations",
	"Lifestyle and Entertainment", "Marketing", "Productivity", "Sales and CRM", "Security", "Social Media", "Website"}

func (d *definition) checkCertification(c *checker) {
	info := obj(d.root["info"])
	title := strings.TrimSpace(strOf(info["title"]))
	desc := strOf(info["description"])
	switch {
	case title == "":
		c.add(rTitleMissing, "/info", "the connector title is empty")
	default:
		// The suffix independent publishers must add is not part of the name.
		if n := utf8.RuneCountInString(strings.TrimSpace(strings.TrimSuffix(title, "(Independent Publisher)"))); n > maxTitle {
			c.add(rTitleLength, "/info/title", "the title has %d characters; the limit is %d", n, maxTitle)
		}
		// "(Independent Publisher)" is the required suffix of independent publishers' titles.
		if w := restrictedInTitle.FindString(strings.ReplaceAll(title, "(Independent Publisher)", "")); w != "" {
			c.add(rRestrictedWords, "/info/title", "the title %q contains the restricted word %q", title, w)
		}
		if !endsAlphanumeric(strOf(info["title"])) {
			c.add(rSummaryEnd, "/info/title", "the title %q does not end with a letter, digit or ')'", title)
		}
	}
	if strings.TrimSpace(desc) == "" {
		c.add(rTitleMissing, "/info", "the connector description is empty")
	} else {
		if n := utf8.RuneCountInString(desc); n < minDescription || n > maxDescription {
			c.add(rDescriptionLength, "/info/description", "the description has %d characters; it must have %d to %d", n, minDescription, maxDescription)
		}
		if w := restrictedInDescription.FindString(desc); w != "" {
			c.add(rRestrictedWords, "/info/description", "the description contains the restricted word %q", w)
		}
	}
	if contact := obj(info["contact"]); contact == nil {
		c.add(rContact, "/info", "info.contact is missing")
	} else {
		for _, k := range []string{"name", "url", "email"} {
			if strOf(contact[k]) == "" {
				c.add(rContact, "/info/contact", "info.contact has no %s", k)
			}
		}
	}
	d.checkMetadata(c)
	for _, op := range d.ops {
		d.checkOperationStrings(c, op)
		d.checkResponses(c, op)
	}
	for _, s := range d.schemas() {
		checkSummaryLength(c, s.v, s.pointer)
	}
	for _, op := range d.ops {
		for _, p := range op.params {
			checkSummaryLength(c, p.obj, p.pointer)
		}
	}
}

func checkSummaryLength(c *checker, v map[string]any, at string) {
	if s, ok := v["x-ms-summary"].(string); ok {
		if n := utf8.RuneCountInString(s); n > maxSummary {
			c.add(rParamSummaryTooLong, ptr(at, "x-ms-summary"), "the x-ms-summary has %d characters; the limit is %d", n, maxSummary)
		}
	}
}

func endsAlphanumeric(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == ')'
}

func (d *definition) checkMetadata(c *checker) {
	md, ok := d.root["x-ms-connector-metadata"].([]any)
	if !ok {
		c.add(rMetadata, "", "x-ms-connector-metadata is missing (Website, Privacy policy, Categories)")
		return
	}
	have := map[string]bool{}
	for i, e := range md {
		name := strOf(obj(e)["propertyName"])
		have[name] = true
		if name != "Categories" {
			continue
		}
		at := ptr("/x-ms-connector-metadata", strconv.Itoa(i), "propertyValue")
		cats := strings.Split(strOf(obj(e)["propertyValue"]), ";")
		if len(cats) > maxCategories {
			c.add(rTooManyCategories, at, "%d categories; the limit is %d", len(cats), maxCategories)
		}
		for _, cat := range cats {
			if cat = strings.TrimSpace(cat); !containsFold(connectorCategories, cat) {
				c.add(rCategory, at, "%q is not a connector category; the categories are: %s", cat, strings.Join(connectorCategories, ", "))
			}
		}
	}
	for _, k := range []string{"Website", "Privacy policy", "Categories"} {
		if !have[k] {
			c.add(rMetadata, "/x-ms-connector-metadata", "the connector metadata property %q is missing", k)
		}
	}
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func (d *definition) checkOperationStrings(c *checker, op *operation) {
	if isInternal(op.obj) {
		return // internal operations are never shown
	}
	sum, ok := op.obj["summary"].(string)
	if !ok || strings.TrimSpace(sum) == "" {
		c.add(rSummaryMissing, op.pointer, "the operation %s has no summary", op.label())
	} else {
		at := ptr(op.pointer, "summary")
		if n := utf8.RuneCountInString(sum); n > maxSummary {
			c.add(rSummaryTooLong, at, "the summary has %d characters; the limit is %d", n, maxSummary)
		}
		if strings.Contains(sum, "/") {
			c.add(rSummaryRestricted, at, "the summary %q contains '/'", sum)
		}
		if !endsAlphanumeric(sum) {
			c.add(rSummaryEnd, at, "the summary %q does not end with a letter, digit or ')'", sum)
		}
	}
	if strings.TrimSpace(strOf(op.obj["description"])) == "" {
		c.add(rDescriptionMissing, op.pointer, "the operation %s has no description", op.label())
	}
}

func (d *definition) checkResponses(c *checker, op *operation) {
	rs := obj(op.obj["responses"])
	success, withSchema := false, 0
	for _, code := range sortedKeys(rs) {
		r := obj(rs[code])
		if ref, ok := str(r["$ref"]); ok {
			r = obj(d.resolve(ref))
		}
		if strings.HasPrefix(code, "2") {
			success = true
		}
		if r["schema"] != nil {
			withSchema++
			if code == "default" {
				c.add(rDefaultSchema, ptr(op.pointer, "responses", code, "schema"), "the default response of %s has a schema", op.label())
			}
		}
	}
	if len(rs) > 0 && !success {
		c.add(rNoSuccess, ptr(op.pointer, "responses"), "the operation %s has no 2xx response", op.label())
	}
	if withSchema > 1 {
		c.add(rManySchemas, ptr(op.pointer, "responses"), "the operation %s has %d responses with a schema", op.label(), withSchema)
	}
}

// label names an operation in messages.
func (op *operation) label() string {
	if op.id != "" {
		return strconv.Quote(op.id)
	}
	return strings.ToUpper(op.method) + " " + op.path
}
