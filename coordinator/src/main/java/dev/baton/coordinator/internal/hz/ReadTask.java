package dev.baton.coordinator.internal.hz;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Asks a member what its registers hold of some workers (records in the registers only), for a read
 * from a quorum ({@link HzCoordination#readWithin}): {@link RegisterReads#encode}'s answer, or an empty
 * array from a member without registers.
 */
public final class ReadTask implements Callable<byte[]>, IdentifiedDataSerializable, HazelcastInstanceAware {

    private List<String> workers;
    private transient HazelcastInstance hazelcast;

    public ReadTask() {
        // for Hazelcast
    }

    ReadTask(List<String> workers) {
        this.workers = workers;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
    }

    @Override
    public byte[] call() {
        if (!(hazelcast.getUserContext().get(ActionTask.COORDINATION_KEY) instanceof HzCoordination coordination)) {
            return new byte[0];
        }
        return coordination.registersHere(workers);
    }

    @Override
    public int getFactoryId() {
        return BatonSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return BatonSerialization.READ_TASK;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        Wire.write(out, 1, w -> {
            w.writeInt(workers.size());
            for (String worker : workers) {
                w.writeUTF(worker);
            }
        });
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        Wire.In r = Wire.read(in);
        int n = r.readInt();
        workers = new ArrayList<>(Math.min(n, 4096));
        for (int i = 0; i < n; i++) {
            workers.add(r.readUTF());
        }
    }
}
