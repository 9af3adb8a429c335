package validate

import (
	"strconv"
	"strings"
)

// checkFamilies checks the operation families of x-ms-api-annotation: revisions distinct and
// present, at most two active operations and one active Production operation per family, and
// operationIds that carry their revision.
func (d *definition) checkFamilies(c *checker) {
	type member struct {
		op       *operation
		revision int64
		hasRev   bool
	}
	families := map[string][]member{}
	for _, op := range d.ops {
		ann := obj(op.obj["x-ms-api-annotation"])
		if ann == nil {
			continue
		}
		at := ptr(op.pointer, "x-ms-api-annotation")
		var m member
		m.op = op
		if n, ok := number(ann["revision"]); ok && n == float64(int64(n)) {
			m.revision, m.hasRev = int64(n), true
		}
		if m.hasRev && m.revision >= 2 && op.id != "" && !hasRevisionSuffix(op.id, m.revision) {
			c.add(rRevisionSuffix, ptr(op.pointer, "operationId"), "the operationId %q has revision %d but does not end with V%d", op.id, m.revision, m.revision)
		}
		fam, ok := str(ann["family"])
		if !ok || fam == "" {
			continue
		}
		if !m.hasRev {
			c.add(rRevisionEmpty, at, "the operation %s belongs to the family %q but has no revision", op.label(), fam)
		}
		families[fam] = append(families[fam], m)
	}
	for _, fam := range sortedKeys(families) {
		ms := families[fam]
		if len(ms) < 2 {
			continue
		}
		seen := map[int64]*operation{}
		empty, active, production := 0, 0, 0
		for _, m := range ms {
			at := ptr(m.op.pointer, "x-ms-api-annotation")
			if !m.hasRev {
				if empty++; empty == 2 {
					c.add(rFamilyManyEmpty, at, "the family %q has several operations without a revision (%s is the second)", fam, m.op.label())
				}
			} else if first, dup := seen[m.revision]; dup {
				c.add(rFamilyDupRevision, ptr(at, "revision"), "the operations %s and %s of the family %q both have revision %d", first.label(), m.op.label(), fam, m.revision)
			} else {
				seen[m.revision] = m.op
			}
			if m.op.obj["deprecated"] == true {
				continue
			}
			if active++; active == 3 {
				c.add(rFamilyManyActive, at, "the family %q has more than two operations that are not deprecated (%s is the third)", fam, m.op.label())
			}
			status := strOf(obj(m.op.obj["x-ms-api-annotation"])["status"])
			if strings.EqualFold(status, "Production") {
				if production++; production == 2 {
					c.add(rFamilyManyProduction, at, "the family %q has several active operations in Production status (%s is the second)", fam, m.op.label())
				}
			}
		}
	}
}

// hasRevisionSuffix reports whether an operationId ends with V<revision>, in either case,
// after an optional underscore.
func hasRevisionSuffix(id string, revision int64) bool {
	suffix := "v" + strconv.FormatInt(revision, 10)
	l := strings.ToLower(id)
	if !strings.HasSuffix(l, suffix) {
		return false
	}
	// GetItemsV12 is not revision 2.
	rest := l[:len(l)-len(suffix)]
	return rest != "" && !(rest[len(rest)-1] >= '0' && rest[len(rest)-1] <= '9')
}

// notificationURL is an input marked x-ms-notification-url, found from an operation.
type notificationURL struct {
	s        map[string]any
	pointer  string // where it is written (in a shared definition, perhaps)
	required bool   // required all the way from the body parameter
	internal bool   // internal itself or through a parent
}

