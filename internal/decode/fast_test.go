package decode

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/q2k/qualys2kafka/internal/qualys"
	"github.com/q2k/qualys2kafka/internal/simulator"
)

// streamOutcome is everything a Stream yields for one document, as the
// differential tests compare it. Repairs are compared only for documents
// read to their end: after an error they count what each decoder had read
// ahead, which differs by design.
type streamOutcome struct {
	Hosts      []*qualys.Host
	ServerTime time.Time
	Warning    *qualys.Warning
	Repairs    Repairs
	Class      string // how it ended: eof, cut, empty, api or other
	APIError   *qualys.APIError
	Err        string // the message, for the report only: not compared
}

// maxHosts stops a decoder that would not end.
const maxHosts = 1 << 20

func decodeStream(k Kind, r io.Reader) streamOutcome {
	d := Open(k, r, 200)
	var out streamOutcome
	for range maxHosts {
		h, err := d.Next()
		if err == nil {
			out.Hosts = append(out.Hosts, h)
			continue
		}
		out.Class = errorClass(err)
		if out.Class == "api" {
			errors.As(err, &out.APIError)
		}
		if out.Class == "eof" {
			out.Repairs = d.Repairs()
		} else {
			out.Err = err.Error()
		}
		break
	}
	out.ServerTime, out.Warning = d.ServerTime(), d.Warning()
	return out
}

// errorClass names the kind of an error as callers act on it.
func errorClass(err error) string {
	var apiErr *qualys.APIError
	switch {
	case err == io.EOF:
		return "eof"
	case errors.Is(err, ErrCut):
		return "cut"
	case errors.Is(err, ErrEmptyBody):
		return "empty"
	case errors.As(err, &apiErr):
		return "api"
	}
	return "other"
}

// readerKind turns a document into the reader a decoder reads it from.
type readerKind struct {
	name string
	open func(doc []byte) io.Reader
}

// readers feed a document whole, one byte per read, in chunks of random
// sizes (the same sizes for both decoders), with its last bytes and io.EOF
// in the same read, and failing after its last byte as a reset
// connection does.
var readers = []readerKind{
	{"whole", func(doc []byte) io.Reader { return bytes.NewReader(doc) }},
	{"one_byte", func(doc []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(doc)) }},
	{"random_chunks", func(doc []byte) io.Reader { return newChunkReader(doc, uint64(len(doc))) }},
	{"data_with_eof", func(doc []byte) io.Reader {
		return iotest.DataErrReader(bytes.NewReader(doc))
	}},
	{"reset", func(doc []byte) io.Reader {
		return io.MultiReader(bytes.NewReader(doc), iotest.ErrReader(errReset))
	}},
}

var errReset = errors.New("connection reset by peer")

// chunkReader returns a document in reads of 1 to 64 KiB, sizes drawn from
// a seeded generator; half of them are tiny, to split tokens often.
type chunkReader struct {
	doc []byte
	rnd *rand.Rand
}

func newChunkReader(doc []byte, seed uint64) *chunkReader {
	return &chunkReader{doc: doc, rnd: rand.New(rand.NewPCG(seed, 7))}
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.doc) == 0 {
		return 0, io.EOF
	}
	n := 1 + c.rnd.IntN(16)
	if c.rnd.IntN(2) == 0 {
		n = 1 + c.rnd.IntN(64<<10)
	}
	n = copy(p[:min(n, len(p))], c.doc)
	c.doc = c.doc[n:]
	return n, nil
}

// diffKinds decodes doc with both decoders through every reader and
// returns the first difference, "" if there is none.
func diffKinds(doc []byte) string {
	for _, rk := range readers {
		want := decodeStream(Reference, rk.open(doc))
		got := decodeStream(Fast, rk.open(doc))
		if diff := cmp.Diff(want, got, ignoreMessage); diff != "" {
			return fmt.Sprintf("read %s: fast differs from reference (-reference +fast):\n%s"+
				"reference error: %s\nfast error: %s", rk.name, diff, want.Err, got.Err)
		}
	}
	return ""
}

// ignoreMessage leaves error messages out of comparisons: the decoders
// word some errors differently and place them differently, and callers
// act only on the class.
var ignoreMessage = cmpopts.IgnoreFields(streamOutcome{}, "Err")

func checkSame(t *testing.T, doc []byte) {
	t.Helper()
	if diff := diffKinds(doc); diff != "" {
		t.Errorf("%s\ndocument (%d bytes): %.600q", diff, len(doc), doc)
	}
}

