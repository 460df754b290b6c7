package config

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
)

// ExtraParamsAllowed are the Host List Detection parameters that
// Q2K_QUALYS_EXTRA_PARAMS may set: filters and output options the product
// passes through unchanged.
var ExtraParamsAllowed = []string{
	"active_kernels_only", "ag_titles", "arf_config_filter", "arf_kernel_filter",
	"arf_service_filter", "cloud_tag_fields", "compliance_enabled", "echo_request",
	"detection_last_tested_before", "detection_last_tested_before_days",
	"detection_last_tested_since", "detection_last_tested_since_days",
	"exclude_search_list_ids", "exclude_search_list_titles", "filter_superseded_qids",
	"host_metadata_fields", "include_search_list_ids", "include_search_list_titles",
	"include_vuln_type", "ipv6", "max_days_since_last_vm_scan", "network_ids",
	"no_vm_scan_since", "os_pattern", "qds_max", "qds_min", "show_host_services",
	"tag_exclude_selector", "tag_include_selector", "tag_set_exclude",
	"vm_auth_scan_date_after", "vm_auth_scan_date_before", "vm_scan_date_after",
	"vm_scan_date_before", "vm_scan_since",
}

// managedParams are set by the product itself: paging, cursors, format and
// the status list a sync depends on.
var managedParams = []string{
	"action", "ids", "id_min", "id_max", "status", "output_format", "truncation_limit",
	"vm_processed_after", "vm_processed_before", "detection_updated_since",
	"detection_updated_before", "detection_processed_after", "detection_processed_before",
	"max_days_since_detection_updated", "suppress_duplicated_data_from_csv",
}

// ExtraParams returns Q2K_QUALYS_EXTRA_PARAMS parsed. Validate has
// checked it.
func (c *Config) ExtraParams() url.Values {
	v, _ := url.ParseQuery(c.Qualys.ExtraParams)
	return v
}

// checkExtraParams reports each parameter that is managed by the product
// or not in ExtraParamsAllowed.
func checkExtraParams(s string) []error {
	v, err := url.ParseQuery(s)
	if err != nil {
		return []error{fmt.Errorf("not a query string (k=v&k2=v2): %w", err)}
	}
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	var errs []error
	for _, k := range keys {
		switch {
		case slices.Contains(managedParams, k):
			errs = append(errs, fmt.Errorf("%s is set by qualys2kafka itself and cannot be overridden", k))
		case !slices.Contains(ExtraParamsAllowed, k):
			errs = append(errs, fmt.Errorf("%s is not an allowed extra parameter "+
				"(see the README; filters with their own variable use it)", k))
		}
	}
	return errs
}