// checkWebhooks checks x-ms-notification-url, x-ms-notification-content and x-ms-notification.
func (d *definition) checkWebhooks(c *checker) {
	for _, path := range d.notifURLs {
		d.checkNotificationURLPosition(c, path)
	}
	webhook := map[*operation]bool{}
	reported := map[string]bool{}
	for _, op := range d.ops {
		var urls []notificationURL
		count := 0
		if len(d.notifURLs) > 0 {
			urls, count = d.notificationURLs(op)
		}
		webhook[op] = count > 0
		_, isTrigger := op.obj["x-ms-trigger"]
		hasContent := op.obj["x-ms-notification-content"] != nil || obj(obj(d.root["paths"])[op.path])["x-ms-notification-content"] != nil
		if count > 0 && !hasContent {
			c.add(rNotifContentMissing, op.pointer, "the operation %s has %d input(s) marked x-ms-notification-url but no x-ms-notification-content", op.label(), count)
		}
		if isTrigger && hasContent && count == 0 && op.method != "get" && op.method != "delete" {
			c.add(rWebhookNoURL, op.pointer, "the webhook trigger %s has no input marked x-ms-notification-url", op.label())
		}
		if isTrigger && c.opts.Certification {
			d.checkTriggerSchema(c, op)
		}
		for _, u := range urls {
			if reported[u.pointer] {
				continue // a shared definition, reported once
			}
			reported[u.pointer] = true
			if t, ok := u.s["type"]; ok && t != "string" {
				c.add(rNotifURLString, u.pointer, "the notification URL property has type %s, not string", toString(t))
			}
			if !u.required {
				c.add(rNotifURLRequired, u.pointer, "the notification URL property of %s, or one of its parents, is not required", op.label())
			}
			if !u.internal {
				c.add(rNotifURLInternal, u.pointer, "neither the notification URL property of %s nor any of its parents is internal", op.label())
			}
		}
	}
	for _, op := range d.ops {
		n := obj(op.obj["x-ms-notification"])
		if n == nil {
			continue
		}
		at := ptr(op.pointer, "x-ms-notification")
		if _, isTrigger := op.obj["x-ms-trigger"]; !isTrigger {
			c.add(rNotifTriggerOnly, at, "x-ms-notification is on %s, which is not a trigger", op.label())
		}
		if webhook[op] {
			c.add(rNotifInWebhook, at, "x-ms-notification is on %s, which is a webhook operation", op.label())
		}
		if target := d.invoked(strOf(n["operationId"])); target != nil {
			if !webhook[target] {
				c.add(rNotifMustBeWebhook, ptr(at, "operationId"), "x-ms-notification names %q, which has no x-ms-notification-url input", target.id)
			}
			d.checkFetchSubscribe(c, op, target)
		}
	}
}

// checkNotificationURLPosition reports an x-ms-notification-url written in a response or on a
// parameter that is not the body.
func (d *definition) checkNotificationURLPosition(c *checker, path []string) {
	at := ptr(pointerOf(path), "x-ms-notification-url")
	inResponse := path[0] == "responses" || (len(path) >= 4 && path[0] == "paths" && path[3] == "responses")
	if inResponse {
		c.add(rNotifURLPosition, at, "x-ms-notification-url is in a response; it belongs in the input body")
		return
	}
	if isParameterPath(path) {
		p := obj(d.lookupTokens(path))
		if in := strOf(p["in"]); in != "body" {
			c.add(rNotifURLPosition, at, "x-ms-notification-url is on the %s parameter %q; it belongs in the input body", in, strOf(p["name"]))
		}
	}
}

