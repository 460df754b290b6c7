package decode

import (
	"encoding/xml"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// readHost reads one HOST element. Children may come in any order; unknown
// ones are skipped so that new API versions do not break the decoder.
//
// A value that cannot be read does not fail the document: it rejects its
// detection, or, for a value of the host itself, every detection of the
// host (see rejectAll).
func (d *Decoder) readHost(start xml.StartElement) (*qualys.Host, error) {
	h := &qualys.Host{}
	d.inHost, d.hostFault, d.elements = true, nil, d.elements[:0]
	defer func() { d.inHost = false; d.rec.mark(-1) }()
	err := d.children(start, func(el xml.StartElement) error {
		return d.hostField(h, el)
	})
	if err != nil {
		return nil, err
	}
	if h.ID == 0 && d.hostFault == nil {
		d.hostFault = missingID("HOST", "ID")
	}
	if d.hostFault != nil {
		d.rejectAll(h)
	}
	for i := range h.Rejects {
		h.Rejects[i].HostID = h.ID
	}
	return h, nil
}

// detectionSpan is where one DETECTION element of the host lies in the
// document, and what it became: a detection or a reject, by index.
type detectionSpan struct {
	from, to  int64
	detection int // index in Host.Detections, or -1
	reject    int // index in Host.Rejects, or -1
}

// rejectAll turns every detection of h into a reject after a fault of the
// host itself: with an ID that cannot be read, or a value that cannot,
// none of them would make a trustworthy record. Detections rejected on
// their own keep their own reason.
func (d *Decoder) rejectAll(h *qualys.Host) {
	h.Rejects = d.hostRejects(d.elements, h.Rejects,
		func(i int) int64 { return h.Detections[i].QID }, d.rec.slice)
	h.Detections = nil
}

func (d *Decoder) hostField(h *qualys.Host, el xml.StartElement) error {
	switch el.Name.Local {
	case "ID":
		return d.requiredInt(el, &h.ID)
	case "ASSET_ID":
		return d.optInt(el, &h.AssetID)
	case "IP":
		return d.textField(el, &h.IP)
	case "IPV6":
		return d.textField(el, &h.IPv6)
	case "TRACKING_METHOD":
		return d.textField(el, &h.TrackingMethod)
	case "NETWORK_ID":
		return d.optInt(el, &h.NetworkID)
	case "OS":
		return d.textField(el, &h.OS)
	case "OS_CPE":
		return d.textField(el, &h.OSCPE)
	case "DNS":
		return d.textField(el, &h.DNS)
	case "DNS_DATA":
		return d.readDNSData(el, &h.DNSData)
	case "CLOUD_PROVIDER":
		return d.textField(el, &h.CloudProvider)
	case "CLOUD_SERVICE":
		return d.textField(el, &h.CloudService)
	case "CLOUD_RESOURCE_ID":
		return d.textField(el, &h.CloudResourceID)
	case "EC2_INSTANCE_ID":
		return d.textField(el, &h.EC2InstanceID)
	case "NETBIOS":
		return d.textField(el, &h.NetBIOS)
	case "QG_HOSTID":
		return d.textField(el, &h.QGHostID)
	}
	return d.hostScanField(h, el)
}

// hostScanField reads the scan dates and the nested lists of a host.
func (d *Decoder) hostScanField(h *qualys.Host, el xml.StartElement) error {
	switch el.Name.Local {
	case "LAST_SCAN_DATETIME":
		return d.timeField(el, &h.LastScan)
	case "LAST_VM_SCANNED_DATE":
		return d.timeField(el, &h.LastVMScanned)
	case "LAST_VM_SCANNED_DURATION":
		return d.optInt(el, &h.LastVMScannedDuration)
	case "LAST_VM_AUTH_SCANNED_DATE":
		return d.timeField(el, &h.LastVMAuthScanned)
	case "LAST_VM_AUTH_SCANNED_DURATION":
		return d.optInt(el, &h.LastVMAuthScannedDuration)
	case "LAST_PC_SCANNED_DATE":
		return d.timeField(el, &h.LastPCScanned)
	case "TAGS":
		return d.readTags(el, h)
	case "METADATA":
		return d.readMetadata(el, h)
	case "CLOUD_PROVIDER_TAGS":
		return d.readCloudTags(el, h)
	case "DETECTION_LIST":
		return d.readDetectionList(h)
	}
	return d.skip(el.Name.Local)
}

func (d *Decoder) readDNSData(start xml.StartElement, dns *qualys.DNSData) error {
	return d.children(start, func(el xml.StartElement) error {
		switch el.Name.Local {
		case "HOSTNAME":
			return d.textField(el, &dns.Hostname)
		case "DOMAIN":
			return d.textField(el, &dns.Domain)
		case "FQDN":
			return d.textField(el, &dns.FQDN)
		}
		return d.skip(el.Name.Local)
	})
}

func (d *Decoder) readTags(start xml.StartElement, h *qualys.Host) error {
	return d.children(start, func(el xml.StartElement) error {
		if el.Name.Local != "TAG" {
			return d.skip(el.Name.Local)
		}
		var t qualys.Tag
		err := d.children(el, func(c xml.StartElement) error {
			switch c.Name.Local {
			case "TAG_ID":
				return d.optInt(c, &t.ID)
			case "NAME":
				return d.textField(c, &t.Name)
			case "COLOR":
				return d.textField(c, &t.Color)
			case "BACKGROUND_COLOR":
				return d.textField(c, &t.BackgroundColor)
			}
			return d.skip(c.Name.Local)
		})
		h.Tags = append(h.Tags, t)
		return err
	})
}

// readMetadata reads METADATA, whose children are one element per cloud
// provider, each holding ATTRIBUTE elements.
func (d *Decoder) readMetadata(start xml.StartElement, h *qualys.Host) error {
	return d.children(start, func(provider xml.StartElement) error {
		return d.children(provider, func(el xml.StartElement) error {
			if el.Name.Local != "ATTRIBUTE" {
				return d.skip(el.Name.Local)
			}
			a := qualys.CloudAttribute{Provider: provider.Name.Local}
			err := d.children(el, func(c xml.StartElement) error {
				return d.attributeField(&a, c)
			})
			h.Metadata = append(h.Metadata, a)
			return err
		})
	})
}

func (d *Decoder) attributeField(a *qualys.CloudAttribute, el xml.StartElement) error {
	switch el.Name.Local {
	case "NAME":
		return d.textField(el, &a.Name)
	case "LAST_STATUS":
		return d.textField(el, &a.LastStatus)
	case "VALUE":
		return d.textField(el, &a.Value)
	case "LAST_SUCCESS_DATE":
		return d.timeField(el, &a.LastSuccess)
	case "LAST_ERROR_DATE":
		return d.timeField(el, &a.LastErrorDate)
	case "LAST_ERROR":
		return d.textField(el, &a.LastError)
	}
	return d.skip(el.Name.Local)
}

func (d *Decoder) readCloudTags(start xml.StartElement, h *qualys.Host) error {
	return d.children(start, func(el xml.StartElement) error {
		if el.Name.Local != "CLOUD_TAG" {
			return d.skip(el.Name.Local)
		}
		var t qualys.CloudTag
		err := d.children(el, func(c xml.StartElement) error {
			switch c.Name.Local {
			case "NAME":
				return d.textField(c, &t.Name)
			case "VALUE":
				return d.textField(c, &t.Value)
			case "LAST_SUCCESS_DATE":
				return d.timeField(c, &t.LastSuccess)
			}
			return d.skip(c.Name.Local)
		})
		h.CloudTags = append(h.CloudTags, t)
		return err
	})
}
