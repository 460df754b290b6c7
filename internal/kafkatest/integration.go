//go:build integration

package kafkatest

// requireReal is set in integration builds: under CI they must not fall
// back to the in-process Kafka.
const requireReal = true
