#!/bin/bash
# A PostgreSQL entrypoint that behaves like the official image's (the
# docker-library/postgres one) with nrexec where that one calls gosu.
# Written for this suite from the behaviour, not copied:
#
#   as root:     create $PGDATA (mode 0700) and give it to postgres, make
#                the socket directory usable, then run this same script
#                again as postgres through nrexec;
#   as postgres: on an empty $PGDATA run initdb (superuser $POSTGRES_USER,
#                password $POSTGRES_PASSWORD or POSTGRES_HOST_AUTH_METHOD=trust),
#                allow password logins over TCP, start a socket-only server,
#                create $POSTGRES_DB, run /docker-entrypoint-initdb.d/*.sh and
#                *.sql, stop it; then exec the server (it becomes PID 1).
# Anything other than the server (`psql ...`, `bash`) is run as given.
set -Eeuo pipefail

say() { echo "entrypoint: $*"; }
die() { echo "entrypoint: error: $*" >&2; exit 1; }

# VAR or VAR_FILE (Docker secrets), not both
from_env_or_file() {
	local var=$1 def=${2:-} file_var="${1}_FILE" val
	if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
		die "both $var and $file_var are set; use one"
	fi
	val=$def
	if [ -n "${!var:-}" ]; then val=${!var}
	elif [ -n "${!file_var:-}" ]; then val=$(<"${!file_var}"); fi
	export "$var"="$val"
	unset "$file_var"
}

prepare_as_root() {
	mkdir -p "$PGDATA"
	chmod 0700 "$PGDATA" || :
	# only what is not postgres's yet (a restart on a big volume stays cheap)
	find "$PGDATA" \! -user postgres -exec chown postgres '{}' +
	mkdir -p /var/run/postgresql
	chown postgres /var/run/postgresql
	chmod 3777 /var/run/postgresql
}

init_database() {
	local auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
	if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
		die "the database is not initialised and POSTGRES_PASSWORD is empty (or set POSTGRES_HOST_AUTH_METHOD=trust)"
	fi
	# shellcheck disable=SC2086 # word splitting of the extra arguments is wanted
	initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "${POSTGRES_PASSWORD:-}") \
		${POSTGRES_INITDB_ARGS:-}
	printf '\nlisten_addresses = '"'*'"'\n' >>"$PGDATA/postgresql.conf"
	printf 'host all all all %s\n' "$auth" >>"$PGDATA/pg_hba.conf"

	# a server only this script can reach (no TCP) for the set-up steps
	PGUSER=$POSTGRES_USER pg_ctl -D "$PGDATA" -w -o "-c listen_addresses='' -p 5432" start
	local psql=(psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER")
	if [ "$POSTGRES_DB" != postgres ]; then
		"${psql[@]}" --dbname postgres --set db="$POSTGRES_DB" <<-'EOSQL'
			CREATE DATABASE :"db" ;
		EOSQL
	fi
	local f
	for f in /docker-entrypoint-initdb.d/*; do
		case $f in
		*.sh) say "running $f"; . "$f" ;;
		*.sql) say "running $f"; "${psql[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
		*) [ -e "$f" ] && say "ignoring $f" ;;
		esac
	done
	pg_ctl -D "$PGDATA" -m fast -w stop
	say "PostgreSQL init process complete; ready for start up."
}

# `docker run image -c shared_buffers=256MB` means the server with that flag
if [ "${1:0:1}" = - ]; then set -- postgres "$@"; fi

if [ "$1" = postgres ]; then
	: "${PGDATA:?PGDATA must be set}"
	if [ "$(id -u)" = 0 ]; then
		prepare_as_root
		# the one word that differs from the official image: gosu -> nrexec
		exec nrexec postgres "${BASH_SOURCE[0]}" "$@"
	fi
	from_env_or_file POSTGRES_PASSWORD
	from_env_or_file POSTGRES_USER postgres
	from_env_or_file POSTGRES_DB "$POSTGRES_USER"
	if [ -s "$PGDATA/PG_VERSION" ]; then
		say "PostgreSQL Database directory appears to contain a database; Skipping initialization"
	else
		init_database
	fi
fi

exec "$@"
