# The Baton node. Build the jar first (./mvnw package), then:
#   docker build -t baton-node .                                         (eclipse-temurin:21-jre)
#   docker build --build-arg JAVA_IMAGE=baton-java-base:local -t baton-node .   (no registry needed)
# or just docker/build-image.sh.
ARG JAVA_IMAGE=eclipse-temurin:21-jre
FROM ${JAVA_IMAGE}

WORKDIR /app
COPY node/target/lib/ /app/lib/
COPY node/target/baton-node.jar /app/baton-node.jar

# Where docker-compose keeps the journals: a named volume mounted here starts as a copy of this
# directory, so it belongs to the node's user with no preparation on the host.
RUN mkdir -p /journal /var/lib/baton && chown 10001:10001 /journal /var/lib/baton

# Numeric, so that Kubernetes can check runAsNonRoot without reading /etc/passwd.
USER 10001:10001

# The voter state outlives a restart of the container (compose's restart policy; Kubernetes mounts
# an emptyDir here), so a node that crashed comes back as the same voter at once.
ENV BATON_HTTP_PORT=8080 \
    BATON_PORT=5701 \
    BATON_STATE_DIR=/var/lib/baton
EXPOSE 5701 8080

# Java is PID 1 (exec form) and receives SIGTERM: Baton finishes or interrupts its executions,
# releases its leases and leaves the cluster. The heap follows the container's memory limit.
# The parallel collector, with two threads at most: under load the serial one (the JVM's choice in
# a small container) stopped a node for 10-40 ms each young collection and 115-180 ms each full
# one, the parallel one 3-12 ms (README, performance); two threads keep the collector's footprint
# that of a small container on a large host. A common fork-join pool of two threads: with two CPUs
# or fewer the JVM gives it one, and Hazelcast then starts a new thread for every asynchronous
# callback (some 240 a second on a node at 1,000 executions/s; README, performance).
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=70", "-XX:+ExitOnOutOfMemoryError", \
    "-XX:+UseParallelGC", "-XX:ParallelGCThreads=2", \
    "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2", \
    "-Xss512k", "-Djava.io.tmpdir=/tmp", \
    "--add-modules", "java.se", "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED", \
    "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", \
    "--add-opens", "java.management/sun.management=ALL-UNNAMED", \
    "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED", \
    "-jar", "/app/baton-node.jar"]

HEALTHCHECK --interval=5s --timeout=3s --start-period=60s --retries=3 \
    CMD wget -q -O /dev/null "http://127.0.0.1:${BATON_HTTP_PORT}/health/ready" \
     || curl -fsS -o /dev/null "http://127.0.0.1:${BATON_HTTP_PORT}/health/ready" || exit 1
