package dev.baton.coordinator.internal.register;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.internal.ClaimRules;
import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.internal.register.RegisterAudit.Value;
import dev.baton.coordinator.internal.register.RegisterSimulation.Member;
import dev.baton.worker.Outcome;
import dev.baton.worker.spi.ClaimRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Claims and their ends through the registers, computed by {@link ClaimRules} from the value each
 * write finds, under {@link RegisterSimulationTest}'s faults and voter changes. No lock keeps the
 * claimers apart here: a claimer that believes the holder dead (a stale view, one claim in ten)
 * takes the run over as crashed. A claim is granted when its session learns it chosen. Checked:
 * along each worker's chain, granted tokens rise; a slot is granted as scheduled once, and again
 * only as a re-run, at most {@link ClaimRules#MAX_RERUNS} times; and along the chain of values chosen
 * (learned or not), no slot is claimed as scheduled by two claims.
 *
 * <p>{@code -Dbaton.simulation.claimSeeds=N} runs N seeds (default 200).
 */
class ClaimSimulationTest {

    private static final long EPOCH = 1_800_000_000_000L;

    static Stream<Long> seeds() {
        return LongStream.rangeClosed(1, Long.getLong("baton.simulation.claimSeeds", 200)).boxed();
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void slotsAreGrantedOnceAndTokensRiseAlongTheChain(long seed) {
        RegisterSimulation sim = new RegisterSimulation(seed, 3);
        Claims claims = new Claims(sim);
        RegisterSimulationTest.runWithFaults(sim, 20_000, claims::claim);

        assertThat(sim.audit.violations).as("seed %d", seed).isEmpty();
        assertThat(sim.quorums.violations).as("seed %d", seed).isEmpty();
        assertThat(claims.violations()).as("seed %d", seed).isEmpty();
        assertThat(claims.granted.values().stream().mapToInt(Map::size).sum()).as("grants, seed %d", seed)
                .isGreaterThan(50);
    }

    /** The claim workload: what each session claims and ends, and every grant by worker and chain index. */
    static final class Claims {

        private final RegisterSimulation sim;
        final Map<String, TreeMap<Long, SlotState>> granted = new HashMap<>();
        private long claimIds;
        private long values;

        Claims(RegisterSimulation sim) {
            this.sim = sim;
        }

        void claim(Member member, String worker) {
            long now = EPOCH + sim.now();
            long slot = now / 100 * 100;
            long claimId = ++claimIds;
            ClaimRequest request = new ClaimRequest(worker, Instant.ofEpochMilli(slot), ClaimRequest.Kind.SCHEDULED,
                    false, Optional.empty(), 0, false, true);
            ClaimRules.Claim claim = new ClaimRules.Claim(request, member.id, member.session, claimId, now, now, 0, 0);
            boolean staleView = sim.random.nextDouble() < 0.1;
            sim.write(member, worker, base -> {
                SlotState state = base == null ? SlotState.empty(worker) : base.state();
                boolean holderAlive = !staleView && state.isRunning() && alive(state.running().session());
                Optional<ClaimRules.Claimed> claimed = ClaimRules.claim(state, claim, holderAlive);
                if (claimed.isEmpty()) {
                    return null;
                }
                return claimed.get().replay() ? base : next(base, claimed.get().state());
            }, chosen -> {
                if (chosen != null && chosen.value().state().isRunning()
                        && chosen.value().state().running().claimId() == claimId) {
                    granted.computeIfAbsent(worker, w -> new TreeMap<>()).put(chosen.index(), chosen.value().state());
                    end(member, worker, chosen.value().state());
                }
            });
        }

        /** The run ends a moment later, if its session is still there and not writing. */
        private void end(Member member, String worker, SlotState run) {
            String session = member.session;
            sim.at(10 + sim.random.nextInt(50), () -> {
                if (member.alive && session.equals(member.session)) {
                    sim.write(member, worker, base -> ClaimRules.complete(base.state(), run.fence(), run.claimId(),
                                    Outcome.SUCCEEDED, EPOCH + sim.now()).map(ended -> next(base, ended)).orElse(null),
                            done -> { });
                }
            });
        }

        private Value next(Value base, SlotState state) {
            return new Value("v" + values++, base == null ? "-" : base.id(), state);
        }

        private boolean alive(String session) {
            return sim.members.values().stream().anyMatch(m -> m.alive && session.equals(m.session));
        }

        List<String> violations() {
            List<String> found = new ArrayList<>();
            granted.forEach((worker, grants) -> {
                long fence = Long.MIN_VALUE;
                Map<Long, Integer> scheduled = new HashMap<>();
                Map<Long, Integer> reruns = new HashMap<>();
                for (Map.Entry<Long, SlotState> e : grants.entrySet()) {
                    SlotState s = e.getValue();
                    if (s.fence() <= fence) {
                        found.add(worker + " index " + e.getKey() + ": token " + s.fence() + " not above " + fence);
                    }
                    fence = s.fence();
                    Map<Long, Integer> count = s.running().kind() == ClaimRequest.Kind.RERUN ? reruns : scheduled;
                    count.merge(s.running().slot(), 1, Integer::sum);
                }
                scheduled.forEach((slot, n) -> {
                    if (n > 1) {
                        found.add(worker + " slot " + slot + " granted as scheduled " + n + " times");
                    }
                });
                reruns.forEach((slot, n) -> {
                    if (n > ClaimRules.MAX_RERUNS) {
                        found.add(worker + " slot " + slot + " re-run " + n + " times");
                    }
                });
            });
            // Chosen, learned or not: a claim whose session never heard it is a run that died before it started.
            sim.quorums.chosen.forEach((worker, chain) -> {
                Map<Long, Long> claimOfSlot = new HashMap<>();
                for (Value value : chain.values()) {
                    SlotState s = value.state();
                    if (s != null && s.isRunning() && s.running().kind() == ClaimRequest.Kind.SCHEDULED) {
                        Long before = claimOfSlot.putIfAbsent(s.running().slot(), s.running().claimId());
                        if (before != null && before != s.running().claimId()) {
                            found.add(worker + " slot " + s.running().slot() + " chosen as scheduled by claims " + before
                                    + " and " + s.running().claimId());
                        }
                    }
                }
            });
            return found;
        }
    }
}
