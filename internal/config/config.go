// Package config reads the product's configuration from Q2K_* environment
// variables into one typed struct and checks it, reporting every problem at
// once by variable name.
//
// Defaults live in the struct tags below and nowhere else. Secrets can be
// given directly or as a path in the variable of the same name ending in
// _FILE (a mounted Kubernetes Secret).
package config

import (
	"context"
	"errors"
	"fmt"
	"github.com/q2k/qualys2kafka/internal/decode"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/sethvargo/go-envconfig"
)

// Prefix starts every variable name.
const Prefix = "Q2K_"

// Config is the whole configuration.
type Config struct {
	Qualys  Qualys  `env:", prefix=QUALYS_"`
	Filters Filters `env:", prefix=FILTER_"`
	Output  Output  `env:", prefix=SHOW_"`
	Kafka   Kafka   `env:", prefix=KAFKA_"`
	Sync    Sync    `env:", prefix=SYNC_"`

	// Subscription labels this deployment's records and checkpoint, so that
	// several subscriptions can share topics. Part of every record key.
	Subscription string `env:"SUBSCRIPTION"`
	LogLevel     string `env:"LOG_LEVEL, default=info"`
	// ListenAddr serves /metrics, /healthz and /readyz in `run`.
	ListenAddr string `env:"LISTEN_ADDR, default=:9090"`
}

// Qualys says where the API is and how to call it.
type Qualys struct {
	URL           string `env:"URL"`
	User          string `env:"USER"`
	Password      string `env:"PASSWORD"`
	PasswordFile  string `env:"PASSWORD_FILE"`
	APIVersion    string `env:"API_VERSION, default=5.0"`
	RequestedWith string `env:"REQUESTED_WITH, default=qualys2kafka"`
	// TruncationLimit is the most hosts per page (1..1000000); 0 asks for
	// one page per range, however large.
	TruncationLimit int `env:"TRUNCATION_LIMIT, default=1000"`
	// Decoder is the XML decoder: fast (the default) or reference, the
	// slower one built on encoding/xml that the fast one is tested against.
	Decoder string `env:"DECODER, default=fast"`
	// Auth is basic (credentials on every call) or session (log in once,
	// send the session cookie, log out at the end).
	Auth string `env:"AUTH, default=basic"`
	// Workers is the most ranges fetched at once; the API's concurrency
	// headers cap it further, keeping a slot for other clients.
	Workers int `env:"WORKERS, default=4"`
	// RangeSize is the hosts per range of the sync plan.
	RangeSize        int           `env:"RANGE_SIZE, default=5000"`
	ConnectTimeout   time.Duration `env:"CONNECT_TIMEOUT, default=30s"`
	FirstByteTimeout time.Duration `env:"FIRST_BYTE_TIMEOUT, default=10m"`
	IdleTimeout      time.Duration `env:"IDLE_TIMEOUT, default=2m"`
	// RetryAttempts is the most tries of one page.
	RetryAttempts int `env:"RETRY_ATTEMPTS, default=8"`
	// ExtraParams are more detection parameters, as a query string
	// (os_pattern=...&qds_min=50), from ExtraParamsAllowed only.
	ExtraParams string `env:"EXTRA_PARAMS"`
}

// Filters select hosts and detections; each maps to one API parameter.
type Filters struct {
	HostIDs         string `env:"HOST_IDS"`        // ids
	IPs             string `env:"IPS"`             // ips
	AssetGroupIDs   string `env:"ASSET_GROUP_IDS"` // ag_ids
	Tags            string `env:"TAGS"`            // tag_set_include, with use_tags=1
	TagsBy          string `env:"TAGS_BY, default=id"`
	QIDs            string `env:"QIDS"`       // qids
	Severities      string `env:"SEVERITIES"` // severities
	IncludeIgnored  bool   `env:"INCLUDE_IGNORED, default=false"`
	IncludeDisabled bool   `env:"INCLUDE_DISABLED, default=false"`
}

