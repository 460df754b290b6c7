// Command qualys2kafka moves Qualys VM detections into Kafka: one Avro
// record per host detection, on one topic per status.
//
// Usage:
//
//	qualys2kafka demo                 simulator + in-process Kafka, no configuration
//	qualys2kafka run                  the service: a sync every Q2K_SYNC_INTERVAL
//	qualys2kafka sync [--full]        one sync, then exit
//	qualys2kafka simulate [flags]     serve the Qualys API simulator
//	qualys2kafka tail [flags]         print the records of the topics as JSON lines
//	qualys2kafka import [--dry-run] [--decoder fast|reference] FILE...
//	                                  publish saved detection responses
//	qualys2kafka schema               print the Avro schema of the records
//
// Configuration is read from the environment. Variables and defaults:
//
//	Q2K_QUALYS_URL                    API server of the platform (required)
//	Q2K_QUALYS_USER                   API user (required)
//	Q2K_QUALYS_PASSWORD[_FILE]        password, or a file holding it (required)
//	Q2K_QUALYS_API_VERSION            5.0
//	Q2K_QUALYS_REQUESTED_WITH         qualys2kafka
//	Q2K_QUALYS_TRUNCATION_LIMIT       1000 hosts per page (0: one page per range)
//	Q2K_QUALYS_DECODER                fast (or reference)
//	Q2K_QUALYS_AUTH                   basic (or session)
//	Q2K_QUALYS_WORKERS                4 ranges at once, capped by the API's concurrency limit
//	Q2K_QUALYS_RANGE_SIZE             5000 hosts per range
//	Q2K_QUALYS_CONNECT_TIMEOUT        30s
//	Q2K_QUALYS_FIRST_BYTE_TIMEOUT     10m
//	Q2K_QUALYS_IDLE_TIMEOUT           2m
//	Q2K_QUALYS_RETRY_ATTEMPTS         8 tries of one page
//	Q2K_QUALYS_EXTRA_PARAMS           "" (k=v&k2=v2, from an allowed list)
//	Q2K_FILTER_HOST_IDS, _IPS, _ASSET_GROUP_IDS, _QIDS, _SEVERITIES
//	                                  API filters ids, ips, ag_ids, qids, severities
//	Q2K_FILTER_TAGS, Q2K_FILTER_TAGS_BY
//	                                  tag_set_include (with use_tags=1); id
//	Q2K_FILTER_INCLUDE_IGNORED, _INCLUDE_DISABLED
//	                                  false, false
//	Q2K_SHOW_RESULTS, _QDS, _QDS_FACTORS, _TAGS, _ASSET_ID, _REOPENED_INFO,
//	Q2K_SHOW_DETECTION_SOURCE         true
//	Q2K_SHOW_RESULTS_MAX_BYTES        262144 (0: no cap)
//	Q2K_SHOW_IGS, _CLOUD_TAGS         false
//	Q2K_SHOW_HOST_METADATA            "" (all, ec2, azure, google, alicloud)
//	Q2K_KAFKA_BROKERS                 host:port list (required)
//	Q2K_KAFKA_TOPIC_PREFIX            qualys.vm
//	Q2K_KAFKA_SINGLE_TOPIC            "" (one topic per status)
//	Q2K_KAFKA_COMPRESSION             zstd
//	Q2K_KAFKA_CREATE_TOPICS           false
//	Q2K_KAFKA_PARTITIONS              6 (for created topics)
//	Q2K_KAFKA_MAX_MESSAGE_BYTES       1000000 (larger records are dead-lettered)
//	Q2K_SYNC_INTERVAL                 4h
//	Q2K_SYNC_OVERLAP                  10m
//	Q2K_SYNC_PROGRESS_EVERY           30s
//	Q2K_SUBSCRIPTION                  "" (label in keys and records)
//	Q2K_LOG_LEVEL                     info
//	Q2K_LISTEN_ADDR                   :9090 (run: /healthz, /readyz)
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
