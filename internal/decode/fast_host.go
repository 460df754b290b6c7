package decode

import (
	"github.com/q2k/qualys2kafka/internal/qualys"
)

// readHost reads one HOST element as Decoder.readHost does: children in
// any order, unknown ones skipped, and a value that cannot be read
// rejecting its detection, or every detection of the host when it is the
// host's own.
func (d *fastDecoder) readHost() (*qualys.Host, error) {
	h := &qualys.Host{}
	d.inHost, d.hostFault, d.spans = true, nil, d.spans[:0]
	defer d.leaveHost()
	for {
		el, err := d.child()
		if err != nil {
			return nil, err
		}
		if el == nil {
			break
		}
		if err := d.hostField(h, el); err != nil {
			return nil, err
		}
	}
	if h.ID == 0 && d.hostFault == nil {
		d.hostFault = missingID("HOST", "ID")
	}
	if d.hostFault != nil {
		d.rejectAll(h)
	} else if len(d.detections) > 0 {
		h.Detections = append([]qualys.Detection(nil), d.detections...)
	}
	for i := range h.Rejects {
		h.Rejects[i].HostID = h.ID
	}
	return h, nil
}

// leaveHost lets go of what the host held: the feed drops its bytes, and
// the scratch lists forget its values, so that the decoder pins no string
// of a host it has returned (a large RESULTS, say) and keeps no buffer the
// size of its largest text.
func (d *fastDecoder) leaveHost() {
	d.inHost, d.f.keep = false, -1
	clear(d.detections)
	d.detections = d.detections[:0]
	clear(d.cves[:cap(d.cves)])
	clear(d.factors[:cap(d.factors)])
	if cap(d.text) > 1<<20 {
		d.text = nil
	}
}

// rejectAll turns every detection of h into a reject after a fault of the
// host itself, as Decoder.rejectAll does.
func (d *fastDecoder) rejectAll(h *qualys.Host) {
	h.Rejects = d.hostRejects(d.spans, h.Rejects,
		func(i int) int64 { return d.detections[i].QID },
		func(from, to int64) string { return string(d.f.slice(from, to)) })
}

func (d *fastDecoder) hostField(h *qualys.Host, el *token) error {
	switch el.elem {
	case elemID:
		return d.requiredInt(elemID, &h.ID)
	case elemAssetID:
		return d.optInt(elemAssetID, &h.AssetID)
	case elemIP:
		return d.textField(elemIP, &h.IP)
	case elemIPv6:
		return d.textField(elemIPv6, &h.IPv6)
	case elemTrackingMethod:
		return d.textField(elemTrackingMethod, &h.TrackingMethod)
	case elemNetworkID:
		return d.optInt(elemNetworkID, &h.NetworkID)
	case elemOS:
		return d.textField(elemOS, &h.OS)
	case elemOSCPE:
		return d.textField(elemOSCPE, &h.OSCPE)
	case elemDNS:
		return d.textField(elemDNS, &h.DNS)
	case elemDNSData:
		return d.readDNSData(&h.DNSData)
	case elemCloudProvider:
		return d.textField(elemCloudProvider, &h.CloudProvider)
	case elemCloudService:
		return d.textField(elemCloudService, &h.CloudService)
	case elemCloudResourceID:
		return d.textField(elemCloudResourceID, &h.CloudResourceID)
	case elemEC2InstanceID:
		return d.textField(elemEC2InstanceID, &h.EC2InstanceID)
	case elemNetBIOS:
		return d.textField(elemNetBIOS, &h.NetBIOS)
	case elemQGHostID:
		return d.textField(elemQGHostID, &h.QGHostID)
	}
	return d.hostScanField(h, el)
}

