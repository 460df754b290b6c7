#!/usr/bin/env bash
# A real, single-node Apache Kafka broker for the integration tests.
#
# There is no Docker here and only package registries are reachable, so the
# broker is assembled from Kafka's own jars on Maven Central and run with the
# local JDK (Kafka 4.x needs Java 17+). It listens on loopback only.
#
#   kafka.sh fetch   download the jars once into the cache
#   kafka.sh start   (re)start a fresh broker and wait until it answers
#   kafka.sh stop    stop the broker and remove its run dir (idempotent)
#   kafka.sh env     print Q2K_TEST_KAFKA / Q2K_TEST_KAFKA_NAME for eval
#   kafka.sh run-class CLASS [ARGS...]   run a Kafka tool class from the jars
#
# Settings (environment): KAFKA_VERSION, KAFKA_CACHE, KAFKA_RUN_DIR,
# KAFKA_PORT, KAFKA_CONTROLLER_PORT, KAFKA_HEAP_OPTS, KAFKA_START_TIMEOUT.
set -euo pipefail

KAFKA_VERSION="${KAFKA_VERSION:-4.3.2}"
KAFKA_CACHE="${KAFKA_CACHE:-$HOME/.cache/qualys2kafka}"
KAFKA_RUN_DIR="${KAFKA_RUN_DIR:-/tmp/qualys2kafka-kafka}"
KAFKA_PORT="${KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
# A small heap: CI and developer machines have 2 cores and run the tests too.
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"

# Pinned so a fresh machine resolves the same plugin every time.
DEPENDENCY_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
# Every run dir is formatted anew, so a fixed cluster id is enough
# (base64url of "q2k-test-cluster"); it spares a JVM start for random-uuid.
CLUSTER_ID="cTJrLXRlc3QtY2x1c3Rlcg"

HOME_DIR="$KAFKA_CACHE/kafka-$KAFKA_VERSION"
LIBS_DIR="$HOME_DIR/libs"
COMPLETE_MARKER="$HOME_DIR/.complete"
PID_FILE="$KAFKA_RUN_DIR/kafka.pid"
# Written first into every run dir start creates; stop deletes nothing
# from a dir without it.
RUN_MARKER="$KAFKA_RUN_DIR/.qualys2kafka-kafka-run"
BOOTSTRAP="127.0.0.1:$KAFKA_PORT"

log() { echo "kafka.sh: $*" >&2; }
die() { log "$*"; exit 1; }

# Both end up in paths that get deleted: keep them to plain shapes.
[[ $KAFKA_VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[A-Za-z0-9.]+)?$ ]] ||
	die "KAFKA_VERSION '$KAFKA_VERSION' is not a version like 4.3.2"
