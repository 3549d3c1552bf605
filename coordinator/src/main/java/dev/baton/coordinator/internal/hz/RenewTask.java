package dev.baton.coordinator.internal.hz;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.util.concurrent.Callable;

/** Carries a {@link SessionMessage} to a member and applies it to that member's session table. */
public final class RenewTask implements Callable<SessionReply>, IdentifiedDataSerializable, HazelcastInstanceAware {

    /** Where a member keeps its table, in the Hazelcast instance's user context. */
    static final String TABLE_KEY = "dev.baton.sessionTable";

    private SessionMessage message;
    private transient HazelcastInstance hazelcast;

    public RenewTask() {
        // for Hazelcast
    }

    RenewTask(SessionMessage message) {
        this.message = message;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
    }

    @Override
    public SessionReply call() {
        if (!(hazelcast.getUserContext().get(TABLE_KEY) instanceof SessionTable sessions)) {
            return SessionReply.of(SessionReply.Status.NOT_PARTICIPATING);
        }
        // A member that was cut off and removed must not renew anything here until it merges back.
        boolean member = hazelcast.getCluster().getMembers().stream()
                .anyMatch(m -> m.getUuid().toString().equals(message.memberUuid));
        if (!member) {
            return SessionReply.of(SessionReply.Status.NOT_MEMBER);
        }
        return sessions.receive(message);
    }

    @Override
    public int getFactoryId() {
        return BatonSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return BatonSerialization.RENEW_TASK;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        message.writeData(out);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        message = new SessionMessage();
        message.readData(in);
    }
}
