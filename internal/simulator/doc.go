// Package simulator is an in-process stand-in for the Qualys VM API: the
// Host List Detection API (/api/{2.0..5.0}/fo/asset/host/vm/detection/),
// the Host List API (/api/{2.0..5.0}/fo/asset/host/) and /msp/about.php.
//
// It serves a seeded, deterministic fleet (Generate) over HTTP with the real
// API's authentication, X-Requested-With check, parameter errors (1901,
// 1905), filters, truncation by hosts with a WARNING/URL cursor, and the
// rate and concurrency headers. Its clock moves only when told (Advance),
// which also changes detections the way rescans do; Expected then says
// exactly which hosts and detections a complete walk of the API with given
// parameters must return, so tests can compare a real sync field by field.
// Pages are streamed: a page of 100,000 hosts never sits in memory.
//
// Where the public sources leave behaviour open (SPEC §10), the simulator
// chooses, and Expected follows the same choice:
//
//   - Date filters: "_after" is strict, "_since" inclusive, "_before"
//     strict. vm_processed_* compare the host's processing time, which the
//     simulator keeps but the API does not show; detection_updated_* compare
//     LAST_UPDATE_DATETIME, or LAST_FOUND_DATETIME when never updated.
//   - A detection found again without status change (Active, re-found) gets
//     a new LAST_FOUND/LAST_TEST/LAST_PROCESSED but keeps LAST_UPDATE, so
//     detection_updated_since does not select it; vm_processed_after does.
//   - TIMES_REOPENED and the reopened dates appear with show_reopened_info=1
//     only for detections reopened at least once. AFFECT_* appear when an
//     arf_* filter or active_kernels_only is not 0; they do not filter.
//   - 5.0 only: CVE, MITRE_*, TRURISK_ELIMINATION_STATUS; the detection
//     source elements also need vuln_detection_source=1.
//   - Accepted and ignored (validated by form only): asset groups, tags,
//     search lists, networks, compliance and the other parameters the
//     simulated fleet has no data for. output_format other than XML is a
//     1905 error: CSV is not simulated.
//   - A repeated parameter takes its last value; body parameters come after
//     query parameters. The WARNING URL repeats every pair as sent, query
//     then body, except id_min, then appends the new id_min.
//   - Missing action is code 1903; a missing X-Requested-With header is HTTP
//     400 with Config.RequestedWithCode (default 1903).
//
// Limits, faults, latency and sessions are off in DefaultConfig; tests and
// benchmarks turn them on:
//
//   - Config.Limits (a WindowLimiter) enforces a concurrency limit and a
//     sliding-window rate limit with the real answers: HTTP 409 with 1960
//     (CALLS_TO_FINISH) before 1965 (SECONDS_TO_WAIT, equal to
//     X-RateLimit-ToWait-Sec, text "for another 1 hour, 2 minutes and 3
//     seconds" without zero units). Choices: one pool per subscription
//     unless LimitConfig.PerAPI; refused calls do not count in the rate
//     window; admitted calls count whatever their outcome; ToWait-Sec is
//     set from the call that takes the window's last place; a refused call's
//     Running header does not count itself; HoldSlots stands for another
//     client. Config.AltConcurrencyHeaders spells X-ConcurrencyLimit-*.
//   - Config.Faults and SetFaults inject faults chosen by rules (Nth call,
//     path, id_min, ids, seeded probability, at most K per page): slow
//     first byte or body, reset or clean cut after N bytes (or at a random
//     offset of each page), GENERIC_RETURN 5xx, a proxy's 502 HTML page,
//     keep-alive comments, 2001 with HTTP 200, an empty body. The 502 and
//     2001 answers carry no limit headers, as captured.
//   - Config.Latency delays each page's headers by a fixed time plus a
//     cost per host on the page.
//   - The session API (/api/{any}/fo/session/, POST action=login|logout)
//     sets a QualysSession cookie that authenticates without Basic; it
//     is exempt from limits and faults, sends no limit headers, and a
//     session idle for Config.SessionTimeout ends. Logging out without a
//     live session is a 401 with code 2000, a choice.
//
// LimitStats, FaultStats, Sessions and Traffic (calls and body bytes by
// path) count what happened, for tests.
//
// What it leaves to others: it is not a client, a decoder or a Kafka
// producer. It does not serve CSV output or the knowledge base; sessions do
// not take concurrency slots, although clients report that they count
// against them.
package simulator