// Output chooses the optional parts of each detection (SPEC §2, show_*).
type Output struct {
	Results bool `env:"RESULTS, default=true"`
	// ResultsMaxBytes cuts longer RESULTS on a UTF-8 boundary, marking the
	// record (results_truncated, results_length); 0 keeps them whole.
	ResultsMaxBytes int    `env:"RESULTS_MAX_BYTES, default=262144"`
	IGs             bool   `env:"IGS, default=false"`
	QDS             bool   `env:"QDS, default=true"`
	QDSFactors      bool   `env:"QDS_FACTORS, default=true"`
	Tags            bool   `env:"TAGS, default=true"`
	AssetID         bool   `env:"ASSET_ID, default=true"`
	ReopenedInfo    bool   `env:"REOPENED_INFO, default=true"`
	CloudTags       bool   `env:"CLOUD_TAGS, default=false"`
	HostMetadata    string `env:"HOST_METADATA"` // all, ec2, azure, google, alicloud
	// DetectionSource asks 5.0 for the detection-source elements.
	DetectionSource bool `env:"DETECTION_SOURCE, default=true"`
}

// Kafka says where records go.
type Kafka struct {
	Brokers      []string `env:"BROKERS"`
	TopicPrefix  string   `env:"TOPIC_PREFIX, default=qualys.vm"`
	SingleTopic  string   `env:"SINGLE_TOPIC"`
	Compression  string   `env:"COMPRESSION, default=zstd"`
	CreateTopics bool     `env:"CREATE_TOPICS, default=false"`
	Partitions   int      `env:"PARTITIONS, default=6"`
	// MaxMessageBytes is the largest detection record published; a larger
	// one goes to the dead-letter topic. Keep it at or below the topics'
	// max.message.bytes (the broker's default is 1048588).
	MaxMessageBytes int `env:"MAX_MESSAGE_BYTES, default=1000000"`
}

// Sync says how often and how far back.
type Sync struct {
	Interval time.Duration `env:"INTERVAL, default=4h"`
	// Overlap is subtracted from the checkpoint so that changes the server
	// recorded late are not missed; repeats are expected and carry the same
	// event_id.
	Overlap time.Duration `env:"OVERLAP, default=10m"`
	// ProgressEvery is the pace of the progress log of a sync.
	ProgressEvery time.Duration `env:"PROGRESS_EVERY, default=30s"`
}

// Load reads the configuration from the environment, resolves _FILE
// secrets and validates it.
func Load(ctx context.Context) (*Config, error) {
	return LoadFrom(ctx, envconfig.OsLookuper())
}

// LoadFrom is Load with another source of variables (for tests).
func LoadFrom(ctx context.Context, l envconfig.Lookuper) (*Config, error) {
	return load(ctx, l, func(c *Config) error {
		return errors.Join(c.resolveSecrets(), c.Validate())
	})
}

// load reads the variables from l and checks them with check. A value that
// does not parse is reported with its variable's name.
func load(ctx context.Context, l envconfig.Lookuper, check func(*Config) error) (*Config, error) {
	var c Config
	err := envconfig.ProcessWith(ctx, &envconfig.Config{
		Target:   &c,
		Lookuper: envconfig.PrefixLookuper(Prefix, l),
	})
	if err != nil {
		return nil, fmt.Errorf("%s%w", variableOf(err), err)
	}
	if err := check(&c); err != nil {
		return nil, err
	}
	return &c, nil
}

// LoadRecords reads the variables that shape records and dead letters
// (RESULTS cap, largest message, topic names) and checks only those: what
// `import --dry-run` needs, without brokers or credentials.
func LoadRecords(ctx context.Context) (*Config, error) {
	return load(ctx, envconfig.OsLookuper(), func(c *Config) error {
		var errs []error
		if c.Output.ResultsMaxBytes < 0 {
			errs = append(errs, problem("SHOW_RESULTS_MAX_BYTES", "%d is negative",
				c.Output.ResultsMaxBytes))
		}
		if c.Kafka.MaxMessageBytes < 64<<10 {
			errs = append(errs, problem("KAFKA_MAX_MESSAGE_BYTES", "%d is below 65536",
				c.Kafka.MaxMessageBytes))
		}
		return errors.Join(errs...)
	})
}

