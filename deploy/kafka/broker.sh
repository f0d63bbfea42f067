#!/bin/sh
# One node of the compose Kafka cluster (apache/kafka image, run as its appuser, uid 1000): three
# combined broker+controller KRaft nodes, as scripts/lib/kafka.mjs runs them locally.
#   - every client listener (INTERNAL for the containers, HOST for the host) is SASL_PLAINTEXT
#     with SCRAM-SHA-512; the controller listener SASL/PLAIN (KRaft cannot run it on SCRAM);
#   - StandardAuthorizer, allow.everyone.if.no.acl.found=false, User:<broker> the only super user
#     (kafka-init then creates the topics and every service's ACLs as the admin principal);
#   - replication factor 3, min.insync.replicas 2, unclean leader election off.
# SCRAM users are created when the storage is first formatted: one per KAFKA_<P>_PASSWORD_FILE set
# on this service (username KAFKA_<P>_USERNAME, default the lower-case principal). A password
# changed later is applied with kafka-configs.sh --alter --add-config 'SCRAM-SHA-512=[password=…]'
# (README, Kafka security). Nothing here prints a password.
#
#   NODE_ID, CLUSTER_ID, QUORUM_VOTERS (1@kafka-1:9093,…), INTERNAL_HOST (kafka-N), HOST_PORT (909x)
set -eu
: "${NODE_ID:?}" "${CLUSTER_ID:?}" "${QUORUM_VOTERS:?}" "${INTERNAL_HOST:?}" "${HOST_PORT:?}" "${KAFKA_BROKER_PASSWORD_FILE:?}"
umask 077
kafka_home="${KAFKA_HOME:-/opt/kafka}"
internal_port="${INTERNAL_PORT:-29092}"
controller_port="${CONTROLLER_PORT:-9093}"
data_dir="${KAFKA_DATA_DIR:-/var/lib/kafka/data}"
config=/tmp/walletgraph/server.properties
client=/tmp/walletgraph/client.properties
mkdir -p /tmp/walletgraph
broker_user="${KAFKA_BROKER_USERNAME:-broker}"
broker_password="$(cat "$KAFKA_BROKER_PASSWORD_FILE")"
scram_jaas="org.apache.kafka.common.security.scram.ScramLoginModule required username=\"$broker_user\" password=\"$broker_password\";"

cat > "$config" <<PROPERTIES
process.roles=broker,controller
node.id=$NODE_ID
controller.quorum.voters=$QUORUM_VOTERS
controller.listener.names=CONTROLLER
listeners=INTERNAL://0.0.0.0:$internal_port,HOST://0.0.0.0:$HOST_PORT,CONTROLLER://0.0.0.0:$controller_port
advertised.listeners=INTERNAL://$INTERNAL_HOST:$internal_port,HOST://localhost:$HOST_PORT
inter.broker.listener.name=INTERNAL
listener.security.protocol.map=INTERNAL:SASL_PLAINTEXT,HOST:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
sasl.mechanism.controller.protocol=PLAIN
listener.name.internal.scram-sha-512.sasl.jaas.config=$scram_jaas
listener.name.host.scram-sha-512.sasl.jaas.config=$scram_jaas
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="$broker_user" password="$broker_password" user_$broker_user="$broker_password";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:$broker_user
log.dirs=$data_dir
auto.create.topics.enable=false
default.replication.factor=3
min.insync.replicas=2
unclean.leader.election.enable=false
offsets.topic.replication.factor=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
group.initial.rebalance.delay.ms=0
PROPERTIES

# The healthcheck's (and an operator's) client settings: the broker principal.
cat > "$client" <<PROPERTIES
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=$scram_jaas
PROPERTIES

if [ ! -f "$data_dir/meta.properties" ]; then
  set --
  for principal in BROKER ADMIN WALLET BALANCE RECONCILER OBSERVER; do
    file="$(printenv "KAFKA_${principal}_PASSWORD_FILE" || true)"
    [ -n "$file" ] || continue
    name="$(printenv "KAFKA_${principal}_USERNAME" || echo "$principal" | tr 'A-Z' 'a-z')"
    set -- "$@" --add-scram "SCRAM-SHA-512=[name=$name,password=$(cat "$file")]"
  done
  "$kafka_home/bin/kafka-storage.sh" format --cluster-id "$CLUSTER_ID" --config "$config" "$@" > /dev/null
  echo "formatted node $NODE_ID with $(($# / 2)) SCRAM users"
fi
exec "$kafka_home/bin/kafka-server-start.sh" "$config"
