#!/usr/bin/env bash
# Installs PostgreSQL from Debian's packages if needed, starts a cluster on localhost, makes a
# test role and database, and prints the SQLAlchemy URL for FOIDESK_TEST_POSTGRES_URL.
# Run as root (CI is). Everything it prints except the URL goes to stderr.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$version main"; then
    pg_createcluster "$version" main >&2
fi
pg_ctlcluster "$version" main start >&2 || true
port=$(pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $3}')
for _ in $(seq 30); do
    pg_isready -q -h localhost -p "$port" && break
    sleep 1
done
su postgres -c "psql -q -p $port -c \"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'foidesk') THEN CREATE ROLE foidesk LOGIN PASSWORD 'foidesk'; END IF; END \\\$\\\$;\"" >&2
if ! su postgres -c "psql -p $port -Atc \"SELECT 1 FROM pg_database WHERE datname = 'foidesk_test'\"" | grep -q 1; then
    su postgres -c "createdb -p $port -O foidesk foidesk_test" >&2
fi
echo "postgresql://foidesk:foidesk@localhost:$port/foidesk_test"
