package dev.baton.coordinator.internal.hz;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import dev.baton.coordinator.internal.ClaimRules;
import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Carries an operator action to a member, whose node writes it into the worker's register if it holds
 * the worker's lock or prefers the worker (records in the registers only): the answer of
 * {@link HzCoordination#actionHere}, {@link RegisterRecords#NOT_MINE} from a member without a coordination.
 */
public final class ActionTask implements Callable<Long>, IdentifiedDataSerializable, HazelcastInstanceAware {

    /** Where a member keeps its coordination for actions, in the Hazelcast instance's user context. */
    static final String COORDINATION_KEY = "dev.baton.actions";

    private String worker;
    private ClaimRules.Flag flag;
    private long token;
    private long madeAt;
    private long id;
    private long waitMillis;
    private transient HazelcastInstance hazelcast;

    public ActionTask() {
        // for Hazelcast
    }

    ActionTask(String worker, ClaimRules.Flag flag, long token, long madeAt, long id, long waitMillis) {
        this.worker = worker;
        this.flag = flag;
        this.token = token;
        this.madeAt = madeAt;
        this.id = id;
        this.waitMillis = waitMillis;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
    }

    @Override
    public Long call() {
        if (!(hazelcast.getUserContext().get(COORDINATION_KEY) instanceof HzCoordination coordination)) {
            return RegisterRecords.NOT_MINE;
        }
        return coordination.actionHere(worker, flag, token, madeAt, id,
                System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis));
    }

    @Override
    public int getFactoryId() {
        return BatonSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return BatonSerialization.ACTION_TASK;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        Wire.write(out, 1, w -> {
            w.writeUTF(worker);
            w.writeUTF(flag.name());
            w.writeLong(token);
            w.writeLong(madeAt);
            w.writeLong(id);
            w.writeLong(waitMillis);
        });
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        Wire.In r = Wire.read(in);
        worker = r.readUTF();
        flag = ClaimRules.Flag.valueOf(r.readUTF());
        token = r.readLong();
        madeAt = r.readLong();
        id = r.readLong();
        waitMillis = r.readLong();
    }
}
