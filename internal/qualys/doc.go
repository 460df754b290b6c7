// Package qualys speaks the Qualys VM API: it holds the hosts and
// detections the API returns, sends calls with the credentials, headers and
// form parameters the API requires, paces them by the subscription's rate
// and concurrency headers (Gate), and turns error responses into typed
// errors (APIError, TransportError).
//
// It neither paginates nor retries nor decodes detection pages: fetch walks
// pages and decides what to retry, decode reads the XML.
package qualys
