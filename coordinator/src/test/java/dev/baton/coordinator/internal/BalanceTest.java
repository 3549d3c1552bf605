package dev.baton.coordinator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BalanceTest {

    private static Set<String> workers(int n) {
        return IntStream.range(0, n).mapToObj(i -> "worker-" + i).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Map<String, Long> loads(Map<String, String> assignment) {
        return assignment.values().stream().collect(Collectors.groupingBy(n -> n, Collectors.counting()));
    }

    @Test
    void aHundredWorkersOnFourNodesLeaveNoNodeWithMoreThan35WhateverTheNodeNames() {
        Random random = new Random(7);
        for (int trial = 0; trial < 500; trial++) {
            Map<String, Set<String>> registered = new HashMap<>();
            for (int n = 0; n < 4; n++) {
                registered.put("pod-" + Long.toHexString(random.nextLong()), workers(100));
            }

            Map<String, Long> loads = loads(Balance.assign(registered));

            assertThat(loads).hasSize(4);
            assertThat(Collections.max(loads.values())).isLessThanOrEqualTo(35);
        }
    }

    @Test
    void aJoiningNodeTakesAboutItsShareAndMovesLittleElse() {
        Map<String, Set<String>> three = new HashMap<>();
        List.of("n1", "n2", "n3").forEach(n -> three.put(n, workers(300)));
        Map<String, Set<String>> four = new HashMap<>(three);
        four.put("n4", workers(300));

        Map<String, String> before = Balance.assign(three);
        Map<String, String> after = Balance.assign(four);

        long moved = before.keySet().stream().filter(w -> !before.get(w).equals(after.get(w))).count();
        assertThat(loads(after).get("n4")).isBetween(60L, 94L);
        assertThat(moved).as("ideally 75 of 300 move").isLessThan(110);
    }

    @Test
    void onlyNodesThatRegisteredAWorkerArePreferredForIt() {
        Map<String, Set<String>> registered = Map.of("n1", Set.of("a", "b"), "n2", Set.of("b"), "n3", Set.of("c"));

        Map<String, String> assignment = Balance.assign(registered);

        assertThat(assignment.get("a")).isEqualTo("n1");
        assertThat(assignment.get("b")).isIn("n1", "n2");
        assertThat(assignment.get("c")).isEqualTo("n3");
    }
}
