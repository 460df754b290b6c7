package schemas

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Compatible returns nil when data written with the writer schema can be read
// with the reader schema under the Avro specification's schema resolution
// rules, and otherwise an error listing every reason it cannot, each naming
// the field path. Backward compatibility of a new schema is
// Compatible(new, old); forward compatibility is Compatible(old, new).
//
// The rules: records match by unqualified name, fields by name or reader
// alias; a reader field missing from the writer needs a default; enums match
// by name and a writer symbol unknown to the reader needs a reader default;
// primitives must be equal or promotable (int to long, float or double; long
// to float or double; float to double; string and bytes); every branch of a
// writer union must be readable. One rule is stricter than the
// specification, which ignores logical types: a change of logical type (say
// timestamp-millis to timestamp-micros) is reported, because readers would
// misread the values.
//
// goavro cannot read data with a schema other than the writer's, so this
// check stands in for a round trip through a resolving decoder.
func Compatible(reader, writer string) error {
	r, err := parseSide(reader)
	if err != nil {
		return fmt.Errorf("reader schema: %w", err)
	}
	w, err := parseSide(writer)
	if err != nil {
		return fmt.Errorf("writer schema: %w", err)
	}

	c := &checker{r: r, w: w, seen: map[string]bool{}}
	c.compare(r.root, w.root, "")
	return errors.Join(c.errs...)
}

// side is one parsed schema with its named types.
type side struct {
	root  node
	named map[string]node
}

// node is one type of a schema, resolved: a reference to a named type is
// replaced by its definition.
type node struct {
	kind    string // "record", "enum", "array", "union", "long", ...
	logical string
	name    string         // full name of a named type
	ns      string         // namespace that applies to types written inside
	def     map[string]any // the definition of a named type, array or map
	branch  []any          // union branches, unresolved
}

func parseSide(text string) (*side, error) {
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}

	s := &side{named: map[string]node{}}
	s.collect(v, "")
	root, err := s.resolve(v, "")
	if err != nil {
		return nil, err
	}
	s.root = root
	return s, nil
}

// fullName applies the Avro naming rules to a name given in namespace ns.
func fullName(name, explicitNS, ns string) string {
	if strings.Contains(name, ".") {
		return name
	}
	if explicitNS != "" {
		ns = explicitNS
	}
	if ns == "" {
		return name
	}
	return ns + "." + name
}

func namespaceOf(full string) string {
	if i := strings.LastIndex(full, "."); i >= 0 {
		return full[:i]
	}
	return ""
}

// collect records every named type defined in v.
func (s *side) collect(v any, ns string) {
	switch t := v.(type) {
	case []any:
		for _, b := range t {
			s.collect(b, ns)
		}
	case map[string]any:
		kind, _ := t["type"].(string)
		switch kind {
		case "record", "error", "enum", "fixed":
			name, _ := t["name"].(string)
			explicit, _ := t["namespace"].(string)
			full := fullName(name, explicit, ns)
			s.named[full] = node{kind: kind, name: full, ns: namespaceOf(full), def: t}
			if fields, ok := t["fields"].([]any); ok {
				for _, f := range fields {
					if fm, ok := f.(map[string]any); ok {
						s.collect(fm["type"], namespaceOf(full))
					}
				}
			}
		case "array":
			s.collect(t["items"], ns)
		case "map":
			s.collect(t["values"], ns)
		default:
			s.collect(t["type"], ns)
		}
	}
}

// resolve turns a type as written into a node.
func (s *side) resolve(v any, ns string) (node, error) {
	switch t := v.(type) {
	case string:
		if isPrimitive(t) {
			return node{kind: t, ns: ns}, nil
		}
		for _, full := range []string{fullName(t, "", ns), t} {
			if n, ok := s.named[full]; ok {
				return n, nil
			}
		}
		return node{}, fmt.Errorf("unknown type %q", t)
	case []any:
		return node{kind: "union", branch: t, ns: ns}, nil
	case map[string]any:
		kind, _ := t["type"].(string)
		switch kind {
		case "record", "error", "enum", "fixed":
			name, _ := t["name"].(string)
			explicit, _ := t["namespace"].(string)
			return s.named[fullName(name, explicit, ns)], nil
		case "array", "map":
			return node{kind: kind, def: t, ns: ns}, nil
		}
		n, err := s.resolve(t["type"], ns)
		if err != nil {
			return node{}, err
		}
		n.logical, _ = t["logicalType"].(string)
		return n, nil
	}
	return node{}, fmt.Errorf("unexpected type description %v", v)
}

func isPrimitive(s string) bool {
	switch s {
	case "null", "boolean", "int", "long", "float", "double", "bytes", "string":
		return true
	}
	return false
}

// label names a node in error messages.
func (n node) label() string {
	switch {
	case n.name != "":
		return n.name
	case n.logical != "":
		return n.kind + "." + n.logical
	}
	return n.kind
}

type checker struct {
	r, w *side
	seen map[string]bool
	errs []error
}

func (c *checker) fail(path, format string, args ...any) {
	if path == "" {
		path = "(root)"
	}
	c.errs = append(c.errs, fmt.Errorf("%s: "+format, append([]any{path}, args...)...))
}