// testdataDocs returns every document of testdata by name.
func testdataDocs(t testing.TB) map[string][]byte {
	var files []string
	for _, pattern := range []string{"testdata/*.xml", "testdata/crafted/*.xml",
		"testdata/hostlist/*.xml"} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	if len(files) < 10 {
		t.Fatalf("found %d test documents, want at least 10", len(files))
	}
	docs := map[string][]byte{}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		docs[strings.TrimSuffix(filepath.Base(file), ".xml")] = b
	}
	return docs
}

// TestFastMatchesReferenceOnTestdata compares the decoders on every real
// sample and crafted document of testdata.
func TestFastMatchesReferenceOnTestdata(t *testing.T) {
	for name, doc := range testdataDocs(t) {
		t.Run(name, func(t *testing.T) { checkSame(t, doc) })
	}
}

// simulatorPage returns one page of the simulator's detection API for a
// fleet of the given size (at most 25 detections a host): query
// parameters and faults as given.
func simulatorPage(t testing.TB, hosts int, query url.Values, faults simulator.Faults) []byte {
	t.Helper()
	cfg := simulator.DefaultConfig()
	cfg.FleetConfig = simulator.FleetConfig{Seed: uint64(hosts), Hosts: hosts, MaxDetections: 25}
	cfg.Faults = faults
	return servePage(t, cfg, query)
}

func servePage(t testing.TB, cfg simulator.Config, query url.Values) []byte {
	t.Helper()
	sim, err := simulator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet,
		"/api/5.0/fo/asset/host/vm/detection/?"+query.Encode(), nil)
	req.SetBasicAuth(cfg.User, cfg.Password)
	req.Header.Set("X-Requested-With", "fast_test")
	rec := httptest.NewRecorder()
	sim.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("simulator: http %d: %.300s", rec.Code, rec.Body.Bytes())
	}
	return rec.Body.Bytes()
}

// pageQuery returns the parameters of a page holding every host, with the
// extra parameters given as name=value pairs.
func pageQuery(extra ...string) url.Values {
	q := url.Values{"action": {"list"}, "truncation_limit": {"0"}, "status": {qualys.AllStatuses}}
	for _, kv := range extra {
		k, v, _ := strings.Cut(kv, "=")
		q.Set(k, v)
	}
	return q
}

// TestFastMatchesReferenceOnGeneratedPages compares the decoders on pages
// of the simulator in every shape it writes: with and without RESULTS,
// tags, cloud metadata and tags, QDS, keep-alive comments and a WARNING.
func TestFastMatchesReferenceOnGeneratedPages(t *testing.T) {
	all := []string{"show_results=1", "show_igs=1", "show_tags=1", "show_qds=1",
		"show_qds_factors=1", "show_asset_id=1", "show_reopened_info=1", "host_metadata=all",
		"show_cloud_tags=1", "vuln_detection_source=1", "echo_request=1"}
	keepAlive := simulator.Faults{Rules: []simulator.FaultRule{
		{Fault: simulator.Fault{Kind: simulator.FaultKeepAlive, Every: 2}}}}
	tests := []struct {
		name   string
		hosts  int
		query  url.Values
		faults simulator.Faults
	}{
		{name: "defaults", hosts: 40, query: pageQuery()},
		{name: "everything", hosts: 40, query: pageQuery(all...)},
		{name: "no_results", hosts: 40, query: pageQuery("show_results=0", "show_igs=1")},
		{name: "keep_alive_comments", hosts: 20, query: pageQuery(all...), faults: keepAlive},
		{name: "truncated_with_warning", hosts: 60,
			query: pageQuery(append(all, "truncation_limit=7")...)},
		{name: "empty", hosts: 5, query: pageQuery("ids=1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := simulatorPage(t, tt.hosts, tt.query, tt.faults)
			if !bytes.Contains(doc, []byte(RootElement)) {
				t.Fatalf("not a detection page: %.300s", doc)
			}
			t.Logf("%d bytes", len(doc))
			checkSame(t, doc)
		})
	}
}

