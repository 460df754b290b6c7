package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"
)

func valid() map[string]string {
	return map[string]string{
		"Q2K_QUALYS_URL":      "https://qualysapi.qg2.apps.qualys.com",
		"Q2K_QUALYS_USER":     "user",
		"Q2K_QUALYS_PASSWORD": "secret",
		"Q2K_KAFKA_BROKERS":   "k1:9092,k2:9092",
	}
}

func TestDefaults(t *testing.T) {
	c, err := LoadFrom(t.Context(), envconfig.MapLookuper(valid()))
	if err != nil {
		t.Fatal(err)
	}
	if c.Qualys.APIVersion != "5.0" || c.Qualys.TruncationLimit != 1000 ||
		c.Kafka.Compression != "zstd" || c.Kafka.TopicPrefix != "qualys.vm" ||
		c.Sync.Overlap != 10*time.Minute || !c.Output.Results || c.Output.IGs {
		t.Errorf("defaults not applied: %+v", c)
	}
	if len(c.Kafka.Brokers) != 2 {
		t.Errorf("brokers = %v, want two", c.Kafka.Brokers)
	}
}

// TestValidateReportsEveryProblem pins that all problems come at once, each
// naming its variable.
func TestValidateReportsEveryProblem(t *testing.T) {
	env := map[string]string{
		"Q2K_QUALYS_URL":              "qualysapi.qualys.com",
		"Q2K_QUALYS_API_VERSION":      "6.0",
		"Q2K_QUALYS_TRUNCATION_LIMIT": "-1",
		"Q2K_KAFKA_COMPRESSION":       "brotli",
		"Q2K_SHOW_HOST_METADATA":      "aws",
		"Q2K_KAFKA_TOPIC_PREFIX":      "bad topic!",
		"Q2K_FILTER_HOST_IDS":         "abc123",
		"Q2K_FILTER_SEVERITIES":       "7",
		"Q2K_FILTER_IPS":              "999.1.1.1",
		"Q2K_LISTEN_ADDR":             "nonsense",
		"Q2K_QUALYS_DECODER":          "sax",
		"Q2K_KAFKA_MAX_MESSAGE_BYTES": "1000",
	}
	_, err := LoadFrom(t.Context(), envconfig.MapLookuper(env))
	if err == nil {
		t.Fatal("invalid configuration accepted")
	}
	for _, name := range []string{
		"Q2K_QUALYS_URL", "Q2K_QUALYS_USER", "Q2K_QUALYS_PASSWORD", "Q2K_QUALYS_API_VERSION",
		"Q2K_QUALYS_TRUNCATION_LIMIT", "Q2K_KAFKA_BROKERS", "Q2K_KAFKA_COMPRESSION",
		"Q2K_SHOW_HOST_METADATA", "Q2K_KAFKA_TOPIC_PREFIX", "Q2K_FILTER_HOST_IDS",
		"Q2K_FILTER_SEVERITIES", "Q2K_FILTER_IPS", "Q2K_LISTEN_ADDR", "Q2K_QUALYS_DECODER",
		"Q2K_KAFKA_MAX_MESSAGE_BYTES",
	} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s:\n%v", name, err)
		}
	}
}

func TestPasswordFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(path, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := valid()
	delete(env, "Q2K_QUALYS_PASSWORD")
	env["Q2K_QUALYS_PASSWORD_FILE"] = path

	c, err := LoadFrom(t.Context(), envconfig.MapLookuper(env))
	if err != nil {
		t.Fatal(err)
	}
	if c.Qualys.Password != "from-file" {
		t.Errorf("password = %q, want the file's content without newline", c.Qualys.Password)
	}
	if c.Redacted().Qualys.Password == "from-file" {
		t.Error("Redacted kept the password")
	}
}

func TestPasswordAndFileBothSet(t *testing.T) {
	env := valid()
	env["Q2K_QUALYS_PASSWORD_FILE"] = "/dev/null"
	if _, err := LoadFrom(t.Context(), envconfig.MapLookuper(env)); err == nil {
		t.Error("both password and password file accepted")
	}
}

// TestParseErrorNamesTheVariable pins that a value that does not parse is
// reported with its variable, not the Go field behind it.
func TestParseErrorNamesTheVariable(t *testing.T) {
	env := valid()
	env["Q2K_SHOW_RESULTS"] = "maybe"
	_, err := LoadFrom(t.Context(), envconfig.MapLookuper(env))
	if err == nil || !strings.HasPrefix(err.Error(), "Q2K_SHOW_RESULTS: ") {
		t.Errorf("err = %v, want it to start with Q2K_SHOW_RESULTS", err)
	}
}

func TestRedactedHidesURLCredentials(t *testing.T) {
	env := valid()
	env["Q2K_QUALYS_URL"] = "https://admin:s3cret@qualysapi.example.com"
	c, err := LoadFrom(t.Context(), envconfig.MapLookuper(env))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(c.Redacted().Qualys.URL, "s3cret") {
		t.Errorf("Redacted URL %q keeps the password", c.Redacted().Qualys.URL)
	}
}

// TestExtraParamsGuardRails pins that extra parameters come only from the
// documented list, and that those the product manages are refused by name.
func TestExtraParamsGuardRails(t *testing.T) {
	tests := []struct {
		name    string
		value   string
		wantErr []string
	}{
		{"allowed", "os_pattern=%5EWindows&qds_min=50", nil},
		{"managed_cursor", "vm_processed_after=2020-01-01", []string{"vm_processed_after is set by qualys2kafka"}},
		{"managed_paging", "id_min=5&truncation_limit=10", []string{"id_min is set", "truncation_limit is set"}},
		{"unknown", "frobnicate=1", []string{"frobnicate is not an allowed extra parameter"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := valid()
			env["Q2K_QUALYS_EXTRA_PARAMS"] = tt.value
			c, err := LoadFrom(t.Context(), envconfig.MapLookuper(env))
			if tt.wantErr == nil {
				if err != nil || c.ExtraParams().Get("qds_min") != "50" {
					t.Errorf("LoadFrom = %v, extra %v", err, c.ExtraParams())
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, want := range append(tt.wantErr, "Q2K_QUALYS_EXTRA_PARAMS") {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}
