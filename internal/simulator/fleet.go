package simulator

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"time"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// FleetConfig says what fleet Generate builds. Zero values mean the default
// noted on each field.
type FleetConfig struct {
	// Seed makes the fleet: the same configuration gives the same fleet.
	Seed uint64

	// Hosts is the number of hosts, including those without detections.
	// Default 1000.
	Hosts int

	// Start is the simulated "now" when the fleet is generated; every
	// generated time is at least an hour before it. It is truncated to
	// whole seconds in UTC and must lie between 1972 and 2105. Default
	// 2026-03-02T12:00:00Z.
	Start time.Time

	// MaxDetections caps the detections of one host. The count per host is
	// skewed: most hosts have a few dozen, some have hundreds. Default 300.
	MaxDetections int

	// QIDs is the size of the generated knowledge base. Default 1500.
	QIDs int

	// NoDetectionHosts is the fraction of hosts with no detection at all;
	// the detection API never lists them. Default 0.05; negative means none.
	NoDetectionHosts float64
}

// DefaultStart is the simulated "now" of a fleet whose FleetConfig.Start is
// zero.
var DefaultStart = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

func (c FleetConfig) withDefaults() FleetConfig {
	if c.Hosts <= 0 {
		c.Hosts = 1000
	}
	if c.Start.IsZero() {
		c.Start = DefaultStart
	}
	c.Start = c.Start.UTC().Truncate(time.Second)
	if c.MaxDetections <= 0 {
		c.MaxDetections = 300
	}
	if c.QIDs <= 0 {
		c.QIDs = 1500
	}
	c.QIDs = max(c.QIDs, len(infoQIDs)+c.MaxDetections)
	if c.NoDetectionHosts == 0 {
		c.NoDetectionHosts = 0.05
	}
	return c
}

// Fleet is a generated subscription: hosts sorted by ID, their detections,
// and the clock. A Fleet is not safe for concurrent use; a Server guards
// the fleet it serves.
type Fleet struct {
	cfg     FleetConfig
	now     time.Time
	rng     *rand.Rand
	vulns   []vuln
	byPlat  [platformCount][]uint16 // vuln indexes a host of that platform can have
	hosts   []*host
	nextUID int64
	seen    []uint64 // scratch bitset over vulns while picking a host's QIDs
}

// host is one host with its detections. The embedded Host carries every
// host-level element; its Detections field stays nil.
type host struct {
	qualys.Host
	processed  stamp // when the host's scan results were last processed
	emptyDNS   bool  // write <DNS> and <NETBIOS> even when empty
	platform   platform
	detections []detection // sorted by QID
}

// detection is one detection, kept small: a fleet holds millions.
type detection struct {
	uid           int64
	vuln          uint16 // index into Fleet.vulns
	port          uint16
	proto         uint8
	status        status
	qds           uint8 // zero when the QID has no QDS
	flags         detFlags
	timesReopened uint16
	timesFound    uint32

	firstFound, lastFound, lastTest, lastUpdate stamp
	lastFixed, firstReopened, lastReopened      stamp
	lastProcessed                               stamp
}

type detFlags uint16

const (
	flagSSL detFlags = 1 << iota
	flagHasSSL
	flagIgnored
	flagFQDN
	flagInstance
	flagKernel
	flagService
	flagConfig
	flagAgentSource // VULNERABILITY_DETECTION_SOURCES includes Cloud Agent
	flagScanSource  // ... includes Internal Scanner
	flagAgentLatest // LATEST_VULNERABILITY_DETECTION_SOURCE is Cloud Agent
)

type status uint8

const (
	statusNew status = 1 << iota
	statusActive
	statusFixed
	statusReopened
)

// word returns the API's spelling of s.
func (s status) word() string {
	switch s {
	case statusNew:
		return qualys.StatusNew
	case statusActive:
		return qualys.StatusActive
	case statusFixed:
		return qualys.StatusFixed
	default:
		return qualys.StatusReopened
	}
}

// stamp is a time in whole seconds since the Unix epoch, zero when absent.
// Four bytes keep detections small and last until 2106.
type stamp uint32

func stampOf(t time.Time) stamp { return stamp(t.Unix()) }

func (s stamp) time() time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(int64(s), 0).UTC()
}

