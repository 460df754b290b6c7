package decode

import (
	"strings"
	"testing"
)

// hostsPage returns a detection page holding the given HOST elements.
func hostsPage(hosts string) string {
	return `<?xml version="1.0" encoding="UTF-8" ?>` + "\n" +
		`<HOST_LIST_VM_DETECTION_OUTPUT><RESPONSE><DATETIME>2026-11-30T08:00:00Z</DATETIME>` +
		"\n<HOST_LIST>" + hosts + "</HOST_LIST></RESPONSE></HOST_LIST_VM_DETECTION_OUTPUT>\n"
}

// detectionPage returns a page of one host (ID 1) holding the given
// DETECTION_LIST content.
func detectionPage(detections string) string {
	return hostsPage(`<HOST><ID>1</ID><DETECTION_LIST>` + detections + `</DETECTION_LIST></HOST>`)
}

// fieldPage returns a page of one detection (QID 2) with the given
// elements after its QID.
func fieldPage(fields string) string {
	return detectionPage(`<DETECTION><QID>2</QID>` + fields + `</DETECTION>`)
}

// craftedPage holds most constructs in little space, for the cuts at every
// offset: a declaration, a DOCTYPE with an internal subset, comments and
// processing instructions, CDATA split in pieces, references, attributes in
// both quotes, an empty element, a WARNING, a detection reject and a host
// reject.
const craftedPage = "\xef\xbb\xbf<!-- lead -->\n<?xml version='1.0' encoding=\"UTF-8\"?>\n" +
	`<!DOCTYPE HOST_LIST_VM_DETECTION_OUTPUT [<!ENTITY e "a>b"><!-- c -->]>` + "\n" +
	`<HOST_LIST_VM_DETECTION_OUTPUT><RESPONSE><DATETIME> 2026-11-30T08:00:00Z </DATETIME>` +
	`<HOST_LIST><HOST><ID>1</ID><IP>10.0.0.1&amp;x</IP><DNS/><DETECTION_LIST>` +
	`<DETECTION><QID>2</QID><RESULTS> <![CDATA[a]]>&lt;<!--k--><![CDATA[ ]]>b&#x42;` + "\r\n" +
	`</RESULTS><QDS severity='HIGH'>9</QDS><QDS_FACTORS><QDS_FACTOR name="CVSS">7.5</QDS_FACTOR>` +
	`</QDS_FACTORS><?pi x?></DETECTION></DETECTION_LIST></HOST>` +
	`<HOST><ID>2</ID><DETECTION_LIST><DETECTION><QID>3a</QID></DETECTION>` +
	`</DETECTION_LIST></HOST>` +
	`<HOST><ID>x</ID><DETECTION_LIST><DETECTION><QID>4</QID></DETECTION></DETECTION_LIST></HOST>` +
	`</HOST_LIST><WARNING><CODE>1980</CODE><TEXT>more</TEXT><URL>` +
	`<![CDATA[https://x/?a=1&id_min=5]]>` +
	`</URL></WARNING></RESPONSE></HOST_LIST_VM_DETECTION_OUTPUT>` + "\n<!-- tail -->\n"

// craftedCase is a small document on one rule where the fast decoder could
// part from the reference.
type craftedCase struct{ name, doc string }

