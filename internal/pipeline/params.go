package pipeline

import (
	"net/url"
	"strconv"
	"time"

	"github.com/q2k/qualys2kafka/internal/config"
	"github.com/q2k/qualys2kafka/internal/qualys"
)

// DetectionParams returns the detection request parameters that cfg asks
// for, without the sync's own cursors. status always lists every status:
// the API leaves Fixed out by default and closures would never be seen.
func DetectionParams(cfg *config.Config) url.Values {
	p := url.Values{}
	p.Set("action", "list")
	p.Set("output_format", "XML")
	p.Set("status", qualys.AllStatuses)
	p.Set("truncation_limit", strconv.Itoa(cfg.Qualys.TruncationLimit))

	o := cfg.Output
	setBool(p, "show_results", o.Results)
	setBool(p, "show_igs", o.IGs)
	setBool(p, "show_qds", o.QDS)
	setBool(p, "show_qds_factors", o.QDSFactors)
	setBool(p, "show_tags", o.Tags)
	setBool(p, "show_asset_id", o.AssetID)
	setBool(p, "show_reopened_info", o.ReopenedInfo)
	setBool(p, "show_cloud_tags", o.CloudTags)
	setOpt(p, "host_metadata", o.HostMetadata)
	if o.DetectionSource && cfg.Qualys.APIVersion == "5.0" {
		p.Set("vuln_detection_source", "1")
	}

	addFilters(p, cfg.Filters)
	for k, v := range cfg.ExtraParams() {
		p[k] = v
	}
	return p
}

func addFilters(p url.Values, f config.Filters) {
	setOpt(p, "ids", f.HostIDs)
	setOpt(p, "ips", f.IPs)
	setOpt(p, "ag_ids", f.AssetGroupIDs)
	setOpt(p, "qids", f.QIDs)
	setOpt(p, "severities", f.Severities)
	if f.Tags != "" {
		p.Set("use_tags", "1")
		p.Set("tag_set_by", f.TagsBy)
		p.Set("tag_set_include", f.Tags)
	}
	if f.IncludeIgnored {
		p.Set("include_ignored", "1")
	}
	if f.IncludeDisabled {
		p.Set("include_disabled", "1")
	}
}

// IncrementalParams returns p with the incremental cursors: hosts
// processed and detections updated since t. p is not modified.
func IncrementalParams(p url.Values, t time.Time) url.Values {
	out := url.Values{}
	for k, v := range p {
		out[k] = v
	}
	s := t.UTC().Format(qualys.TimeLayout)
	out.Set("vm_processed_after", s)
	out.Set("detection_updated_since", s)
	return out
}

func setBool(p url.Values, key string, v bool) {
	if v {
		p.Set(key, "1")
	} else {
		p.Set(key, "0")
	}
}

func setOpt(p url.Values, key, v string) {
	if v != "" {
		p.Set(key, v)
	}
}
