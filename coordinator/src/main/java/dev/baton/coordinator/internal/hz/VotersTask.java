package dev.baton.coordinator.internal.hz;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.util.concurrent.Callable;

/** Carries a {@link VotersRequest} to a member and applies it to that member's voter state. */
public final class VotersTask implements Callable<VotersReply>, IdentifiedDataSerializable, HazelcastInstanceAware {

    /** Where a member keeps its voter state, in the Hazelcast instance's user context. */
    static final String STATE_KEY = "dev.baton.voters";

    private VotersRequest request;
    private transient HazelcastInstance hazelcast;

    public VotersTask() {
        // for Hazelcast
    }

    VotersTask(VotersRequest request) {
        this.request = request;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
    }

    @Override
    public VotersReply call() {
        if (!(hazelcast.getUserContext().get(STATE_KEY) instanceof VoterState state)) {
            return VotersReply.accepted(false, 0, Voters.NONE);
        }
        return request.applyTo(state);
    }

    @Override
    public int getFactoryId() {
        return BatonSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return BatonSerialization.VOTERS_TASK;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        request.writeData(out);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        request = new VotersRequest();
        request.readData(in);
    }
}
