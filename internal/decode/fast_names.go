package decode

import "encoding/binary"

// elem is an element name the fast decoder acts on, found once per start
// tag so that the readers switch on a small integer instead of comparing
// strings, and so that a name never becomes a string just to be compared.
type elem uint8

// The element names the decoders know; elemOther is every other name.
const (
	elemOther elem = iota
	elemRoot
	elemSimpleReturn
	elemGenericReturn
	elemResponse
	elemDatetime
	elemHostList
	elemIDSet
	elemHost
	elemWarning
	elemCode
	elemText
	elemURL

	elemID
	elemAssetID
	elemIP
	elemIPv6
	elemTrackingMethod
	elemNetworkID
	elemOS
	elemOSCPE
	elemDNS
	elemDNSData
	elemHostname
	elemDomain
	elemFQDN
	elemCloudProvider
	elemCloudService
	elemCloudResourceID
	elemEC2InstanceID
	elemNetBIOS
	elemQGHostID
	elemLastScan
	elemLastVMScanned
	elemLastVMScannedDuration
	elemLastVMAuthScanned
	elemLastVMAuthScannedDuration
	elemLastPCScanned
	elemTags
	elemTag
	elemTagID
	elemName
	elemColor
	elemBackgroundColor
	elemMetadata
	elemAttribute
	elemLastStatus
	elemValue
	elemLastSuccessDate
	elemLastErrorDate
	elemLastError
	elemCloudProviderTags
	elemCloudTag
	elemDetectionList
	elemDetection

	elemUniqueVulnID
	elemQID
	elemType
	elemSeverity
	elemPort
	elemProtocol
	elemSSL
	elemInstance
	elemResultInstance
	elemResults
	elemStatus
	elemSource
	elemQDS
	elemQDSFactors
	elemQDSFactor
	elemService
	elemAssetCVE
	elemCVE
	elemFirstFound
	elemLastFound
	elemTimesFound
	elemLastTest
	elemLastUpdate
	elemLastFixed
	elemFirstReopened
	elemLastReopened
	elemTimesReopened
	elemLastProcessed
	elemIsIgnored
	elemIsDisabled
	elemAffectRunningKernel
	elemAffectRunningService
	elemAffectExploitableConfig
	elemDetectionSources
	elemLatestDetectionSource
	elemMITRETacticName
	elemMITRETechniqueName
	elemMITRETacticID
	elemMITRETechniqueID
	elemTruRiskEliminationStatus

	elemCount
)

// elemNames holds the name of each elem, for the details of faults, which
// name the element as the reference decoder does.
var elemNames = [elemCount]string{
	elemRoot:                      RootElement,
	elemSimpleReturn:              "SIMPLE_RETURN",
	elemGenericReturn:             "GENERIC_RETURN",
	elemResponse:                  "RESPONSE",
	elemDatetime:                  "DATETIME",
	elemHostList:                  "HOST_LIST",
	elemIDSet:                     "ID_SET",
	elemHost:                      "HOST",
	elemWarning:                   "WARNING",
	elemCode:                      "CODE",
	elemText:                      "TEXT",
	elemURL:                       "URL",
	elemID:                        "ID",
	elemAssetID:                   "ASSET_ID",
	elemIP:                        "IP",
	elemIPv6:                      "IPV6",
	elemTrackingMethod:            "TRACKING_METHOD",
	elemNetworkID:                 "NETWORK_ID",
	elemOS:                        "OS",
	elemOSCPE:                     "OS_CPE",
	elemDNS:                       "DNS",
	elemDNSData:                   "DNS_DATA",
	elemHostname:                  "HOSTNAME",
	elemDomain:                    "DOMAIN",
	elemFQDN:                      "FQDN",
	elemCloudProvider:             "CLOUD_PROVIDER",
	elemCloudService:              "CLOUD_SERVICE",
	elemCloudResourceID:           "CLOUD_RESOURCE_ID",
	elemEC2InstanceID:             "EC2_INSTANCE_ID",
	elemNetBIOS:                   "NETBIOS",
	elemQGHostID:                  "QG_HOSTID",
	elemLastScan:                  "LAST_SCAN_DATETIME",
	elemLastVMScanned:             "LAST_VM_SCANNED_DATE",
	elemLastVMScannedDuration:     "LAST_VM_SCANNED_DURATION",
	elemLastVMAuthScanned:         "LAST_VM_AUTH_SCANNED_DATE",
	elemLastVMAuthScannedDuration: "LAST_VM_AUTH_SCANNED_DURATION",
	elemLastPCScanned:             "LAST_PC_SCANNED_DATE",
	elemTags:                      "TAGS",
	elemTag:                       "TAG",
	elemTagID:                     "TAG_ID",
	elemName:                      "NAME",
	elemColor:                     "COLOR",
	elemBackgroundColor:           "BACKGROUND_COLOR",
	elemMetadata:                  "METADATA",
	elemAttribute:                 "ATTRIBUTE",
	elemLastStatus:                "LAST_STATUS",
	elemValue:                     "VALUE",
	elemLastSuccessDate:           "LAST_SUCCESS_DATE",
	elemLastErrorDate:             "LAST_ERROR_DATE",
	elemLastError:                 "LAST_ERROR",
	elemCloudProviderTags:         "CLOUD_PROVIDER_TAGS",
	elemCloudTag:                  "CLOUD_TAG",
	elemDetectionList:             "DETECTION_LIST",
	elemDetection:                 "DETECTION",
	elemUniqueVulnID:              "UNIQUE_VULN_ID",
	elemQID:                       "QID",
	elemType:                      "TYPE",
	elemSeverity:                  "SEVERITY",
	elemPort:                      "PORT",
	elemProtocol:                  "PROTOCOL",
	elemSSL:                       "SSL",
	elemInstance:                  "INSTANCE",
	elemResultInstance:            "RESULT_INSTANCE",
	elemResults:                   "RESULTS",
	elemStatus:                    "STATUS",
	elemSource:                    "SOURCE",
	elemQDS:                       "QDS",
	elemQDSFactors:                "QDS_FACTORS",
	elemQDSFactor:                 "QDS_FACTOR",
	elemService:                   "SERVICE",
	elemAssetCVE:                  "ASSET_CVE",
	elemCVE:                       "CVE",
	elemFirstFound:                "FIRST_FOUND_DATETIME",
	elemLastFound:                 "LAST_FOUND_DATETIME",
	elemTimesFound:                "TIMES_FOUND",
	elemLastTest:                  "LAST_TEST_DATETIME",
	elemLastUpdate:                "LAST_UPDATE_DATETIME",
	elemLastFixed:                 "LAST_FIXED_DATETIME",
	elemFirstReopened:             "FIRST_REOPENED_DATETIME",
	elemLastReopened:              "LAST_REOPENED_DATETIME",
	elemTimesReopened:             "TIMES_REOPENED",
	elemLastProcessed:             "LAST_PROCESSED_DATETIME",
	elemIsIgnored:                 "IS_IGNORED",
	elemIsDisabled:                "IS_DISABLED",
	elemAffectRunningKernel:       "AFFECT_RUNNING_KERNEL",
	elemAffectRunningService:      "AFFECT_RUNNING_SERVICE",
	elemAffectExploitableConfig:   "AFFECT_EXPLOITABLE_CONFIG",
	elemDetectionSources:          "VULNERABILITY_DETECTION_SOURCES",
	elemLatestDetectionSource:     "LATEST_VULNERABILITY_DETECTION_SOURCE",
	elemMITRETacticName:           "MITRE_TACTIC_NAME",
	elemMITRETechniqueName:        "MITRE_TECHNIQUE_NAME",
	elemMITRETacticID:             "MITRE_TACTIC_ID",
	elemMITRETechniqueID:          "MITRE_TECHNIQUE_ID",
	elemTruRiskEliminationStatus:  "TRURISK_ELIMINATION_STATUS",
}