// Generate builds the fleet cfg describes. It is deterministic: the same
// configuration always gives the same fleet.
func Generate(cfg FleetConfig) *Fleet {
	cfg = cfg.withDefaults()
	r := rand.New(rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15))
	f := &Fleet{
		cfg:     cfg,
		now:     cfg.Start,
		rng:     r,
		vulns:   newCatalog(r, cfg.QIDs),
		hosts:   make([]*host, 0, cfg.Hosts),
		nextUID: 1_000_000_000 + r.Int64N(1_000_000_000),
	}
	f.seen = make([]uint64, (len(f.vulns)+63)/64)
	for i, v := range f.vulns {
		for p := range platformCount {
			if v.platform == platformAny || v.platform == p {
				f.byPlat[p] = append(f.byPlat[p], uint16(i))
			}
		}
	}

	id := int64(100000)
	for i := range cfg.Hosts {
		id += nextStep(r)
		h := f.newHost(id, i)
		f.addDetections(h, f.detectionCount())
		f.hosts = append(f.hosts, h)
	}
	return f
}

// nextStep draws the gap to the next host ID: hosts added together get
// consecutive IDs, others are up to 50 apart.
func nextStep(r *rand.Rand) int64 {
	if r.IntN(5) == 0 {
		return 1
	}
	return 2 + r.Int64N(49)
}

// Now returns the fleet's clock.
func (f *Fleet) Now() time.Time { return f.now }

// Hosts returns the number of hosts, with or without detections.
func (f *Fleet) Hosts() int { return len(f.hosts) }

// Detections returns the number of detections of every status and type.
func (f *Fleet) Detections() int {
	n := 0
	for _, h := range f.hosts {
		n += len(h.detections)
	}
	return n
}

// detectionCount draws a skewed number of detections for one host.
func (f *Fleet) detectionCount() int {
	r, maxN := f.rng, f.cfg.MaxDetections
	if r.Float64() < f.cfg.NoDetectionHosts {
		return 0
	}
	switch k := r.IntN(100); {
	case k < 55:
		return 1 + r.IntN(max(1, maxN/15))
	case k < 85:
		return 1 + r.IntN(max(1, maxN/4))
	case k < 97:
		return 1 + r.IntN(max(1, maxN*2/3))
	default:
		return 1 + r.IntN(maxN)
	}
}

type trackingKind uint8

const (
	trackIP trackingKind = iota
	trackDNS
	trackNetBIOS
	trackAgent
	trackEC2
)

var trackingNames = []string{"IP", "DNS", "NETBIOS", "AGENT", "EC2"}

// newHost draws the host-level elements of host number i. Its scan and
// processing times lie between 30 days and 2 hours before the clock.
func (f *Fleet) newHost(id int64, i int) *host {
	r := f.rng
	o := pickOS(r)
	h := &host{platform: o.platform}
	h.ID = id
	h.AssetID = qualys.Some(int64(20_000_000 + i*7 + r.IntN(7)))
	h.OS = o.name
	h.OSCPE = o.cpe

	track := pickTracking(r, o.platform)
	h.TrackingMethod = trackingNames[track]
	f.addAddresses(h, track, i)
	f.addNames(h, track)
	cloud := track == trackEC2 || (track == trackAgent && r.IntN(3) == 0)
	if cloud {
		f.addCloud(h, track)
	}
	if track == trackAgent {
		h.QGHostID = uuid(r)
	}
	f.addScanTimes(h, track)
	h.Tags = pickTags(r)
	return h
}

func pickOS(r *rand.Rand) osInfo {
	total := 0
	for _, o := range operatingSystems {
		total += o.weight
	}
	w := r.IntN(total)
	for _, o := range operatingSystems {
		if w < o.weight {
			return o
		}
		w -= o.weight
	}
	return operatingSystems[0]
}

func pickTracking(r *rand.Rand, p platform) trackingKind {
	k := r.IntN(100)
	switch {
	case p == platformNetwork:
		return trackIP
	case k < 40:
		return trackIP
	case k < 48:
		return trackDNS
	case k < 53 && p == platformWindows:
		return trackNetBIOS
	case k < 88:
		return trackAgent
	default:
		return trackEC2
	}
}

// addAddresses gives the host an IPv4 address, an IPv6 address or both;
// a few agents report none.
func (f *Fleet) addAddresses(h *host, track trackingKind, i int) {
	r := f.rng
	if track == trackAgent && r.IntN(20) == 0 {
		return
	}
	v6only := track == trackIP && r.IntN(30) == 0
	if !v6only {
		a := [4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}
		if a[3] == 0 || a[3] == 255 {
			a[3] = byte(1 + r.IntN(254))
		}
		h.IP = netip.AddrFrom4(a).String()
	}
	if v6only || r.IntN(7) == 0 {
		var a [16]byte
		copy(a[:], []byte{0xfd, 0x00, 0x0a, 0x51})
		for j := 8; j < 16; j++ {
			a[j] = byte(r.IntN(256))
		}
		h.IPv6 = netip.AddrFrom16(a).String()
	}
}

