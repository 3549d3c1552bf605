#!/usr/bin/env bash
# Builds the node image: the jar and its dependencies, on a Java 21+ base image.
#
#   docker/build-image.sh                  on a registry-free base built from the local JDK
#   JAVA_IMAGE=eclipse-temurin:21-jre docker/build-image.sh   on the public image
#
# The image is tagged baton-node:local (or $BATON_IMAGE).
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE="${BATON_IMAGE:-baton-node:local}"
JAVA_IMAGE="${JAVA_IMAGE:-baton-java-base:local}"

if [[ "$JAVA_IMAGE" == "baton-java-base:local" ]] && ! docker image inspect "$JAVA_IMAGE" >/dev/null 2>&1; then
  docker/build-base-image.sh "$JAVA_IMAGE"
fi
# Always package: a jar left from an earlier build would otherwise go into the image silently.
./mvnw -q -B -ntp -DskipTests package
docker build --build-arg "JAVA_IMAGE=$JAVA_IMAGE" -t "$IMAGE" . >/dev/null
echo "built $IMAGE on $JAVA_IMAGE"