// LoadPublishing reads the configuration for commands that only publish
// (import): it validates the Kafka settings and nothing of Qualys.
func LoadPublishing(ctx context.Context) (*Config, error) {
	return load(ctx, envconfig.OsLookuper(), func(c *Config) error {
		return errors.Join(c.validateKafka()...)
	})
}

func (c *Config) resolveSecrets() error {
	if c.Qualys.PasswordFile == "" {
		return nil
	}
	if c.Qualys.Password != "" {
		return errors.New("Q2K_QUALYS_PASSWORD and Q2K_QUALYS_PASSWORD_FILE are both set; set one")
	}
	b, err := os.ReadFile(c.Qualys.PasswordFile)
	if err != nil {
		return fmt.Errorf("Q2K_QUALYS_PASSWORD_FILE: %w", err)
	}
	c.Qualys.Password = strings.TrimRight(string(b), "\r\n")
	return nil
}

// Validate returns every problem of c joined, each naming its variable.
func (c *Config) Validate() error {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, problem(name, format, args...))
	}

	if u, err := url.Parse(c.Qualys.URL); c.Qualys.URL == "" {
		bad("QUALYS_URL", "required (the API server of your platform, "+
			"e.g. https://qualysapi.qg2.apps.qualys.com)")
	} else if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		bad("QUALYS_URL", "%q is not an absolute http(s) url", c.Qualys.URL)
	}
	if c.Qualys.User == "" {
		bad("QUALYS_USER", "required")
	}
	if c.Qualys.Password == "" {
		bad("QUALYS_PASSWORD", "required (or Q2K_QUALYS_PASSWORD_FILE)")
	}
	if !slices.Contains([]string{"2.0", "3.0", "4.0", "5.0"}, c.Qualys.APIVersion) {
		bad("QUALYS_API_VERSION", "%q is not one of 2.0, 3.0, 4.0, 5.0", c.Qualys.APIVersion)
	}
	if c.Qualys.TruncationLimit < 0 || c.Qualys.TruncationLimit > 1000000 {
		bad("QUALYS_TRUNCATION_LIMIT", "%d is outside 0..1000000 (0: no limit)",
			c.Qualys.TruncationLimit)
	}
	if _, err := decode.ParseKind(c.Qualys.Decoder); err != nil {
		bad("QUALYS_DECODER", "%v", err)
	}
	errs = append(errs, c.validateFetch()...)
	errs = append(errs, c.validateOutput()...)
	errs = append(errs, c.validateKafka()...)
	if c.Sync.Interval < time.Minute {
		bad("SYNC_INTERVAL", "%v is shorter than a minute", c.Sync.Interval)
	}
	if c.Sync.Overlap < 0 {
		bad("SYNC_OVERLAP", "%v is negative", c.Sync.Overlap)
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.LogLevel) {
		bad("LOG_LEVEL", "%q is not one of debug, info, warn, error", c.LogLevel)
	}
	return errors.Join(errs...)
}

func (c *Config) validateFetch() []error {
	var errs []error
	q := c.Qualys
	if q.Auth != "basic" && q.Auth != "session" {
		errs = append(errs, problem("QUALYS_AUTH", "%q is not basic or session", q.Auth))
	}
	if q.Workers < 1 || q.Workers > 100 {
		errs = append(errs, problem("QUALYS_WORKERS", "%d is outside 1..100", q.Workers))
	}
	if q.RangeSize < 1 {
		errs = append(errs, problem("QUALYS_RANGE_SIZE", "%d is below 1", q.RangeSize))
	}
	for name, d := range map[string]time.Duration{"CONNECT_TIMEOUT": q.ConnectTimeout,
		"FIRST_BYTE_TIMEOUT": q.FirstByteTimeout, "IDLE_TIMEOUT": q.IdleTimeout} {
		if d < time.Second {
			errs = append(errs, problem("QUALYS_"+name, "%v is shorter than a second", d))
		}
	}
	for _, err := range checkExtraParams(q.ExtraParams) {
		errs = append(errs, problem("QUALYS_EXTRA_PARAMS", "%w", err))
	}
	if q.RetryAttempts < 1 {
		errs = append(errs, problem("QUALYS_RETRY_ATTEMPTS", "%d is below 1", q.RetryAttempts))
	}
	if c.Sync.ProgressEvery < time.Second {
		errs = append(errs, problem("SYNC_PROGRESS_EVERY", "%v is shorter than a second",
			c.Sync.ProgressEvery))
	}
	return errs
}