[[ $KAFKA_RUN_DIR == /* ]] ||
	die "KAFKA_RUN_DIR '$KAFKA_RUN_DIR' must be an absolute path"

need() {
	command -v "$1" >/dev/null 2>&1 || die "$1 not found on PATH ($2)"
}

# ---------------------------------------------------------------- fetch

# Kafka's published POMs carry the broker's dependencies but not the
# logging binding (the release tarball adds that), and kafka-tools drags in
# the whole Connect runtime (Jetty, Jersey, ...) that no tool we use needs.
write_pom() {
	cat <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.qualys2kafka</groupId>
  <artifactId>kafka-broker-libs</artifactId>
  <version>$KAFKA_VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka-tools</artifactId>
      <version>$KAFKA_VERSION</version>
      <exclusions>
        <exclusion>
          <groupId>org.apache.kafka</groupId>
          <artifactId>connect-runtime</artifactId>
        </exclusion>
      </exclusions>
    </dependency>
  </dependencies>
</project>
EOF
}

# mvn with its chatter kept in a log file; the log's tail is shown on failure.
mvn_quiet() {
	local log_file=$1
	shift
	if ! mvn -B -q "$@" >>"$log_file" 2>&1; then
		tail -n 30 "$log_file" >&2
		die "mvn $* failed (full log: $log_file)"
	fi
}

# The binding must match the slf4j API and log4j that Kafka itself resolved:
# slf4j 1.x needs log4j-slf4j-impl, slf4j 2.x needs log4j-slf4j2-impl.
add_logging_binding() {
	local dir=$1 libs=$1/libs log4j slf4j binding
	log4j=$(find "$libs" -name 'log4j-core-*.jar' -printf '%f\n' | sed 's/^log4j-core-//; s/\.jar$//')
	slf4j=$(find "$libs" -name 'slf4j-api-*.jar' -printf '%f\n' | sed 's/^slf4j-api-//; s/\.jar$//')
	[[ -n $log4j && -n $slf4j ]] || die "log4j-core or slf4j-api missing from Kafka $KAFKA_VERSION's dependencies"
	case $slf4j in
	1.*) binding="log4j-slf4j-impl" ;;
	*) binding="log4j-slf4j2-impl" ;;
	esac
	mvn_quiet "$dir/mvn.log" -f "$dir/pom.xml" "$DEPENDENCY_PLUGIN:copy" \
		-Dartifact="org.apache.logging.log4j:$binding:$log4j" -DoutputDirectory="$libs"
}

# Downloads into a scratch dir and renames it into place, so an interrupted
# download never looks complete; the marker is written last.
fetch() {
	[[ -f $COMPLETE_MARKER ]] && return 0
	need mvn "it downloads Kafka's jars from Maven Central"
	local tmp="$HOME_DIR.partial.$$"
	rm -rf "$tmp"
	mkdir -p "$tmp"
	log "downloading Apache Kafka $KAFKA_VERSION jars from Maven Central into $HOME_DIR"
	write_pom >"$tmp/pom.xml"
	mvn_quiet "$tmp/mvn.log" -f "$tmp/pom.xml" "$DEPENDENCY_PLUGIN:copy-dependencies" \
		-DincludeScope=runtime -DoutputDirectory="$tmp/libs"
	add_logging_binding "$tmp"
	[[ -f $tmp/libs/kafka_2.13-$KAFKA_VERSION.jar ]] || die "kafka_2.13-$KAFKA_VERSION.jar was not downloaded"
	rm -rf "$HOME_DIR"
	mv "$tmp" "$HOME_DIR"
	date -u +%FT%TZ >"$COMPLETE_MARKER"
}

# ---------------------------------------------------------------- start

check_java() {
	need java "Kafka $KAFKA_VERSION runs on Java 17 or newer"
	local major
	major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
	if ! [[ $major =~ ^[0-9]+$ ]] || ((major < 17)); then
		die "Kafka $KAFKA_VERSION needs Java 17 or newer, found Java '$major'"
	fi
}

# Like Kafka's own tools logging config: warnings and errors only, to
# stderr. Written next to the jars on first use; prints its path.
tools_log4j2_config() {
	local config="$HOME_DIR/tools-log4j2.properties"
	[[ -f $config ]] || cat >"$config" <<'EOF'
appender.stderr.type = Console
appender.stderr.name = STDERR
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stderr.ref = STDERR
EOF
	echo "$config"
}

# Runs a Kafka main class (a CLI tool) on the cached jars, killed after
# $TOOL_TIMEOUT seconds when that is set.
run_class() {
	local limit=()
	[[ -n ${TOOL_TIMEOUT:-} ]] && limit=(timeout "$TOOL_TIMEOUT")
	"${limit[@]}" java -Xmx256m -Dlog4j2.configurationFile="$(tools_log4j2_config)" \
		-cp "$LIBS_DIR/*" "$@"
}

write_server_properties() {
	cat <<EOF
# Written by deploy/kafka/kafka.sh: single-node KRaft, loopback only.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$KAFKA_RUN_DIR/data

# One broker: internal topics cannot have more than one replica.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1

# Tests create their topics explicitly, and must not wait for rebalances.
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=0
num.partitions=1

# Sized for a 2-core machine and short-lived data.
num.network.threads=2
num.io.threads=4
log.segment.bytes=16777216
log.cleaner.dedupe.buffer.size=16777216
log.retention.check.interval.ms=60000
EOF
}

# The broker logs to files in the run dir; stdout stays clean for callers.
write_log4j2_properties() {
	cat <<EOF
appender.server.type = File
appender.server.name = SERVER
appender.server.fileName = $KAFKA_RUN_DIR/logs/server.log
appender.server.layout.type = PatternLayout
appender.server.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.server.ref = SERVER
EOF
}

# Short timeouts so each readiness probe gives up quickly and is retried.
write_client_properties() {
	cat <<EOF
request.timeout.ms=5000
default.api.timeout.ms=10000
EOF
}

format_storage() {
	run_class kafka.tools.StorageTool format --ignore-formatted \
		--cluster-id "$CLUSTER_ID" --config "$KAFKA_RUN_DIR/server.properties" \
		>"$KAFKA_RUN_DIR/logs/format.log" 2>&1 ||
		fail_start "formatting the broker's storage failed" "$KAFKA_RUN_DIR/logs/format.log"
}

launch_broker() {
	# shellcheck disable=SC2086 # KAFKA_HEAP_OPTS holds several JVM flags.
	java $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
		-Dlog4j2.configurationFile="$KAFKA_RUN_DIR/log4j2.properties" \
		-Dkafka.logs.dir="$KAFKA_RUN_DIR/logs" \
		-cp "$LIBS_DIR/*" kafka.Kafka "$KAFKA_RUN_DIR/server.properties" \
		</dev/null >"$KAFKA_RUN_DIR/logs/kafka.out" 2>&1 &
	echo $! >"$PID_FILE"
}

port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# A real Admin metadata request, not just an open socket: an accepted TCP
# connection alone does not prove the broker serves Kafka clients yet.
answers_metadata() {
	TOOL_TIMEOUT=20 run_class org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" \
		--command-config "$KAFKA_RUN_DIR/client.properties" --list \
		>/dev/null 2>>"$KAFKA_RUN_DIR/logs/probe.log"
}

wait_until_ready() {
	local deadline=$((SECONDS + KAFKA_START_TIMEOUT)) pid logs
	pid=$(<"$PID_FILE")
	logs=("$KAFKA_RUN_DIR/logs/server.log" "$KAFKA_RUN_DIR/logs/kafka.out")
	while ((SECONDS < deadline)); do
		# kill -0, not is_our_broker: right after the fork the child may not
		# have exec'ed java yet. This script is its parent and reaps it.
		kill -0 "$pid" 2>/dev/null || fail_start "the broker exited during startup" "${logs[@]}"
		if port_open "$KAFKA_PORT" && answers_metadata; then
			return 0
		fi
		sleep 0.5
	done
	fail_start "the broker did not answer on $BOOTSTRAP within ${KAFKA_START_TIMEOUT}s" "${logs[@]}"
}

# Shows why, then leaves nothing behind: no broker, no run dir.
fail_start() {
	local why=$1
	shift
	log "$why; last lines of $*:"
	tail -n 40 "$@" >&2 2>/dev/null || true
	stop
	exit 1
}

start() {
	check_java
	fetch
	stop
	! port_open "$KAFKA_PORT" || die "127.0.0.1:$KAFKA_PORT is already in use by another process"
	create_run_dir
	write_server_properties >"$KAFKA_RUN_DIR/server.properties"
	write_log4j2_properties >"$KAFKA_RUN_DIR/log4j2.properties"
	write_client_properties >"$KAFKA_RUN_DIR/client.properties"
	format_storage
	launch_broker
	wait_until_ready
	echo "Apache Kafka $KAFKA_VERSION at $BOOTSTRAP"
}

# ---------------------------------------------------------------- run dir

# Refuses a dir that already holds anything: stop has just removed ours,
# so whatever is left there belongs to someone else.
create_run_dir() {
	mkdir -p "$KAFKA_RUN_DIR"
	[[ -z $(ls -A "$KAFKA_RUN_DIR") ]] ||
		die "KAFKA_RUN_DIR $KAFKA_RUN_DIR is not empty and was not made by kafka.sh; choose another"
	date -u +%FT%TZ >"$RUN_MARKER"
	mkdir "$KAFKA_RUN_DIR/logs" "$KAFKA_RUN_DIR/data"
}

# Deletes only the files start writes, and only under its marker, so that
# a mistyped KAFKA_RUN_DIR can never wipe anything else; rmdir then fails
# (and leaves the dir) if it holds something kafka.sh did not write.
remove_run_dir() {
	[[ -d $KAFKA_RUN_DIR ]] || return 0
	if [[ ! -f $RUN_MARKER ]]; then
		log "left $KAFKA_RUN_DIR alone: kafka.sh did not create it"
		return 0
	fi
	rm -rf "$KAFKA_RUN_DIR/data" "$KAFKA_RUN_DIR/logs"
	rm -f "$KAFKA_RUN_DIR/server.properties" "$KAFKA_RUN_DIR/log4j2.properties" \
		"$KAFKA_RUN_DIR/client.properties" "$PID_FILE" "$RUN_MARKER"
	rmdir "$KAFKA_RUN_DIR" 2>/dev/null ||
		log "left $KAFKA_RUN_DIR in place: it holds files kafka.sh did not write"
}

# ---------------------------------------------------------------- stop

# True only for our broker: guards against a stale pid file whose pid the
# system has since given to an unrelated process.
is_our_broker() {
	local cmdline
	cmdline=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
	[[ $cmdline == *"kafka.Kafka $KAFKA_RUN_DIR/server.properties"* ]]
}

stop() {
	local pid
	if [[ -f $PID_FILE ]]; then
		pid=$(<"$PID_FILE")
		if is_our_broker "$pid"; then
			kill -TERM "$pid" 2>/dev/null || true
			# A controlled shutdown of a single node takes a few seconds.
			for _ in $(seq 1 60); do
				is_our_broker "$pid" || break
				sleep 0.5
			done
			if is_our_broker "$pid"; then
				log "broker $pid ignored SIGTERM for 30s; killing it"
				kill -KILL "$pid" 2>/dev/null || true
			fi
		fi
	fi
	remove_run_dir
}

# ---------------------------------------------------------------- main

print_env() {
	echo "Q2K_TEST_KAFKA=$BOOTSTRAP"
	echo "Q2K_TEST_KAFKA_NAME=\"Apache Kafka $KAFKA_VERSION\""
}

usage() {
	sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0" >&2
	exit 2
}

main() {
	local cmd=${1:-}
	[[ $# -gt 0 ]] && shift
	case $cmd in
	fetch) fetch ;;
	start) start ;;
	stop) stop ;;
	env) print_env ;;
	run-class)
		fetch
		run_class "$@"
		;;
	*) usage ;;
	esac
}

main "$@"
