package config

import (
	"reflect"
	"strings"
)

// variableOf returns "Q2K_NAME: " for a go-envconfig error, whose text
// names the struct fields ("Output: Results: ...") rather than the
// variable, or "" when the error names no field.
func variableOf(err error) string {
	path := strings.Split(err.Error(), ": ")
	t := reflect.TypeFor[Config]()
	name := Prefix
	for _, field := range path {
		f, ok := t.FieldByName(field)
		if !ok {
			break
		}
		key, _, _ := strings.Cut(f.Tag.Get("env"), ",")
		if _, prefix, ok := strings.Cut(f.Tag.Get("env"), "prefix="); ok {
			key = prefix
		}
		name += strings.TrimSpace(key)
		if f.Type.Kind() != reflect.Struct {
			return name + ": "
		}
		t = f.Type
	}
	return ""
}
