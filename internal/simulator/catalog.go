package simulator

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// platform groups operating systems that share vulnerabilities.
type platform uint8

const (
	platformAny platform = iota
	platformWindows
	platformRHEL
	platformUbuntu
	platformDebian
	platformMac
	platformNetwork
	platformCount
)

// osInfo is one operating system a host can run.
type osInfo struct {
	name     string
	cpe      string // empty when Qualys could not tell
	platform platform
	weight   int
}

// operatingSystems is the OS mix of a generated fleet, by weight.
var operatingSystems = []osInfo{
	{"Windows Server 2019 Standard 64 bit Edition Version 1809 Build 17763.5329",
		"cpe:/o:microsoft:windows_server_2019:-:-:x64:", platformWindows, 12},
	{"Windows Server 2022 Datacenter 64 bit Edition Version 21H2 Build 20348.2227",
		"cpe:/o:microsoft:windows_server_2022:-:-:x64:", platformWindows, 10},
	{"Windows Server 2016 Standard 64 bit Edition Version 1607 Build 14393.6614",
		"", platformWindows, 5},
	{"Windows 2008 R2 Enterprise Service Pack 1",
		"cpe:/o:microsoft:windows_server_2008::r2:x64:", platformWindows, 1},
	{"Windows 10 Enterprise 64 bit Edition Version 22H2 Build 19045.3930",
		"cpe:/o:microsoft:windows_10:22h2:-:x64:", platformWindows, 14},
	{"Windows 11 Enterprise 64 bit Edition Version 23H2 Build 22631.3007",
		"cpe:/o:microsoft:windows_11:23h2:-:x64:", platformWindows, 10},
	{"Red Hat Enterprise Linux 8.9", "cpe:/o:redhat:enterprise_linux:8.9::server:",
		platformRHEL, 8},
	{"Red Hat Enterprise Linux 9.3", "cpe:/o:redhat:enterprise_linux:9.3::server:",
		platformRHEL, 6},
	{"Amazon Linux 2", "cpe:/o:amazon:amazon_linux:2:::", platformRHEL, 4},
	{"Ubuntu 22.04.3 LTS", "cpe:/o:canonical:ubuntu_linux:22.04::lts:", platformUbuntu, 8},
	{"Ubuntu 20.04.6 LTS", "", platformUbuntu, 4},
	{"Debian GNU/Linux 12.4", "cpe:/o:debian:debian_linux:12.4:::", platformDebian, 4},
	{"Debian GNU/Linux 11.8", "", platformDebian, 2},
	{"macOS 14.2.1 Sonoma", "cpe:/o:apple:macos:14.2.1:::", platformMac, 4},
	{"macOS 13.6.3 Ventura", "", platformMac, 2},
	{"Cisco IOS XE 17.9.4a", "cpe:/o:cisco:ios_xe:17.9.4a:::", platformNetwork, 2},
	{"Cisco Adaptive Security Appliance 9.16(4)", "", platformNetwork, 1},
	{"Juniper JUNOS 21.4R3", "cpe:/o:juniper:junos:21.4r3:::", platformNetwork, 1},
	{"F5 BIG-IP 16.1.4", "", platformNetwork, 1},
	{"Linux 2.6", "", platformDebian, 1},
}

// qidRange is a block of QIDs Qualys uses for one kind of check.
type qidRange struct {
	lo, hi   int64
	platform platform
	weight   int
}

var qidRanges = []qidRange{
	{90000, 92200, platformWindows, 14},
	{105000, 106100, platformWindows, 6},
	{236000, 241000, platformRHEL, 10},
	{197000, 199800, platformUbuntu, 8},
	{176000, 178800, platformDebian, 6},
	{370000, 376000, platformMac, 5},
	{43000, 43700, platformNetwork, 4},
	{38000, 38900, platformAny, 10},
	{11000, 13500, platformAny, 4},
	{86000, 87500, platformAny, 5},
}

// infoQIDs are Information Gathered checks every platform can report.
var infoQIDs = []int64{
	6, 45017, 45038, 45039, 45179, 45303, 45304, 70000, 70001, 82003, 82023,
	82044, 82045, 86000, 90882, 105296, 43007, 38116, 45006, 45014,
}

// vuln is one QID of the generated knowledge base, with what every detection
// of it shares.
type vuln struct {
	qid      int64
	typ      string
	severity int32
	platform platform
	port     uint16 // zero when not port-bound
	proto    uint8
	ssl      bool
	disabled bool
	results  resultKind
	cves     []string
	mitre    [4]string // tactic name, technique name, tactic ID, technique ID
	factors  []qualys.QDSFactor
	qdsBase  int
}