func (c *Config) validateOutput() []error {
	var errs []error
	f := c.Filters
	ids := func(s string) error { return checkIDList(s, 1, 0) }
	for _, v := range []struct {
		name, value string
		check       func(string) error
	}{
		{"FILTER_HOST_IDS", f.HostIDs, ids},
		{"FILTER_QIDS", f.QIDs, ids},
		{"FILTER_ASSET_GROUP_IDS", f.AssetGroupIDs, ids},
		{"FILTER_SEVERITIES", f.Severities, func(s string) error { return checkIDList(s, 1, 5) }},
		{"FILTER_IPS", f.IPs, checkIPList},
	} {
		if v.value == "" {
			continue
		}
		if err := v.check(v.value); err != nil {
			errs = append(errs, problem(v.name, "%w", err))
		}
	}
	if c.Output.ResultsMaxBytes < 0 {
		errs = append(errs, problem("SHOW_RESULTS_MAX_BYTES", "%d is negative", c.Output.ResultsMaxBytes))
	}
	if err := checkHostPort(c.ListenAddr); err != nil {
		errs = append(errs, problem("LISTEN_ADDR", "%w", err))
	}
	if m := c.Output.HostMetadata; m != "" &&
		!slices.Contains([]string{"all", "ec2", "azure", "google", "alicloud"}, m) {
		errs = append(errs, problem("SHOW_HOST_METADATA",
			"%q is not one of all, ec2, azure, google, alicloud", m))
	}
	if by := c.Filters.TagsBy; by != "id" && by != "name" {
		errs = append(errs, problem("FILTER_TAGS_BY", "%q is not id or name", by))
	}
	return errs
}

func (c *Config) validateKafka() []error {
	var errs []error
	if len(c.Kafka.Brokers) == 0 {
		errs = append(errs, problem("KAFKA_BROKERS", "required (comma-separated host:port)"))
	}
	switch strings.ToLower(c.Kafka.Compression) {
	case "none", "gzip", "snappy", "lz4", "zstd":
	default:
		errs = append(errs, problem("KAFKA_COMPRESSION",
			"%q is not one of none, gzip, snappy, lz4, zstd", c.Kafka.Compression))
	}
	if c.Kafka.MaxMessageBytes < 64<<10 {
		errs = append(errs, problem("KAFKA_MAX_MESSAGE_BYTES", "%d is below 65536",
			c.Kafka.MaxMessageBytes))
	}
	for _, b := range c.Kafka.Brokers {
		if err := checkHostPort(b); err != nil {
			errs = append(errs, problem("KAFKA_BROKERS", "%w", err))
		}
	}
	if !topicName.MatchString(c.Kafka.TopicPrefix) {
		errs = append(errs, problem("KAFKA_TOPIC_PREFIX", "%q %s", c.Kafka.TopicPrefix, notTopic))
	}
	if t := c.Kafka.SingleTopic; t != "" && !topicName.MatchString(t) {
		errs = append(errs, problem("KAFKA_SINGLE_TOPIC", "%q %s", t, notTopic))
	}
	if c.Kafka.Partitions < 1 {
		errs = append(errs, problem("KAFKA_PARTITIONS", "%d is below 1", c.Kafka.Partitions))
	}
	return errs
}

// Redacted returns c with secrets hidden, for the startup log: the
// password, and credentials written into the URL.
func (c Config) Redacted() Config {
	if c.Qualys.Password != "" {
		c.Qualys.Password = "[redacted]"
	}
	if u, err := url.Parse(c.Qualys.URL); err == nil && u.User != nil {
		u.User = url.User("[redacted]")
		c.Qualys.URL = u.String()
	}
	return c
}

const notTopic = "is not a valid topic name (letters, digits, . _ -)"

// problem is a configuration error naming its variable (without prefix).
func problem(name, format string, args ...any) error {
	return fmt.Errorf(Prefix+name+": "+format, args...)
}
