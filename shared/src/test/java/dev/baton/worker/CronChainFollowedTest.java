package dev.baton.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.zone.ZoneOffsetTransition;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded property check across daylight-saving changes in zones with odd ones (Lord Howe's half
 * hour, Chatham's 02:45, Troll's two hours, Casablanca's Ramadan changes): from any instant,
 * latestAtOrBefore and nextAfter name the slots of one chain, the one cron-utils' nextExecution
 * follows from a slot days before (review s35b).
 */
class CronChainFollowedTest {

    static final String[] UNIX = {"30 2 * * *", "30 * * * *", "0 1-3 * * *", "*/20 * * * *", "15 1 * * 0", "0,30 0-4 * * *",
            "45 23 * * *", "0 0 * * *", "*/7 2 * * *", "59 1 * * *"};
    static final String[] ZONES = {"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Antarctica/Troll",
            "Africa/Casablanca", "Europe/Dublin", "Pacific/Chatham", "America/St_Johns", "America/Santiago",
            "Asia/Gaza", "America/Havana", "Pacific/Apia", "Australia/Sydney"};

    @Test
    void slotsNearEveryChangeFollowOneChain() {
        ExecutionTime[] ets = new ExecutionTime[UNIX.length];
        for (int i = 0; i < UNIX.length; i++) {
            ets[i] = ExecutionTime.forCron(new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX)).parse(UNIX[i]));
        }
        List<String> problems = new ArrayList<>();
        Random random = new Random(7);
        for (String z : ZONES) {
            ZoneId zone = ZoneId.of(z);
            List<ZoneOffsetTransition> changes = new ArrayList<>();
            ZoneOffsetTransition tr = zone.getRules().nextTransition(Instant.parse("2025-06-01T00:00:00Z"));
            while (tr != null && tr.getInstant().isBefore(Instant.parse("2028-01-01T00:00:00Z"))) {
                changes.add(tr);
                tr = zone.getRules().nextTransition(tr.getInstant());
            }
            for (int c = 0; c < UNIX.length; c++) {
                Schedule s = Schedule.cron(UNIX[c], zone);
                for (ZoneOffsetTransition ch : changes) {
                    Instant anchorFrom = ch.getInstant().minusSeconds(9 * 86400);
                    // truth: the chain of nextExecution from a slot days before
                    List<Instant> chain = new ArrayList<>();
                    Optional<ZonedDateTime> n = ets[c].nextExecution(ZonedDateTime.ofInstant(anchorFrom, zone));
                    while (n.isPresent() && n.get().toInstant().isBefore(ch.getInstant().plusSeconds(9 * 86400))) {
                        chain.add(n.get().toInstant());
                        n = ets[c].nextExecution(n.get());
                    }
                    for (int k = 0; k < 40 && problems.size() < 40; k++) {
                        Instant t = ch.getInstant().plusSeconds(random.nextLong(-2 * 86400, 2 * 86400));
                        if (k % 3 == 0) {
                            t = ch.getInstant().plusSeconds(random.nextLong(-4 * 3600, 4 * 3600));
                        }
                        Instant tt = t;
                        Instant expLatest = chain.stream().filter(x -> !x.isAfter(tt)).reduce((a, b) -> b).orElse(null);
                        Instant expNext = chain.stream().filter(x -> x.isAfter(tt)).findFirst().orElse(null);
                        Optional<Instant> latest = s.latestAtOrBefore(t);
                        Optional<Instant> next = s.nextAfter(t);
                        if ((expLatest != null && !latest.equals(Optional.of(expLatest))) || (expNext != null && !next.equals(Optional.of(expNext)))) {
                            problems.add(s.describe() + " at " + t + ": latest=" + latest + " (chain " + expLatest + "), next="
                                    + next + " (chain " + expNext + ")");
                        }
                    }
                }
            }
        }
        assertThat(problems).isEmpty();
    }
}
