package validate

import (
	"mime"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// methods are the operation members of a Swagger 2.0 path item, in a fixed order.
var methods = []string{"get", "put", "post", "delete", "options", "head", "patch"}

// definition is a parsed Swagger document with its operations indexed.
type definition struct {
	root         map[string]any
	ops          []*operation
	operationIDs map[string]bool
	refCounts    map[string]int        // schema counts of referenced definitions (countSchemas)
	refDepths    map[string]int        // depths of referenced definitions (schemaDepth)
	resolved     map[string]any        // targets of references (resolve)
	byID         map[string]*operation // the first operation of each operationId (invoked)
	notifURLs    [][]string            // where x-ms-notification-url is written, as reference tokens
	m            *meter                // counts the steps of the passes that follow references

	opsAt     map[[2]string]*operation                 // operations by path and method (opAt)
	bodyProps map[*operation]map[string]any            // top-level body properties (bodyProperties)
	propsOf   map[propsKey]map[string]any              // merged properties of schemas with allOf (properties)
	folded    map[uintptr]map[string]any               // properties by folded name (foldedProperties)
	size      int                                      // of the text, in bytes
	mergeLeft int                                      // properties the merges of allOf may still copy (mergeAllowance)
	mergeCut  bool                                     // a merge stopped for want of allowance; the report says so
	subInputs map[*operation]map[string]subscribeInput // inputs of subscribe operations (subscribeInputs)
	notif     *notifWalk                               // the search for notification URLs (notificationURLs)
}

// operation is one method of one path.
type operation struct {
	path, method string
	pointer      string
	obj          map[string]any
	id           string
	params       []param          // effective parameters: path-level ones overridden by the operation's
	own, shared  []param          // the operation's own parameters, and those of its path item
	byName       map[string]param // the first of params of each name (param)
	body         param            // the first body parameter of params, if hasBody
	hasBody      bool
	required     []param         // the required non-body parameters without a default, one per name (requiredParams)
	isRequired   map[string]bool // the names of required
}

// param is a parameter after $ref resolution, with the pointer where it is written.
type param struct {
	obj     map[string]any
	pointer string
	name    string
	in      string
}

// newDefinition indexes the operations of a document of size bytes; m counts the steps of the
// checks (nil counts nothing).
func newDefinition(root map[string]any, size int, m *meter) *definition {
	d := &definition{root: root, operationIDs: map[string]bool{}, m: m, size: size, mergeLeft: mergeAllowance(size)}
	paths := obj(root["paths"])
	for _, p := range sortedKeys(paths) {
		item := obj(paths[p])
		if item == nil {
			continue
		}
		itemPtr := ptr("/paths", p)
		shared := d.params(item["parameters"], ptr(itemPtr, "parameters"))
		for _, m := range methods {
			o := obj(item[m])
			if o == nil {
				continue
			}
			op := &operation{path: p, method: m, pointer: ptr(itemPtr, m), obj: o}
			op.id, _ = str(o["operationId"])
			own := d.params(o["parameters"], ptr(op.pointer, "parameters"))
			op.own = own
			op.shared = shared
			op.params = append(op.params, own...)
			// A set: an operation may have thousands of parameters.
			ownKeys := make(map[[2]string]bool, len(own))
			for _, o := range own {
				ownKeys[[2]string{o.name, o.in}] = true
			}
			for _, s := range shared {
				if !ownKeys[[2]string{s.name, s.in}] {
					op.params = append(op.params, s)
				}
			}
			for _, p := range op.params {
				if p.in == "body" {
					op.body, op.hasBody = p, true
					break
				}
			}
			if op.id != "" {
				d.operationIDs[op.id] = true
			}
			d.ops = append(d.ops, op)
		}
	}
	return d
}

// params resolves a parameters array; references that do not resolve are skipped (they are
// reported by the reference check).
func (d *definition) params(v any, pointer string) []param {
	var out []param
	for i, x := range arr(v) {
		o := obj(x)
		if ref, ok := str(o["$ref"]); ok {
			o = obj(d.resolve(ref))
		}
		if o == nil {
			continue
		}
		out = append(out, param{obj: o, pointer: ptr(pointer, strconv.Itoa(i)), name: strOf(o["name"]), in: paramLocation(strOf(o["in"]))})
	}
	return out
}

// locations are the parameter locations of Swagger 2.0, by their lower-case spelling.
var locations = map[string]string{"query": "query", "header": "header", "path": "path", "formdata": "formData", "body": "body"}

// paramLocation returns the Swagger spelling of a parameter location written in any letter
// case ("Query", "formdata"): the service reads enumerated values without regard to case.
// Other values are returned as written.
func paramLocation(in string) string {
	if l, ok := locations[strings.ToLower(in)]; ok {
		return l
	}
	return in
}

// resolve follows a local reference "#/a/b"; it returns nil when it does not resolve.
// Results are kept: a definition repeats the same few references many times.
func (d *definition) resolve(ref string) any {
	if v, ok := d.resolved[ref]; ok {
		return v
	}
	v := d.lookup(ref)
	if d.resolved == nil {
		d.resolved = map[string]any{}
	}
	d.resolved[ref] = v
	return v
}

func (d *definition) lookup(ref string) any {
	tokens, ok := refTokens(ref)
	if !ok {
		return nil
	}
	var v any = d.root
	for _, t := range tokens {
		switch x := v.(type) {
		case map[string]any:
			var found bool
			if v, found = x[t]; !found {
				return nil
			}
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

// refTokens splits a local reference "#/a/b" into its unescaped tokens; ok is false for a
// reference to another document.
func refTokens(ref string) ([]string, bool) {
	frag, ok := strings.CutPrefix(ref, "#")
	if !ok || (frag != "" && !strings.HasPrefix(frag, "/")) {
		return nil, false
	}
	if u, err := url.PathUnescape(frag); err == nil {
		frag = u
	}
	return splitPointer(frag), true
}

// check runs the semantic checks, each as a pass with its own budget (see meter).
func (d *definition) check(c *checker) {
	c.run("reference", "", func() { d.checkRefs(c, d.root, nil) })
	c.run("reference loop", "/definitions", func() { d.checkRefLoops(c) })
	c.run("path", "/paths", func() { d.checkPaths(c) })
	c.run("operation", "/paths", func() { d.checkOperations(c) })
	c.run("scheme and security", "", func() { d.checkSchemes(c); d.checkSecurity(c) })
	c.run("schema", "", func() { d.checkSchemas(c) })
	c.run("extension", "", func() { d.checkExtensions(c, d.root, nil) })
	c.run("operation family", "/paths", func() { d.checkFamilies(c) })
	c.run("webhook", "/paths", func() { d.checkWebhooks(c) })
	c.run("limit", "/paths", func() { d.checkLimits(c) })
	c.run("MIME type", "", func() { d.checkMIME(c) })
	if c.opts.Certification {
		c.run("certification", "", func() { d.checkCertification(c) })
	}
	if d.mergeCut {
		c.add(rMergeLimit, "", "the merges of allOf stopped after %d properties, the limit for a document of this size: its schemas merge the same members far more often than any connector needs, so the parameters of its dynamic extensions and triggers were not fully validated", mergeAllowance(d.size))
	}
}

// checkRefs visits every "$ref" of the document outside example values; path holds the
// reference tokens of v (pointers are only built for findings).
func (d *definition) checkRefs(c *checker, v any, path []string) {
	d.m.step(1)
	switch x := v.(type) {
	case map[string]any:
		if ref, ok := x["$ref"].(string); ok {
			d.checkRef(c, ref, path)
			for k := range x {
				if k != "$ref" && !strings.HasPrefix(k, "x-") {
					c.add(rRefAdjacent, pointerOf(path), "members beside \"$ref\" are ignored")
					break
				}
			}
		}
		names := namesMap(path)
		for k := range x {
			if !names && dataKeyword[k] {
				continue // data, not definitions: a "$ref" in them is a value
			}
			d.checkRefs(c, x[k], append(path, k))
		}
	case []any:
		for i, e := range x {
			d.checkRefs(c, e, append(path, strconv.Itoa(i)))
		}
	}
}

// dataKeyword are the members whose values are data (examples, defaults, enumerations), not
// definitions.
var dataKeyword = map[string]bool{"example": true, "examples": true, "x-ms-test-value": true, "default": true, "enum": true}

// namesMap reports whether the object at path maps names to definitions (a schema's
// properties, a responses object, the top-level sections): its members may be called
// "default" or "example" without being keywords.
func namesMap(path []string) bool {
	if len(path) == 0 {
		return false
	}
	switch path[len(path)-1] {
	case "properties", "patternProperties", "responses", "definitions", "parameters", "securityDefinitions", "paths", "headers":
		return true
	}
	return false
}

// checkRef checks a reference written in the object at path; pointers are built only for
// findings, the common case being a reference that resolves.
func (d *definition) checkRef(c *checker, ref string, path []string) {
	isPathItem := len(path) == 2 && path[0] == "paths"
	tokens, local := refTokens(ref)
	if local && !isPathItem && d.resolve(ref) != nil {
		return
	}
	owner := pointerOf(path)
	at := ptr(owner, "$ref")
	section := refSection(owner)
	if local && len(tokens) > 0 {
		switch tokens[0] {
		case "definitions", "parameters", "responses":
			section = tokens[0]
		}
	}
	if isPathItem {
		c.add(rPathItemRef, at, "a path item may not be a $ref (%q)", ref)
		return
	}
	if !local {
		c.add(rRefNotValid[section], at, "the reference %q is not local: references must start with \"#/%s/\"; other files are not resolved", ref, section)
		return
	}
	if d.resolve(ref) != nil {
		return
	}
	if len(tokens) == 2 && tokens[0] == section {
		c.add(rRefNotFound[section], at, "the reference %q does not resolve: %s has no %q", ref, section, tokens[1])
		return
	}
	c.add(rJSONPointer, at, "the reference %q does not resolve in the document", ref)
}

// refSection guesses what a reference written at owner should point to: a parameter in a
// parameters list, a response in a responses map, a schema everywhere else.
func refSection(owner string) string {
	t := splitPointer(owner)
	if len(t) >= 2 {
		switch {
		case t[len(t)-2] == "parameters" && (len(t) == 2 || len(t) >= 4 && t[0] == "paths"):
			return "parameters"
		case t[len(t)-2] == "responses":
			return "responses"
		}
	}
	return "definitions"
}

// checkRefLoops finds definitions that are only a $ref to another definition, in a loop. Each
// such definition has at most one successor, so one walk per definition, never revisiting a
// definition an earlier walk went through, finds every loop in linear time.
func (d *definition) checkRefLoops(c *checker) {
	defs := obj(d.root["definitions"])
	next := func(name string) (string, bool) {
		ref, ok := str(obj(defs[name])["$ref"])
		if !ok {
			return "", false
		}
		t, local := refTokens(ref)
		if !local || len(t) != 2 || t[0] != "definitions" {
			return "", false
		}
		return t[1], true
	}
	const (
		unseen = iota
		walking
		done
	)
	state := make(map[string]int, len(defs))
	onLoop := map[string]bool{}
	for _, name := range sortedKeys(defs) {
		var walk []string
		cur := name
		for state[cur] == unseen {
			d.m.step(1)
			state[cur] = walking
			walk = append(walk, cur)
			n, ok := next(cur)
			if !ok {
				break
			}
			if state[n] == walking {
				// The walk came back to itself: the definitions from n on form a loop.
				for i := len(walk) - 1; i >= 0; i-- {
					onLoop[walk[i]] = true
					if walk[i] == n {
						break
					}
				}
				break
			}
			cur = n
		}
		for _, w := range walk {
			state[w] = done
		}
	}
	for _, name := range sortedKeys(onLoop) {
		c.add(rRefLoop, ptr("/definitions", name, "$ref"), "the definition %q is only a reference, and the chain of references loops back to it", name)
	}
}

// templateVar finds the {variables} of a path template.
var templateVar = regexp.MustCompile(`\{([^{}/]*)\}`)

func (d *definition) checkPaths(c *checker) {
	paths := obj(d.root["paths"])
	byFold := map[string]string{}
	for _, p := range sortedKeys(paths) {
		at := ptr("/paths", p)
		if strings.HasPrefix(p, "x-") {
			continue // a vendor extension, not a path
		}
		if !strings.HasPrefix(p, "/") {
			c.add(rPathSlash, at, "the path %q does not start with \"/\"", p)
		}
		if strings.ContainsAny(p, "?#") {
			c.add(rPathQuery, at, "the path %q contains a query or fragment", p)
		}
		if strings.Contains(p, "*") {
			c.add(rPathWildcard, at, "the path %q contains the wildcard '*'", p)
		}
		rest := templateVar.ReplaceAllStringFunc(p, func(v string) string {
			if strings.Contains(v, "=") {
				c.add(rPathDefault, at, "the path variable %s sets a default value", v)
			}
			return ""
		})
		if strings.ContainsAny(rest, "{}") {
			c.add(rPathTemplate, at, "the path %q has a '{' or '}' that does not enclose a variable within one segment", p)
		}
		fold := strings.ToLower(p)
		if other, ok := byFold[fold]; ok {
			c.add(rPathRedefined, at, "the path %q differs from %q only in letter case", p, other)
		} else {
			byFold[fold] = p
		}
		if item := obj(paths[p]); item != nil {
			d.checkParamList(c, d.params(item["parameters"], ptr(at, "parameters")), rPathDupParam, rPathMultiBody, "the path "+strconv.Quote(p))
		}
	}
	// Indistinguishable templates: same method, same static segments.
	seen := map[string]*operation{}
	for _, op := range d.ops {
		key := op.method + " " + strings.ToLower(templateVar.ReplaceAllString(op.path, "{}"))
		if first, ok := seen[key]; ok && first.path != op.path && !strings.EqualFold(first.path, op.path) {
			c.add(rDuplicatePath, op.pointer, "the operations %q and %q have the path templates %q and %q, which are indistinguishable", first.id, op.id, first.path, op.path)
			continue
		}
		seen[key] = op
	}
	d.checkPartialDuplicates(c)
}

// pathSegment is one segment of a path template: its text, and for a segment with variables
// the expression that matches the static segments it can take.
type pathSegment struct {
	text string
	re   *regexp.Regexp // nil for a static segment
	bare bool           // the segment is one variable, {name}, matching any static segment
}

// checkPartialDuplicates reports operations whose path has a variable where another operation
// of the same method and as many segments has a static segment, all other segments matching:
// a value of the variable equal to that segment is routed to the other operation. Fully
// indistinguishable paths are DuplicateOperationPath's.
func (d *definition) checkPartialDuplicates(c *checker) {
	if !c.opts.Certification || len(d.ops) < 2 {
		return
	}
	type entry struct {
		op   *operation
		segs []pathSegment
	}
	groups := map[string][]entry{}
	compiled := map[string]*regexp.Regexp{}
	for _, op := range d.ops {
		parts := strings.Split(strings.Trim(op.path, "/"), "/")
		segs := make([]pathSegment, len(parts))
		for i, part := range parts {
			segs[i].text = part
			if !strings.Contains(part, "{") {
				continue
			}
			loc := templateVar.FindAllStringIndex(part, -1)
			segs[i].bare = len(loc) == 1 && loc[0][0] == 0 && loc[0][1] == len(part)
			if re, ok := compiled[part]; ok {
				segs[i].re = re
				segs[i].bare = segs[i].bare && re != nil
				continue
			}
			var b strings.Builder
			b.WriteString("(?i)^")
			last := 0
			quote := func(s string) string { return regexp.QuoteMeta(strings.ToValidUTF8(s, "\uFFFD")) }
			for _, l := range loc {
				b.WriteString(quote(part[last:l[0]]))
				b.WriteString(".+")
				last = l[1]
			}
			b.WriteString(quote(part[last:]))
			b.WriteString("$")
			re, err := regexp.Compile(b.String())
			if err != nil {
				re = nil // a segment too long to compile is compared as static text
				segs[i].bare = false
			}
			segs[i].re = re
			compiled[part] = re
		}
		key := op.method + " " + strconv.Itoa(len(segs))
		groups[key] = append(groups[key], entry{op, segs})
	}
	for _, key := range sortedKeys(groups) {
		g := groups[key]
		if len(g) < 2 {
			continue
		}
		// Candidates of an operation: those with, at its first static segment, the same
		// static segment or a variable; comparing every pair would be quadratic.
		type posText struct {
			pos  int
			text string
		}
		static := map[posText][]int{}
		vars := map[int][]int{}
		for j, e := range g {
			for k, seg := range e.segs {
				if seg.re == nil {
					key := posText{k, foldKey(seg.text)}
					static[key] = append(static[key], j)
				} else {
					vars[k] = append(vars[k], j)
				}
			}
		}
		all := make([]int, len(g))
		for j := range all {
			all[j] = j
		}
		for i, a := range g {
			candidates := all
			for k, seg := range a.segs {
				if seg.re == nil {
					candidates = mergeSorted(static[posText{k, foldKey(seg.text)}], vars[k])
					break
				}
			}
			d.m.step(len(candidates))
			var similar []string
			for _, j := range candidates {
				if b := g[j]; i != j && shadowedBy(a.segs, b.segs) {
					similar = append(similar, strconv.Quote(b.op.path))
				}
			}
			if len(similar) > 0 {
				c.add(rPartialDupPath, a.op.pointer, "the operation %s has the path template %q, partly duplicated by %s: a value of its variable equal to a static segment there may be routed to the other operation",
					a.op.label(), a.op.path, strings.Join(similar, ", "))
			}
		}
	}
}

// foldKey is a key under which strings equal under simple case folding (strings.EqualFold)
// coincide.
func foldKey(s string) string { return strings.ToLower(strings.ToUpper(s)) }

// mergeSorted merges two increasing lists of indexes.
func mergeSorted(a, b []int) []int {
	out := make([]int, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if a[0] < b[0] {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}

// shadowedBy reports whether the path a has a variable segment where b has a static segment
// that it matches, and every other segment of the two can match the same text, without the
// two being the same template up to the names of their variables.
func shadowedBy(a, b []pathSegment) bool {
	shadowed := false
	for k := range a {
		x, y := a[k], b[k]
		switch {
		case x.re == nil && y.re == nil:
			if !strings.EqualFold(x.text, y.text) {
				return false
			}
		case x.re != nil && y.re == nil:
			if !x.re.MatchString(y.text) {
				return false
			}
			shadowed = true
		case x.re == nil && y.re != nil:
			if !y.re.MatchString(x.text) {
				return false
			}
		default:
			// Two segments with variables: they overlap when one is a bare variable or they
			// have the same static parts.
			if !x.bare && !y.bare && x.re.String() != y.re.String() {
				return false
			}
		}
	}
	return shadowed
}

// checkParamList checks a list of parameters for duplicates and several bodies.
func (d *definition) checkParamList(c *checker, ps []param, dup, multiBody *Rule, owner string) {
	seen := map[string]bool{}
	for _, p := range ps {
		key := p.in + "\x00" + p.name
		if p.in == "header" {
			key = p.in + "\x00" + strings.ToLower(p.name) // header names are case-insensitive
		}
		if seen[key] {
			c.add(dup, p.pointer, "%s declares the parameter %q in %q more than once", owner, p.name, p.in)
		}
		seen[key] = true
	}
	if p, ok := secondBody(ps); ok {
		c.add(multiBody, p.pointer, "%s has more than one body parameter", owner)
	}
}

// secondBody returns the second body parameter of a list.
func secondBody(ps []param) (param, bool) {
	bodies := 0
	for _, p := range ps {
		if p.in == "body" {
			if bodies++; bodies == 2 {
				return p, true
			}
		}
	}
	return param{}, false
}

func (d *definition) checkOperations(c *checker) {
	byID := map[string]*operation{}
	for _, op := range d.ops {
		name := strconv.Quote(op.id)
		if op.id == "" {
			name = strings.ToUpper(op.method) + " " + op.path
			c.add(rOperationIDRequired, op.pointer, "the operation %s has no operationId", name)
		} else if first, ok := byID[op.id]; ok {
			c.add(rOperationIDNotUnique, ptr(op.pointer, "operationId"), "the operationId %q is used by %s %s and %s %s", op.id, strings.ToUpper(first.method), first.path, strings.ToUpper(op.method), op.path)
		} else {
			byID[op.id] = op
		}
		if op.id != "" && !sanitized(op.id) {
			c.add(rOperationIDSanitized, ptr(op.pointer, "operationId"), "the operationId %q contains characters other than letters, digits and underscores", op.id)
		}
		d.checkParamList(c, op.own, rDupParam, rMultiBody, "the operation "+name)
		if _, pathLevel := secondBody(op.shared); !pathLevel {
			if _, ownLevel := secondBody(op.own); !ownLevel {
				if p, ok := secondBody(op.params); ok {
					c.add(rMultiBody, p.pointer, "the operation %s has more than one body parameter, with those of its path", name)
				}
			}
		}

		vars := map[string]bool{}
		for _, m := range templateVar.FindAllStringSubmatch(op.path, -1) {
			vars[m[1]] = true
		}
		var hasBody, hasForm bool
		pathParams := map[string]bool{}
		for _, p := range op.params {
			switch p.in {
			case "path":
				pathParams[p.name] = true
				if !vars[p.name] {
					c.add(rPathParamNotInTemplate, p.pointer, "the path parameter %q does not appear as {%s} in %q", p.name, p.name, op.path)
				}
			case "body":
				hasBody = true
			case "formData":
				hasForm = true
			}
			if p.name == "connectionId" {
				c.add(rConnectionID, p.pointer, "the parameter name \"connectionId\" is reserved")
			}
			if strings.EqualFold(strOf(p.obj["type"]), "file") && p.in != "formData" {
				c.add(rFileParam, p.pointer, "the parameter %q has type file but is in %q", p.name, p.in)
			}
		}
		for _, v := range sortedKeys(vars) {
			if !pathParams[v] {
				c.add(rMissingPathParam, op.pointer, "the operation %s does not define the path parameter %q that %q requires", name, v, op.path)
			}
		}
		if hasForm && !consumesForm(d.root, op.obj) {
			c.add(rFormConsumes, op.pointer, "the operation %s has formData parameters but does not consume multipart/form-data or application/x-www-form-urlencoded", name)
		}
		if hasBody && hasForm {
			c.add(rFormAndBody, op.pointer, "the operation %s has both a body and formData parameters", name)
		}
		if op.method == "get" && (hasBody || hasForm) {
			c.add(rBodyInGet, op.pointer, "the GET operation %s has a body or formData parameter", name)
		}
		if pg := obj(op.obj["x-ms-pageable"]); pg != nil {
			// The service reads the next link property without regard to letter case, so
			// "nextlink" is the supported "nextLink" (and a response property "NextLink" is it).
			if n, ok := pg["nextLinkName"].(string); ok && !strings.EqualFold(n, "nextLink") && !strings.EqualFold(n, "@odata.nextLink") {
				c.add(rNextLink, ptr(op.pointer, "x-ms-pageable", "nextLinkName"), "the nextLinkName %q of operation %s is not \"nextLink\" or \"@odata.nextLink\" (in any letter case)", n, name)
			}
		}
		if ann := obj(op.obj["x-ms-api-annotation"]); ann != nil {
			if _, ok := ann["replacement"]; ok && op.obj["deprecated"] != true {
				c.add(rAnnotation, ptr(op.pointer, "x-ms-api-annotation", "replacement"), "the operation %s is not deprecated but names a replacement", name)
			}
		}
	}
}

var unsanitized = regexp.MustCompile(`[^A-Za-z0-9_]`)

func sanitized(id string) bool { return !unsanitized.MatchString(id) }

func (d *definition) checkSchemes(c *checker) {
	v, ok := d.root["schemes"]
	if !ok {
		return
	}
	list, isArr := v.([]any)
	if isArr && len(list) == 0 {
		c.add(rSchemesEmpty, "/schemes", "the schemes array is empty")
	}
	for i, x := range list {
		if s, _ := x.(string); s == "ws" || s == "wss" {
			c.add(rWebSocket, ptr("/schemes", strconv.Itoa(i)), "the scheme %q is not supported by connectors", s)
		}
	}
}

func (d *definition) checkSecurity(c *checker) {
	defs := obj(d.root["securityDefinitions"])
	check := func(v any, at string) {
		for i, req := range arr(v) {
			for _, name := range sortedKeys(obj(req)) {
				rat := ptr(at, strconv.Itoa(i), name)
				scheme := obj(defs[name])
				if scheme == nil {
					c.add(rSecurityUndefined, rat, "the security requirement %q is not defined in securityDefinitions", name)
					continue
				}
				scopes := arr(obj(req)[name])
				if strOf(scheme["type"]) != "oauth2" {
					if len(scopes) > 0 {
						c.add(rSecurityEmpty, rat, "the security requirement %q is not OAuth and cannot list scopes", name)
					}
					continue
				}
				declared := obj(scheme["scopes"])
				for _, s := range scopes {
					if sc, ok := s.(string); ok {
						if _, ok := declared[sc]; !ok {
							c.add(rOAuthScope, rat, "the OAuth requirement %q uses the scope %q, which the scheme does not declare", name, sc)
						}
					}
				}
			}
		}
	}
	check(d.root["security"], "/security")
	for _, op := range d.ops {
		check(op.obj["security"], ptr(op.pointer, "security"))
	}
}

// checkExtensions checks the operationIds that dynamic extensions and notifications name, and
// x-ms-enum-values; path holds the reference tokens of v.
func (d *definition) checkExtensions(c *checker, v any, path []string) {
	d.m.step(1)
	switch x := v.(type) {
	case map[string]any:
		names := namesMap(path)
		for k := range x {
			kpath := append(path, k)
			if names || !strings.HasPrefix(k, "x-ms-") {
				if names || !dataKeyword[k] {
					d.checkExtensions(c, x[k], kpath)
				}
				continue
			}
			kat := pointerOf(kpath)
			switch k {
			case "x-ms-dynamic-values", "x-ms-dynamic-schema", "x-ms-dynamic-list", "x-ms-dynamic-properties", "x-ms-notification":
				d.checkOperationRef(c, obj(x[k]), kat, k)
				if k != "x-ms-notification" {
					d.checkDynamic(c, k, obj(x[k]), x, kat, path)
				}
			case "x-ms-dynamic-tree":
				t := obj(x[k])
				for _, part := range []string{"open", "browse"} {
					d.checkOperationRef(c, obj(t[part]), ptr(kat, part), k+"."+part)
				}
				d.checkDynamic(c, k, t, x, kat, path)
			case "x-ms-notification-url":
				if x[k] != true {
					break
				}
				d.notifURLs = append(d.notifURLs, append([]string(nil), path...))
			case "x-ms-enum-values":
				seen := map[string]bool{}
				for i, e := range arr(x[k]) {
					val, ok := obj(e)["value"]
					if !ok {
						continue
					}
					key := jsonKind(val) + ":" + toString(val)
					if seen[key] {
						c.add(rEnumValuesDup, ptr(kat, strconv.Itoa(i)), "x-ms-enum-values maps the value %s more than once", toString(val))
					}
					seen[key] = true
				}
			}
			if !dataKeyword[k] {
				d.checkExtensions(c, x[k], kpath)
			}
		}
	case []any:
		for i, e := range x {
			d.checkExtensions(c, e, append(path, strconv.Itoa(i)))
		}
	}
}

func (d *definition) checkOperationRef(c *checker, ext map[string]any, at, name string) {
	id, ok := str(ext["operationId"])
	if !ok || id == "" || d.operationIDs[id] {
		return
	}
	c.add(rDynamicOpNotFound, ptr(at, "operationId"), "%s names the operationId %q, which no operation has", name, id)
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	default:
		if s, ok := v.(interface{ String() string }); ok {
			return s.String()
		}
		return jsonKind(v)
	}
}

func (d *definition) checkMIME(c *checker) {
	check := func(v any, at string) {
		for i, m := range arr(v) {
			s, ok := m.(string)
			if !ok {
				continue
			}
			if mt, _, err := mime.ParseMediaType(s); err != nil || !strings.Contains(mt, "/") {
				c.add(rMimeType, ptr(at, strconv.Itoa(i)), "the MIME type %q is not valid", s)
			}
		}
	}
	for _, k := range []string{"consumes", "produces"} {
		check(d.root[k], "/"+k)
		for _, op := range d.ops {
			check(op.obj[k], ptr(op.pointer, k))
		}
	}
}

// schemaRef is a schema with where it is written.
type schemaRef struct {
	v       map[string]any
	pointer string
	nested  bool // a property, item or additionalProperties of another schema (or an allOf member of one)
}

// schemas lists every schema written in the document (not following references), each once.
func (d *definition) schemas() []schemaRef {
	var out []schemaRef
	var walkAt func(s map[string]any, at string, nested bool)
	walkAt = func(s map[string]any, at string, nested bool) {
		if s == nil {
			return
		}
		d.m.step(1)
		out = append(out, schemaRef{s, at, nested})
		props := obj(s["properties"])
		for _, k := range sortedKeys(props) {
			walkAt(obj(props[k]), ptr(at, "properties", k), true)
		}
		switch it := s["items"].(type) {
		case map[string]any:
			walkAt(it, ptr(at, "items"), true)
		case []any:
			for i, x := range it {
				walkAt(obj(x), ptr(at, "items", strconv.Itoa(i)), true)
			}
		}
		for i, x := range arr(s["allOf"]) {
			walkAt(obj(x), ptr(at, "allOf", strconv.Itoa(i)), nested)
		}
		walkAt(obj(s["additionalProperties"]), ptr(at, "additionalProperties"), true)
	}
	walk := func(s map[string]any, at string) { walkAt(s, at, false) }
	defs := obj(d.root["definitions"])
	for _, k := range sortedKeys(defs) {
		walk(obj(defs[k]), ptr("/definitions", k))
	}
	params := obj(d.root["parameters"])
	for _, k := range sortedKeys(params) {
		walk(obj(obj(params[k])["schema"]), ptr("/parameters", k, "schema"))
	}
	resps := obj(d.root["responses"])
	for _, k := range sortedKeys(resps) {
		walk(obj(obj(resps[k])["schema"]), ptr("/responses", k, "schema"))
	}
	paths := obj(d.root["paths"])
	for _, p := range sortedKeys(paths) {
		item := obj(paths[p])
		for i, x := range arr(item["parameters"]) {
			walk(obj(obj(x)["schema"]), ptr("/paths", p, "parameters", strconv.Itoa(i), "schema"))
		}
	}
	for _, op := range d.ops {
		for i, x := range arr(op.obj["parameters"]) {
			walk(obj(obj(x)["schema"]), ptr(op.pointer, "parameters", strconv.Itoa(i), "schema"))
		}
		rs := obj(op.obj["responses"])
		for _, code := range sortedKeys(rs) {
			walk(obj(obj(rs[code])["schema"]), ptr(op.pointer, "responses", code, "schema"))
		}
	}
	return out
}

func (d *definition) checkSchemas(c *checker) {
	d.checkStringBinaryParams(c)
	for _, s := range d.schemas() {
		if ref, isRef := s.v["$ref"]; isRef {
			if r, ok := ref.(string); ok && s.nested && isStringBinary(obj(d.resolve(r))) {
				c.add(rStringBinary, ptr(s.pointer, "$ref"), "the reference %q is to a string/binary schema, used here inside another schema; string/binary is allowed only as a whole body or formData parameter", r)
			}
			continue
		}
		if s.nested && isStringBinary(s.v) {
			c.add(rStringBinary, ptr(s.pointer, "format"), "a string/binary schema inside another schema; string/binary is allowed only as a whole body or formData parameter")
		}
		if props, ok := s.v["properties"].(map[string]any); ok {
			for i, r := range arr(s.v["required"]) {
				if name, ok := r.(string); ok {
					if _, defined := props[name]; !defined {
						c.add(rRequiredProp, ptr(s.pointer, "required", strconv.Itoa(i)), "the required property %q is not defined in properties", name)
					}
				}
			}
			if disc, ok := s.v["discriminator"].(string); ok {
				p := obj(props[disc])
				if p == nil || (p["type"] != nil && p["type"] != "string") || !contains(arr(s.v["required"]), disc) {
					c.add(rDiscriminator, ptr(s.pointer, "discriminator"), "the discriminator %q is not a required string property", disc)
				}
			}
		}
		if s.v["type"] == "array" && s.v["items"] == nil {
			c.add(rArrayNoItems, s.pointer, "the array schema does not define its items")
		}
		for _, b := range [][2]string{{"minimum", "maximum"}, {"minLength", "maxLength"}, {"minItems", "maxItems"}, {"minProperties", "maxProperties"}} {
			lo, ok1 := number(s.v[b[0]])
			hi, ok2 := number(s.v[b[1]])
			if ok1 && ok2 && lo > hi {
				c.add(rMinMax, ptr(s.pointer, b[0]), "%s (%v) is greater than %s (%v)", b[0], lo, b[1], hi)
			}
		}
		for _, b := range [][2]string{{"exclusiveMinimum", "minimum"}, {"exclusiveMaximum", "maximum"}} {
			if s.v[b[0]] == true && s.v[b[1]] == nil {
				c.add(rExclusive, ptr(s.pointer, b[0]), "%s is set without %s", b[0], b[1])
			}
		}
		if p, ok := s.v["pattern"].(string); ok {
			if _, err := compileRegexp(p); err != nil && !ecmaOnly(p) {
				c.add(rPatternRegex, ptr(s.pointer, "pattern"), "the pattern %q is not a valid regular expression: %v", p, err)
			}
		}
	}
}

// isStringBinary reports whether a schema or parameter has type string and format binary.
func isStringBinary(s map[string]any) bool {
	return s != nil && s["type"] == "string" && s["format"] == "binary"
}

// checkStringBinaryParams reports string/binary parameters outside the body and formData.
func (d *definition) checkStringBinaryParams(c *checker) {
	var seen map[string]bool
	for _, op := range d.ops {
		for _, p := range op.params {
			if p.in == "body" || p.in == "formData" || !isStringBinary(p.obj) {
				continue
			}
			if seen == nil {
				seen = map[string]bool{}
			}
			if seen[p.pointer] {
				continue // a parameter of the path item, shared by its operations
			}
			seen[p.pointer] = true
			c.add(rStringBinary, ptr(p.pointer, "format"), "the %s parameter %q has type string and format binary, allowed only for body and formData parameters", p.in, p.name)
		}
	}
}

// ecmaOnly reports whether a pattern that RE2 refuses uses ECMAScript features (look-around,
// back-references) that the service's engine accepts.
func ecmaOnly(p string) bool {
	return strings.Contains(p, "(?=") || strings.Contains(p, "(?!") || strings.Contains(p, "(?<") || backReference.MatchString(p)
}

var backReference = regexp.MustCompile(`\\[1-9]`)

func contains(a []any, s string) bool {
	for _, x := range a {
		if x == s {
			return true
		}
	}
	return false
}

func number(v any) (float64, bool) {
	n, ok := v.(interface{ Float64() (float64, error) })
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil
}

// consumesForm reports whether an operation consumes a form media type; its own consumes
// replaces the document's.
func consumesForm(root, op map[string]any) bool {
	list, ok := op["consumes"].([]any)
	if !ok {
		list = arr(root["consumes"])
	}
	for _, m := range list {
		mt, _, _ := mime.ParseMediaType(strOf(m))
		if mt == "multipart/form-data" || mt == "application/x-www-form-urlencoded" {
			return true
		}
	}
	return false
}
