package schemas

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestDetectionCompatibleWithReleases is the evolution gate: the current
// schema must read data written with every released version (backward) and
// every released reader must read data written with the current schema
// (forward). When a version is released, copy detection.avsc to
// testdata/detection.vN.avsc.
func TestDetectionCompatibleWithReleases(t *testing.T) {
	releases, err := filepath.Glob("testdata/detection.v*.avsc")
	if err != nil || len(releases) == 0 {
		t.Fatalf("no released detection schemas in testdata (err %v)", err)
	}

	for _, path := range releases {
		t.Run(filepath.Base(path), func(t *testing.T) {
			old := readFile(t, path)
			if err := checkEvolution(old, Detection); err != nil {
				t.Errorf("current detection.avsc breaks %s:\n%v", path, err)
			}
		})
	}
}

// TestCheckEvolutionCatchesBreakingChanges proves the gate fails: each case
// edits a copy of the released v1 schema and says whether the edit is
// allowed.
func TestCheckEvolutionCatchesBreakingChanges(t *testing.T) {
	v1 := readFile(t, "testdata/detection.v1.avsc")

	tests := []struct {
		name     string
		edit     func(t *testing.T, s map[string]any)
		wantFail bool
	}{
		{
			name: "unchanged",
			edit: func(*testing.T, map[string]any) {},
		},
		{
			name: "add_optional_field",
			edit: func(t *testing.T, s map[string]any) {
				addField(t, s, "detection", map[string]any{
					"name": "exploitability", "type": []any{"null", "string"},
					"default": nil, "doc": "New optional field.",
				})
			},
		},
		{
			name: "add_array_field_with_default",
			edit: func(t *testing.T, s map[string]any) {
				addField(t, s, "host", map[string]any{
					"name":    "asset_groups",
					"type":    map[string]any{"type": "array", "items": "string"},
					"default": []any{}, "doc": "New array field.",
				})
			},
		},
		{
			name: "remove_optional_field",
			edit: func(t *testing.T, s map[string]any) { removeField(t, s, "host.ip") },
		},
		{
			name: "add_enum_symbol",
			edit: func(t *testing.T, s map[string]any) {
				enum := fieldType(t, s, "detection.status").(map[string]any)
				enum["symbols"] = append(enum["symbols"].([]any), "ARCHIVED")
			},
		},
		{
			name: "add_field_without_default",
			edit: func(t *testing.T, s map[string]any) {
				addField(t, s, "detection", map[string]any{
					"name": "risk", "type": "string", "doc": "Required field.",
				})
			},
			wantFail: true,
		},
		{
			name:     "remove_required_field",
			edit:     func(t *testing.T, s map[string]any) { removeField(t, s, "run_id") },
			wantFail: true,
		},
		{
			name: "change_field_type",
			edit: func(t *testing.T, s map[string]any) {
				field(t, s, "detection.qid")["type"] = "string"
			},
			wantFail: true,
		},
		{
			name: "widen_int_to_long_breaks_old_readers",
			edit: func(t *testing.T, s map[string]any) {
				field(t, s, "detection.severity")["type"] = []any{"null", "long"}
			},
			wantFail: true,
		},
		{
			name: "change_time_precision",
			edit: func(t *testing.T, s map[string]any) {
				field(t, s, "observed_at")["type"] = map[string]any{
					"type": "long", "logicalType": "timestamp-micros",
				}
			},
			wantFail: true,
		},
		{
			name: "optional_field_made_required",
			edit: func(t *testing.T, s map[string]any) {
				f := field(t, s, "host.os")
				f["type"] = "string"
				delete(f, "default")
			},
			wantFail: true,
		},
		{
			name: "remove_enum_symbol",
			edit: func(t *testing.T, s map[string]any) {
				enum := fieldType(t, s, "detection.status").(map[string]any)
				enum["symbols"] = []any{"NEW", "ACTIVE", "FIXED", "UNKNOWN"}
			},
			wantFail: true,
		},
		{
			name: "remove_enum_default",
			edit: func(t *testing.T, s map[string]any) {
				delete(fieldType(t, s, "detection.type").(map[string]any), "default")
			},
			wantFail: true,
		},
		{
			name: "rename_nested_record",
			edit: func(t *testing.T, s map[string]any) {
				fieldType(t, s, "host").(map[string]any)["name"] = "Asset"
			},
			wantFail: true,
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s map[string]any
			if err := json.Unmarshal([]byte(v1), &s); err != nil {
				t.Fatal(err)
			}
			tt.edit(t, s)
			edited, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}

			err = checkEvolution(v1, string(edited))
			if gotFail := err != nil; gotFail != tt.wantFail {
				t.Errorf("checkEvolution failed = %v, want %v; err: %v", gotFail, tt.wantFail, err)
			}
		})
	}
}