// compare adds an error for every way data of type w cannot be read as r.
func (c *checker) compare(r, w node, path string) {
	switch {
	case w.kind == "union":
		c.compareWriterUnion(r, w, path)
		return
	case r.kind == "union":
		c.compareReaderUnion(r, w, path)
		return
	case r.kind != w.kind && !promotable(w.kind, r.kind):
		c.fail(path, "type changed from %s to %s", w.label(), r.label())
		return
	case r.logical != w.logical:
		c.fail(path, "logical type changed from %s to %s", w.label(), r.label())
		return
	}

	switch r.kind {
	case "record", "error":
		c.compareRecord(r, w, path)
	case "enum":
		c.compareEnum(r, w, path)
	case "fixed":
		if short(r.name) != short(w.name) || r.def["size"] != w.def["size"] {
			c.fail(path, "fixed changed from %s(%v) to %s(%v)",
				w.name, w.def["size"], r.name, r.def["size"])
		}
	case "array":
		c.compareChild(r, w, "items", path+"[]")
	case "map":
		c.compareChild(r, w, "values", path+"{}")
	}
}

func promotable(from, to string) bool {
	switch from {
	case "int":
		return to == "long" || to == "float" || to == "double"
	case "long":
		return to == "float" || to == "double"
	case "float":
		return to == "double"
	case "string":
		return to == "bytes"
	case "bytes":
		return to == "string"
	}
	return false
}

func short(full string) string {
	return full[strings.LastIndex(full, ".")+1:]
}

func (c *checker) compareChild(r, w node, key, path string) {
	rc, err := c.r.resolve(r.def[key], r.ns)
	if err != nil {
		c.fail(path, "reader: %v", err)
		return
	}
	wc, err := c.w.resolve(w.def[key], w.ns)
	if err != nil {
		c.fail(path, "writer: %v", err)
		return
	}
	c.compare(rc, wc, path)
}

// readable reports whether w can be read as r, without recording errors.
func (c *checker) readable(r, w node, path string) bool {
	sub := &checker{r: c.r, w: c.w, seen: c.seen}
	sub.compare(r, w, path)
	return len(sub.errs) == 0
}

func (c *checker) compareWriterUnion(r, w node, path string) {
	for _, b := range w.branch {
		wb, err := c.w.resolve(b, w.ns)
		if err != nil {
			c.fail(path, "writer: %v", err)
			continue
		}
		if r.kind == "union" {
			c.compareReaderUnion(r, wb, path)
			continue
		}
		if !c.readable(r, wb, path) {
			c.fail(path, "writer union branch %s cannot be read as %s", wb.label(), r.label())
		}
	}
}

func (c *checker) compareReaderUnion(r, w node, path string) {
	for _, b := range r.branch {
		rb, err := c.r.resolve(b, r.ns)
		if err != nil {
			c.fail(path, "reader: %v", err)
			return
		}
		if c.readable(rb, w, path) {
			return
		}
	}
	c.fail(path, "type %s is not a branch of the reader union", w.label())
}

func (c *checker) compareRecord(r, w node, path string) {
	if short(r.name) != short(w.name) {
		c.fail(path, "record renamed from %s to %s", w.name, r.name)
		return
	}
	pair := r.name + "<-" + w.name
	if c.seen[pair] {
		return // recursive type: already being compared
	}
	c.seen[pair] = true
	defer delete(c.seen, pair)

	wfields := map[string]map[string]any{}
	for _, f := range fieldsOf(w.def) {
		name, _ := f["name"].(string)
		wfields[name] = f
	}

	for _, rf := range fieldsOf(r.def) {
		name, _ := rf["name"].(string)
		fpath := strings.TrimPrefix(path+"."+name, ".")
		wf := wfields[name]
		for _, alias := range stringsOf(rf["aliases"]) {
			if wf == nil {
				wf = wfields[alias]
			}
		}
		if wf == nil {
			if _, ok := rf["default"]; !ok {
				c.fail(fpath, "field missing from the writer and has no default in the reader")
			}
			continue
		}
		c.compareField(rf, wf, r, w, fpath)
	}
}

func (c *checker) compareField(rf, wf map[string]any, r, w node, path string) {
	rt, err := c.r.resolve(rf["type"], r.ns)
	if err != nil {
		c.fail(path, "reader: %v", err)
		return
	}
	wt, err := c.w.resolve(wf["type"], w.ns)
	if err != nil {
		c.fail(path, "writer: %v", err)
		return
	}
	c.compare(rt, wt, path)
}

func (c *checker) compareEnum(r, w node, path string) {
	if short(r.name) != short(w.name) {
		c.fail(path, "enum renamed from %s to %s", w.name, r.name)
		return
	}

	rsyms := stringsOf(r.def["symbols"])
	_, hasDefault := r.def["default"]
	for _, s := range stringsOf(w.def["symbols"]) {
		if !slices.Contains(rsyms, s) && !hasDefault {
			c.fail(path, "enum %s: writer symbol %s unknown to the reader, which has no default",
				r.name, s)
		}
	}
}

func fieldsOf(def map[string]any) []map[string]any {
	raw, _ := def["fields"].([]any)
	out := make([]map[string]any, 0, len(raw))
	for _, f := range raw {
		if fm, ok := f.(map[string]any); ok {
			out = append(out, fm)
		}
	}
	return out
}

func stringsOf(v any) []string {
	raw, _ := v.([]any)
	out := make([]string, 0, len(raw))
	for _, s := range raw {
		if str, ok := s.(string); ok {
			out = append(out, str)
		}
	}
	return out
}
