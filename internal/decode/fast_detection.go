package decode

import (
	"github.com/q2k/qualys2kafka/internal/qualys"
)

// readDetectionList reads the DETECTION elements of h. From the first one
// to the end of the host the feed keeps the bytes read, so that any
// detection can still be rejected with its raw element if a later value of
// the host fails.
func (d *fastDecoder) readDetectionList(h *qualys.Host) error {
	for {
		kind, err := d.t.next()
		tok := &d.t.tok
		if err != nil {
			return d.wrap(err)
		}
		switch {
		case kind == tokEnd:
			return nil
		case kind != tokStart:
			continue
		case tok.elem != elemDetection:
			err = d.skip()
		default:
			if len(d.spans) == 0 {
				d.f.keep = tok.from
			}
			err = d.readDetection(h, tok.from)
		}
		if err != nil {
			return err
		}
	}
}

// readDetection reads one DETECTION element, which began at offset from,
// into h: as a detection, or as a reject when one of its values cannot be
// read or it has no QID. Detections gather in d.detections until the host
// ends.
func (d *fastDecoder) readDetection(h *qualys.Host, from int64) error {
	d.detections = append(d.detections, qualys.Detection{})
	det := &d.detections[len(d.detections)-1]
	d.inDetection, d.detFault, d.cves = true, nil, d.cves[:0]
	err := d.detectionFields(det)
	d.inDetection = false
	if err != nil {
		return err
	}
	if det.QID == 0 && d.detFault == nil {
		d.detFault = missingID("DETECTION", "QID")
	}
	if len(d.cves) > 0 {
		det.CVEs = append([]string(nil), d.cves...)
	}

	sp := detectionSpan{from: from, to: d.t.tok.to, detection: -1, reject: -1}
	if f := d.detFault; f != nil {
		sp.reject = len(h.Rejects)
		h.Rejects = append(h.Rejects, qualys.Reject{Reason: f.reason, Detail: f.detail(),
			QID: det.QID, Raw: string(d.f.slice(sp.from, sp.to))})
		d.detections = d.detections[:len(d.detections)-1]
	} else {
		sp.detection = len(d.detections) - 1
	}
	d.spans = append(d.spans, sp)
	return nil
}

func (d *fastDecoder) detectionFields(det *qualys.Detection) error {
	for {
		el, err := d.child()
		if err != nil || el == nil {
			return err
		}
		if err := d.detectionField(det, el); err != nil {
			return err
		}
	}
}

func (d *fastDecoder) detectionField(det *qualys.Detection, el *token) error {
	switch e := el.elem; e {
	case elemUniqueVulnID:
		return d.optInt(e, &det.UniqueVulnID)
	case elemQID:
		return d.requiredInt(e, &det.QID)
	case elemType:
		return d.textField(elemType, &det.Type)
	case elemSeverity:
		return d.optInt32(e, &det.Severity)
	case elemPort:
		return d.optInt32(e, &det.Port)
	case elemProtocol:
		return d.textField(elemProtocol, &det.Protocol)
	case elemFQDN:
		return d.textField(elemFQDN, &det.FQDN)
	case elemSSL:
		return d.optBool(e, &det.SSL)
	case elemInstance:
		return d.textField(elemInstance, &det.Instance)
	case elemResultInstance:
		return d.textField(elemResultInstance, &det.ResultInstance)
	case elemResults:
		s, err := d.readText(false)
		det.Results = string(s)
		return err
	case elemStatus:
		return d.textField(elemStatus, &det.Status)
	case elemSource:
		return d.textField(elemSource, &det.Source)
	case elemQDS:
		det.QDSSeverity = d.attrValue(el, "severity", elemQDS)
		return d.optInt32(e, &det.QDS)
	case elemQDSFactors:
		return d.readQDSFactors(det)
	case elemService:
		return d.textField(elemService, &det.Service)
	case elemAssetCVE:
		return d.textField(elemAssetCVE, &det.AssetCVE)
	case elemCVE:
		var cve string
		err := d.textField(elemCVE, &cve)
		if cve != "" {
			d.cves = append(d.cves, cve)
		}
		return err
	}
	return d.detectionDatesAndFlags(det, el)
}

