#!/usr/bin/env bash
# Builds a small Java base image from the JDK installed on this machine, without any registry:
# a jlink'ed runtime, the shared libraries it needs, a static busybox (shell, wget, nslookup),
# and a passwd entry for the non-root user the node runs as. For air-gapped machines and CI.
#
#   docker/build-base-image.sh [image-name]        (default: baton-java-base:local)
#
# Needs: a JDK 21 or newer (JAVA_HOME, or /usr/lib/jvm/temurin-25-jdk-amd64), Debian's
# busybox-static, and a running Docker engine.
set -euo pipefail

IMAGE="${1:-baton-java-base:local}"
JDK="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
BUSYBOX="${BUSYBOX:-/bin/busybox}"
MODULES=java.se,java.base,java.desktop,java.logging,java.management,java.naming,java.net.http,java.scripting,java.sql,java.xml,jdk.net,jdk.unsupported,jdk.management,jdk.naming.dns,jdk.crypto.ec,jdk.zipfs,jdk.httpserver,jdk.jfr,java.instrument

[[ -x "$JDK/bin/jlink" ]] || { echo "no jlink in $JDK; set JAVA_HOME to a JDK 21 or newer" >&2; exit 1; }
file "$BUSYBOX" 2>/dev/null | grep -q "statically linked" || {
  echo "$BUSYBOX is not a static busybox; install Debian's busybox-static (apt-get install busybox-static)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root"/{bin,etc,tmp,opt,app,journal}
chmod 1777 "$root/tmp"

"$JDK/bin/jlink" --add-modules "$MODULES" --strip-debug --no-header-files --no-man-pages \
  --compress=zip-6 --output "$root/opt/java" 2>/dev/null \
  || "$JDK/bin/jlink" --add-modules "$MODULES" --strip-debug --no-header-files --no-man-pages \
       --output "$root/opt/java"

# The loader and the libraries the runtime links against, at the paths it expects.
for lib in $( { ldd "$root/opt/java/bin/java"; find "$root/opt/java/lib" -name '*.so' -exec ldd {} \; ; } 2>/dev/null \
              | grep -oE '/[^ ]+\.so[^ ]*' | sort -u); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
for extra in /lib64/ld-linux-x86-64.so.2 /lib/x86_64-linux-gnu/libnss_dns.so.2 /lib/x86_64-linux-gnu/libnss_files.so.2 \
             /lib/x86_64-linux-gnu/libresolv.so.2; do
  if [[ -e "$extra" ]]; then
    mkdir -p "$root$(dirname "$extra")"
    cp -L "$extra" "$root$extra"
  fi
done

cp "$BUSYBOX" "$root/bin/busybox"
for applet in sh ls cat env wget nslookup ps kill sleep mkdir rm id hostname; do
  ln -s busybox "$root/bin/$applet"
done

cat > "$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
baton:x:10001:10001:baton:/app:/bin/sh
PASSWD
cat > "$root/etc/group" <<'GROUP'
root:x:0:
baton:x:10001:
GROUP
echo 'hosts: files dns' > "$root/etc/nsswitch.conf"

tar -C "$root" -c . | docker import \
  --change 'ENV PATH=/opt/java/bin:/bin' \
  --change 'ENV JAVA_HOME=/opt/java' \
  --change 'ENV LANG=C.UTF-8' \
  - "$IMAGE" >/dev/null
echo "built $IMAGE ($(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}'))"
