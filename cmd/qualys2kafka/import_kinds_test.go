package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// page wraps HOST elements in a detection page.
func page(hosts string) string {
	return `<?xml version="1.0" encoding="UTF-8" ?><HOST_LIST_VM_DETECTION_OUTPUT><RESPONSE>` +
		`<DATETIME>2026-11-30T08:00:00Z</DATETIME><HOST_LIST>` + hosts +
		`</HOST_LIST></RESPONSE></HOST_LIST_VM_DETECTION_OUTPUT>`
}

func host(id, inner string) string {
	return `<HOST><ID>` + id + `</ID>` + inner + `</HOST>`
}

func detections(qids ...string) string {
	var b strings.Builder
	b.WriteString("<DETECTION_LIST>")
	for _, q := range qids {
		b.WriteString(`<DETECTION><QID>` + q + `</QID><STATUS>Active</STATUS></DETECTION>`)
	}
	b.WriteString("</DETECTION_LIST>")
	return b.String()
}

// TestImportDryRunEveryInputKind runs `import --dry-run` on one small file
// of each odd or hostile kind: it prints the records and dead letters, or
// fails with exactly one line that names the problem; never a panic or a
// stack trace.
func TestImportDryRunEveryInputKind(t *testing.T) {
	warning := func(url string) string {
		return `<WARNING><CODE>1980</CODE><TEXT>1000 record limit exceeded.</TEXT>` + url + `</WARNING>`
	}
	tests := []struct {
		name        string
		doc         string
		records     int
		deadLetters int
		wantErr     string // substring of the one-line error; "" means success
	}{
		{name: "illegal_characters_in_results", doc: page(host("1", `<DETECTION_LIST><DETECTION><QID>2</QID><RESULTS><![CDATA[a`+"\x01\x02"+`b]]></RESULTS></DETECTION></DETECTION_LIST>`)), records: 1},
		{name: "latin1_bytes_in_netbios", doc: page(host("1", "<NETBIOS>CAF\xc9</NETBIOS>"+detections("2"))), records: 1},
		{name: "garbage_qid", doc: page(host("1", detections("2", "3x", "4"))), records: 2, deadLetters: 1},
		{name: "garbage_host_id", doc: page(host("1a", detections("2", "3"))), deadLetters: 2},
		{name: "unparseable_date", doc: page(host("1", `<DETECTION_LIST><DETECTION><QID>2</QID><LAST_FOUND_DATETIME>never</LAST_FOUND_DATETIME></DETECTION></DETECTION_LIST>`)), deadLetters: 1},
		{name: "numeric_looking_os_text", doc: page(host("1", "<OS>2008</OS>"+detections("2"))), records: 1},
		{name: "empty_dns_elements", doc: page(host("1", "<DNS></DNS><DNS_DATA><HOSTNAME/></DNS_DATA>"+detections("2"))), records: 1},
		{name: "ipv6_only_host", doc: page(host("1", "<IPV6>2001:db8::1</IPV6>"+detections("2"))), records: 1},
		{name: "host_with_no_ip_at_all", doc: page(host("1", detections("2"))), records: 1},
		{name: "one_host_one_detection_one_tag", doc: page(host("1", "<TAGS><TAG><TAG_ID>1</TAG_ID><NAME>x</NAME></TAG></TAGS>"+detections("2"))), records: 1},
		{name: "error_2001_with_http_200", doc: `<SIMPLE_RETURN><RESPONSE><CODE>2001</CODE><TEXT>This account has expired.</TEXT></RESPONSE></SIMPLE_RETURN>`, wantErr: "2001"},
		{name: "generic_return", doc: `<GENERIC_RETURN><RETURN status="FAILED">Internal error</RETURN></GENERIC_RETURN>`, wantErr: "Internal error"},
		{name: "html_502_from_a_proxy", doc: `<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>`, wantErr: "not an XML document (the file is html)"},
		{name: "html_414", doc: "<!DOCTYPE html>\n<html><body><h1>414 Request-URI Too Large</h1></body></html>", wantErr: "not an XML document (the file is html)"},
		{name: "json_body", doc: `{"error":"bad gateway"}`, wantErr: "not an XML document (the file is not xml)"},
		{name: "empty_body", doc: "", wantErr: "empty response body"},
		{name: "body_cut_inside_cdata", doc: page(host("1", detections("2")))[:200] + `<HOST><ID>9</ID><DETECTION_LIST><DETECTION><QID>2</QID><RESULTS><![CDATA[cut here`, wantErr: "document ended before its closing root element"},
		{name: "warning_without_url", doc: strings.Replace(page(host("1", detections("2"))), "</HOST_LIST>", "</HOST_LIST>"+warning(""), 1), records: 1},
		{name: "warning_whose_id_min_goes_backwards", doc: strings.Replace(page(host("50", detections("2"))), "</HOST_LIST>", "</HOST_LIST>"+warning(`<URL><![CDATA[https://x/api/5.0/fo/asset/host/vm/detection/?action=list&id_min=10]]></URL>`), 1), records: 1},
		{name: "leading_comment", doc: "<!-- saved by a script -->\n" + page(host("1", detections("2"))), records: 1},
		{name: "keep_alive_comments_between_elements", doc: strings.ReplaceAll(page(host("1", detections("2", "3"))), "><", "><!-- keep-alive --><"), records: 2},
		{name: "entity_expanding_to_a_megabyte", doc: `<?xml version="1.0"?><!DOCTYPE HOST_LIST_VM_DETECTION_OUTPUT [<!ENTITY big "` + strings.Repeat("x", 1<<20) + `">]><HOST_LIST_VM_DETECTION_OUTPUT><RESPONSE><HOST_LIST><HOST><ID>1</ID><DNS>&big;</DNS></HOST></HOST_LIST></RESPONSE></HOST_LIST_VM_DETECTION_OUTPUT>`, wantErr: "&big;"},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(dir, tt.name+".xml")
			if err := os.WriteFile(file, []byte(tt.doc), 0o600); err != nil {
				t.Fatal(err)
			}
			for _, decoder := range []string{"fast", "reference"} {
				var stdout, stderr bytes.Buffer
				code := run(t.Context(), []string{"import", "--dry-run", "--decoder", decoder, file}, &stdout, &stderr)
				checkImport(t, decoder, code, stdout.String(), stderr.String(), tt.records, tt.deadLetters, tt.wantErr)
			}
		})
	}
}