var hostRoles = []string{"web", "db", "app", "dc", "file", "mail", "ws", "build", "jump", "k8s-node"}
var domains = []string{"corp.example.com", "dmz.example.com", "eu.example.net", "lab.local"}

// addNames sets DNS, DNS_DATA and NETBIOS. Some hosts have none, and some of
// those still carry empty DNS and NETBIOS elements.
func (f *Fleet) addNames(h *host, track trackingKind) {
	r := f.rng
	if r.IntN(12) == 0 && track != trackDNS {
		h.emptyDNS = r.IntN(2) == 0
		return
	}
	role := hostRoles[r.IntN(len(hostRoles))]
	name := fmt.Sprintf("%s-%s-%03d", role, []string{"prod", "stg", "dev"}[r.IntN(3)], r.IntN(1000))
	domain := domains[r.IntN(len(domains))]
	h.DNS = name + "." + domain
	h.DNSData = qualys.DNSData{Hostname: name, Domain: domain, FQDN: h.DNS}
	if h.platform == platformWindows && r.IntN(5) != 0 {
		h.NetBIOS = toUpperASCII(name)
		if len(h.NetBIOS) > 15 {
			h.NetBIOS = h.NetBIOS[:15]
		}
	}
}

func toUpperASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

var awsRegions = []string{"us-east-1", "us-west-2", "eu-central-1", "eu-west-1", "ap-southeast-2"}
var azureRegions = []string{"westeurope", "eastus", "northeurope"}
var gcpZones = []string{"us-central1-a", "europe-west3-b"}

// addCloud makes the host a cloud instance: provider fields, instance IDs,
// metadata attributes and cloud provider tags.
func (f *Fleet) addCloud(h *host, track trackingKind) {
	r := f.rng
	provider := "AWS"
	if track == trackAgent {
		provider = []string{"AWS", "Azure", "GCP"}[r.IntN(3)]
	}
	seen := f.now.Add(-time.Duration(2+r.IntN(24*20)) * time.Hour).Truncate(time.Second)
	switch provider {
	case "AWS":
		id := fmt.Sprintf("i-%017x", r.Uint64()&0xfffffffffffffff)
		h.CloudProvider, h.CloudService, h.CloudResourceID = "AWS", "EC2", id
		h.EC2InstanceID = id
		region := awsRegions[r.IntN(len(awsRegions))]
		h.Metadata = ec2Metadata(r, id, region, h.IP, seen)
	case "Azure":
		id := uuid(r)
		h.CloudProvider, h.CloudService, h.CloudResourceID = "Azure", "VM", id
		h.Metadata = azureMetadata(r, id, seen)
	default:
		id := fmt.Sprintf("%d", 1_000_000_000_000+r.Int64N(9_000_000_000_000))
		h.CloudProvider, h.CloudService, h.CloudResourceID = "GCP", "VM", id
		h.Metadata = googleMetadata(r, id, seen)
	}
	h.CloudTags = []qualys.CloudTag{
		{Name: "Name", Value: h.DNSData.Hostname, LastSuccess: seen},
		{Name: "Environment", Value: []string{"prod", "staging", "dev"}[r.IntN(3)],
			LastSuccess: seen},
	}
	if r.IntN(3) == 0 {
		h.CloudTags = append(h.CloudTags,
			qualys.CloudTag{Name: "CostCenter", Value: "CC-4711 & Ops", LastSuccess: seen})
	}
}

func ec2Metadata(r *rand.Rand, id, region, ip string, seen time.Time) []qualys.CloudAttribute {
	doc := "latest/dynamic/instance-identity/document/"
	attrs := [][2]string{
		{doc + "region", region},
		{doc + "instanceId", id},
		{doc + "accountId", fmt.Sprintf("%012d", r.Int64N(1e12))},
		{doc + "instanceType", []string{"t3.medium", "m5.xlarge", "c6i.2xlarge"}[r.IntN(3)]},
		{doc + "availabilityZone", region + "a"},
		{doc + "imageId", fmt.Sprintf("ami-%017x", r.Uint64()&0xfffffffffffffff)},
		{doc + "privateIp", ip},
	}
	return cloudAttributes("EC2", attrs, seen, r)
}

