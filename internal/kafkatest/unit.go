//go:build !integration

package kafkatest

// requireReal is unset in unit builds: they may use the in-process Kafka.
const requireReal = false