func checkImport(t *testing.T, decoder string, code int, stdout, stderr string, records, deadLetters int, wantErr string) {
	t.Helper()
	if strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine ") {
		t.Fatalf("%s: stack trace on stderr:\n%s", decoder, stderr)
	}
	if wantErr != "" {
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if code != 1 || len(lines) != 1 || !strings.Contains(lines[0], wantErr) {
			t.Errorf("%s: exit %d, stderr %q; want exit 1 and one line containing %q", decoder, code, stderr, wantErr)
		}
		return
	}
	if code != 0 {
		t.Fatalf("%s: exit %d, stderr:\n%s", decoder, code, stderr)
	}
	gotRecords, gotDead := 0, 0
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		switch {
		case line == "":
		case strings.HasPrefix(line, `{"dead_letter":`):
			gotDead++
		default:
			gotRecords++
		}
	}
	if gotRecords != records || gotDead != deadLetters {
		t.Errorf("%s: printed %d records and %d dead letters, want %d and %d:\n%s", decoder, gotRecords, gotDead, records, deadLetters, stdout)
	}
}

// TestImportAppliesTheSyncLimits: import caps RESULTS and dead-letters a
// record over the largest message as a sync does, and refuses a limit
// that does not parse.
func TestImportAppliesTheSyncLimits(t *testing.T) {
	big := strings.Repeat("r", 200<<10)
	doc := page(host("1", `<DETECTION_LIST><DETECTION><QID>2</QID><RESULTS>`+big+`</RESULTS></DETECTION>`+
		`<DETECTION><QID>3</QID><RESULTS>small</RESULTS></DETECTION></DETECTION_LIST>`))
	file := filepath.Join(t.TempDir(), "big.xml")
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	dryRun := func() (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := run(t.Context(), []string{"import", "--dry-run", file}, &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}

	t.Setenv("Q2K_SHOW_RESULTS_MAX_BYTES", "1000")
	code, out, stderr := dryRun()
	if code != 0 || !strings.Contains(out, `"results_truncated":true`) || strings.Contains(out, big[:2000]) {
		t.Errorf("with a 1000-byte cap: exit %d, stderr %q; RESULTS not cut", code, stderr)
	}

	t.Setenv("Q2K_SHOW_RESULTS_MAX_BYTES", "0")
	t.Setenv("Q2K_KAFKA_MAX_MESSAGE_BYTES", "65536")
	code, out, _ = dryRun()
	checkImport(t, "too_large", code, out, "", 1, 1, "")
	if !strings.Contains(out, `"reason":"record_too_large"`) {
		t.Errorf("no record_too_large dead letter in:\n%.500s", out)
	}

	t.Setenv("Q2K_SHOW_RESULTS_MAX_BYTES", "abc")
	if code, _, stderr := dryRun(); code != 1 || !strings.Contains(stderr, "Q2K_SHOW_RESULTS_MAX_BYTES") {
		t.Errorf("exit %d, stderr %q; want the variable named", code, stderr)
	}
}
