package dev.baton.coordinator.internal.hz;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.internal.register.Answer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A member's answers to a session's register operations, sent after the force that made them durable
 * (one force for every message applied since the last: a group commit), apart from the lock's reply,
 * which never waits on a disk. The proposer counts an answer by the voter that gave it, so the reply
 * names the answering process as a voter and its lineage: a merge that changes member ids loses no
 * answer, and an answer of another lineage is dropped.
 */
public final class RegisterReply implements IdentifiedDataSerializable, Runnable, HazelcastInstanceAware {

    static final int FORMAT = 1;

    /** One operation's answer: the worker, the proposer's number for the operation, the answer. */
    record Answered(String worker, long operation, Answer<SlotState> answer) {
    }

    String session = "";
    String voterId = "";
    String lineage = "";
    List<Answered> answers = List.of();
    private transient HazelcastInstance hazelcast;

    public RegisterReply() {
        // for Hazelcast
    }

    RegisterReply(String session, String voterId, String lineage, List<Answered> answers) {
        this.session = session;
        this.voterId = voterId;
        this.lineage = lineage;
        this.answers = answers;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
    }

    /** Arrived at the session's member: hands the answers to its registers, if it takes them. */
    @Override
    public void run() {
        if (hazelcast != null && hazelcast.getUserContext().get(HzRegisters.RECEIVER_KEY) instanceof HzRegisters r) {
            r.deliver(this);
        }
    }

    @Override
    public int getFactoryId() {
        return BatonSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return BatonSerialization.REGISTER_REPLY;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        Wire.write(out, FORMAT, w -> {
            w.writeUTF(session);
            w.writeUTF(voterId);
            w.writeUTF(lineage);
            w.writeInt(answers.size());
            for (Answered a : answers) {
                w.writeUTF(a.worker());
                w.writeLong(a.operation());
                RegisterWire.write(w, a.answer());
            }
        });
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        Wire.In r = Wire.read(in);
        session = r.readUTF();
        voterId = r.readUTF();
        lineage = r.readUTF();
        int n = r.readInt();
        answers = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
            answers.add(new Answered(r.readUTF(), r.readLong(), RegisterWire.readAnswer(r)));
        }
    }
}
