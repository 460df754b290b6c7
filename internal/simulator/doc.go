// Package simulator is an in-process stand-in for the Qualys VM API: the
// Host List Detection API (/api/{2.0..5.0}/fo/asset/host/vm/detection/),
// the Host List API (/api/{2.0..5.0}/fo/asset/host/, details=None) and
// /msp/about.php.
//
// It serves a seeded, deterministic fleet (Generate) over HTTP with the real
// API's authentication, X-Requested-With check, parameter errors (1901,
// 1905), filters, truncation by hosts with a WARNING/URL cursor, and the
// rate and concurrency headers. Its clock moves only when told (Advance),
// which also changes detections the way rescans do; Expected then says
// exactly which hosts and detections a complete walk of the API with given
// parameters must return, so tests can compare a real sync field by field.
//
// What it leaves to others: it is not a client, a decoder or a Kafka
// producer. It does not yet enforce rate or concurrency limits (Limiter is
// the seam for that), inject faults, serve CSV output, the knowledge base
// or the session API.
package simulator