func azureMetadata(r *rand.Rand, id string, seen time.Time) []qualys.CloudAttribute {
	attrs := [][2]string{
		{"compute/location", azureRegions[r.IntN(len(azureRegions))]},
		{"compute/vmId", id},
		{"compute/vmSize", "Standard_D4s_v5"},
		{"compute/subscriptionId", uuid(r)},
		{"compute/resourceGroupName", "rg-prod-weu"},
	}
	return cloudAttributes("AZURE", attrs, seen, r)
}

func googleMetadata(r *rand.Rand, id string, seen time.Time) []qualys.CloudAttribute {
	attrs := [][2]string{
		{"instance/id", id},
		{"instance/zone", "projects/1234567890/zones/" + gcpZones[r.IntN(len(gcpZones))]},
		{"instance/machineType", "projects/1234567890/machineTypes/e2-standard-4"},
		{"project/projectId", "acme-prod-42"},
	}
	return cloudAttributes("GOOGLE", attrs, seen, r)
}

// cloudAttributes makes one attribute per name and value; an empty value or
// one attribute in twenty records a failed lookup instead.
func cloudAttributes(provider string, attrs [][2]string, seen time.Time,
	r *rand.Rand) []qualys.CloudAttribute {
	out := make([]qualys.CloudAttribute, 0, len(attrs))
	for _, a := range attrs {
		ca := qualys.CloudAttribute{Provider: provider, Name: a[0], LastStatus: "Success",
			Value: a[1], LastSuccess: seen}
		if a[1] == "" || r.IntN(20) == 0 {
			ca.LastStatus, ca.Value = "Error", ""
			ca.LastErrorDate = seen
			ca.LastError = "Connection timed out <after 5 s> & retried"
		}
		out = append(out, ca)
	}
	return out
}

// addScanTimes sets the last scan times and the processing time, all
// between 30 days and 90 minutes before the clock.
func (f *Fleet) addScanTimes(h *host, track trackingKind) {
	r := f.rng
	scanned := f.now.Add(-2*time.Hour - time.Duration(r.Int64N(int64(28*24*time.Hour))))
	scanned = scanned.Truncate(time.Second)
	duration := int64(30 + r.IntN(3600))
	if track == trackAgent {
		duration = int64(5 + r.IntN(120))
	}
	h.LastVMScanned = scanned
	h.LastVMScannedDuration = qualys.Some(duration)
	h.LastScan = scanned.Add(time.Duration(5+r.IntN(60)) * time.Second)
	if h.platform != platformNetwork && r.IntN(5) < 3 {
		h.LastVMAuthScanned = scanned
		h.LastVMAuthScannedDuration = qualys.Some(duration)
	}
	if r.IntN(5) == 0 {
		h.LastPCScanned = scanned.Add(-time.Duration(r.IntN(72*3600)) * time.Second)
	}
	processed := h.LastScan.Add(time.Duration(r.IntN(1800)) * time.Second)
	h.processed = stampOf(processed)
}

func pickTags(r *rand.Rand) []qualys.Tag {
	n := r.IntN(5)
	if n == 0 {
		return nil
	}
	idx := r.Perm(len(tagPool))[:n]
	slices.Sort(idx)
	tags := make([]qualys.Tag, n)
	for i, j := range idx {
		tags[i] = tagPool[j]
	}
	return tags
}

// uuid draws a random version-4 UUID string.
func uuid(r *rand.Rand) string {
	a, b := r.Uint64(), r.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x",
		a>>32, (a>>16)&0xffff, a&0x0fff, 0x8000|(b>>48)&0x3fff, b&0xffffffffffff)
}

// addDetections gives h n detections of distinct QIDs its platform can have,
// sorted by QID.
func (f *Fleet) addDetections(h *host, n int) {
	pool := f.byPlat[h.platform]
	n = min(n, len(pool))
	picked := make([]uint16, 0, n)
	for len(picked) < n {
		vi := pool[f.rng.IntN(len(pool))]
		if f.seen[vi/64]&(1<<(vi%64)) != 0 {
			continue
		}
		f.seen[vi/64] |= 1 << (vi % 64)
		picked = append(picked, vi)
	}
	for _, vi := range picked {
		f.seen[vi/64] = 0
	}
	slices.Sort(picked)

	h.detections = make([]detection, 0, n)
	for _, vi := range picked {
		h.detections = append(h.detections, f.newDetection(h, vi))
	}
}

const day = 24 * 3600

