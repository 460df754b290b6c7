package record

import (
	"regexp"
	"testing"
	"time"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

func TestKey(t *testing.T) {
	tests := []struct {
		name         string
		subscription string
		hostID       int64
		d            qualys.Detection
		want         string
	}{
		{
			name:   "minimal",
			hostID: 1, d: qualys.Detection{QID: 2},
			want: "|1|2|||0||",
		},
		{
			name:   "port_bound_ssl",
			hostID: 123, d: qualys.Detection{
				QID: 38170, Port: qualys.Some[int32](443), Protocol: "tcp", SSL: qualys.Some(true),
			},
			want: "|123|38170|443|tcp|1||",
		},
		{
			name:         "all_parts",
			subscription: "acme-eu",
			hostID:       123, d: qualys.Detection{
				QID: 38170, Port: qualys.Some[int32](8443), Protocol: "tcp",
				SSL: qualys.Some(false), FQDN: "www.example.com", Instance: "ORCL",
			},
			want: "acme-eu|123|38170|8443|tcp|0|www.example.com|ORCL",
		},
		{
			name:   "port_zero_is_not_absent",
			hostID: 5, d: qualys.Detection{QID: 6, Port: qualys.Some[int32](0)},
			want: "|5|6|0||0||",
		},
		{
			name:         "separator_and_backslash_escaped",
			subscription: `a|b`,
			hostID:       7, d: qualys.Detection{QID: 8, FQDN: `x\|y`, Instance: `|\`},
			want: `a\|b|7|8|||0|x\\\|y|\|\\`,
		},
		{
			name:   "absent_ssl_is_zero",
			hostID: 9, d: qualys.Detection{QID: 10, Port: qualys.Some[int32](22), Protocol: "tcp"},
			want: "|9|10|22|tcp|0||",
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(Key(tt.subscription, tt.hostID, &tt.d)); got != tt.want {
				t.Errorf("Key = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestKeyUnambiguous pins that escaping keeps parts apart: moving a '|'
// between free-text parts changes the key.
func TestKeyUnambiguous(t *testing.T) {
	a := Key("", 1, &qualys.Detection{QID: 2, FQDN: "a|", Instance: "b"})
	b := Key("", 1, &qualys.Detection{QID: 2, FQDN: "a", Instance: "|b"})

	if string(a) == string(b) {
		t.Errorf("keys collide: %q", a)
	}
}

func TestKeyIgnoresState(t *testing.T) {
	d := fullDetection()
	before := string(Key("s", 1, d))

	d.Status, d.LastUpdate = "Fixed", at("2025-01-01T00:00:00Z")
	d.TimesFound = qualys.Some[int32](99)
	d.Results, d.Severity = "other", qualys.Some[int32](5)
	if after := string(Key("s", 1, d)); after != before {
		t.Errorf("key changed with state: %q, then %q", before, after)
	}
}

var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestEventIDDeterministic(t *testing.T) {
	h := fullHost()

	first := EventID("acme-eu", h, fullDetection())
	if !hex32.MatchString(first) {
		t.Fatalf("EventID = %q, want 32 lowercase hex digits", first)
	}
	if again := EventID("acme-eu", fullHost(), fullDetection()); again != first {
		t.Errorf("EventID differs for the same state: %q, %q", first, again)
	}

	// A host's names and addresses and the record's run are not state.
	h.IP, h.DNS = "10.9.9.9", "renamed.example.com"
	if got := EventID("acme-eu", h, fullDetection()); got != first {
		t.Errorf("EventID changed with host IP and DNS: %q, want %q", got, first)
	}
}

func TestEventIDChangesWithState(t *testing.T) {
	later := at("2030-01-01T00:00:00Z")
	tests := []struct {
		name string
		edit func(d *qualys.Detection)
	}{
		{name: "status", edit: func(d *qualys.Detection) { d.Status = "Fixed" }},
		{name: "last_update", edit: func(d *qualys.Detection) { d.LastUpdate = later }},
		{name: "last_found", edit: func(d *qualys.Detection) { d.LastFound = later }},
		{name: "last_test", edit: func(d *qualys.Detection) { d.LastTest = later }},
		{name: "last_fixed", edit: func(d *qualys.Detection) { d.LastFixed = later }},
		{name: "last_fixed_absent", edit: func(d *qualys.Detection) { d.LastFixed = time.Time{} }},
		{name: "last_processed", edit: func(d *qualys.Detection) { d.LastProcessed = later }},
		{name: "times_found", edit: func(d *qualys.Detection) { d.TimesFound.V++ }},
		{name: "times_found_absent", edit: func(d *qualys.Detection) {
			d.TimesFound.Valid = false
		}},
		{name: "identity_port", edit: func(d *qualys.Detection) { d.Port.V = 8443 }},
		{name: "identity_qid", edit: func(d *qualys.Detection) { d.QID++ }},
	}

	h := fullHost()
	base := EventID("acme-eu", h, fullDetection())
	if got := EventID("other", h, fullDetection()); got == base {
		t.Errorf("EventID ignores the subscription")
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := fullDetection()
			tt.edit(d)
			if got := EventID("acme-eu", h, d); got == base {
				t.Errorf("EventID unchanged after editing %s: %q", tt.name, got)
			}
		})
	}
}