func (d *definition) lookupTokens(path []string) any {
	var v any = d.root
	for _, t := range path {
		switch x := v.(type) {
		case map[string]any:
			v = x[t]
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// notifState is a schema reached in the search for notification URLs: the pointer of a
// referenced schema, with whether every parent up to the body parameter is required and
// whether one of them is internal.
type notifState struct {
	at                 string
	required, internal bool
}

// notifWalk is the search for notification URLs, shared by the operations of a document.
type notifWalk struct {
	walked map[notifState]bool // referenced schemas already searched, by any operation
	counts map[string]int      // occurrences of notification URLs below each reference
	active map[string]bool     // references being counted on the current branch
}

// maxNotifCount caps the occurrence count of notification URLs (only its being positive, and
// its value in a message, matter).
const maxNotifCount = 1 << 30

// notificationURLs finds the inputs of an operation marked x-ms-notification-url, through the
// body schema with references followed; count is the number of times they occur (a shared
// definition reached through two properties counts twice), urls lists those not found from an
// earlier operation. A referenced schema is searched once per document and state (required,
// internal), however many paths lead to it: a schema whose properties reference the next
// level several times would otherwise be searched once per path, an exponential number. As
// findings are reported once per notification URL, at its first occurrence, skipping what an
// earlier search covered changes no finding.
func (d *definition) notificationURLs(op *operation) (urls []notificationURL, count int) {
	if d.notif == nil {
		d.notif = &notifWalk{walked: map[notifState]bool{}, counts: map[string]int{}, active: map[string]bool{}}
	}
	w := d.notif
	for _, p := range op.params {
		internal := isInternal(p.obj)
		required := p.obj["required"] == true
		if p.obj["x-ms-notification-url"] == true {
			urls = append(urls, notificationURL{p.obj, p.pointer, required, internal})
			count++
		}
		if p.in != "body" {
			continue
		}
		var walk func(s map[string]any, at string, required, internal bool)
		walk = func(s map[string]any, at string, required, internal bool) {
			if s == nil {
				return
			}
			d.m.step(1)
			if ref, ok := str(s["$ref"]); ok {
				if t, local := refTokens(ref); local {
					at = pointerOf(t)
				}
				k := notifState{at, required, internal}
				if w.walked[k] {
					return
				}
				w.walked[k] = true
				s = obj(d.resolve(ref))
				if s == nil {
					return
				}
			}
			internal = internal || isInternal(s)
			if s["x-ms-notification-url"] == true {
				urls = append(urls, notificationURL{s, at, required, internal})
			}
			props := obj(s["properties"])
			req := arr(s["required"])
			for _, k := range sortedKeys(props) {
				walk(obj(props[k]), ptr(at, "properties", k), required && contains(req, k), internal)
			}
			for i, x := range arr(s["allOf"]) {
				walk(obj(x), ptr(at, "allOf", strconv.Itoa(i)), required, internal)
			}
		}
		schema := obj(p.obj["schema"])
		walk(schema, ptr(p.pointer, "schema"), required, internal)
		count = min(maxNotifCount, count+d.countNotificationURLs(schema))
	}
	return urls, count
}

// countNotificationURLs counts the occurrences of notification URLs in a schema, through its
// properties and allOf members, references expanded; the count below each reference is kept for
// the document, and a reference already being expanded on the current branch counts nothing.
func (d *definition) countNotificationURLs(s map[string]any) int {
	if s == nil {
		return 0
	}
	d.m.step(1)
	w := d.notif
	if ref, ok := str(s["$ref"]); ok {
		if n, ok := w.counts[ref]; ok {
			return n
		}
		if w.active[ref] {
			return 0
		}
		w.active[ref] = true
		n := d.countNotificationURLs(obj(d.resolve(ref)))
		delete(w.active, ref)
		w.counts[ref] = n
		return n
	}
	n := 0
	if s["x-ms-notification-url"] == true {
		n = 1
	}
	for _, p := range obj(s["properties"]) {
		n = min(maxNotifCount, n+d.countNotificationURLs(obj(p)))
	}
	for _, x := range arr(s["allOf"]) {
		n = min(maxNotifCount, n+d.countNotificationURLs(obj(x)))
	}
	return n
}

// checkTriggerSchema checks that a trigger declares its output: a schema on its 200 or 201
// response, or in the x-ms-notification-content of a webhook (on the operation or its path
// item).
func (d *definition) checkTriggerSchema(c *checker, op *operation) {
	content, at := obj(op.obj["x-ms-notification-content"]), ptr(op.pointer, "x-ms-notification-content")
	if content == nil {
		content, at = obj(obj(obj(d.root["paths"])[op.path])["x-ms-notification-content"]), ptr("/paths", op.path, "x-ms-notification-content")
	}
	if content != nil && content["schema"] != nil {
		return
	}
	rs := obj(op.obj["responses"])
	if content == nil {
		at = ptr(op.pointer, "responses")
	}
	for _, code := range []string{"201", "200"} {
		r, ok := rs[code]
		if !ok {
			continue
		}
		if content == nil {
			at = ptr(op.pointer, "responses", code) // 200 when both are present
		}
		ro := obj(r)
		if ref, ok := str(ro["$ref"]); ok {
			ro = obj(d.resolve(ref))
		}
		if ro["schema"] != nil {
			return
		}
	}
	where := "its 200 or 201 response"
	if content != nil {
		where = "its x-ms-notification-content or its 200 or 201 response"
	}
	c.add(rTriggerNoSchema, at, "the trigger %s defines no output schema on %s, so the designer shows no outputs for it", op.label(), where)
}

// checkFetchSubscribe compares the parameters of a trigger with x-ms-notification (the fetch
// operation) with those of the webhook operation it names (the subscribe operation): the
// designer shows them as one trigger, so parameters of the same name must agree in type and
// visibility. The subscribe operation's inputs include the top-level properties of its body.
func (d *definition) checkFetchSubscribe(c *checker, fetch, subscribe *operation) {
	if fetch == subscribe {
		return
	}
	sub := d.subscribeInputs(subscribe)
	for _, p := range fetch.params {
		if p.in == "body" {
			continue
		}
		s, ok := sub[p.name]
		if !ok {
			continue
		}
		typ, vis := strOf(p.obj["type"]), visibilityOf(p.obj)
		if typ != s.typ && typ != "" && s.typ != "" {
			c.add(rNotifSameParams, p.pointer, "the parameter %q of %s has type %s, but %s %q of the subscribe operation %s has type %s", p.name, fetch.label(), typ, s.where, p.name, subscribe.label(), s.typ)
		}
		if vis != s.visibility {
			c.add(rNotifSameParams, p.pointer, "the parameter %q of %s has visibility %s, but %s %q of the subscribe operation %s has visibility %s", p.name, fetch.label(), vis, s.where, p.name, subscribe.label(), s.visibility)
		}
	}
}

// subscribeInput is an input of a subscribe operation: its type, visibility and whether it is a
// parameter or a body property.
type subscribeInput struct {
	typ, visibility, where string
}

// subscribeInputs returns the inputs of a subscribe operation by name, found once per operation:
// many fetch operations may name one subscribe operation with many parameters.
func (d *definition) subscribeInputs(subscribe *operation) map[string]subscribeInput {
	if sub, ok := d.subInputs[subscribe]; ok {
		return sub
	}
	sub := map[string]subscribeInput{}
	d.m.step(len(d.bodyProperties(subscribe)) + len(subscribe.params))
	for k, v := range d.bodyProperties(subscribe) {
		s := d.deref(obj(v))
		sub[k] = subscribeInput{strOf(s["type"]), visibilityOf(s), "the body property"}
	}
	for _, p := range subscribe.params {
		if p.in != "body" {
			sub[p.name] = subscribeInput{strOf(p.obj["type"]), visibilityOf(p.obj), "the parameter"}
		}
	}
	if d.subInputs == nil {
		d.subInputs = map[*operation]map[string]subscribeInput{}
	}
	d.subInputs[subscribe] = sub
	return sub
}

// visibilityOf returns the x-ms-visibility of a parameter or schema in lower case (the service
// reads it without regard to case), "none" when absent.
func visibilityOf(o map[string]any) string {
	if v := strOf(o["x-ms-visibility"]); v != "" {
		return strings.ToLower(v)
	}
	return "none"
}

// isInternal reports whether a parameter, schema or operation has "x-ms-visibility":
// "internal", in any letter case ("Internal" is in published connectors).
func isInternal(o map[string]any) bool {
	return strings.EqualFold(strOf(o["x-ms-visibility"]), "internal")
}
