package decode

import (
	"testing"
)

// FuzzDecodeDifferential feeds both decoders the same arbitrary document,
// seeded with every testdata document and crafted case, through every
// reader of the differential tests. They must yield the same hosts,
// rejects, server time, warning, repairs and class of error.
func FuzzDecodeDifferential(f *testing.F) {
	for _, doc := range testdataDocs(f) {
		f.Add(doc)
	}
	for _, c := range craftedCases {
		f.Add([]byte(c.doc))
	}

	f.Fuzz(func(t *testing.T, doc []byte) {
		if diff := diffKinds(doc); diff != "" {
			t.Fatalf("%s\ndocument: %q", diff, doc)
		}
	})
}