func TestCompatibleResolvesNamedReferences(t *testing.T) {
	const writer = `{"type":"record","name":"R","namespace":"a","fields":[
		{"name":"x","type":{"type":"enum","name":"E","symbols":["A","B"]}},
		{"name":"y","type":["null","E"],"default":null}]}`
	const reader = `{"type":"record","name":"R","namespace":"a","fields":[
		{"name":"x","type":{"type":"enum","name":"E","symbols":["A"]}},
		{"name":"y","type":["null","a.E"],"default":null}]}`

	err := Compatible(reader, writer)
	if err == nil || !strings.Contains(err.Error(), "writer symbol B") {
		t.Errorf("Compatible = %v, want an error about symbol B", err)
	}
	if err := Compatible(writer, reader); err != nil {
		t.Errorf("Compatible(writer, reader) = %v, want nil", err)
	}
}

// checkEvolution returns why replacing old by new is not allowed: the Avro
// resolution rules both ways, plus our own rules (lint, enums keep symbols).
func checkEvolution(old, new string) error {
	var errs []error
	if err := Compatible(new, old); err != nil {
		errs = append(errs, fmt.Errorf("backward (new reads old): %w", err))
	}
	if err := Compatible(old, new); err != nil {
		errs = append(errs, fmt.Errorf("forward (old reads new): %w", err))
	}
	if err := lint(new); err != nil {
		errs = append(errs, fmt.Errorf("lint: %w", err))
	}
	if err := enumsKept(old, new); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// lint checks the conventions of DESIGN.md "Schema evolution": snake_case
// documented fields; optional fields ["null", T] with default null; arrays
// default []; enums with a default symbol; *_at fields timestamp-millis.
func lint(schema string) error {
	var root map[string]any
	if err := json.Unmarshal([]byte(schema), &root); err != nil {
		return err
	}

	var errs []error
	walkFields(root, "", func(path string, f map[string]any) {
		name, _ := f["name"].(string)
		if !snakeCase.MatchString(name) {
			errs = append(errs, fmt.Errorf("%s: name is not snake_case", path))
		}
		if doc, _ := f["doc"].(string); doc == "" {
			errs = append(errs, fmt.Errorf("%s: no doc", path))
		}
		def, hasDefault := f["default"]

		typ := f["type"]
		if u, ok := typ.([]any); ok {
			if len(u) != 2 || u[0] != "null" || !hasDefault || def != nil {
				errs = append(errs, fmt.Errorf(
					`%s: optional field is not ["null", T] with default null`, path))
			}
			typ = u[len(u)-1]
		}
		m, _ := typ.(map[string]any)
		switch m["type"] {
		case "array":
			if d, ok := def.([]any); !ok || len(d) != 0 {
				errs = append(errs, fmt.Errorf("%s: array without default []", path))
			}
		case "enum":
			d, ok := m["default"].(string)
			if !ok || !slices.Contains(stringsOf(m["symbols"]), d) {
				errs = append(errs, fmt.Errorf("%s: enum without a default symbol", path))
			}
			if !hasDefault {
				errs = append(errs, fmt.Errorf("%s: enum field without a default", path))
			}
		}
		if strings.HasSuffix(name, "_at") && m["logicalType"] != "timestamp-millis" {
			errs = append(errs, fmt.Errorf("%s: time is not timestamp-millis", path))
		}
	})
	return errors.Join(errs...)
}

// enumsKept reports enum symbols or defaults that new dropped or changed:
// readers route on them, so they never go away.
func enumsKept(old, new string) error {
	oldEnums, newEnums := enums(old), enums(new)

	var errs []error
	for name, o := range oldEnums {
		n, ok := newEnums[name]
		if !ok {
			errs = append(errs, fmt.Errorf("enum %s removed", name))
			continue
		}
		for _, s := range stringsOf(o["symbols"]) {
			if !slices.Contains(stringsOf(n["symbols"]), s) {
				errs = append(errs, fmt.Errorf("enum %s: symbol %s removed", name, s))
			}
		}
		if o["default"] != n["default"] {
			errs = append(errs, fmt.Errorf("enum %s: default changed from %v to %v",
				name, o["default"], n["default"]))
		}
	}
	return errors.Join(errs...)
}

// enums returns every enum definition of a schema by name.
func enums(schema string) map[string]map[string]any {
	var root map[string]any
	_ = json.Unmarshal([]byte(schema), &root)

	out := map[string]map[string]any{}
	walkFields(root, "", func(_ string, f map[string]any) {
		typ := f["type"]
		if u, ok := typ.([]any); ok {
			typ = u[len(u)-1]
		}
		if m, ok := typ.(map[string]any); ok && m["type"] == "enum" {
			out[m["name"].(string)] = m
		}
	})
	return out
}

// walkFields calls fn for every field of record r and of the records
// nested in it (directly, in unions or as array items).
func walkFields(r map[string]any, prefix string, fn func(path string, f map[string]any)) {
	for _, f := range fieldsOf(r) {
		path := strings.TrimPrefix(prefix+"."+f["name"].(string), ".")
		fn(path, f)

		typ := f["type"]
		if u, ok := typ.([]any); ok {
			typ = u[len(u)-1]
		}
		m, _ := typ.(map[string]any)
		if m["type"] == "array" {
			m, _ = m["items"].(map[string]any)
			path += "[]"
		}
		if m["type"] == "record" {
			walkFields(m, path, fn)
		}
	}
}

func TestLintDetection(t *testing.T) {
	if err := lint(Detection); err != nil {
		t.Errorf("detection.avsc:\n%v", err)
	}
}

// field returns the field at a dotted path of nested record fields.
func field(t *testing.T, s map[string]any, path string) map[string]any {
	t.Helper()

	rec := s
	parts := strings.Split(path, ".")
	for i, name := range parts {
		var found map[string]any
		for _, f := range fieldsOf(rec) {
			if f["name"] == name {
				found = f
			}
		}
		if found == nil {
			t.Fatalf("no field %s in schema", path)
		}
		if i == len(parts)-1 {
			return found
		}
		rec, _ = found["type"].(map[string]any)
	}
	return nil
}

// fieldType returns the type of the field at path, unwrapping ["null", T].
func fieldType(t *testing.T, s map[string]any, path string) any {
	t.Helper()

	typ := field(t, s, path)["type"]
	if u, ok := typ.([]any); ok {
		return u[len(u)-1]
	}
	return typ
}

func addField(t *testing.T, s map[string]any, record string, f map[string]any) {
	t.Helper()

	rec := fieldType(t, s, record).(map[string]any)
	rec["fields"] = append(rec["fields"].([]any), f)
}

func removeField(t *testing.T, s map[string]any, path string) {
	t.Helper()

	rec := s
	if i := strings.LastIndex(path, "."); i >= 0 {
		rec = fieldType(t, s, path[:i]).(map[string]any)
	}
	name := path[strings.LastIndex(path, ".")+1:]
	fields := rec["fields"].([]any)
	rec["fields"] = slices.DeleteFunc(fields, func(f any) bool {
		return f.(map[string]any)["name"] == name
	})
}

func readFile(t *testing.T, path string) string {
	t.Helper()

	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
