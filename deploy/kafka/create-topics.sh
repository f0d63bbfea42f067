#!/bin/sh
# The compose `kafka-init` one-shot (runs in the apache/kafka image): creates the topics the
# services use, with the partition count that bounds consumer parallelism. Existing topics are
# left as they are (raise partitions with kafka-topics.sh --alter; never lower them).
#   BOOTSTRAP_SERVER   e.g. kafka:29092
#   TOPIC_PARTITIONS   partitions per topic (the services' KAFKA_TOPIC_PARTITIONS)
#   TOPICS             space-separated name=retention_ms pairs
set -eu

: "${BOOTSTRAP_SERVER:?BOOTSTRAP_SERVER is required}"
: "${TOPIC_PARTITIONS:?TOPIC_PARTITIONS is required}"
: "${TOPICS:?TOPICS is required}"
bin=/opt/kafka/bin

for spec in $TOPICS; do
  name=${spec%%=*}
  retention_ms=${spec#*=}
  "$bin/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP_SERVER" --create --if-not-exists \
    --topic "$name" --partitions "$TOPIC_PARTITIONS" --replication-factor 1 \
    --config "retention.ms=$retention_ms" --config cleanup.policy=delete
done
"$bin/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP_SERVER" --describe --exclude-internal
