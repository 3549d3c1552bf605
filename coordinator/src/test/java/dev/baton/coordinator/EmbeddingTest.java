package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.hazelcast.config.Config;
import com.hazelcast.config.PartitionGroupConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.baton.coordinator.support.Harness;
import dev.baton.coordinator.support.HazelcastMembers;
import dev.baton.coordinator.support.LogCapture;
import dev.baton.worker.Outcome;
import dev.baton.worker.RunKind;
import dev.baton.worker.Schedule;
import dev.baton.worker.WorkerInfo;
import dev.baton.worker.Workers;
import dev.baton.worker.spi.Coordination;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** What an embedding application gets from the library alone: member tuning, the floor once, metrics, health. */
class EmbeddingTest {

    @Test
    void configurePreparesTheMemberWithBatonsTimingAndRecordsTheFloor() {
        Config config = HazelcastCoordination.configure(new Config(), 2);

        assertThat(config.getProperty("hazelcast.heartbeat.interval.seconds")).isEqualTo("1");
        assertThat(config.getProperty("hazelcast.max.no.heartbeat.seconds")).isEqualTo("5");
        assertThat(config.getProperty("hazelcast.merge.first.run.delay.seconds")).isEqualTo("10");
        assertThat(config.getProperty("hazelcast.merge.next.run.delay.seconds")).isEqualTo("10");
        assertThat(config.getProperty("hazelcast.operation.call.timeout.millis")).isEqualTo("5000");
        assertThat(config.getProperty("hazelcast.operation.backup.timeout.millis")).isEqualTo("1500");
        assertThat(config.getProperty("hazelcast.graceful.shutdown.max.wait")).isEqualTo("15");
        assertThat(config.getProperty("hazelcast.partition.migration.timeout")).isEqualTo("15");
        assertThat(config.getProperty("hazelcast.partition.migration.chunks.max.migrating.data.in.mb")).isEqualTo("32");
        assertThat(config.getProperty("hazelcast.shutdownhook.enabled")).isEqualTo("false");
        assertThat(config.getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
        assertThat(config.getProperty("hazelcast.operation.fail.on.indeterminate.state")).isEqualTo("true");
        assertThat(config.getProperty(HazelcastCoordination.MIN_CLUSTER_SIZE_PROPERTY)).isEqualTo("2");
        assertThat(config.getSplitBrainProtectionConfig("baton-quorum").getMinimumClusterSize()).isEqualTo(2);
    }

    @Test
    void aPropertyTheApplicationSetItselfIsKept() {
        Config config = new Config();
        config.setProperty("hazelcast.heartbeat.interval.seconds", "2");
        // An application cluster holding large caches keeps Hazelcast's own migration timeout.
        config.setProperty("hazelcast.partition.migration.timeout", "300");

        HazelcastCoordination.configure(config, 1, MemberTiming.defaults().withMergeDelay(Duration.ofSeconds(3)));

        assertThat(config.getProperty("hazelcast.heartbeat.interval.seconds")).isEqualTo("2");
        assertThat(config.getProperty("hazelcast.partition.migration.timeout")).isEqualTo("300");
        assertThat(config.getProperty("hazelcast.merge.first.run.delay.seconds")).isEqualTo("3");
    }

    @Test
    void theFloorIsGivenOnceAndASecondDifferentOneIsRefused() {
        Config config = HazelcastCoordination.configure(new Config(), 2);

        assertThat(HazelcastCoordination.configure(config, 2)).isSameAs(config);
        assertThatThrownBy(() -> HazelcastCoordination.configure(config, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("minClusterSize 2 already, now 3")
                .hasMessageContaining("one place");
        assertThatThrownBy(() -> MemberTiming.defaults().withHeartbeatTimeout(Duration.ofMillis(1500)))
                .hasMessageContaining("at least twice the heartbeat");
    }

    @Test
    void aMemberNotPreparedForBatonIsRefusedWithHowToPrepareIt() {
        Config config = new Config().setClusterName("unprepared-" + ProcessHandle.current().pid());
        config.getNetworkConfig().setPort(15990).getJoin().getMulticastConfig().setEnabled(false);
        config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
        config.setProperty("hazelcast.phone.home.enabled", "false");
        HazelcastInstance member = Hazelcast.newHazelcastInstance(config);
        try {
            assertThatThrownBy(() -> HazelcastCoordination.builder(member).build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("HazelcastCoordination.configure(config, minClusterSize)");
        } finally {
            member.getLifecycleService().terminate();
        }
    }

    @Test
    void aMemberThatKeepsFewerCopiesOfTheRecordsIsWarnedAboutWhatThatCosts() {
        Config config = HazelcastCoordination.configure(new Config(), 1)
                .setClusterName("fewer-copies-" + ProcessHandle.current().pid());
        config.getNetworkConfig().setPort(0).getJoin().getMulticastConfig().setEnabled(false);
        config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
        config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        config.getMapConfig("baton-workers").setBackupCount(1);
        config.getPartitionGroupConfig().setEnabled(true).setGroupType(PartitionGroupConfig.MemberGroupType.HOST_AWARE);
        HazelcastInstance member = Hazelcast.newHazelcastInstance(config);
        try (LogCapture log = LogCapture.of(HazelcastCoordination.class)) {
            HazelcastCoordination.builder(member).nodeId("a").build().close();

            assertThat(warnings(log)).satisfiesExactly(
                    backups -> assertThat(backups).contains("keeps 1 synchronous backups, fewer than the 6")
                            .contains("split of more than 4 members"),
                    groups -> assertThat(groups).contains("partition groups (HOST_AWARE)")
                            .contains("Turn partition groups off"));
        } finally {
            member.getLifecycleService().terminate();
        }
    }

    @Test
    void aMemberPreparedForBatonBuildsWithoutAWarning() {
        try (HazelcastMembers members = new HazelcastMembers(1);
             LogCapture log = LogCapture.of(HazelcastCoordination.class)) {
            HazelcastCoordination.builder(members.get(0)).nodeId("a").build().close();

            assertThat(warnings(log)).isEmpty();
        }
    }

    private static List<String> warnings(LogCapture log) {
        return log.events().stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void healthIsDownWithoutQuorumAndUpOnceTheFloorIsMet() {
        try (HazelcastMembers members = new HazelcastMembers(2)) {
            Coordination first = HazelcastCoordination.builder(members.get(0)).nodeId("a").build();
            first.start(new CoordinationContract.EventLog());
            BatonHealth health = new BatonHealth(first);

            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                    .until(() -> !health.check().up());
            assertThat(health.check().problem()).get().asString().startsWith("no quorum");
            assertThat(health.check().details()).containsEntry("node", "a").containsEntry("quorumPresent", false);

            Coordination second = HazelcastCoordination.builder(members.get(1)).nodeId("b").build();
            second.start(new CoordinationContract.EventLog());
            await().atMost(Duration.ofSeconds(30)).until(() -> health.check().up());
            assertThat(health.check().problem()).isEmpty();
            assertThat(health.check().details()).containsEntry("members", 2);
            second.close();
            first.close();
        }
    }

    @Test
    void aLambdaWorkerRunsItsSlotsAndTheMetricsCountThemUnderTheNodesNames() {
        try (Harness h = new Harness()) {
            List<RunKind> runs = new CopyOnWriteArrayList<>();
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            BatonMetrics metrics = new BatonMetrics(h.cluster.node("metrics-view"), true);
            metrics.bindTo(registry);
            var manager = Baton.manager(h.cluster.node("n2")).scheduler(h.time).listener(metrics).build();
            manager.add(Workers.periodic("tick", Schedule.fixedRate(Duration.ofMinutes(1)))
                    .execute(context -> runs.add(context.runKind())));
            manager.start();

            h.time.advance(Duration.ofMinutes(3));
            h.awaitThen(() -> runs.size() == 3);

            assertThat(runs).containsOnly(RunKind.SCHEDULED);
            assertThat(registry.get("baton.executions").tag("worker", "tick").tag("outcome", "succeeded").counter()
                    .count()).isEqualTo(3.0);
            assertThat(registry.get("baton.execution.duration").tag("worker", "tick").timer().count()).isEqualTo(3);
            assertThat(registry.get("baton.start.lateness").timer().count()).isEqualTo(3);
            assertThat(registry.get("baton.leases.held").gauge()).isNotNull();
            assertThat(registry.get("baton.cluster.quorum.present").gauge().value()).isEqualTo(1.0);
            assertThat(registry.get("baton.session.renewals").functionCounter()).isNotNull();
            assertThat(registry.get("baton.sessions.expired").functionCounter()).isNotNull();
            WorkerInfo info = manager.list().getFirst();
            assertThat(info.schedule()).contains(Schedule.fixedRate(Duration.ofMinutes(1)));
            assertThat(info.lastOutcome()).contains(Outcome.SUCCEEDED);
            manager.close();
        }
    }
}
