package validate

import (
	"encoding/json"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// The dynamic extensions describe a call the designer makes to another operation of the
// connector: x-ms-dynamic-values and x-ms-dynamic-list (a list of values), x-ms-dynamic-schema
// and x-ms-dynamic-properties (a schema), x-ms-dynamic-tree (a file picker). The older
// extension of each pair names inputs by parameter name ({"parameter": "id"}); the newer one
// by path string ({"parameterReference": "body/id"}), a JSON pointer without its leading "/".
//
// The checks here look at the call from both ends: the invoked operation must take the inputs
// passed and produce what the paths read; the calling operation must have what it forwards.
// A response schema that does not declare its shape (no properties, a dynamic schema of its
// own) is given the benefit of the doubt.

// dynamicKinds are the extensions checkDynamic handles, with whether inputs are written in the
// newer style (parameterReference / value).
var dynamicKinds = map[string]bool{
	"x-ms-dynamic-values":     false,
	"x-ms-dynamic-schema":     false,
	"x-ms-dynamic-list":       true,
	"x-ms-dynamic-properties": true,
}

// checkDynamic checks one dynamic extension ext of kind, written at pointer at in the object
// owner, whose reference tokens are path.
func (d *definition) checkDynamic(c *checker, kind string, ext, owner map[string]any, at string, path []string) {
	if ext == nil {
		return
	}
	src := d.opAt(path)
	if strOf(owner["in"]) == "body" && isParameterPath(path) {
		c.add(rDynOnBody, at, "%s is written on the body parameter %q instead of its schema", kind, strOf(owner["name"]))
	}
	if kind != "x-ms-dynamic-tree" {
		for _, p := range selectedItemPaths(ext, at) {
			c.add(rDynSelectedPath, p, "selectedItemValuePath is not allowed in %s", kind)
		}
	}
	switch kind {
	case "x-ms-dynamic-tree":
		for _, part := range []string{"settings", "open"} {
			for _, p := range selectedItemPaths(obj(ext[part]), ptr(at, part)) {
				c.add(rDynSelectedPath, p, "selectedItemValuePath is not allowed in x-ms-dynamic-tree.%s; only in browse", part)
			}
		}
		for _, part := range []string{"open", "browse"} {
			if call := obj(ext[part]); call != nil {
				d.checkCall(c, kind+"."+part, true, call, ptr(at, part), src)
				d.checkListPaths(c, kind+"."+part, call, ptr(at, part), "itemsPath", "itemValuePath", "itemTitlePath")
			}
		}
		return
	case "x-ms-dynamic-values":
		if strOf(ext["capability"]) == "file-picker" && owner["x-ms-dynamic-tree"] == nil {
			c.add(rDynTreeMissing, at, "x-ms-dynamic-values has the file-picker capability but no x-ms-dynamic-tree beside it")
		}
		if owner["x-ms-dynamic-list"] == nil {
			d.checkOldReferences(c, kind, ext, at, src, rDynListAmbiguous, rDynListNonParam, "x-ms-dynamic-list")
		}
		d.checkListPaths(c, kind, ext, at, "value-collection", "value-path", "value-title")
	case "x-ms-dynamic-list":
		d.checkListPaths(c, kind, ext, at, "itemsPath", "itemValuePath", "itemTitlePath")
	case "x-ms-dynamic-schema":
		vp, hasVP := str(ext["value-path"])
		props := obj(owner["x-ms-dynamic-properties"])
		if props == nil {
			d.checkOldReferences(c, kind, ext, at, src, rDynPropsAmbiguous, rDynPropsNonParam, "x-ms-dynamic-properties")
			if hasVP && (vp == "properties" || strings.HasSuffix(vp, "/properties")) {
				c.add(rDynPropsValuePath, ptr(at, "value-path"), "the value-path %q points at the properties of a schema; x-ms-dynamic-properties is needed beside it", vp)
			}
		} else if owner["x-ms-dynamic-schema"] != nil {
			want := strings.TrimSuffix(strings.TrimSuffix(vp, "properties"), "/")
			if vp != "properties" && !strings.HasSuffix(vp, "/properties") {
				want = vp
			}
			got, hasIVP := str(props["itemValuePath"])
			if got != want && (hasIVP || want != "") {
				p := ptr(pointerOf(path), "x-ms-dynamic-properties")
				if hasIVP {
					p = ptr(p, "itemValuePath")
				}
				c.add(rDynPropsMismatch, p, "x-ms-dynamic-properties.itemValuePath is %q; with the value-path %q of x-ms-dynamic-schema the expected path is %q", got, vp, want)
			}
		}
		if hasVP {
			d.checkResponsePath(c, kind, ext, ptr(at, "value-path"), vp)
		}
	case "x-ms-dynamic-properties":
		if vp, ok := str(ext["itemValuePath"]); ok {
			d.checkResponsePath(c, kind, ext, ptr(at, "itemValuePath"), vp)
		}
	}
	d.checkCall(c, kind, dynamicKinds[kind], ext, at, src)
}

// selectedItemPaths returns where selectedItemValuePath is written in a call: on the call
// itself or in one of its inputs.
func selectedItemPaths(call map[string]any, at string) []string {
	var out []string
	if _, ok := call["selectedItemValuePath"]; ok {
		out = append(out, ptr(at, "selectedItemValuePath"))
	}
	ps := obj(call["parameters"])
	for _, k := range sortedKeys(ps) {
		if _, ok := obj(ps[k])["selectedItemValuePath"]; ok {
			out = append(out, ptr(at, "parameters", k, "selectedItemValuePath"))
		}
	}
	return out
}

// isParameterPath reports whether path is that of a parameter object: an item of an
// operation's or path item's parameters, or a member of the top-level parameters.
func isParameterPath(path []string) bool {
	n := len(path)
	switch {
	case n == 2 && path[0] == "parameters":
		return true
	case n == 4 && path[0] == "paths" && path[2] == "parameters":
		return true
	case n == 5 && path[0] == "paths" && path[3] == "parameters":
		return true
	}
	return false
}

// opAt returns the operation that the tokens path lie in, or nil outside the operations.
func (d *definition) opAt(path []string) *operation {
	if len(path) < 3 || path[0] != "paths" {
		return nil
	}
	if d.opsAt == nil {
		d.opsAt = make(map[[2]string]*operation, len(d.ops))
		for _, op := range d.ops {
			d.opsAt[[2]string{op.path, op.method}] = op
		}
	}
	return d.opsAt[[2]string{path[1], path[2]}]
}

// invoked returns the operation with the given operationId.
func (d *definition) invoked(id string) *operation {
	if id == "" || !d.operationIDs[id] {
		return nil
	}
	if d.byID == nil {
		d.byID = make(map[string]*operation, len(d.ops))
		for _, op := range d.ops {
			if _, dup := d.byID[op.id]; !dup && op.id != "" {
				d.byID[op.id] = op
			}
		}
	}
	return d.byID[id]
}

// input is one input a dynamic call passes to the invoked operation.
type input struct {
	key       string
	at        string
	static    any    // the static value, when hasStatic
	ref       string // the name or path string forwarded from the calling operation
	refKey    string // the member that holds ref: "parameter" or "parameterReference"
	hasStatic bool
}

// inputs lists the inputs of a call, in key order; newStyle reads {"value"} and
// {"parameterReference"}, the older style {"parameter"} and bare static values.
func inputs(call map[string]any, at string, newStyle bool) []input {
	ps := obj(call["parameters"])
	out := make([]input, 0, len(ps))
	for _, k := range sortedKeys(ps) {
		in := input{key: k, at: ptr(at, "parameters", k)}
		v := ps[k]
		m, isObj := v.(map[string]any)
		switch {
		case newStyle && isObj:
			if s, ok := str(m["parameterReference"]); ok {
				in.ref, in.refKey = s, "parameterReference"
			} else if val, ok := m["value"]; ok {
				in.static, in.hasStatic = val, true
			}
		case isObj:
			if s, ok := str(m["parameter"]); ok {
				in.ref, in.refKey = s, "parameter"
			} else if val, ok := m["value"]; ok {
				in.static, in.hasStatic = val, true
			}
		default:
			in.static, in.hasStatic = v, true
		}
		out = append(out, in)
	}
	return out
}

// checkCall checks the inputs of a call against the invoked operation's parameters.
func (d *definition) checkCall(c *checker, kind string, newStyle bool, call map[string]any, at string, src *operation) {
	target := d.invoked(strOf(call["operationId"]))
	if target == nil {
		return // no operationId (a built-in call), or one reported by OperationIdNotFound
	}
	ins := inputs(call, at, newStyle)
	if src != nil && c.opts.Certification && !isInternal(src.obj) {
		for _, in := range ins {
			if in.ref != "" && d.internalReference(src, in.ref) {
				c.add(rDynSourceInternal, ptr(in.at, in.refKey), "%s forwards %q from %s, which is internal or lies within an internal parameter or property: the user cannot set it", kind, in.ref, src.label())
			}
		}
	}
	given := make(map[string]bool, len(ins))
	bodyProps := d.bodyProperties(target)
	for _, in := range ins {
		name, _, _ := strings.Cut(in.key, "/")
		given[name] = true
		p, ok := target.param(name)
		if !ok {
			if _, isProp := bodyProps[name]; !isProp {
				c.add(rDynParamNotFound, in.at, "%s passes %q, but the operation %q has no parameter or body property of that name", kind, in.key, target.id)
			}
			continue
		}
		if in.key != name || p.in == "body" {
			continue // a property within a parameter: its type is that of the property
		}
		if _, isProp := bodyProps[name]; isProp {
			c.add(rDynAmbiguousName, in.at, "%s passes %q, which is both a parameter and a top-level body property of %q", kind, name, target.id)
		}
		ptype := strOf(p.obj["type"])
		if in.hasStatic && !staticFits(ptype, in.static) {
			c.add(rDynStaticType, in.at, "%s passes a static %s to the %s parameter %q of %q", kind, jsonKind(in.static), ptype, name, target.id)
		}
		if in.ref != "" && src != nil && !strings.Contains(in.ref, "/") {
			if sp, ok := src.param(in.ref); ok && sp.in != "body" {
				stype := strOf(sp.obj["type"])
				if stype != "" && ptype != "" && stype != ptype && !(ptype == "number" && stype == "integer") && ptype != "string" {
					c.add(rDynRefType, in.at, "%s forwards the %s parameter %q to the %s parameter %q of %q", kind, stype, in.ref, ptype, name, target.id)
				}
				if p.obj["required"] == true && p.obj["default"] == nil && sp.obj["required"] != true && sp.obj["default"] == nil {
					c.add(rDynRequiredMismatch, in.at, "the required parameter %q of %q is fed from the optional parameter %q", name, target.id, in.ref)
				}
			}
		}
	}
	// The missing required parameters, without visiting every parameter of the target on
	// every call: a definition can have a thousand calls to an operation with a thousand
	// parameters. The loop skips only given names (names in required are unique), and lists
	// at most maxMissingListed; the rest are counted from the given names.
	required, isRequired := target.requiredParams()
	listed := 0
	for _, p := range required {
		d.m.step(1)
		if given[p.name] {
			continue
		}
		if listed == maxMissingListed {
			covered := 0
			for name := range given {
				if isRequired[name] {
					covered++
				}
			}
			d.m.step(len(given))
			c.add(rDynRequiredMissing, at, "%s does not pass %d more required parameters of %q", kind, len(required)-covered-listed, target.id)
			break
		}
		c.add(rDynRequiredMissing, at, "%s does not pass the required parameter %q of %q", kind, p.name, target.id)
		listed++
	}
}

// maxMissingListed is the most missing required parameters named for one call; the others
// are counted in one more finding.
const maxMissingListed = 10

// requiredParams returns the parameters of op a call must pass (required, not in the body,
// without a default; the first of each name) and their names; they are found on first use.
func (op *operation) requiredParams() ([]param, map[string]bool) {
	if op.isRequired == nil {
		op.isRequired = map[string]bool{}
		for _, p := range op.params {
			if p.in == "body" || p.obj["required"] != true || p.obj["default"] != nil || op.isRequired[p.name] {
				continue
			}
			op.isRequired[p.name] = true
			op.required = append(op.required, p)
		}
	}
	return op.required, op.isRequired
}

// internalReference reports whether the name or path string ref, resolved in the operation
// src, is internal or lies within an internal parameter or property. The first segment names
// a parameter, or a top-level property of the body (the older extensions flatten it); the
// others walk the properties of the body schema. A path that does not resolve is not
// internal (OperationParameterNameNotFound is about that).
func (d *definition) internalReference(src *operation, ref string) bool {
	tokens := strings.Split(ref, "/")
	for i, t := range tokens {
		tokens[i] = pointerUnescaper.Replace(t)
	}
	p, ok := src.param(tokens[0])
	if ok {
		tokens = tokens[1:]
	} else {
		p, ok = src.body, src.hasBody // each input of each call of src may land here
	}
	if !ok || (p.in != "body" && len(tokens) > 0) {
		return false
	}
	internal := isInternal(p.obj)
	if p.in != "body" {
		return internal
	}
	s := d.deref(obj(p.obj["schema"]))
	for _, t := range tokens {
		if s == nil {
			return false
		}
		d.m.step(1)
		internal = internal || isInternal(s)
		s = d.deref(obj(d.properties(s, 0)[t]))
	}
	return s != nil && (internal || isInternal(s))
}

// param returns the first effective parameter of op with the given name; the index is built on
// first use, an operation having possibly thousands of parameters.
func (op *operation) param(name string) (param, bool) {
	if op.byName == nil {
		op.byName = make(map[string]param, len(op.params))
		for _, p := range op.params {
			if _, dup := op.byName[p.name]; !dup {
				op.byName[p.name] = p
			}
		}
	}
	p, ok := op.byName[name]
	return p, ok
}

// staticFits reports whether a static value suits a parameter type; strings take any scalar
// (the value is sent as text), unknown types anything.
func staticFits(typ string, v any) bool {
	switch typ {
	case "integer":
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		_, err := n.Int64()
		return err == nil
	case "number":
		_, ok := v.(json.Number)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "string":
		switch v.(type) {
		case map[string]any, []any:
			return false
		}
	}
	return true
}

// bodyProperties returns the top-level properties of an operation's body schema, which the
// older dynamic extensions address by name; it is computed once per operation.
func (d *definition) bodyProperties(op *operation) map[string]any {
	if props, ok := d.bodyProps[op]; ok {
		return props
	}
	var props map[string]any
	for _, p := range op.params {
		if p.in == "body" {
			props = d.properties(obj(p.obj["schema"]), 0)
			break
		}
	}
	if d.bodyProps == nil {
		d.bodyProps = map[*operation]map[string]any{}
	}
	d.bodyProps[op] = props
	return props
}

// properties returns the properties of a schema, references followed and allOf merged;
// depth bounds the walk through allOf. The merge of each schema with allOf members is done
// once per document and depth, and kept: a definition whose allOf members reference the next
// level several times would otherwise be merged an exponential number of times. A schema met
// again while it is being merged (a loop of allOf) contributes no properties there.
func (d *definition) properties(s map[string]any, depth int) map[string]any {
	s = d.deref(s)
	if s == nil || depth > 8 {
		return nil
	}
	props := obj(s["properties"])
	all := arr(s["allOf"])
	if len(all) == 0 {
		return props
	}
	key := propsKey{reflect.ValueOf(s).Pointer(), depth}
	if out, ok := d.propsOf[key]; ok {
		return out
	}
	if d.propsOf == nil {
		d.propsOf = map[propsKey]map[string]any{}
	}
	d.propsOf[key] = nil // being merged
	// The members' properties first, then one map of the right size: a merge that grows its
	// map allocates about three times what it keeps.
	subs := make([]map[string]any, 0, len(all)+1)
	for _, x := range all {
		d.m.step(1)
		subs = append(subs, d.properties(obj(x), depth+1))
	}
	subs = append(subs, props)
	// A member listed several times is merged once, at its last place (where it overrides
	// the members before it): an allOf of 700 references to one schema copied it 700 times.
	seen := make(map[uintptr]bool, len(subs))
	total := 0
	for i := len(subs) - 1; i >= 0; i-- {
		at := reflect.ValueOf(subs[i]).Pointer()
		if len(subs[i]) == 0 || seen[at] {
			subs[i] = nil
			continue
		}
		seen[at] = true
		total += len(subs[i])
	}
	if total > d.mergeLeft {
		// Over the allowance: the members that fit, in order.
		d.mergeCut = true
		total = 0
		for i, sub := range subs {
			if len(sub) > d.mergeLeft {
				subs = subs[:i]
				break
			}
			d.mergeLeft -= len(sub)
			total += len(sub)
		}
	} else {
		d.mergeLeft -= total
	}
	// The copies are not counted as steps: the allowance bounds them, linearly in the text.
	out := make(map[string]any, total)
	for _, sub := range subs {
		for k, v := range sub {
			out[k] = v
		}
	}
	d.propsOf[key] = out
	return out
}

// mergeAllowance is the number of properties the merges of allOf (properties) may copy in all
// over a definition of size bytes. No connector of the corpus merges any; without a bound, a
// thousand body schemas that each merge one schema of a thousand properties cost gigabytes.
// The allowance bounds the copying work, which is not counted in steps, to about what the
// tests allow a pass in steps (four a byte, stepsBound).
func mergeAllowance(size int) int { return 4*size + 10_000 }

// propsKey identifies a schema (by its address) and the depth at which its properties are
// merged.
type propsKey struct {
	schema uintptr
	depth  int
}

// foldedProperties returns props by the case-folded names, each name kept for the first of its
// spellings in order; it is built once per map, for paths may look up thousands of names in
// one schema of thousands of properties.
func (d *definition) foldedProperties(props map[string]any) map[string]any {
	if len(props) == 0 {
		return nil
	}
	key := reflect.ValueOf(props).Pointer()
	if f, ok := d.folded[key]; ok {
		return f
	}
	d.m.step(len(props))
	f := make(map[string]any, len(props))
	for _, k := range sortedKeys(props) {
		fk := foldKey(k)
		if _, seen := f[fk]; !seen {
			f[fk] = props[k]
		}
	}
	if d.folded == nil {
		d.folded = map[uintptr]map[string]any{}
	}
	d.folded[key] = f
	return f
}

// deref follows a chain of references; it returns nil when one does not resolve or loops.
func (d *definition) deref(s map[string]any) map[string]any {
	for range 16 {
		ref, ok := str(s["$ref"])
		if !ok {
			return s
		}
		s = obj(d.resolve(ref))
	}
	return nil
}

// checkOldReferences checks the {"parameter": name} references of an older-style extension
// against the calling operation: a name that is also a body property is ambiguous, a name that
// is only a body property needs the newer extension.
func (d *definition) checkOldReferences(c *checker, kind string, ext map[string]any, at string, src *operation, ambiguous, nonParam *Rule, newer string) {
	if src == nil {
		return // written in a shared definition: the calling operation is not known
	}
	bodyProps := d.bodyProperties(src)
	for _, in := range inputs(ext, at, false) {
		if in.ref == "" {
			continue
		}
		_, isParam := src.param(in.ref)
		_, isProp := bodyProps[in.ref]
		switch {
		case isParam && isProp:
			c.add(ambiguous, in.at, "%s references %q, which is both a parameter and a body property of %s; %s says which", kind, in.ref, src.label(), newer)
		case !isParam && (isProp || strings.Contains(in.ref, "/")):
			c.add(nonParam, in.at, "%s references %q, a property within a parameter of %s; only %s can reference it", kind, in.ref, src.label(), newer)
		}
	}
}

// successSchema returns the schema of the invoked operation's first successful response that
// has one (200 first), references followed.
func (d *definition) successSchema(op *operation) map[string]any {
	rs := obj(op.obj["responses"])
	codes := make([]string, 0, len(rs))
	for code := range rs {
		if strings.HasPrefix(code, "2") {
			codes = append(codes, code)
		}
	}
	sort.Strings(codes)
	for _, code := range codes {
		r := obj(rs[code])
		if ref, ok := str(r["$ref"]); ok {
			r = obj(d.resolve(ref))
		}
		if s := d.deref(obj(r["schema"])); s != nil {
			return s
		}
	}
	return nil
}

// shape describes what a schema declares: known is false when it leaves its shape open.
func (d *definition) shapeKnown(s map[string]any) bool {
	if s == nil || s["x-ms-dynamic-schema"] != nil || s["x-ms-dynamic-properties"] != nil {
		return false
	}
	switch strOf(s["type"]) {
	case "array", "string", "integer", "number", "boolean":
		return true
	}
	if _, ok := s["additionalProperties"].(map[string]any); ok || s["additionalProperties"] == true {
		return false
	}
	return len(d.properties(s, 0)) > 0
}

// walkPath follows a path string through the properties of s, matching names in any letter
// case. It returns the schema found, or
// ok false when the path leaves the declared properties while the shape is known; unknown is
// true when the walk reached a schema that leaves its shape open.
func (d *definition) walkPath(s map[string]any, path string) (out map[string]any, ok, unknown bool) {
	s = d.deref(s)
	if path == "" {
		return s, true, false
	}
	for _, tok := range strings.Split(path, "/") {
		d.m.step(1)
		tok = pointerUnescaper.Replace(tok)
		if !d.shapeKnown(s) {
			return nil, false, true
		}
		if strOf(s["type"]) == "array" {
			if _, err := strconv.Atoi(tok); err == nil {
				s = d.deref(obj(s["items"]))
				continue
			}
			return nil, false, false
		}
		props := d.properties(s, 0)
		next, found := props[tok]
		if !found {
			// The designer reads response paths without regard to letter case
			// (getObjectPropertyValue of LogicAppsUX): "Markets" finds "markets".
			next, found = d.foldedProperties(props)[foldKey(tok)]
		}
		if !found {
			return nil, false, false
		}
		s = d.deref(obj(next))
		if s == nil {
			return nil, false, true
		}
	}
	return s, true, false
}

// isArray reports whether a schema is an array; known is false when it cannot tell.
func isArraySchema(s map[string]any) (is, known bool) {
	if s == nil {
		return false, false
	}
	t := strOf(s["type"])
	if t == "array" || (t == "" && s["items"] != nil) {
		return true, true
	}
	if t != "" || s["properties"] != nil {
		return false, true
	}
	return false, false
}

// checkListPaths checks that the collection path of a list call is an array in the invoked
// operation's response, and that the value and title paths are properties of its items.
func (d *definition) checkListPaths(c *checker, kind string, call map[string]any, at, collection, value, title string) {
	target := d.invoked(strOf(call["operationId"]))
	if target == nil {
		return
	}
	root := d.successSchema(target)
	if root == nil || root["x-ms-dynamic-schema"] != nil {
		return
	}
	cpath, hasC := str(call[collection])
	where := at
	if hasC {
		where = ptr(at, collection)
	}
	coll, ok, unknown := d.walkPath(root, cpath)
	if unknown {
		return
	}
	if !ok {
		c.add(rDynProduceArray, where, "%s reads the array at %q, which the successful response of %q does not define", kind, cpath, target.id)
		return
	}
	is, known := isArraySchema(coll)
	if !known {
		return
	}
	if !is {
		if cpath == "" {
			c.add(rDynProduceArray, where, "%s has no %s, so it reads the response as an array, but the successful response of %q is not an array", kind, collection, target.id)
		} else {
			c.add(rDynProduceArray, where, "%s reads the array at %q, which is not an array in the successful response of %q", kind, cpath, target.id)
		}
		return
	}
	items := d.deref(obj(coll["items"]))
	for _, k := range []string{value, title} {
		p, ok := str(call[k])
		if !ok || p == "" {
			continue
		}
		if _, found, unknown := d.walkPath(items, p); !found && !unknown {
			c.add(rDynProduceProperty, ptr(at, k), "%s reads %q in each item, which the items of the successful response of %q do not define", kind, p, target.id)
		}
	}
}

// checkResponsePath checks that a dynamic schema's value path is a property of the invoked
// operation's response.
func (d *definition) checkResponsePath(c *checker, kind string, call map[string]any, at, path string) {
	target := d.invoked(strOf(call["operationId"]))
	if target == nil || path == "" {
		return
	}
	root := d.successSchema(target)
	if root == nil {
		return
	}
	if _, found, unknown := d.walkPath(root, path); !found && !unknown {
		c.add(rDynProduceProperty, at, "%s reads %q, which the successful response of %q does not define", kind, path, target.id)
	}
}
