package record

import (
	"time"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func testMeta() Meta {
	return Meta{
		RunID:        "run-2024-06-01T10:00:00Z",
		Subscription: "acme-eu",
		APIVersion:   "5.0",
		ObservedAt:   at("2024-06-01T10:00:05Z").Add(123456789 * time.Nanosecond),
	}
}

// fullHost returns a host with every field set and one detection with every
// field set.
func fullHost() *qualys.Host {
	return &qualys.Host{
		ID:             123456,
		AssetID:        qualys.Some[int64](987654),
		IP:             "10.0.0.5",
		IPv6:           "fe80::1",
		TrackingMethod: "AGENT",
		NetworkID:      qualys.Some[int64](0),
		OS:             "Ubuntu 22.04",
		OSCPE:          "cpe:/o:canonical:ubuntu_linux:22.04::~~lts~~~:",
		DNS:            "web01.example.com",
		DNSData: qualys.DNSData{
			Hostname: "web01", Domain: "example.com", FQDN: "web01.example.com",
		},
		CloudProvider:             "AWS",
		CloudService:              "EC2",
		CloudResourceID:           "i-0abc",
		EC2InstanceID:             "i-0abc",
		NetBIOS:                   "WEB01",
		QGHostID:                  "2f3b8c7e-0000-4000-8000-000000000001",
		LastScan:                  at("2024-05-31T22:00:00Z"),
		LastVMScanned:             at("2024-05-31T21:00:00Z"),
		LastVMScannedDuration:     qualys.Some[int64](1234),
		LastVMAuthScanned:         at("2024-05-30T21:00:00Z"),
		LastVMAuthScannedDuration: qualys.Some[int64](567),
		LastPCScanned:             at("2024-05-29T21:00:00Z"),
		Tags: []qualys.Tag{
			{
				ID: qualys.Some[int64](11), Name: "Production",
				Color: "#FFFFFF", BackgroundColor: "#FF0000",
			},
			{Name: "No ID"},
		},
		Metadata: []qualys.CloudAttribute{{
			Provider:      "EC2",
			Name:          "latest/dynamic/instance-identity/document/region",
			LastStatus:    "Success",
			Value:         "eu-west-1",
			LastSuccess:   at("2024-05-31T20:00:00Z"),
			LastErrorDate: at("2024-05-01T20:00:00Z"),
			LastError:     "timeout",
		}},
		CloudTags: []qualys.CloudTag{
			{Name: "env", Value: "prod", LastSuccess: at("2024-05-31T20:00:00Z")},
			{Name: "empty"},
		},
		Detections: []qualys.Detection{*fullDetection()},
	}
}

func fullDetection() *qualys.Detection {
	return &qualys.Detection{
		UniqueVulnID:   qualys.Some[int64](4567890123),
		QID:            38170,
		Type:           "Confirmed",
		Severity:       qualys.Some[int32](3),
		Port:           qualys.Some[int32](443),
		Protocol:       "tcp",
		FQDN:           "www.example.com",
		SSL:            qualys.Some(true),
		Instance:       "ora|cle\\1",
		ResultInstance: "ri",
		Results:        "Certificate <CN=www.example.com>\texpired & untrusted\nline 2",
		Status:         "Re-Opened",
		FirstFound:     at("2024-01-01T00:00:00Z"),
		LastFound:      at("2024-05-31T21:00:00Z"),
		Source:         "Internal Scanner",
		QDS:            qualys.Some[int32](72),
		QDSSeverity:    "HIGH",
		QDSFactors: []qualys.QDSFactor{
			{Name: "CVSS", Value: "7.5"}, {Name: "epss", Value: "0.01"},
		},
		TimesFound:               qualys.Some[int32](17),
		LastTest:                 at("2024-05-31T21:00:00Z"),
		LastUpdate:               at("2024-05-31T21:05:00Z"),
		LastFixed:                at("2024-03-01T00:00:00Z"),
		FirstReopened:            at("2024-04-01T00:00:00Z"),
		LastReopened:             at("2024-04-01T00:00:00Z"),
		TimesReopened:            qualys.Some[int32](1),
		Service:                  "https",
		IsIgnored:                qualys.Some(false),
		IsDisabled:               qualys.Some(false),
		AffectRunningKernel:      qualys.Some(true),
		AffectRunningService:     qualys.Some(false),
		AffectExploitableConfig:  qualys.Some(true),
		LastProcessed:            at("2024-05-31T21:10:00Z"),
		AssetCVE:                 "CVE-2024-0001",
		CVEs:                     []string{"CVE-2024-0001", "CVE-2024-0002"},
		DetectionSources:         "Cloud Agent, Internal Scanner",
		LatestDetectionSource:    "Cloud Agent",
		MITRETacticName:          "Initial Access",
		MITRETechniqueName:       "Exploit Public-Facing Application",
		MITRETacticID:            "TA0001",
		MITRETechniqueID:         "T1190",
		TruRiskEliminationStatus: "OPEN",
	}
}

// minimal returns a host and detection with only the required IDs.
func minimal() (*qualys.Host, *qualys.Detection) {
	return &qualys.Host{ID: 1}, &qualys.Detection{QID: 2}
}