// craftedCases are the crafted documents. They also seed the fuzz target.
var craftedCases = []craftedCase{
	{"crafted_page",
		craftedPage},

	// Text and CDATA.
	{"cdata_split_in_pieces",
		fieldPage(`<RESULTS><![CDATA[a]]><![CDATA[]]]]><![CDATA[>b]]></RESULTS>`)},
	{"whitespace_around_cdata",
		fieldPage("<RESULTS>\n  <![CDATA[\tx\n]]>\n  </RESULTS>" +
			"<INSTANCE> <![CDATA[ y ]]> </INSTANCE>")},
	{"cdata_then_whitespace",
		fieldPage("<RESULTS><![CDATA[x]]>\n </RESULTS>")},
	{"whitespace_only_results",
		fieldPage("<RESULTS> \n\t </RESULTS><STATUS>\n</STATUS>")},
	{"empty_cdata_pieces",
		fieldPage(`<RESULTS><![CDATA[]]> <![CDATA[]]></RESULTS>`)},
	{"text_split_by_comment",
		fieldPage(`<RESULTS> a <!-- x --> b </RESULTS><TYPE>Con<!---->firmed</TYPE>`)},
	{"text_split_by_element",
		fieldPage(`<RESULTS>a<X>skipped<Y/></X>b</RESULTS>`)},
	{"entities",
		fieldPage(`<RESULTS>&amp;&lt;&gt;&quot;&apos;&#65;&#x42;&#x1F600;&#0065;` +
			`&#xd7ff;&#xE000;&#x10FFFF;</RESULTS><TYPE>&#32;Info&#x20;</TYPE>`)},
	{"entity_surrogate_becomes_replacement",
		fieldPage(`<RESULTS>&#xD800;&#57343;</RESULTS>`)},
	{"entity_nul",
		fieldPage(`<RESULTS>&#0;</RESULTS>`)},
	{"entity_control",
		fieldPage(`<RESULTS>&#1;</RESULTS>`)},
	{"entity_fffe",
		fieldPage(`<RESULTS>&#xFFFE;</RESULTS>`)},
	{"entity_beyond_unicode",
		fieldPage(`<RESULTS>&#x110000;</RESULTS>`)},
	{"entity_no_digits",
		fieldPage(`<RESULTS>&#;&#x;</RESULTS>`)},
	{"entity_capital_x",
		fieldPage(`<RESULTS>&#X41;</RESULTS>`)},
	{"entity_no_semicolon",
		fieldPage(`<RESULTS>&lt</RESULTS>`)},
	{"entity_unknown",
		fieldPage(`<RESULTS>&nbsp;</RESULTS>`)},
	{"entity_bare_ampersand",
		fieldPage(`<RESULTS>a & b</RESULTS>`)},
	{"entity_huge_number",
		fieldPage(`<RESULTS>&#99999999999999999999999;</RESULTS>`)},
	{"entity_at_end_of_input",
		`<HOST_LIST_VM_DETECTION_OUTPUT><RESPONSE>a&amp`},
	{"cdata_end_in_text",
		fieldPage(`<RESULTS>a]]>b</RESULTS>`)},
	{"brackets_in_text",
		fieldPage(`<RESULTS>a]]b]>c] ]>]</RESULTS>`)},
	{"cr_lf_everywhere",
		fieldPage("<RESULTS>a\r\nb\rc\r\r\nd</RESULTS><RESULT_INSTANCE><![CDATA[x\r\ny\r]]>" +
			"</RESULT_INSTANCE><QDS severity=\"a\r\nb\">1</QDS>")},
	{"unicode_spaces_trimmed",
		fieldPage("<TYPE>\u00a0Info\u2003</TYPE><STATUS>\u0085New</STATUS>")},
	{"cdata_unterminated",
		fieldPage(`<RESULTS><![CDATA[abc`)},
	{"cdata_misspelled",
		fieldPage(`<RESULTS><![CDATX[abc]]></RESULTS>`)},
	{"cdata_short",
		fieldPage(`<RESULTS><![]]></RESULTS>`)},

	// Comments, processing instructions, directives.
	{"comments_everywhere",
		"<!--a-->" + strings.ReplaceAll(fieldPage(`<RESULTS>x</RESULTS>`), "><",
			"><!-- k -->\n<")},
	{"comment_double_dash",
		fieldPage(`<!-- a -- b --><RESULTS>x</RESULTS>`)},
	{"comment_dash_end",
		fieldPage(`<!-- a ---><RESULTS>x</RESULTS>`)},
	{"comment_three_dashes",
		fieldPage(`<!---><RESULTS>x</RESULTS>-->`) +
			"<!--->"},
	{"comment_empty",
		fieldPage(`<!----><RESULTS>x</RESULTS>`)},
	{"comment_half_open",
		fieldPage(`<!-x-><RESULTS>x</RESULTS>`)},
	{"comment_unterminated",
		fieldPage(`<!-- never ends`)},
	{"pi_in_text",
		fieldPage(`<RESULTS>a<?foo bar?>b</RESULTS>`)},
	{"pi_without_target",
		fieldPage(`<RESULTS>a<? foo?>b</RESULTS>`)},
	{"pi_question_marks",
		fieldPage(`<RESULTS>a<?foo ??>?>b</RESULTS><?x?><?y ?>`)},
	{"pi_xml_stylesheet",
		`<?xml-stylesheet href="a"?>` + fieldPage(``)},
	{"xml_decl_version_1_1",
		`<?xml version="1.1"?>` + detectionPage(``)},
	{"xml_decl_ascii",
		`<?xml version="1.0" encoding="US-ASCII"?>` + detectionPage(``)},
	{"xml_decl_latin1",
		`<?xml version="1.0" encoding="ISO-8859-1"?>` + detectionPage(``)},
	{"xml_decl_inside",
		fieldPage(`<RESULTS><?xml version="2.0"?></RESULTS>`)},
	{"xml_decl_inside_ok",
		fieldPage(`<RESULTS><?xml version="1.0"?>x</RESULTS>`)},
	{"doctype_quotes_and_brackets",
		`<!DOCTYPE HOST_LIST_VM_DETECTION_OUTPUT [<!ENTITY a "<>" ><!ATTLIST x y CDATA '>'>` +
			`<!-- > < -->]>` + detectionPage(``)},
	{"doctype_unterminated_quote",
		`<!DOCTYPE x [<!ENTITY a "<>]>` + detectionPage(``)},
	{"directive_inside",
		fieldPage(`<!ELEMENT x ANY><RESULTS><!FOO>x</RESULTS>`)},
	{"directive_empty",
		fieldPage(`<!>x>`)},
	{"directive_lower_doctype",
		`<!doctype x>` + detectionPage(``)},
	{"bom_and_leading_comment",
		"\xef\xbb\xbf<!-- proxy -->\n" + detectionPage(``)},
	{"text_before_root",
		"garbage text" + detectionPage(``)[len(`<?xml version="1.0" encoding="UTF-8" ?>`):]},

	// After the root.
	{"text_after_root",
		detectionPage(``) + "trailing text"},
	{"bad_text_after_root",
		detectionPage(``) + "a & b"},
	{"comment_after_root",
		detectionPage(``) + "<!-- done -->"},
	{"element_after_root",
		detectionPage(``) + "<X/>"},
	{"end_after_root",
		detectionPage(``) + "</X>"},
	{"two_roots",
		detectionPage(``) + detectionPage(``)},
	{"unclosed_after_hosts",
		strings.TrimSuffix(detectionPage(goodDet),
			"</HOST_LIST_VM_DETECTION_OUTPUT>\n")},

	// Tags and names.
	{"empty_elements",
		hostsPage(`<HOST><ID>1</ID><IP></IP><IPV6/><OS /><DNS_DATA/><TAGS/>` +
			`<DETECTION_LIST><DETECTION><QID>2</QID><RESULTS/><SSL/><QDS_FACTORS/></DETECTION>` +
			`</DETECTION_LIST></HOST><HOST/><HOST><ID>3</ID><DETECTION_LIST/></HOST>`)},
	{"attributes_any_quotes",
		fieldPage(`<QDS a="1" severity='HI"GH' b = "x'y" c='&amp;&#65;'>5</QDS>` +
			`<QDS_FACTORS><QDS_FACTOR name = 'a>b'>1</QDS_FACTOR>` +
			`<QDS_FACTOR x:name="p" name="q">2` +
			`</QDS_FACTOR><QDS_FACTOR xmlns:name="n">3</QDS_FACTOR>` +
			`<QDS_FACTOR>4</QDS_FACTOR></QDS_FACTORS>`)},
	{"attributes_without_space",
		fieldPage(`<QDS a="1"severity="LOW">5</QDS>`)},
	{"attribute_lt_in_value",
		fieldPage(`<QDS severity="<">5</QDS>`)},
	{"attribute_unquoted",
		fieldPage(`<QDS severity=LOW>5</QDS>`)},
	{"attribute_without_value",
		fieldPage(`<QDS severity>5</QDS>`)},
	{"attribute_bad_entity",
		fieldPage(`<QDS severity="&x;">5</QDS>`)},
	{"attribute_duplicate",
		fieldPage(`<QDS severity="A" severity="B">5</QDS>`)},
	{"attribute_unterminated",
		fieldPage(`<QDS severity="LOW>5</QDS>`)},
	{"attribute_quote_in_name",
		fieldPage(`<QDS "severity"="LOW">5</QDS>`)},
	{"attribute_on_end_tag",
		fieldPage(`<QDS>5</QDS a="1">`)},
	{"end_tag_with_spaces",
		fieldPage("<QDS>5</QDS  \n\t>")},
	{"end_tag_mismatch",
		fieldPage(`<QDS>5</QDX>`)},
	{"end_tag_prefix_mismatch",
		fieldPage(`<a:QDS>5</b:QDS>`)},
	{"self_closing_with_space",
		fieldPage(`<QDS/ >`)},
	{"namespaced_elements",
		`<a:HOST_LIST_VM_DETECTION_OUTPUT xmlns:a="urn:x" xmlns="urn:y"><a:RESPONSE>` +
			`<b:HOST_LIST><HOST><a:ID>4</a:ID><DETECTION_LIST><x:DETECTION><QID>5</QID>` +
			`</x:DETECTION>` +
			`</DETECTION_LIST></HOST></b:HOST_LIST></a:RESPONSE>` +
			`</a:HOST_LIST_VM_DETECTION_OUTPUT>`},
	{"names_with_colons",
		fieldPage(`<:RESULTS>a</:RESULTS><RESULTS:>b</RESULTS:><a:b:c>x</a:b:c>`)},
	{"names_with_dots_digits_dashes",
		fieldPage(`<a.b-c1_:d>x</a.b-c1_:d><RESULTS>y</RESULTS>`)},
	{"name_starting_with_digit",
		fieldPage(`<1a>x</1a>`)},
	{"name_non_ascii",
		fieldPage(`<ÉLÉMENT attr·="x">y</ÉLÉMENT><RESULTS>z</RESULTS>`)},
	{"name_non_ascii_invalid",
		fieldPage(`<a×b>y</a×b>`)},
	{"name_empty",
		fieldPage(`< RESULTS>y</RESULTS>`)},
	{"end_name_empty",
		fieldPage(`<RESULTS>y</>`)},
	{"deep_unknown_elements",
		fieldPage(strings.Repeat("<X a='1'>t", 300) + strings.Repeat("</X>", 300) +
			`<RESULTS>after</RESULTS>`)},
	{"lt_alone",
		fieldPage(`<RESULTS>a < b</RESULTS>`)},
	{"lt_at_end",
		fieldPage(``)[:60] + "<"},
	{"bang_at_end",
		fieldPage(``)[:60] + "<!"},
	{"lt_question",
		fieldPage(`<RESULTS>a<?</RESULTS>`)},
	{"gt_in_text",
		fieldPage(`<RESULTS>a > b >> c</RESULTS>`)},
	{"illegal_bytes",
		fieldPage("<RESULTS>nul\x00 bell\x07 bad\xff\xfe end\xef\xbf\xbe</RESULTS>" +
			"<TYPE>\x01</TYPE>")},
	{"illegal_bytes_in_names",
		fieldPage("<RES\x01ULTS>x</RES\x01ULTS><X\xff>y</X\xff>")},
	{"partial_rune_at_end",
		fieldPage(``)[:80] + "<a \xe2\x82"},
	{"partial_rune_in_tag",
		fieldPage(``)[:80] + "<!-\xe2"},

	// Document shapes the reference handles in its own way.
	{"html_page",
		`<html><body>502</body></html>`},
	{"host_list_output",
		`<HOST_LIST_OUTPUT><RESPONSE><ID_SET><ID>1</ID></ID_SET></RESPONSE></HOST_LIST_OUTPUT>`},
	{"only_whitespace",
		" \n\t "},
	{"only_comment",
		"<!-- nothing -->"},
	{"only_declaration",
		`<?xml version="1.0"?>`},
	{"end_before_root",
		`</HOST_LIST_VM_DETECTION_OUTPUT>`},
	{"nested_response",
		hostsPage(`</HOST_LIST><RESPONSE><HOST_LIST><HOST><ID>1</ID></HOST>`)},
	{"host_outside_list",
		`<HOST_LIST_VM_DETECTION_OUTPUT><RESPONSE><HOST><ID>1</ID></HOST></RESPONSE>` +
			`</HOST_LIST_VM_DETECTION_OUTPUT>`},
	{"host_list_in_root",
		`<HOST_LIST_VM_DETECTION_OUTPUT><HOST_LIST><HOST><ID>1</ID></HOST></HOST_LIST>` +
			`</HOST_LIST_VM_DETECTION_OUTPUT>`},
	{"id_set_closes_list",
		hostsPage(`<ID_SET></ID_SET><HOST><ID>1</ID></HOST>`)},
	{"datetime_empty",
		`<HOST_LIST_VM_DETECTION_OUTPUT><RESPONSE><DATETIME/></RESPONSE>` +
			`</HOST_LIST_VM_DETECTION_OUTPUT>`},
	{"datetime_bad",
		`<HOST_LIST_VM_DETECTION_OUTPUT><RESPONSE><DATETIME>soon</DATETIME></RESPONSE>` +
			`</HOST_LIST_VM_DETECTION_OUTPUT>`},
	{"datetime_other_forms",
		`<HOST_LIST_VM_DETECTION_OUTPUT><RESPONSE>` +
			`<DATETIME>2026-11-30 08:00:00</DATETIME>` +
			`<DATETIME>2026-11-30T09:00:00.5+01:00</DATETIME></RESPONSE>` +
			`</HOST_LIST_VM_DETECTION_OUTPUT>`},
	{"datetime_outside_response",
		`<HOST_LIST_VM_DETECTION_OUTPUT><DATETIME>soon</DATETIME>` +
			`</HOST_LIST_VM_DETECTION_OUTPUT>`},
	{"warning_anywhere",
		`<HOST_LIST_VM_DETECTION_OUTPUT><WARNING><CODE> 1980 </CODE><TEXT>a</TEXT></WARNING>` +
			`<RESPONSE><HOST_LIST><WARNING><URL>u</URL><X/></WARNING></HOST_LIST>` +
			`</RESPONSE></HOST_LIST_VM_DETECTION_OUTPUT>`},
	{"warning_bad_code",
		`<HOST_LIST_VM_DETECTION_OUTPUT><RESPONSE><WARNING><CODE>x</CODE></WARNING>` +
			`</RESPONSE></HOST_LIST_VM_DETECTION_OUTPUT>`},
	{"warning_empty_code",
		`<HOST_LIST_VM_DETECTION_OUTPUT><RESPONSE><WARNING><CODE/></WARNING></RESPONSE>` +
			`</HOST_LIST_VM_DETECTION_OUTPUT>`},

	// Error documents.
	{"simple_return_items",
		"\n\n<?xml version=\"1.0\"?>\n<SIMPLE_RETURN><RESPONSE>" +
			`<DATETIME>2020-11-23T18:29:09Z</DATETIME>` +
			`<CODE>1965</CODE><TEXT>Rate &amp; limit</TEXT><ITEM_LIST><ITEM>` +
			`<KEY>SECONDS_TO_WAIT</KEY><VALUE>60</VALUE>` +
			`</ITEM></ITEM_LIST></RESPONSE></SIMPLE_RETURN>`},
	{"simple_return_cut",
		"<!-- a -->\n\n<SIMPLE_RETURN>\n<RESPONSE><CODE>1905</CODE><TEXT>bad"},
	{"simple_return_cut_after_long_prolog",
		strings.Repeat("<!-- a comment line of a long prolog -->\n", 2000) +
			"<SIMPLE_RETURN>\n<RESPONSE><CODE>1905</CODE><TEXT>bad"},
	{"simple_return_bad",
		"\n<SIMPLE_RETURN>\n<RESPONSE><CODE>1905</CODE></RESPONSE></SIMPLE>"},
	{"simple_return_prefix",
		`<q:SIMPLE_RETURN xmlns:q="u"><q:RESPONSE><q:CODE>2000</q:CODE></q:RESPONSE>` +
			`</q:SIMPLE_RETURN>`},
	{"generic_return",
		`<GENERIC_RETURN><API name="x"/>` +
			`<RETURN status="FAILED" number="999">Internal error</RETURN></GENERIC_RETURN>`},
	{"error_root_after_text",
		"junk\n<SIMPLE_RETURN><RESPONSE><CODE>1</CODE></RESPONSE></SIMPLE_RETURN>trailing"},
	{"error_root_self_closing",
		"<SIMPLE_RETURN/>"},

	// Values and rejects of each kind.
	{"numbers",
		fieldPage(`<SEVERITY>+3</SEVERITY><PORT> 007 </PORT><TIMES_FOUND>-1</TIMES_FOUND>` +
			`<UNIQUE_VULN_ID>9223372036854775807</UNIQUE_VULN_ID>` +
			`<TIMES_REOPENED>2147483647</TIMES_REOPENED>`)},
	{"booleans",
		fieldPage(`<SSL>true</SSL><IS_IGNORED>false</IS_IGNORED><IS_DISABLED> 1 </IS_DISABLED>` +
			`<AFFECT_RUNNING_KERNEL>0</AFFECT_RUNNING_KERNEL>`)},
	{"dates",
		fieldPage(`<FIRST_FOUND_DATETIME>2024-02-29T23:59:59Z</FIRST_FOUND_DATETIME>` +
			`<LAST_FOUND_DATETIME>2026-11-30T08:00:00.123Z</LAST_FOUND_DATETIME>` +
			"<LAST_TEST_DATETIME>2026-11-30\n    T08:00:00Z</LAST_TEST_DATETIME>" +
			`<LAST_UPDATE_DATETIME>2026-11-30</LAST_UPDATE_DATETIME>` +
			`<LAST_FIXED_DATETIME>0000-01-01T00:00:00Z` +
			`</LAST_FIXED_DATETIME>` +
			`<LAST_PROCESSED_DATETIME>2026-11-30T08:00:00+0100</LAST_PROCESSED_DATETIME>`)},
	{"reject_bad_qid",
		detectionPage(goodDet + `<DETECTION><QID>12a</QID><STATUS>New</STATUS>` +
			`</DETECTION>` + goodDet)},
	{"reject_int32_overflow",
		fieldPage(`<PORT>99999999999</PORT>`)},
	{"reject_int64_overflow",
		fieldPage(`<UNIQUE_VULN_ID>9223372036854775808</UNIQUE_VULN_ID>`)},
	{"reject_boolean",
		fieldPage(`<SSL>maybe</SSL>`)},
	{"reject_date",
		fieldPage(`<LAST_FOUND_DATETIME>yesterday</LAST_FOUND_DATETIME>`)},
	{"reject_feb_30",
		fieldPage(`<LAST_FOUND_DATETIME>2026-02-30T00:00:00Z</LAST_FOUND_DATETIME>`)},
	{"reject_feb_29",
		fieldPage(`<LAST_FOUND_DATETIME>2026-02-29T00:00:00Z</LAST_FOUND_DATETIME>`)},
	{"reject_hour_24",
		fieldPage(`<LAST_FOUND_DATETIME>2026-01-01T24:00:00Z</LAST_FOUND_DATETIME>`)},
	{"reject_second_60",
		fieldPage(`<LAST_FOUND_DATETIME>2026-01-01T23:59:60Z</LAST_FOUND_DATETIME>`)},
	{"reject_missing_qid",
		detectionPage(`<DETECTION><STATUS>New</STATUS></DETECTION>` + goodDet +
			`<DETECTION/><DETECTION></DETECTION>`)},
	{"reject_first_fault_wins",
		fieldPage(`<SSL>x</SSL><PORT>y</PORT><QID>7</QID>`)},
	{"reject_fault_then_qid",
		detectionPage(`<DETECTION><SEVERITY>high</SEVERITY><QID>8</QID>` +
			`<RESULTS><![CDATA[raw & <kept>]]>&amp;<!-- c --></RESULTS></DETECTION>`)},
	{"reject_raw_with_repairs",
		detectionPage("<DETECTION><QID>x\x01</QID><RESULTS>\xff</RESULTS></DETECTION>")},
	{"empty_qid_and_id",
		hostsPage(`<HOST><ID></ID><DETECTION_LIST><DETECTION><QID/></DETECTION>` +
			`</DETECTION_LIST></HOST>`)},
	{"host_bad_id",
		hostsPage(`<HOST><ID>abc</ID><DETECTION_LIST>` + goodDet +
			`<DETECTION><QID>1</QID><SEVERITY>high</SEVERITY></DETECTION>` +
			`</DETECTION_LIST></HOST>` +
			`<HOST><ID>6</ID><DETECTION_LIST>` + goodDet + `</DETECTION_LIST></HOST>`)},
	{"host_missing_id",
		hostsPage(`<HOST><IP>1</IP><DETECTION_LIST>` + goodDet + goodDet +
			`</DETECTION_LIST></HOST>`)},
	{"host_missing_id_no_detections",
		hostsPage(`<HOST><IP>1</IP></HOST>`)},
	{"host_date_after_detections",
		hostsPage(`<HOST><ID>1</ID><DETECTION_LIST>` + goodDet +
			`</DETECTION_LIST><DETECTION_LIST>` + goodDet + `</DETECTION_LIST>` +
			`<LAST_SCAN_DATETIME>31/12/2025</LAST_SCAN_DATETIME></HOST>`)},
	{"host_tag_fault",
		hostsPage(`<HOST><ID>1</ID><TAGS><TAG><TAG_ID>q</TAG_ID><NAME>n</NAME></TAG>` +
			`<X/></TAGS><DETECTION_LIST>` + goodDet + `</DETECTION_LIST></HOST>`)},
	{"host_metadata_fault",
		hostsPage(`<HOST><ID>1</ID><METADATA><EC2><ATTRIBUTE><NAME>a</NAME>` +
			`<LAST_SUCCESS_DATE>no</LAST_SUCCESS_DATE></ATTRIBUTE><X/></EC2>` +
			`<OTHER_CLOUD><ATTRIBUTE>` +
			`<VALUE>v</VALUE></ATTRIBUTE></OTHER_CLOUD></METADATA><DETECTION_LIST>` + goodDet +
			`</DETECTION_LIST></HOST>`)},
	{"host_cloud_tag_fault",
		hostsPage(`<HOST><ID>1</ID><CLOUD_PROVIDER_TAGS><CLOUD_TAG><NAME>a</NAME>` +
			`<LAST_SUCCESS_DATE>no</LAST_SUCCESS_DATE></CLOUD_TAG></CLOUD_PROVIDER_TAGS>` +
			`<DETECTION_LIST>` +
			goodDet + `</DETECTION_LIST></HOST>`)},
	{"host_fault_int",
		hostsPage(`<HOST><ID>1</ID><NETWORK_ID>n</NETWORK_ID><ASSET_ID>2</ASSET_ID>` +
			`<DETECTION_LIST>` + goodDet + `</DETECTION_LIST></HOST>`)},
	{"detections_outside_list",
		hostsPage(`<HOST><ID>1</ID>` + goodDet + `<DETECTION_LIST><X>` + goodDet +
			`</X></DETECTION_LIST></HOST>`)},
}

// goodDet is a detection without fault.
const goodDet = `<DETECTION><QID>38170</QID><STATUS>Active</STATUS></DETECTION>`

// TestFastMatchesReferenceOnCraftedCases compares the decoders on each
// crafted case.
func TestFastMatchesReferenceOnCraftedCases(t *testing.T) {
	for _, c := range craftedCases {
		t.Run(c.name, func(t *testing.T) { checkSame(t, []byte(c.doc)) })
	}
}