// hostScanField reads the scan dates and the nested lists of a host.
func (d *fastDecoder) hostScanField(h *qualys.Host, el *token) error {
	switch e := el.elem; e {
	case elemLastScan:
		return d.timeField(e, &h.LastScan)
	case elemLastVMScanned:
		return d.timeField(e, &h.LastVMScanned)
	case elemLastVMScannedDuration:
		return d.optInt(e, &h.LastVMScannedDuration)
	case elemLastVMAuthScanned:
		return d.timeField(e, &h.LastVMAuthScanned)
	case elemLastVMAuthScannedDuration:
		return d.optInt(e, &h.LastVMAuthScannedDuration)
	case elemLastPCScanned:
		return d.timeField(e, &h.LastPCScanned)
	case elemTags:
		return d.readTags(h)
	case elemMetadata:
		return d.readMetadata(h)
	case elemCloudProviderTags:
		return d.readCloudTags(h)
	case elemDetectionList:
		return d.readDetectionList(h)
	}
	return d.skip()
}

func (d *fastDecoder) readDNSData(dns *qualys.DNSData) error {
	return d.fields(func(el *token) error {
		switch el.elem {
		case elemHostname:
			return d.textField(elemHostname, &dns.Hostname)
		case elemDomain:
			return d.textField(elemDomain, &dns.Domain)
		case elemFQDN:
			return d.textField(elemFQDN, &dns.FQDN)
		}
		return d.skip()
	})
}

func (d *fastDecoder) readTags(h *qualys.Host) error {
	return d.list(elemTag, func() error {
		var t qualys.Tag
		err := d.fields(func(el *token) error { return d.tagField(&t, el) })
		h.Tags = append(h.Tags, t)
		return err
	})
}

func (d *fastDecoder) tagField(t *qualys.Tag, el *token) error {
	switch el.elem {
	case elemTagID:
		return d.optInt(elemTagID, &t.ID)
	case elemName:
		return d.textField(elemName, &t.Name)
	case elemColor:
		return d.textField(elemColor, &t.Color)
	case elemBackgroundColor:
		return d.textField(elemBackgroundColor, &t.BackgroundColor)
	}
	return d.skip()
}

// readMetadata reads METADATA, whose children are one element per cloud
// provider, each holding ATTRIBUTE elements.
func (d *fastDecoder) readMetadata(h *qualys.Host) error {
	return d.fields(func(provider *token) error {
		name := d.str(elemMetadata, provider.local)
		return d.list(elemAttribute, func() error {
			a := qualys.CloudAttribute{Provider: name}
			err := d.fields(func(el *token) error { return d.attributeField(&a, el) })
			h.Metadata = append(h.Metadata, a)
			return err
		})
	})
}

func (d *fastDecoder) attributeField(a *qualys.CloudAttribute, el *token) error {
	switch e := el.elem; e {
	case elemName:
		return d.textField(elemName, &a.Name)
	case elemLastStatus:
		return d.textField(elemLastStatus, &a.LastStatus)
	case elemValue:
		return d.textField(elemValue, &a.Value)
	case elemLastSuccessDate:
		return d.timeField(e, &a.LastSuccess)
	case elemLastErrorDate:
		return d.timeField(e, &a.LastErrorDate)
	case elemLastError:
		return d.textField(elemLastError, &a.LastError)
	}
	return d.skip()
}

func (d *fastDecoder) readCloudTags(h *qualys.Host) error {
	return d.list(elemCloudTag, func() error {
		var t qualys.CloudTag
		err := d.fields(func(el *token) error { return d.cloudTagField(&t, el) })
		h.CloudTags = append(h.CloudTags, t)
		return err
	})
}

func (d *fastDecoder) cloudTagField(t *qualys.CloudTag, el *token) error {
	switch e := el.elem; e {
	case elemName:
		return d.textField(elemName, &t.Name)
	case elemValue:
		return d.textField(elemValue, &t.Value)
	case elemLastSuccessDate:
		return d.timeField(e, &t.LastSuccess)
	}
	return d.skip()
}

// fields calls read for each child element of the element just opened,
// until it closes; read must consume the child whole.
func (d *fastDecoder) fields(read func(el *token) error) error {
	for {
		el, err := d.child()
		if err != nil || el == nil {
			return err
		}
		if err := read(el); err != nil {
			return err
		}
	}
}

// list calls read for each child element named want of the element just
// opened, and skips the others.
func (d *fastDecoder) list(want elem, read func() error) error {
	return d.fields(func(el *token) error {
		if el.elem != want {
			return d.skip()
		}
		return read()
	})
}
