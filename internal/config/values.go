package config

import (
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// The checks below catch values the API or the brokers would refuse, so
// that they stop the program at startup with the variable's name.

// checkIDList accepts "1,5-9,12": positive integers and ranges, as the API's
// ids, qids and severities take them; within [lo, hi] when hi > 0.
func checkIDList(s string, lo, hi int64) error {
	for _, part := range strings.Split(s, ",") {
		a, b, isRange := strings.Cut(strings.TrimSpace(part), "-")
		first, err1 := strconv.ParseInt(a, 10, 64)
		last, err2 := first, error(nil)
		if isRange {
			last, err2 = strconv.ParseInt(b, 10, 64)
		}
		if err1 != nil || err2 != nil || first < lo || last < first || (hi > 0 && last > hi) {
			return fmt.Errorf("%q is not a number or range a-b between %d and %s", part, lo, bound(hi))
		}
	}
	return nil
}

func bound(hi int64) string {
	if hi > 0 {
		return strconv.FormatInt(hi, 10)
	}
	return "any"
}

// checkIPList accepts IPv4 addresses and ranges "a-b", comma-separated.
func checkIPList(s string) error {
	for _, part := range strings.Split(s, ",") {
		a, b, isRange := strings.Cut(strings.TrimSpace(part), "-")
		first, err := netip.ParseAddr(a)
		if err != nil || !first.Is4() {
			return fmt.Errorf("%q is not an IPv4 address or range", part)
		}
		if isRange {
			last, err := netip.ParseAddr(b)
			if err != nil || !last.Is4() || last.Less(first) {
				return fmt.Errorf("%q is not an IPv4 range a-b", part)
			}
		}
	}
	return nil
}

// topicName is what Kafka accepts in a topic name.
var topicName = regexp.MustCompile(`^[a-zA-Z0-9._-]{1,200}$`)

func checkHostPort(s string) error {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("%q is not host:port", s)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q has no valid port", s)
	}
	return nil
}
