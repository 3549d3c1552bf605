#!/usr/bin/env bash
# Builds a small PostgreSQL image from Debian's postgresql package on this machine, without any
# registry, for the example application's test (Testcontainers uses it in place of "postgres"):
# the server and client binaries, the libraries they link against, a static busybox for the
# entry point, and an entry point that reads the official image's POSTGRES_USER, POSTGRES_PASSWORD
# and POSTGRES_DB the way Testcontainers' PostgreSQLContainer sets them.
#
#   docker/build-postgres-image.sh [image-name]        (default: baton-postgres:local)
#
# Needs: Debian's postgresql and busybox-static (apt-get install postgresql busybox-static), and a
# running Docker engine.
set -euo pipefail

IMAGE="${1:-baton-postgres:local}"
BUSYBOX="${BUSYBOX:-/bin/busybox}"

pg="$(ls -d /usr/lib/postgresql/*/ 2>/dev/null | sort -V | tail -1)"
[[ -x "${pg}bin/postgres" && -x "${pg}bin/psql" ]] || {
  echo "no PostgreSQL server and client under /usr/lib/postgresql; apt-get install postgresql" >&2; exit 1; }
version="$(basename "$pg")"
file "$BUSYBOX" 2>/dev/null | grep -q "statically linked" || {
  echo "$BUSYBOX is not a static busybox; install Debian's busybox-static (apt-get install busybox-static)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root"/{bin,etc,tmp,usr/lib/postgresql,usr/share/postgresql,usr/share,var/lib/postgresql/data,var/run/postgresql}
chmod 1777 "$root/tmp"
cp -a "/usr/lib/postgresql/$version" "$root/usr/lib/postgresql/"
cp -a "/usr/share/postgresql/$version" "$root/usr/share/postgresql/"
# No JIT: it would pull in LLVM, a hundred megabytes a test database never uses.
rm -rf "$root/usr/lib/postgresql/$version"/lib/llvmjit* "$root/usr/lib/postgresql/$version/lib/bitcode"
# Debian's server reads time zones from the system's database.
cp -a /usr/share/zoneinfo "$root/usr/share/"

# The loader and every library the binaries and modules link against, at the paths they expect.
for lib in $( { find "$root/usr/lib/postgresql/$version" -type f \( -perm -u+x -o -name '*.so*' \) -exec ldd {} \; ; } \
              2>/dev/null | grep -oE '/[^ ]+\.so[^ ]*' | sort -u); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
for extra in /lib64/ld-linux-x86-64.so.2 /lib/x86_64-linux-gnu/libnss_files.so.2; do
  if [[ -e "$extra" ]]; then
    mkdir -p "$root$(dirname "$extra")"
    cp -L "$extra" "$root$extra"
  fi
done

cp "$BUSYBOX" "$root/bin/busybox"
for applet in sh cat echo rm mkdir ls id sleep; do
  ln -s busybox "$root/bin/$applet"
done
cat > "$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
postgres:x:999:999:PostgreSQL:/var/lib/postgresql:/bin/sh
PASSWD
cat > "$root/etc/group" <<'GROUP'
root:x:0:
postgres:x:999:
GROUP
echo 'hosts: files dns' > "$root/etc/nsswitch.conf"

# As the official image: initialise on first start with a server on the socket only, create the
# database, stop it, then run the real server. Both print "ready to accept connections", which is
# what Testcontainers waits for, twice.
cat > "$root/entrypoint.sh" <<ENTRY
#!/bin/sh
set -e
bin=/usr/lib/postgresql/$version/bin
ENTRY
cat >> "$root/entrypoint.sh" <<'ENTRY'
export PGDATA="${PGDATA:-/var/lib/postgresql/data}"
user="${POSTGRES_USER:-postgres}"
if [ "$1" = postgres ]; then shift; fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "$POSTGRES_PASSWORD" ]; then
    echo "POSTGRES_PASSWORD is not set; give the database user a password" >&2
    exit 1
  fi
  echo "$POSTGRES_PASSWORD" > /tmp/pwfile
  "$bin/initdb" -D "$PGDATA" -U "$user" --pwfile=/tmp/pwfile --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C >/dev/null
  rm -f /tmp/pwfile
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  "$bin/pg_ctl" -D "$PGDATA" -o "-c listen_addresses=''" -w start
  db="${POSTGRES_DB:-$user}"
  if [ "$db" != postgres ]; then
    "$bin/psql" -v ON_ERROR_STOP=1 -U "$user" -d postgres -c "CREATE DATABASE \"$db\"" >/dev/null 2>&1 \
      || echo "database $db exists"
  fi
  "$bin/pg_ctl" -D "$PGDATA" -m fast -w stop
fi
exec "$bin/postgres" -D "$PGDATA" "$@"
ENTRY
chmod 755 "$root/entrypoint.sh"
chown -R 999:999 "$root/var/lib/postgresql" "$root/var/run/postgresql"
chmod 700 "$root/var/lib/postgresql/data"

tar -C "$root" -c . | docker import \
  --change "ENV PATH=/usr/lib/postgresql/$version/bin:/bin" \
  --change 'ENV LANG=C.UTF-8' \
  --change 'USER postgres' \
  --change 'EXPOSE 5432' \
  --change 'ENTRYPOINT ["/entrypoint.sh"]' \
  --change 'CMD ["postgres"]' \
  - "$IMAGE" >/dev/null
echo "built $IMAGE (PostgreSQL $version, $(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}'))"