// newDetection draws one detection of vulnerability vi found on h, with a
// history consistent with its status and with h's last scan.
func (f *Fleet) newDetection(h *host, vi uint16) detection {
	r, v := f.rng, &f.vulns[vi]
	d := detection{uid: f.nextUID, vuln: vi, port: v.port, proto: v.proto}
	f.nextUID += 1 + r.Int64N(7)
	d.flags = f.drawFlags(h, v)
	if v.qdsBase > 0 {
		d.qds = uint8(min(100, max(1, v.qdsBase+r.IntN(21)-10)))
	}

	scanned, processed := stampOf(h.LastVMScanned), h.processed
	switch k := r.IntN(100); {
	case k < 10:
		d.status = statusNew
		d.firstFound, d.lastFound, d.timesFound = scanned, scanned, 1
		if r.IntN(10) != 0 {
			d.lastUpdate = processed
		}
	case k < 65:
		d.status = statusActive
		f.drawActive(&d, scanned)
	case k < 93:
		d.status = statusFixed
		f.drawFixed(&d, scanned)
	default:
		d.status = statusReopened
		f.drawReopened(&d, scanned, processed)
	}
	d.lastTest, d.lastProcessed = scanned, processed
	return d
}

// drawFlags draws SSL, ignored, FQDN, instance, the affect-running flags and
// the detection sources.
func (f *Fleet) drawFlags(h *host, v *vuln) detFlags {
	r := f.rng
	var fl detFlags
	if v.port != 0 {
		fl |= flagHasSSL
		if v.ssl {
			fl |= flagSSL
		}
		if (v.port == 443 || v.port == 80) && h.DNS != "" && r.IntN(40) == 0 {
			fl |= flagFQDN
		}
		if v.port == 1433 && r.IntN(3) == 0 {
			fl |= flagInstance
		}
	}
	if r.IntN(50) == 0 {
		fl |= flagIgnored
	}
	if r.IntN(200) == 0 && v.port == 0 {
		fl |= flagInstance
	}
	fl |= detFlags(r.IntN(8)) * flagKernel & (flagKernel | flagService | flagConfig)

	agent := h.TrackingMethod == "AGENT"
	if agent || r.IntN(20) == 0 {
		fl |= flagAgentSource
	}
	if !agent || r.IntN(3) == 0 {
		fl |= flagScanSource
	}
	if fl&flagScanSource == 0 || (fl&flagAgentSource != 0 && r.IntN(2) == 0) {
		fl |= flagAgentLatest
	}
	return fl
}

// pastSpan returns a time up to two years before t, at least a week before.
func (f *Fleet) pastSpan(t stamp) stamp {
	return t - stamp(7*day+f.rng.IntN(720*day))
}

// between returns a time in [a, b].
func (f *Fleet) between(a, b stamp) stamp {
	if b <= a {
		return a
	}
	return a + stamp(f.rng.Int64N(int64(b-a)+1))
}

func timesFoundBetween(a, b stamp) uint32 { return 1 + uint32((b-a)/(3*day)) }

// drawActive: found first a while ago, found again at the last scan; some
// were fixed and re-opened before.
func (f *Fleet) drawActive(d *detection, scanned stamp) {
	d.firstFound = f.pastSpan(scanned)
	d.lastFound = scanned
	d.timesFound = timesFoundBetween(d.firstFound, scanned)
	d.lastUpdate = f.between(d.firstFound+3*day, scanned)
	if f.rng.IntN(20) == 0 {
		d.lastFixed = f.between(d.firstFound+day, d.lastUpdate-2*day)
		d.firstReopened = f.between(d.lastFixed+1, d.lastUpdate-day)
		d.lastReopened, d.timesReopened = d.firstReopened, 1
	}
}

// drawFixed: last found before the last scan, fixed at or before it.
func (f *Fleet) drawFixed(d *detection, scanned stamp) {
	d.firstFound = f.pastSpan(scanned)
	d.lastFound = f.between(d.firstFound, scanned-day)
	d.timesFound = timesFoundBetween(d.firstFound, d.lastFound)
	d.lastFixed = f.between(d.lastFound+1, scanned)
	d.lastUpdate = d.lastFixed
}

// drawReopened: fixed once or more, found again at the last scan.
func (f *Fleet) drawReopened(d *detection, scanned, processed stamp) {
	d.firstFound = f.pastSpan(scanned)
	d.lastFixed = f.between(d.firstFound+day, scanned-2*day)
	d.firstReopened = f.between(d.lastFixed+1, scanned-day)
	d.lastReopened = scanned
	d.timesReopened = uint16(1 + f.rng.IntN(3))
	d.lastFound = scanned
	d.timesFound = timesFoundBetween(d.firstFound, scanned)
	d.lastUpdate = processed
}
