package dev.baton.coordinator.support;

import dev.baton.worker.ExecutionListener;
import dev.baton.worker.ExecutionResult;
import dev.baton.worker.ExecutionStart;
import dev.baton.worker.MisfirePolicy;
import dev.baton.worker.Outcome;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records what the engine reports, for assertions. */
public final class Recorder implements ExecutionListener {

    /** One misfire report. */
    public record Misfire(String worker, Instant first, Instant last, long count, MisfirePolicy policy) {
    }

    public final List<ExecutionStart> starts = new CopyOnWriteArrayList<>();
    public final List<ExecutionResult> results = new CopyOnWriteArrayList<>();
    public final List<Instant> claimsLost = new CopyOnWriteArrayList<>();
    public final List<Misfire> misfires = new CopyOnWriteArrayList<>();

    @Override
    public void started(ExecutionStart start) {
        starts.add(start);
    }

    @Override
    public void finished(ExecutionResult result) {
        results.add(result);
    }

    @Override
    public void claimLost(String worker, Instant slot) {
        claimsLost.add(slot);
    }

    @Override
    public void misfired(String worker, Instant first, Instant last, long count, MisfirePolicy policy) {
        misfires.add(new Misfire(worker, first, last, count, policy));
    }

    public List<Instant> slots(String worker) {
        return results.stream().filter(r -> r.worker().equals(worker)).map(ExecutionResult::slot).toList();
    }

    public List<Outcome> outcomes(String worker) {
        return results.stream().filter(r -> r.worker().equals(worker)).map(ExecutionResult::outcome).toList();
    }
}