var protocols = []string{"", "tcp", "udp", "icmp"}

const (
	protoNone uint8 = iota
	protoTCP
	protoUDP
	protoICMP
)

var servicePorts = []struct {
	port  uint16
	proto uint8
	ssl   bool
}{
	{22, protoTCP, false}, {80, protoTCP, false}, {443, protoTCP, true},
	{3389, protoTCP, true}, {445, protoTCP, false}, {161, protoUDP, false},
	{8443, protoTCP, true}, {1433, protoTCP, false}, {25, protoTCP, false},
	{123, protoUDP, false}, {636, protoTCP, true}, {5986, protoTCP, true},
}

var mitreTechniques = [][4]string{
	{"Initial Access", "Exploit Public-Facing Application", "TA0001", "T1190"},
	{"Privilege Escalation", "Exploitation for Privilege Escalation", "TA0004", "T1068"},
	{"Execution", "Exploitation for Client Execution", "TA0002", "T1203"},
	{"Lateral Movement", "Exploitation of Remote Services", "TA0008", "T1210"},
	{"Credential Access", "Adversary-in-the-Middle", "TA0006", "T1557"},
	{"Defense Evasion", "Exploitation for Defense Evasion", "TA0005", "T1211"},
}

var rtiValues = []string{
	"Easy_Exploit,Exploit_Public", "Remote_Code_Execution", "Denial_of_Service",
	"Privilege_Escalation,Unauthenticated_Exploitation", "No_Patch", "High_Lateral_Movement",
}

// newCatalog builds n vulnerabilities (at least the Information Gathered
// set) sorted by QID, deterministically from r.
func newCatalog(r *rand.Rand, n int) []vuln {
	seen := make(map[int64]bool, n)
	out := make([]vuln, 0, n)
	for _, qid := range infoQIDs {
		seen[qid] = true
		out = append(out, newInfoVuln(r, qid))
	}

	total := 0
	for _, qr := range qidRanges {
		total += qr.weight
	}
	for len(out) < n {
		qr := pickRange(r, total)
		qid := qr.lo + r.Int64N(qr.hi-qr.lo)
		if seen[qid] {
			continue
		}
		seen[qid] = true
		out = append(out, newVuln(r, qid, qr.platform))
	}

	slices.SortFunc(out, func(a, b vuln) int { return int(a.qid - b.qid) })
	return out
}

func pickRange(r *rand.Rand, total int) qidRange {
	w := r.IntN(total)
	for _, qr := range qidRanges {
		if w < qr.weight {
			return qr
		}
		w -= qr.weight
	}
	return qidRanges[0]
}

func newInfoVuln(r *rand.Rand, qid int64) vuln {
	v := vuln{
		qid:      qid,
		typ:      "Info",
		severity: int32(1 + r.IntN(3)),
		platform: platformAny,
		results:  resultKind(r.IntN(int(resultKindCount))),
	}
	if r.IntN(3) == 0 {
		sp := servicePorts[r.IntN(len(servicePorts))]
		v.port, v.proto, v.ssl = sp.port, sp.proto, sp.ssl
	}
	return v
}

// newVuln returns a Confirmed or Potential vulnerability (a few are
// Information Gathered too) with CVEs, QDS factors and sometimes MITRE data.
func newVuln(r *rand.Rand, qid int64, p platform) vuln {
	v := vuln{
		qid:      qid,
		typ:      "Confirmed",
		severity: int32(1 + r.IntN(5)),
		platform: p,
		disabled: r.IntN(200) == 0,
		results:  resultKind(r.IntN(int(resultKindCount))),
	}
	switch k := r.IntN(100); {
	case k < 22:
		v.typ = "Potential"
	case k < 30:
		v.typ = "Info"
		v.severity = int32(1 + r.IntN(3))
	}
	if p == platformAny || r.IntN(4) == 0 {
		sp := servicePorts[r.IntN(len(servicePorts))]
		v.port, v.proto, v.ssl = sp.port, sp.proto, sp.ssl
	}
	if v.typ == "Info" {
		return v
	}

	for range r.IntN(5) {
		year := 2015 + r.IntN(11)
		v.cves = append(v.cves, fmt.Sprintf("CVE-%d-%d", year, 1000+r.IntN(49000)))
	}
	if r.IntN(3) == 0 {
		v.mitre = mitreTechniques[r.IntN(len(mitreTechniques))]
	}
	v.qdsBase = 10 + int(v.severity)*15 + r.IntN(10)
	v.factors = newFactors(r, v)
	return v
}