// elemIndex finds an elem by name, for names read by encoding/xml.
var elemIndex = func() map[string]elem {
	m := make(map[string]elem, elemCount)
	for e, name := range elemNames {
		if name != "" {
			m[name] = elem(e)
		}
	}
	return m
}()

// elemTable is an open-addressed hash table of elemNames: a lookup per
// start tag costs a short hash and one comparison, a third of a map's.
var elemTable = func() (t [elemSlots]struct {
	name string
	e    elem
}) {
	for e, name := range elemNames {
		if name == "" {
			continue
		}
		i := nameHash([]byte(name))
		for t[i].name != "" { // linear probing

			i = (i + 1) % elemSlots
		}
		t[i].name, t[i].e = name, elem(e)
	}
	return t
}()

const elemSlots = 512

// nameHash mixes the length and three bytes of a name: enough to spread
// the known names over elemTable, at the cost of a multiplication.
func nameHash(b []byte) uint32 {
	if len(b) == 0 {
		return 0
	}
	n := len(b)
	v := uint32(n) | uint32(b[0])<<8 | uint32(b[n/2])<<16 | uint32(b[n-1])<<24
	return (v * 0x9E3779B1) >> 23 // 9 bits: elemSlots
}

// lookupElem returns the elem of a local name, elemOther if it is none.
func lookupElem(local []byte) elem {
	for i := nameHash(local); ; i = (i + 1) % elemSlots {
		slot := &elemTable[i]
		if slot.name == string(local) { // compared without a copy
			return slot.e
		}
		if slot.name == "" {
			return elemOther
		}
	}
}

// stringCache hands out the strings of short values without allocating
// when the same value came recently: most values of a detection (types,
// statuses, CVEs, QDS factors, sources) repeat across hosts, so this keeps
// the allocations per detection to the values that do not. It is two-way
// set associative and bounded: a set keeps the two values last used.
type stringCache struct {
	sets *[cacheSets][2]string // allocated on first use
}

const (
	cacheBits = 13
	cacheSets = 1 << cacheBits // of two values: 256 KiB of string headers
	cacheMax  = 64             // longer values are copied every time
)

// valueHash mixes the length and the first, middle and last eight bytes
// of a value into a slot: cheaper than hashing every byte, and values that
// differ only elsewhere (rare among the short values cached) merely take
// turns in their slot.
func valueHash(b []byte) uint32 {
	var head, mid, tail uint64
	if n := len(b); n >= 8 {
		head = binary.LittleEndian.Uint64(b)
		mid = binary.LittleEndian.Uint64(b[(n-8)/2:])
		tail = binary.LittleEndian.Uint64(b[n-8:])
	} else {
		for i, c := range b {
			head |= uint64(c) << (8 * i)
		}
	}
	h := head*0x9E3779B97F4A7C15 ^ mid*0xD6E8FEB86659FD93 ^ tail*0xC2B2AE3D27D4EB4F ^
		uint64(len(b))
	return uint32((h * 0x165667B19E3779F9) >> (64 - cacheBits))
}

// get returns b as a string.
func (c *stringCache) get(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > cacheMax {
		return string(b)
	}
	if c.sets == nil {
		c.sets = new([cacheSets][2]string)
	}
	set := &c.sets[valueHash(b)]
	if set[0] == string(b) { // compared without a copy
		return set[0]
	}
	if set[1] == string(b) {
		set[0], set[1] = set[1], set[0]
		return set[0]
	}
	set[1], set[0] = set[0], string(b)
	return set[0]
}
