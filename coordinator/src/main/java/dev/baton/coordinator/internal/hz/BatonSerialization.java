package dev.baton.coordinator.internal.hz;

import com.hazelcast.nio.serialization.DataSerializableFactory;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

/**
 * Creates Baton's records and messages by id when Hazelcast reads them: no class names on the
 * wire, and each class writes a format version first ({@link Wire}). Ids are fixed forever.
 */
public final class BatonSerialization implements DataSerializableFactory {

    public static final int FACTORY_ID = 0x0BA7;

    static final int SESSION_MESSAGE = 1;
    static final int SESSION_REPLY = 2;
    static final int RENEW_TASK = 3;
    static final int SLOT = 4;
    static final int CLAIM_PROCESSOR = 5;
    static final int COMPLETE_PROCESSOR = 6;
    static final int FLAG_PROCESSOR = 7;
    static final int SLOT_BACKUP = 8;
    static final int VOTERS_REQUEST = 9;
    static final int VOTERS_REPLY = 10;
    static final int VOTERS_TASK = 11;
    static final int REGISTER_REPLY = 12;
    static final int PULL_REQUEST = 13;
    static final int PULL_REPLY = 14;
    static final int ACTION_TASK = 15;
    static final int READ_TASK = 16;

    @Override
    public IdentifiedDataSerializable create(int classId) {
        return switch (classId) {
            case SESSION_MESSAGE -> new SessionMessage();
            case SESSION_REPLY -> new SessionReply();
            case RENEW_TASK -> new RenewTask();
            case SLOT -> new HzSlot();
            case CLAIM_PROCESSOR -> new ClaimProcessor();
            case COMPLETE_PROCESSOR -> new CompleteProcessor();
            case FLAG_PROCESSOR -> new FlagProcessor();
            case SLOT_BACKUP -> new SlotBackup();
            case VOTERS_REQUEST -> new VotersRequest();
            case VOTERS_REPLY -> new VotersReply();
            case VOTERS_TASK -> new VotersTask();
            case REGISTER_REPLY -> new RegisterReply();
            case PULL_REQUEST -> new PullRequest();
            case PULL_REPLY -> new PullReply();
            case ACTION_TASK -> new ActionTask();
            case READ_TASK -> new ReadTask();
            default -> null;
        };
    }
}
