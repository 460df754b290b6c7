package decode

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// FuzzDecode feeds the decoder arbitrary documents, seeded with every real
// sample and crafted document. It must never panic, and every error must
// be one of the kinds callers act on.
func FuzzDecode(f *testing.F) {
	local, _ := filepath.Glob("testdata/*.xml")
	crafted, _ := filepath.Glob("testdata/crafted/*.xml")
	for _, name := range append(local, crafted...) {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(page("<HOST><ID>1</ID><DETECTION_LIST><DETECTION><QID>2</QID><RESULTS><![CDATA[\x01\xff]]></RESULTS></DETECTION></DETECTION_LIST></HOST>")))

	f.Fuzz(func(t *testing.T, doc []byte) {
		d := New(bytes.NewReader(doc), 200)
		for range 100000 {
			_, err := d.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				checkKind(t, err)
				return
			}
		}
		t.Fatal("decoder did not end")
	})
}

func checkKind(t *testing.T, err error) {
	var decErr *Error
	var apiErr *qualys.APIError
	if !errors.As(err, &decErr) && !errors.As(err, &apiErr) {
		t.Fatalf("error of an unexpected kind %T: %v", err, err)
	}
}

// FuzzReadIDSet does the same for host list ID sets.
func FuzzReadIDSet(f *testing.F) {
	hostLists, _ := filepath.Glob("testdata/hostlist/*.xml")
	for _, name := range hostLists {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`<HOST_LIST_OUTPUT><RESPONSE><ID_SET><ID>5</ID><ID_RANGE>7-9</ID_RANGE></ID_SET></RESPONSE></HOST_LIST_OUTPUT>`))

	f.Fuzz(func(t *testing.T, doc []byte) {
		_, err := ReadIDSet(bytes.NewReader(doc), 200, func(first, last int64) error {
			if last < first {
				t.Fatalf("range %d-%d runs backwards", first, last)
			}
			return nil
		})
		if err != nil {
			checkKind(t, err)
		}
	})
}