// TestFastMatchesReferenceOnLargeHostsWithRejects compares the decoders on
// hosts of up to 400 detections with odd values the simulator writes (QIDs
// and dates that do not parse, control characters), and on a large host
// whose fault comes after its detection list, so that the raw elements of
// all its detections must outlast many reads of the feed.
func TestFastMatchesReferenceOnLargeHostsWithRejects(t *testing.T) {
	cfg := simulator.DefaultConfig()
	cfg.FleetConfig = simulator.FleetConfig{Seed: 3, Hosts: 6, MaxDetections: 400}
	cfg.OddValues = 9
	doc := servePage(t, cfg, pageQuery("show_results=1", "show_qds=1", "show_qds_factors=1"))

	const hostEnd = "</DETECTION_LIST>\n      </HOST>"
	if bytes.Count(doc, []byte(hostEnd)) < 3 {
		t.Fatalf("want 3 hosts at least in %.300s", doc)
	}
	i := largestHostEnd(doc, hostEnd)
	faulty := bytes.Clone(doc[:i])
	faulty = append(faulty, "</DETECTION_LIST>"+
		"<LAST_SCAN_DATETIME>31/12/2025</LAST_SCAN_DATETIME>"...)
	faulty = append(faulty, doc[i+len("</DETECTION_LIST>"):]...)

	for name, doc := range map[string][]byte{"odd_values": doc, "host_fault_last": faulty} {
		t.Run(name, func(t *testing.T) {
			rejects, hostRejects := 0, 0
			for _, h := range decodeStream(Reference, bytes.NewReader(doc)).Hosts {
				rejects += len(h.Rejects)
				if len(h.Rejects) > 100 && len(h.Detections) == 0 {
					hostRejects++
				}
			}
			if rejects == 0 || name == "host_fault_last" && hostRejects == 0 {
				t.Fatalf("%d rejects, %d hosts rejected whole: the page tests nothing",
					rejects, hostRejects)
			}
			checkSame(t, doc)
		})
	}
}

// largestHostEnd returns the offset of end in doc that closes the longest
// host.
func largestHostEnd(doc []byte, end string) int {
	best, size, start := 0, 0, 0
	for {
		i := bytes.Index(doc[start:], []byte(end))
		if i < 0 {
			return best
		}
		if i > size {
			best, size = start+i, i
		}
		start += i + len(end)
	}
}

// TestFastMatchesReferenceOnEveryCut cuts a small document that holds
// most constructs at every offset, and also fails it there as a reset
// connection would.
func TestFastMatchesReferenceOnEveryCut(t *testing.T) {
	doc := []byte(craftedPage)
	for i := range len(doc) {
		if diff := diffKinds(doc[:i]); diff != "" {
			t.Fatalf("cut at %d of %d: %s", i, len(doc), diff)
		}
	}
}

// TestDiffKindsCanFail makes sure the comparison sees a difference in each
// field it compares: a test that cannot fail proves nothing.
func TestDiffKindsCanFail(t *testing.T) {
	base := decodeStream(Reference, strings.NewReader(craftedPage))
	changes := map[string]func(o *streamOutcome){
		"host_field":  func(o *streamOutcome) { o.Hosts[0].Detections[0].Results += "x" },
		"host_reject": func(o *streamOutcome) { o.Hosts[1].Rejects = nil },
		"server_time": func(o *streamOutcome) { o.ServerTime = o.ServerTime.Add(time.Second) },
		"warning":     func(o *streamOutcome) { o.Warning = nil },
		"repairs":     func(o *streamOutcome) { o.Repairs.InvalidUTF8++ },
		"class":       func(o *streamOutcome) { o.Class = "cut" },
	}
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			other := decodeStream(Reference, strings.NewReader(craftedPage))
			change(&other)
			if cmp.Diff(base, other, ignoreMessage) == "" {
				t.Errorf("changing %s went unnoticed", name)
			}
		})
	}
}

// TestFastMatchesReferenceWithTinyLookahead lets gosax read almost nothing
// of a token before encoding/xml takes it over, so that most tokens go the
// slow way and gosax starts again after each: the two ways must agree.
func TestFastMatchesReferenceWithTinyLookahead(t *testing.T) {
	defer func(l, tl int64) { lookahead, textLookahead = l, tl }(lookahead, textLookahead)
	lookahead, textLookahead = 4, 16

	docs := testdataDocs(t)
	for _, c := range craftedCases {
		docs[c.name] = []byte(c.doc)
	}
	docs["generated"] = simulatorPage(t, 10, pageQuery("show_results=1", "show_qds=1",
		"show_qds_factors=1", "show_tags=1"), simulator.Faults{})
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) { checkSame(t, doc) })
	}
}

