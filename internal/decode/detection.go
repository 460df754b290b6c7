package decode

import (
	"encoding/xml"

	"github.com/q2k/qualys2kafka/internal/qualys"
)

// readDetectionList reads the DETECTION elements of h. From here to the
// end of the host the bytes read are kept, so that any detection can still
// be dead-lettered as it was sent if a later value of the host fails.
func (d *Decoder) readDetectionList(h *qualys.Host) error {
	for {
		from := d.x.InputOffset()
		if len(d.elements) == 0 {
			d.rec.mark(from)
		}
		tok, err := d.token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "DETECTION" {
				if err := d.skip(t.Name.Local); err != nil {
					return err
				}
				continue
			}
			if err := d.readDetection(t, h, from); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

// readDetection reads one DETECTION element, which began at offset from,
// into h: as a detection, or as a reject when one of its values cannot be
// read or it has no QID.
func (d *Decoder) readDetection(start xml.StartElement, h *qualys.Host, from int64) error {
	var det qualys.Detection
	d.inDetection, d.detFault = true, nil
	err := d.children(start, func(el xml.StartElement) error {
		return d.detectionField(&det, el)
	})
	d.inDetection = false
	if err != nil {
		return err
	}
	if det.QID == 0 && d.detFault == nil {
		d.detFault = missingID("DETECTION", "QID")
	}

	sp := detectionSpan{from: from, to: d.x.InputOffset(), detection: -1, reject: -1}
	if f := d.detFault; f != nil {
		sp.reject = len(h.Rejects)
		h.Rejects = append(h.Rejects, qualys.Reject{Reason: f.reason, Detail: f.detail(),
			QID: det.QID, Raw: d.rec.slice(sp.from, sp.to)})
	} else {
		sp.detection = len(h.Detections)
		h.Detections = append(h.Detections, det)
	}
	d.elements = append(d.elements, sp)
	return nil
}

func (d *Decoder) detectionField(det *qualys.Detection, el xml.StartElement) error {
	switch el.Name.Local {
	case "UNIQUE_VULN_ID":
		return d.optInt(el, &det.UniqueVulnID)
	case "QID":
		return d.requiredInt(el, &det.QID)
	case "TYPE":
		return d.textField(el, &det.Type)
	case "SEVERITY":
		return d.optInt32(el, &det.Severity)
	case "PORT":
		return d.optInt32(el, &det.Port)
	case "PROTOCOL":
		return d.textField(el, &det.Protocol)
	case "FQDN":
		return d.textField(el, &det.FQDN)
	case "SSL":
		return d.optBool(el, &det.SSL)
	case "INSTANCE":
		return d.textField(el, &det.Instance)
	case "RESULT_INSTANCE":
		return d.textField(el, &det.ResultInstance)
	case "RESULTS":
		s, err := d.readText(el, false)
		det.Results = s
		return err
	case "STATUS":
		return d.textField(el, &det.Status)
	case "SOURCE":
		return d.textField(el, &det.Source)
	case "QDS":
		det.QDSSeverity = attr(el, "severity")
		return d.optInt32(el, &det.QDS)
	case "QDS_FACTORS":
		return d.readQDSFactors(el, det)
	case "SERVICE":
		return d.textField(el, &det.Service)
	case "ASSET_CVE":
		return d.textField(el, &det.AssetCVE)
	case "CVE":
		var cve string
		err := d.textField(el, &cve)
		if cve != "" {
			det.CVEs = append(det.CVEs, cve)
		}
		return err
	}
	return d.detectionDatesAndFlags(det, el)
}

func (d *Decoder) detectionDatesAndFlags(det *qualys.Detection, el xml.StartElement) error {
	switch el.Name.Local {
	case "FIRST_FOUND_DATETIME":
		return d.timeField(el, &det.FirstFound)
	case "LAST_FOUND_DATETIME":
		return d.timeField(el, &det.LastFound)
	case "TIMES_FOUND":
		return d.optInt32(el, &det.TimesFound)
	case "LAST_TEST_DATETIME":
		return d.timeField(el, &det.LastTest)
	case "LAST_UPDATE_DATETIME":
		return d.timeField(el, &det.LastUpdate)
	case "LAST_FIXED_DATETIME":
		return d.timeField(el, &det.LastFixed)
	case "FIRST_REOPENED_DATETIME":
		return d.timeField(el, &det.FirstReopened)
	case "LAST_REOPENED_DATETIME":
		return d.timeField(el, &det.LastReopened)
	case "TIMES_REOPENED":
		return d.optInt32(el, &det.TimesReopened)
	case "LAST_PROCESSED_DATETIME":
		return d.timeField(el, &det.LastProcessed)
	case "IS_IGNORED":
		return d.optBool(el, &det.IsIgnored)
	case "IS_DISABLED":
		return d.optBool(el, &det.IsDisabled)
	case "AFFECT_RUNNING_KERNEL":
		return d.optBool(el, &det.AffectRunningKernel)
	case "AFFECT_RUNNING_SERVICE":
		return d.optBool(el, &det.AffectRunningService)
	case "AFFECT_EXPLOITABLE_CONFIG":
		return d.optBool(el, &det.AffectExploitableConfig)
	}
	return d.detectionV5Field(det, el)
}

// detectionV5Field reads the elements that API version 5.0 added.
func (d *Decoder) detectionV5Field(det *qualys.Detection, el xml.StartElement) error {
	switch el.Name.Local {
	case "VULNERABILITY_DETECTION_SOURCES":
		return d.textField(el, &det.DetectionSources)
	case "LATEST_VULNERABILITY_DETECTION_SOURCE":
		return d.textField(el, &det.LatestDetectionSource)
	case "MITRE_TACTIC_NAME":
		return d.textField(el, &det.MITRETacticName)
	case "MITRE_TECHNIQUE_NAME":
		return d.textField(el, &det.MITRETechniqueName)
	case "MITRE_TACTIC_ID":
		return d.textField(el, &det.MITRETacticID)
	case "MITRE_TECHNIQUE_ID":
		return d.textField(el, &det.MITRETechniqueID)
	case "TRURISK_ELIMINATION_STATUS":
		return d.textField(el, &det.TruRiskEliminationStatus)
	}
	return d.skip(el.Name.Local)
}

func (d *Decoder) readQDSFactors(start xml.StartElement, det *qualys.Detection) error {
	return d.children(start, func(el xml.StartElement) error {
		if el.Name.Local != "QDS_FACTOR" {
			return d.skip(el.Name.Local)
		}
		f := qualys.QDSFactor{Name: attr(el, "name")}
		err := d.textField(el, &f.Value)
		det.QDSFactors = append(det.QDSFactors, f)
		return err
	})
}

func attr(el xml.StartElement, name string) string {
	for _, a := range el.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}
