package simulator

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

// savedResponses serves the *.xml files of a folder in name order, one per
// request, starting over after the last.
type savedResponses struct {
	mu    sync.Mutex
	files []string
	next  int
}

func loadResponses(dir string) (*savedResponses, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil {
		return nil, fmt.Errorf("responses dir %s: %w", dir, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("responses dir %s: %w", dir, errors.New("no *.xml file"))
	}
	slices.Sort(files)
	return &savedResponses{files: files}, nil
}

// serve writes the next saved response.
func (sr *savedResponses) serve(w http.ResponseWriter) {
	sr.mu.Lock()
	name := sr.files[sr.next]
	sr.next = (sr.next + 1) % len(sr.files)
	sr.mu.Unlock()

	f, err := os.Open(name)
	if err != nil {
		http.Error(w, "saved response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/xml")
	io.Copy(w, f)
}