// TestRepairMatchesByteByByte reads random bytes, mostly XML-like, through
// the repair reader in random chunks: the output and the counts must be
// those of the plain byte-at-a-time rule, which the run copying in check
// must not change.
func TestRepairMatchesByteByByte(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	specials := []byte("\t\r\n\x00\x07\x1f\x7f\x80\xc3\xa9\xe2\x82\xac" +
		"\xf0\x9f\x98\x80\xef\xbf\xbe\xef\xbf\xbf\xff\xed\xa0\x80")
	for i := range 400 {
		// Runs of printable ASCII of every length between the specials, so
		// that both the word test and the byte test of validRun meet them.
		doc := make([]byte, rnd.IntN(3000))
		for j := range doc {
			doc[j] = byte(' ' + rnd.IntN(95))
			if rnd.IntN(1+i%20) == 0 {
				doc[j] = specials[rnd.IntN(len(specials))]
			}
		}
		want := repairByteByByte(doc)
		got, _ := repairAll(newRepairReader(newChunkReader(doc, uint64(i))))
		if !bytes.Equal(got.out, want.out) || got.repairs != want.repairs {
			t.Fatalf("document %q: repair gave %q %+v, byte by byte %q %+v",
				doc, got.out, got.repairs, want.out, want.repairs)
		}
	}
}

// repairByteByByte is the repair rule written plainly, over a whole
// document: the oracle of TestRepairMatchesByteByByte.
func repairByteByByte(doc []byte) repaired {
	var r repaired
	for len(doc) > 0 {
		c := doc[0]
		switch {
		case c >= 0x20 && c < utf8.RuneSelf || c == '\t' || c == '\n' || c == '\r':
			r.out = append(r.out, c)
			doc = doc[1:]
			continue
		case c < utf8.RuneSelf:
			r.repairs.IllegalChars++
			r.out = append(r.out, replacement...)
			doc = doc[1:]
			continue
		}
		ru, size := utf8.DecodeRune(doc)
		switch {
		case ru == utf8.RuneError && size <= 1:
			r.repairs.InvalidUTF8++
			r.out = append(r.out, replacement...)
		case ru == 0xFFFE || ru == 0xFFFF:
			r.repairs.IllegalChars++
			r.out = append(r.out, replacement...)
		default:
			r.out = append(r.out, doc[:size]...)
		}
		doc = doc[size:]
	}
	return r
}

type repaired struct {
	out     []byte
	repairs Repairs
}

// repairAll reads r to its end in reads of 1 to 100 bytes and returns what
// it gave and how many reads it took.
func repairAll(r io.Reader) (repaired, int) {
	var out repaired
	rnd := rand.New(rand.NewPCG(3, 4))
	reads := 0
	for {
		p := make([]byte, 1+rnd.IntN(100))
		n, err := r.Read(p)
		reads++
		out.out = append(out.out, p[:n]...)
		if err != nil {
			break
		}
	}
	if rr, ok := r.(*repairReader); ok {
		out.repairs = rr.repairs
	}
	return out, reads
}

// TestFastTimeMatchesTimeParse checks the hand-counted dates against
// time.Parse over every day from year 0 to 2200 and the edges of a day.
func TestFastTimeMatchesTimeParse(t *testing.T) {
	for d := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() <= 2200; d = d.AddDate(0, 0, 1) {
		for _, at := range []time.Duration{0, 23*time.Hour + 59*time.Minute + 59*time.Second} {
			s := d.Add(at).Format(qualys.TimeLayout)
			want, _ := time.Parse(qualys.TimeLayout, s)
			got, ok := fastTime([]byte(s))
			if !ok || got != want.UTC() {
				t.Fatalf("%s: fastTime = %v, %v; time.Parse = %v", s, got, ok, want.UTC())
			}
		}
	}
	for _, s := range []string{"2026-02-29T00:00:00Z", "2024-13-01T00:00:00Z",
		"2024-04-31T00:00:00Z", "2024-01-01T24:00:00Z", "2024-01-01T00:60:00Z",
		"2024-01-01T00:00:60Z", "2024-01-00T00:00:00Z", "2024-1-01T00:00:00Z"} {
		if _, ok := fastTime([]byte(s)); ok {
			t.Errorf("fastTime took %s, which time.Parse refuses", s)
		}
	}
}