func (d *fastDecoder) detectionDatesAndFlags(det *qualys.Detection, el *token) error {
	switch e := el.elem; e {
	case elemFirstFound:
		return d.timeField(e, &det.FirstFound)
	case elemLastFound:
		return d.timeField(e, &det.LastFound)
	case elemTimesFound:
		return d.optInt32(e, &det.TimesFound)
	case elemLastTest:
		return d.timeField(e, &det.LastTest)
	case elemLastUpdate:
		return d.timeField(e, &det.LastUpdate)
	case elemLastFixed:
		return d.timeField(e, &det.LastFixed)
	case elemFirstReopened:
		return d.timeField(e, &det.FirstReopened)
	case elemLastReopened:
		return d.timeField(e, &det.LastReopened)
	case elemTimesReopened:
		return d.optInt32(e, &det.TimesReopened)
	case elemLastProcessed:
		return d.timeField(e, &det.LastProcessed)
	case elemIsIgnored:
		return d.optBool(e, &det.IsIgnored)
	case elemIsDisabled:
		return d.optBool(e, &det.IsDisabled)
	case elemAffectRunningKernel:
		return d.optBool(e, &det.AffectRunningKernel)
	case elemAffectRunningService:
		return d.optBool(e, &det.AffectRunningService)
	case elemAffectExploitableConfig:
		return d.optBool(e, &det.AffectExploitableConfig)
	}
	return d.detectionV5Field(det, el)
}

// detectionV5Field reads the elements that API version 5.0 added.
func (d *fastDecoder) detectionV5Field(det *qualys.Detection, el *token) error {
	switch el.elem {
	case elemDetectionSources:
		return d.textField(elemDetectionSources, &det.DetectionSources)
	case elemLatestDetectionSource:
		return d.textField(elemLatestDetectionSource, &det.LatestDetectionSource)
	case elemMITRETacticName:
		return d.textField(elemMITRETacticName, &det.MITRETacticName)
	case elemMITRETechniqueName:
		return d.textField(elemMITRETechniqueName, &det.MITRETechniqueName)
	case elemMITRETacticID:
		return d.textField(elemMITRETacticID, &det.MITRETacticID)
	case elemMITRETechniqueID:
		return d.textField(elemMITRETechniqueID, &det.MITRETechniqueID)
	case elemTruRiskEliminationStatus:
		return d.textField(elemTruRiskEliminationStatus, &det.TruRiskEliminationStatus)
	}
	return d.skip()
}

func (d *fastDecoder) readQDSFactors(det *qualys.Detection) error {
	d.factors = d.factors[:0]
	for {
		el, err := d.child()
		if err != nil {
			return err
		}
		if el == nil {
			det.QDSFactors = append(det.QDSFactors, d.factors...)
			return nil
		}
		if el.elem != elemQDSFactor {
			if err := d.skip(); err != nil {
				return err
			}
			continue
		}
		f := qualys.QDSFactor{Name: d.attrValue(el, "name", elemQDSFactors)}
		err = d.textField(elemQDSFactor, &f.Value)
		d.factors = append(d.factors, f)
		if err != nil {
			return err
		}
	}
}

// attrValue returns the value of the first attribute of the start tag el
// whose local name is name, "" if there is none, as attr does. key names
// the recent values it is compared with (see fastDecoder.str).
func (d *fastDecoder) attrValue(el *token, name string, key elem) string {
	if el.slow {
		for _, a := range el.slowAttrs {
			if a.Name.Local == name {
				return a.Value
			}
		}
		return ""
	}
	v, ok := findAttr(d.attr[:0], el.attrs, name)
	d.attr = v
	if !ok {
		return ""
	}
	return d.str(key, v)
}
