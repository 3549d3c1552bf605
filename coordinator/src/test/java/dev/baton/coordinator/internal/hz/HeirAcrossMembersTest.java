package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Members that could disagree on who is an heir (from the review of 3321151/b0bed61): the change
 * adding a newcomer and the leaver's closing reach the driver in either order, and an heir cut off
 * from one member alone must not be taken for lost by it.
 */
class HeirAcrossMembersTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;
    private static final long LEAVE_BOUND = SimulatedNetwork.seatReturnBound(LEASE, MARGIN);
    private static final int SEEDS = 60;
    private static final int FEW_SEEDS = 20;

    private static boolean closingAt(SimulatedNetwork.SimNode at, SimulatedNetwork.SimNode of) {
        return at.table.sessions().stream().anyMatch(s -> s.voterId().equals(of.voters.voterId()) && s.closing());
    }


    private static void runUntil(SimulatedNetwork net, java.util.function.BooleanSupplier c, long maxMs) {
        for (long t = 0; t < maxMs && !c.getAsBoolean(); t++) {
            net.run(1);
        }
    }

    /**
     * Floor 2, voters [n1 (driver), n0], n2 up. The driver proposes n2 (it has not heard n0 closing),
     * and n0 receives SIGTERM while that proposal is under way: n2 is added as n0 leaves, an heir to
     * both, also where the driver learned the change before it heard n0 closing (13 of these 60
     * seeds; 2 stalled when it then took n0 out first). n2 then crashes: no stall.
     */
    @Test
    void aNewcomerAddedAsTheLeaveStartsIsAnHeirToEveryMember() {
        List<String> stalled = new ArrayList<>();
        int learnedFirst = 0;
        for (long seed = 1; seed <= SEEDS; seed++) {
            SimulatedNetwork net = new SimulatedNetwork(seed, LEASE, MARGIN, 2);
            net.removalDelay = 30_000 * MS;
            SimulatedNetwork.SimNode[] v = net.twoVoters("n1", "n0");
            SimulatedNetwork.SimNode driver = v[0];
            SimulatedNetwork.SimNode leaver = v[1];
            net.run((LEASE + MARGIN) / MS + 500);
            SimulatedNetwork.SimNode n2 = net.start("n2");
            runUntil(net, driver.driver::proposing, 10_000);
            net.run(net.random.nextInt(30));
            long leftAt = net.clock.get();
            net.leave(leaver, LEAVE_BOUND);
            boolean[] before = new boolean[1];
            runUntil(net, () -> driver.voters.current().contains(n2.voters.voterId()), 10_000);
            before[0] = !closingAt(driver, leaver);
            long learnedAfter = (net.clock.get() - leftAt) / MS;
            net.run(net.random.nextInt(100));
            boolean first = before[0] && driver.voters.current().contains(leaver.voters.voterId());
            learnedFirst += first ? 1 : 0;
            String heirsAtCrash = "driver's heirs " + field(driver, "heirs") + ", leaver's heirs "
                    + field(leaver, "heirs");
            net.crash(n2);
            net.awaitTrue(() -> !leaver.up, 40_000, "the leaver gone");
            Voters atExit = driver.voters.current();
            net.run(2_000);
            net.start("n3");
            net.run(40_000);
            if (!net.grants(driver, "w", 3_000)) {
                stalled.add("seed " + seed + (first ? " (driver learned n2 " + learnedAfter
                        + " ms after n0's SIGTERM, before its closing)" : "") + ": at exit " + atExit.nodes()
                        + ", now " + driver.voters.current().nodes() + "; when n2 crashed, " + heirsAtCrash);
            }
        }
        assertThat(learnedFirst).as("seeds where the driver learned the change before the closing").isPositive();
        assertThat(stalled).as("the driver grants nothing after the leave, for good").isEmpty();
    }

    /**
     * Floor 2, voters [n1 (driver), n0], n2 up but cut off from the leaver n0 alone. The driver adds
     * n2 as n0's heir; n0, which never heard n2, does not take it for lost (it removed it, and the
     * driver added it again, in 34 of 40 seeds, passing through [n1] alone below the floor), and the
     * leave ends with n0 out.
     */
    @Test
    void aHeirCutFromTheLeaverAloneKeepsItsSeat() {
        List<String> out = new ArrayList<>();
        long maxTook = 0;
        int churned = 0;
        for (long seed = 1; seed <= SEEDS; seed++) {
            SimulatedNetwork net = new SimulatedNetwork(seed, LEASE, MARGIN, 2);
            net.removalDelay = 30_000 * MS;
            SimulatedNetwork.SimNode[] v = net.twoVoters("n1", "n0");
            SimulatedNetwork.SimNode driver = v[0];
            SimulatedNetwork.SimNode leaver = v[1];
            SimulatedNetwork.SimNode n2 = net.start("n2");
            net.cut(leaver.index, n2.index);
            net.run(net.random.nextInt(2000));
            List<String> seen = new ArrayList<>();
            driver.voters.onLearn(x -> seen.add(x.nodes().toString()));
            long t0 = net.clock.get();
            net.leave(leaver, LEAVE_BOUND);
            net.awaitTrue(() -> !leaver.up, 60_000, "the leaver gone");
            long took = (net.clock.get() - t0) / MS;
            maxTook = Math.max(maxTook, took);
            net.run(5_000);
            net.heal();
            net.run(5_000);
            net.start("n3");
            net.run(40_000);
            boolean granted = net.grants(driver, "w", 3_000);
            boolean seated = seen.stream().allMatch(c -> c.contains("n0"));
            boolean below = seen.stream().anyMatch(c -> !c.contains(","));
            boolean removedN2 = false;
            for (int i = 1; i < seen.size(); i++) {
                removedN2 |= seen.get(i - 1).contains("n2") && !seen.get(i).contains("n2");
            }
            churned += removedN2 ? 1 : 0;
            if (!granted || seated || below || removedN2) {
                out.add("seed " + seed + (granted ? "" : " STALLED") + (seated ? " never taken out" : "")
                        + " took " + took + " ms: changes " + seen + ", now " + driver.voters.current().nodes());
            }
        }
        assertThat(out).as("stalls, leavers never taken out, configurations below the floor, n2 removed (%d)",
                churned).isEmpty();
        assertThat(maxTook).as("longest leave, ms").isLessThan(LEAVE_BOUND / MS);
    }

    private static boolean removed(List<String> seen, String node) {
        for (int i = 1; i < seen.size(); i++) {
            if (seen.get(i - 1).contains(node) && !seen.get(i).contains(node)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Floor 2, [n1 (driver), n0]; n0 leaves and n2 is added as its heir. The link driver-leaver then
     * drops for about 3 s (longer than the expiry, shorter than the heartbeat timeout here), and the
     * heir crashes meanwhile. The driver, which no longer saw the leaver's closing session, forgot its
     * heirs, and once the link healed proposed n0's removal against n0's removal of n2: [n1, n2] with
     * n2 dead in 3 of 20 seeds (a review of 3c15ef7). The leavers a member has seen stay leaving while
     * they are voters.
     */
    @Test
    void aLeaverOutOfTheDriversSightForAMomentKeepsItsHeirAnHeir() {
        List<String> stalled = new ArrayList<>();
        for (long seed = 1; seed <= FEW_SEEDS; seed++) {
            SimulatedNetwork net = new SimulatedNetwork(seed, LEASE, MARGIN, 2);
            net.removalDelay = 30_000 * MS;
            net.heartbeatTimeout = 10_000 * MS;
            SimulatedNetwork.SimNode[] v = net.twoVoters("n1", "n0");
            SimulatedNetwork.SimNode driver = v[0];
            SimulatedNetwork.SimNode leaver = v[1];
            SimulatedNetwork.SimNode n2 = net.start("n2");
            net.run(net.random.nextInt(300));
            net.leave(leaver, LEAVE_BOUND);
            net.awaitTrue(() -> driver.voters.current().contains(n2.voters.voterId())
                    && leaver.voters.current().contains(n2.voters.voterId()), 10_000, "n2 added");
            Object heirsAtAdd = field(driver, "heirs");
            net.cut(driver.index, leaver.index);
            net.run(300);
            net.crash(n2);
            net.run(2700 + net.random.nextInt(500));
            Object heirsInCut = field(driver, "heirs");
            net.heal();
            net.awaitTrue(() -> !leaver.up, 40_000, "the leaver gone");
            Voters atExit = driver.voters.current();
            net.run(2_000);
            net.start("n3");
            net.run(40_000);
            if (!net.grants(driver, "w", 3_000)) {
                stalled.add("seed " + seed + ": driver's heirs at add " + heirsAtAdd + ", in the cut " + heirsInCut
                        + "; at exit " + atExit.nodes() + ", now " + driver.voters.current().nodes());
            }
        }
        assertThat(stalled).as("the driver grants nothing after the leave, for good").isEmpty();
    }

    /**
     * Default floor 1, voters [n0 (driver), n1, n2]. n3 joins and the driver adds it, an ordinary
     * newcomer; n3 pauses (GC, a stalled VM) for 3 s right after, and n2 is terminated within 1.5 s
     * of the change (a rolling update's next pod). n3 keeps its seat, as a paused voter does
     * (LeaveGoneVoterReviewTest): the others can change the voters without it. At 3c15ef7 the window
     * made it an heir, removed it, and left two voters [n0, n1] (20 of 20 seeds).
     */
    @Test
    void aNewcomerPausedAsAnotherVoterLeavesKeepsItsSeat() {
        List<String> out = new ArrayList<>();
        for (long seed = 1; seed <= FEW_SEEDS; seed++) {
            SimulatedNetwork net = new SimulatedNetwork(seed, LEASE, MARGIN, 1);
            net.removalDelay = 30_000 * MS;
            List<SimulatedNetwork.SimNode> n = net.voters(3);
            net.run((LEASE + MARGIN) / MS + 1000);
            SimulatedNetwork.SimNode driver = n.get(0);
            List<String> seen = new ArrayList<>();
            driver.voters.onLearn(x -> seen.add(x.nodes().toString()));
            SimulatedNetwork.SimNode n3 = net.start("n3");
            net.awaitTrue(() -> driver.voters.current().contains(n3.voters.voterId()), 10_000, "n3 added");
            n3.frozen = true;
            net.run(net.random.nextInt(1500));
            net.leave(n.get(2), LEAVE_BOUND);
            net.run(3000);
            n3.frozen = false;
            net.awaitTrue(() -> !n.get(2).up, 40_000, "n2 gone");
            net.run(10_000);
            boolean two = seen.stream().anyMatch(c -> c.split(",").length == 2);
            if (removed(seen, "n3") || two) {
                out.add("seed " + seed + ": changes " + seen + " (driver's heirs now " + field(driver, "heirs") + ")");
            }
        }
        assertThat(out).as("n3 removed within its removal delay, or two voters").isEmpty();
    }

    private static Object field(SimulatedNetwork.SimNode n, String name) {
        try {
            java.lang.reflect.Field f = VotersDriver.class.getDeclaredField(name);
            f.setAccessible(true);
            return ((java.util.Set<?>) f.get(n.driver)).stream().map(x -> Voters.nodeOf((String) x)).toList();
        } catch (ReflectiveOperationException e) {
            return "?";
        }
    }

    /**
     * Floor 2, [n1 (driver), n0]. n2 starts cut off from n0 alone; the driver adds it; n2 crashes
     * (never heard by n0) and n0 gets SIGTERM within 2 s of the add. The driver takes n2 for a lost
     * heir and removes it; n0, which cannot tell, leaves the order to the driver. Proposing its own
     * removal, it won 3 of 30 seeds at 4c4dbf8 (and every seed at 234db71): [n1, n2] with n2 dead,
     * for good (the fifth review).
     */
    @Test
    void aLostHeirTheLeaverNeverHeardGoesFirst() {
        List<String> stalled = new ArrayList<>();
        for (long seed = 1; seed <= 30; seed++) {
            SimulatedNetwork net = new SimulatedNetwork(seed, LEASE, MARGIN, 2);
            net.removalDelay = 30_000 * MS;
            SimulatedNetwork.SimNode[] v = net.twoVoters("n1", "n0");
            SimulatedNetwork.SimNode driver = v[0];
            SimulatedNetwork.SimNode leaver = v[1];
            net.run((LEASE + MARGIN) / MS + 500);
            SimulatedNetwork.SimNode n2 = net.start("n2");
            net.cut(leaver.index, n2.index);
            net.awaitTrue(() -> driver.voters.current().contains(n2.voters.voterId()), 10_000, "n2 added");
            List<String> seen = new ArrayList<>();
            driver.voters.onLearn(x -> seen.add(x.nodes().toString()));
            net.run(50 + net.random.nextInt(100));
            net.crash(n2);
            net.run(200 + net.random.nextInt(1000));
            net.leave(leaver, LEAVE_BOUND);
            net.awaitTrue(() -> !leaver.up, 40_000, "the leaver gone");
            Voters atExit = driver.voters.current();
            net.run(2_000);
            net.start("n3");
            net.run(40_000);
            if (!net.grants(driver, "w", 3_000)) {
                stalled.add("seed " + seed + ": changes " + seen + ", at exit " + atExit.nodes() + ", now "
                        + driver.voters.current().nodes());
            }
        }
        assertThat(stalled).as("the driver grants nothing after the leave, for good").isEmpty();
    }

    /**
     * Floor 1, [n0 (driver), n1, n2]; n3 added; n2 gets SIGTERM right after and is killed before its
     * removal (changes are a lease and margin apart), then comes back with its state: the same voter,
     * no longer leaving. At 4c4dbf8 the driver kept it as a leaver for good (10 of 10 seeds), and
     * every later newcomer was an heir for good.
     */
    @Test
    void aLeaverBackWithItsStateIsNoLeaverAnyMore() {
        List<String> out = new ArrayList<>();
        for (long seed = 1; seed <= 10; seed++) {
            SimulatedNetwork net = new SimulatedNetwork(seed, LEASE, MARGIN, 1);
            net.removalDelay = 30_000 * MS;
            List<SimulatedNetwork.SimNode> n = net.voters(3);
            net.run((LEASE + MARGIN) / MS + 1000);
            SimulatedNetwork.SimNode driver = n.get(0);
            SimulatedNetwork.SimNode x = n.get(2);
            SimulatedNetwork.SimNode n3 = net.start("n3");
            net.awaitTrue(() -> driver.voters.current().contains(n3.voters.voterId()), 10_000, "n3 added");
            net.run(100 + net.random.nextInt(300));
            net.leave(x, LEAVE_BOUND);
            net.run(400);
            net.crash(x);
            net.run(1500);
            boolean seated = driver.voters.current().contains(x.voters.voterId());
            net.restart(x, "n2");
            net.run(10_000);
            SimulatedNetwork.SimNode n4 = net.start("n4");
            net.awaitTrue(() -> driver.voters.current().contains(n4.voters.voterId()), 20_000, "n4 added");
            net.run(60_000);
            Object leavers = field(driver, "leaversSeen");
            Object heirs = field(driver, "heirs");
            if (seated && !((List<?>) leavers).isEmpty()) {
                out.add("seed " + seed + ": voters " + driver.voters.current().nodes() + ", 60 s on: leaversSeen "
                        + leavers + ", heirs " + heirs);
            }
        }
        assertThat(out).as("a leaver back with its state still leaving at the driver").isEmpty();
    }
}
