package qualys

import "time"

// Opt is an optional value: Valid reports whether the API sent it. An
// element that was absent or empty leaves Valid false, so that "not sent"
// is never confused with zero.
type Opt[T any] struct {
	V     T
	Valid bool
}

// Some returns a valid Opt holding v.
func Some[T any](v T) Opt[T] { return Opt[T]{V: v, Valid: true} }

// Host is one HOST element of a Host List Detection response with its
// detections. Strings are empty and times are zero when the element was
// absent or empty.
type Host struct {
	ID                        int64
	AssetID                   Opt[int64]
	IP                        string
	IPv6                      string
	TrackingMethod            string
	NetworkID                 Opt[int64]
	OS                        string
	OSCPE                     string
	DNS                       string
	DNSData                   DNSData
	CloudProvider             string
	CloudService              string
	CloudResourceID           string
	EC2InstanceID             string
	NetBIOS                   string
	QGHostID                  string
	LastScan                  time.Time
	LastVMScanned             time.Time
	LastVMScannedDuration     Opt[int64]
	LastVMAuthScanned         time.Time
	LastVMAuthScannedDuration Opt[int64]
	LastPCScanned             time.Time
	Tags                      []Tag
	Metadata                  []CloudAttribute
	CloudTags                 []CloudTag
	Detections                []Detection
	// Rejects are the detections of this host that could not become
	// records, each with its reason and the raw element, bound for the
	// dead-letter topic. Detections and Rejects together hold every
	// DETECTION element the API sent for the host.
	Rejects []Reject `json:",omitempty"`
}

// Reject is one DETECTION element that could not be read into a
// Detection: a value that does not parse, a missing QID, or a fault of
// its host (an ID that is not a number, a host date that cannot be read)
// that leaves none of the host's detections trustworthy.
type Reject struct {
	// Reason is one of the Reject* kinds; it is what the sync summary
	// counts by.
	Reason string
	// Detail names the element and the value, e.g. `QID: not an integer: "12a"`.
	Detail string
	// HostID and QID are the identities read, 0 when unknown.
	HostID int64
	QID    int64
	// Raw is the DETECTION element as it was read, from its start tag to
	// its end tag, after repair of illegal characters.
	Raw string
}

// The reasons of a Reject.
const (
	RejectNumber  = "bad_number"  // an integer element does not parse
	RejectBoolean = "bad_boolean" // a 0/1 element holds something else
	RejectDate    = "bad_date"    // a date in none of the accepted forms
	RejectMissing = "missing_id"  // a detection without QID or a host without ID
)

// DNSData is the DNS_DATA element of a host.
type DNSData struct {
	Hostname string
	Domain   string
	FQDN     string
}

// Tag is one TAGS/TAG element of a host (show_tags=1).
type Tag struct {
	ID              Opt[int64]
	Name            string
	Color           string
	BackgroundColor string
}

// CloudAttribute is one METADATA/<provider>/ATTRIBUTE element of a host
// (host_metadata). Provider is the element name: EC2, GOOGLE, AZURE or
// ALICLOUD.
type CloudAttribute struct {
	Provider      string
	Name          string
	LastStatus    string
	Value         string
	LastSuccess   time.Time
	LastErrorDate time.Time
	LastError     string
}

// CloudTag is one CLOUD_PROVIDER_TAGS/CLOUD_TAG element (show_cloud_tags=1).
type CloudTag struct {
	Name        string
	Value       string
	LastSuccess time.Time
}

// Detection is one DETECTION element. Status holds the API's word (New,
// Active, Fixed, Re-Opened) and Type its word (Confirmed, Potential, Info).
type Detection struct {
	UniqueVulnID   Opt[int64]
	QID            int64
	Type           string
	Severity       Opt[int32]
	Port           Opt[int32]
	Protocol       string
	FQDN           string
	SSL            Opt[bool]
	Instance       string
	ResultInstance string
	Results        string
	// ResultsLength is the length in bytes RESULTS had before it was cut to
	// the configured cap; invalid when it was not cut.
	ResultsLength            Opt[int64]
	Status                   string
	FirstFound               time.Time
	LastFound                time.Time
	Source                   string
	QDS                      Opt[int32]
	QDSSeverity              string
	QDSFactors               []QDSFactor
	TimesFound               Opt[int32]
	LastTest                 time.Time
	LastUpdate               time.Time
	LastFixed                time.Time
	FirstReopened            time.Time
	LastReopened             time.Time
	TimesReopened            Opt[int32]
	Service                  string
	IsIgnored                Opt[bool]
	IsDisabled               Opt[bool]
	AffectRunningKernel      Opt[bool]
	AffectRunningService     Opt[bool]
	AffectExploitableConfig  Opt[bool]
	LastProcessed            time.Time
	AssetCVE                 string
	CVEs                     []string
	DetectionSources         string
	LatestDetectionSource    string
	MITRETacticName          string
	MITRETechniqueName       string
	MITRETacticID            string
	MITRETechniqueID         string
	TruRiskEliminationStatus string
}

// QDSFactor is one QDS_FACTORS/QDS_FACTOR element: its name attribute and
// its text.
type QDSFactor struct {
	Name  string
	Value string
}

// Detection statuses as the API spells them.
const (
	StatusNew      = "New"
	StatusActive   = "Active"
	StatusFixed    = "Fixed"
	StatusReopened = "Re-Opened"
)

// AllStatuses is the status parameter of every detection request: the API
// leaves Fixed out unless asked.
const AllStatuses = "New,Active,Fixed,Re-Opened"

// Warning is the WARNING element that ends a truncated page. URL carries
// the next page's id_min.
type Warning struct {
	Code int
	Text string
	URL  string
}
