package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// JSON returns native (from Native or Decode) as one readable JSON object,
// for people: union wrappers are dropped (null or the plain value), times
// are RFC 3339 in UTC, enums are their symbol, and keys are sorted. It is
// not the Avro JSON encoding and cannot be decoded back.
//
// It recognises a union value as a one-entry map keyed by a primitive type
// name or a dotted name (long.timestamp-millis, a named type), which no
// field of our schemas is named.
func JSON(native map[string]any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // results hold <, > and & often

	if err := enc.Encode(plain(native)); err != nil {
		return nil, fmt.Errorf("record json: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func plain(v any) any {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 1 {
			for k, inner := range t {
				if isBranch(k) {
					return plain(inner)
				}
			}
		}
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = plain(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = plain(x)
		}
		return out
	case time.Time:
		return t.UTC().Format(time.RFC3339Nano)
	}
	return v
}

func isBranch(name string) bool {
	switch name {
	case "null", "boolean", "int", "long", "float", "double", "bytes", "string":
		return true
	}
	return strings.Contains(name, ".")
}