func newFactors(r *rand.Rand, v vuln) []qualys.QDSFactor {
	cvss := 2.0 + float64(v.severity)*1.5 + r.Float64()
	f := []qualys.QDSFactor{
		{Name: "CVSS", Value: fmt.Sprintf("%.1f", min(cvss, 10))},
		{Name: "CVSS_version", Value: "v3.x"},
		{Name: "CVSS_vector", Value: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
		{Name: "epss", Value: fmt.Sprintf("%.5f", r.Float64()*r.Float64())},
	}
	if r.IntN(2) == 0 {
		f = append(f, qualys.QDSFactor{Name: "RTI", Value: rtiValues[r.IntN(len(rtiValues))]})
	}
	if r.IntN(4) == 0 {
		f = append(f, qualys.QDSFactor{Name: "exploit_maturity", Value: "poc"})
	}
	if r.IntN(10) == 0 {
		f = append(f, qualys.QDSFactor{Name: "CISA_vuln", Value: "YES"})
	}
	if r.IntN(8) == 0 {
		f = append(f, qualys.QDSFactor{Name: "trending", Value: "01152026,01162026"})
	}
	return f
}

// tagPool is the subscription's asset tags; hosts carry 0 to 4 of them.
var tagPool = []qualys.Tag{
	{ID: qualys.Some[int64](7140001), Name: "Production", Color: "#FFFFFF",
		BackgroundColor: "#D0021B"},
	{ID: qualys.Some[int64](7140002), Name: "Staging", Color: "#000000",
		BackgroundColor: "#F5A623"},
	{ID: qualys.Some[int64](7140003), Name: "Cloud Agent", Color: "#FFFFFF",
		BackgroundColor: "#4A90E2"},
	{ID: qualys.Some[int64](7140004), Name: "Internet Facing", Color: "#FFFFFF",
		BackgroundColor: "#9013FE"},
	{ID: qualys.Some[int64](7140005), Name: "PCI DSS", Color: "#FFFFFF",
		BackgroundColor: "#417505"},
	{ID: qualys.Some[int64](7140006), Name: "Windows Servers", Color: "#FFFFFF",
		BackgroundColor: "#0079C1"},
	{ID: qualys.Some[int64](7140007), Name: "Linux Servers", Color: "#000000",
		BackgroundColor: "#F8E71C"},
	{ID: qualys.Some[int64](7140008), Name: "DMZ", Color: "#FFFFFF",
		BackgroundColor: "#8B572A"},
	{ID: qualys.Some[int64](7140009), Name: "BU: Finance & Controlling", Color: "#FFFFFF",
		BackgroundColor: "#50E3C2"},
	{ID: qualys.Some[int64](7140010), Name: "Owner: Müller <IT Ops>", Color: "#000000",
		BackgroundColor: "#B8E986"},
	{ID: qualys.Some[int64](7140011), Name: "Workstations", Color: "#FFFFFF",
		BackgroundColor: "#4A4A4A"},
	{ID: qualys.Some[int64](7140012), Name: "Crown Jewels", Color: "#FFFFFF",
		BackgroundColor: "#D0021B"},
	{ID: qualys.Some[int64](7140013), Name: "EC2 Connector", Color: "#FFFFFF",
		BackgroundColor: "#FF9900"},
	{ID: qualys.Some[int64](7140014), Name: "Azure Connector", Color: "#FFFFFF",
		BackgroundColor: "#0089D6"},
	{ID: qualys.Some[int64](7140015), Name: "Network Devices", Color: "#FFFFFF",
		BackgroundColor: "#7ED321"},
	{ID: qualys.Some[int64](7140016), Name: "EOL OS", Color: "#FFFFFF",
		BackgroundColor: "#000000"},
	{ID: qualys.Some[int64](7140017), Name: "Business Unit \"Retail\"", Color: "#000000",
		BackgroundColor: "#F5A623"},
	{ID: qualys.Some[int64](7140018), Name: "Datacenter Frankfurt", Color: "#FFFFFF",
		BackgroundColor: "#4A90E2"},
	{ID: qualys.Some[int64](7140019), Name: "Datacenter Virginia", Color: "#FFFFFF",
		BackgroundColor: "#4A90E2"},
	{ID: qualys.Some[int64](7140020), Name: "Patch Group A", Color: "#000000",
		BackgroundColor: "#FFFFFF"},
}
