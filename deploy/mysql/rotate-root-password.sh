#!/bin/sh
# Gives MySQL's root account the current MYSQL_ROOT_PASSWORD secret after it changed (rotated with
# `docker compose run --rm secrets --rotate MYSQL_ROOT_PASSWORD`, or set anew in .env). MySQL
# stored the first password in its data volume, so a new file alone locks the services out.
# Run inside the mysql container:
#   docker compose exec mysql sh /opt/walletgraph/rotate-root-password.sh
# It logs in with the old password (MYSQL_ROOT_PASSWORD.previous, kept by deploy/secrets.mjs) and
# sets the new one on every host entry of the account. Passwords are never printed.
#   MYSQL_ROOT_PASSWORD_FILE  the current secret (set on the mysql service)
#   ROTATE_USER               the account, default root
#   MYSQL_HOST, MYSQL_TCP_PORT  read by the mysql client itself (default: the local socket)
set -eu

: "${MYSQL_ROOT_PASSWORD_FILE:?MYSQL_ROOT_PASSWORD_FILE is required}"
user="${ROTATE_USER:-root}"
current_file="$MYSQL_ROOT_PASSWORD_FILE"
previous_file="$MYSQL_ROOT_PASSWORD_FILE.previous"

# A quoted SQL string literal: backslashes and single quotes escaped.
sql_string() {
  printf "'%s'" "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e "s/'/\\\\'/g")"
}

run_sql() { # password, statement
  MYSQL_PWD="$1" mysql --user="$user" --batch --skip-column-names --execute="$2"
}

[ -r "$current_file" ] || { echo "rotate: cannot read $current_file" >&2; exit 66; }
current="$(cat "$current_file")"

if run_sql "$current" 'SELECT 1' >/dev/null 2>&1; then
  echo "rotate: $user already logs in with the current MYSQL_ROOT_PASSWORD; nothing to do"
  exit 0
fi
[ -r "$previous_file" ] || { echo "rotate: the current password is refused and there is no $previous_file to log in with" >&2; exit 1; }
previous="$(cat "$previous_file")"
run_sql "$previous" 'SELECT 1' >/dev/null || { echo "rotate: $user refuses the previous password too" >&2; exit 1; }

hosts="$(run_sql "$previous" "SELECT Host FROM mysql.user WHERE User = $(sql_string "$user")")"
statement=''
for host in $hosts; do
  statement="${statement:+$statement, }$(sql_string "$user")@$(sql_string "$host") IDENTIFIED BY $(sql_string "$current")"
done
[ -n "$statement" ] || { echo "rotate: no account $user" >&2; exit 1; }
run_sql "$previous" "ALTER USER $statement"
run_sql "$current" 'SELECT 1' >/dev/null
echo "rotate: $user now logs in with the current MYSQL_ROOT_PASSWORD ($(echo "$hosts" | wc -w) host entries); now restart the services that connect: docker compose restart subgraph-wallet subgraph-balance"
