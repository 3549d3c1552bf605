package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.internal.serialization.InternalSerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.internal.register.Accepted;
import dev.baton.coordinator.internal.register.Answer;
import dev.baton.coordinator.internal.register.Ballot;
import dev.baton.coordinator.internal.register.Operation;
import dev.baton.worker.spi.ClaimRequest;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Register operations and answers on the wire (format 5 of a session's message, format 3 of its
 * reply, the register reply): what a proposer sends arrives as sent, and a member of the release
 * before, which has no registers, reads the message as it always did.
 */
class RegisterWireTest {

    private static final InternalSerializationService SERIALIZATION = new DefaultSerializationServiceBuilder()
            .addDataSerializableFactory(BatonSerialization.FACTORY_ID, new BatonSerialization()).build();

    private static final SlotState CLAIM = new SlotState("report", 1_780_000_000_000L, 41, 7,
            new SlotState.Running("n1", "n1/abc", 7, ClaimRequest.Kind.SCHEDULED, 1_780_000_000_000L),
            ClaimRequest.Kind.SCHEDULED, null, 1_780_000_000_000L, 0, SlotState.Flags.NONE, "n1", 0);
    private static final Ballot BALLOT = new Ballot(3, "n1/abc");

    private static List<RegisterOp> registerOps() {
        return List.of(
                new RegisterOp(10, 5, new Operation<>(1, Operation.Kind.PREPARE, "report", BALLOT, 0, 0, null)),
                new RegisterOp(11, 6, new Operation<>(2, Operation.Kind.ACCEPT, "report", BALLOT, 4, 9, CLAIM)),
                new RegisterOp(12, 6, new Operation<>(3, Operation.Kind.CHOSEN, "cleanup", BALLOT, 4, 2, CLAIM)));
    }

    private static SessionMessage message(List<RegisterOp> registerOps) {
        SessionMessage m = SessionMessage.delta("n1/abc", "n1", "uuid-1", 4, 6, List.of(
                new SessionOp(5, SessionOp.Kind.ACQUIRE, "report", false),
                new SessionOp(6, SessionOp.Kind.RELEASE, "cleanup", true)), false)
                .about(new Voters("018f-aa", 3, List.of("n1@1", "n2@1", "n3@1")), true, 1_780_000_000_123L, 99L,
                        "n1@1");
        m.registerOps = registerOps;
        return m;
    }

    @Test
    void registerOperationsArriveAsSentWithTheirNumbersAndPlaces() {
        SessionMessage back = SERIALIZATION.toObject(SERIALIZATION.toData(message(registerOps())));

        assertThat(back.registerOps).isEqualTo(registerOps());
        assertThat(back.ops).isEqualTo(message(List.of()).ops);
    }

    /**
     * An older member reads fields up to the ones it knows and ignores the rest: the register
     * operations come after every field of format 4, so the bytes before them are what format 4 wrote.
     */
    @Test
    void registerOperationsFollowEveryFieldOfTheFormatBefore() {
        byte[] without = encode(message(List.of()));
        byte[] with = encode(message(registerOps()));

        int format4Fields = without.length - Long.BYTES - Integer.BYTES - RegisterWire.encode(List.of()).length;
        assertThat(Arrays.copyOf(with, format4Fields)).isEqualTo(Arrays.copyOf(without, format4Fields));
        assertThat(with.length).isGreaterThan(without.length);
    }

    @Test
    void aMemberSaysWhetherItTakesRegistersAndAnOlderMemberDoesNot() {
        SessionReply reply = SessionReply.applied(6, Set.of("cleanup"));
        reply.registers = true;

        SessionReply back = SERIALIZATION.toObject(SERIALIZATION.toData(reply));
        SessionReply older = SERIALIZATION.toObject(SERIALIZATION.toData(new FormatTwoReply()));

        assertThat(back.registers).isTrue();
        assertThat(back.appliedSeq).isEqualTo(6);
        assertThat(older.appliedSeq).isEqualTo(6);
        assertThat(older.registers).as("no registers there").isFalse();
    }

    @Test
    void theSendStampTravelsInFormatFive() {
        SessionMessage sent = message(List.of());
        sent.sentNanos = 123_456_789L;

        SessionMessage back = SERIALIZATION.toObject(SERIALIZATION.toData(sent));

        assertThat(back.sentNanos).isEqualTo(123_456_789L);
    }

    @Test
    void aRegisterReplyCarriesEachAnswerWithItsStateAndTheVoterThatGaveIt() {
        Accepted<SlotState> accepted = new Accepted<>(9, BALLOT, CLAIM);
        RegisterReply reply = new RegisterReply("n1/abc", "n2@1", "018f-aa", List.of(
                new RegisterReply.Answered("report", 2, new Answer<>(Answer.Kind.ACCEPTED, 3, BALLOT, accepted, null)),
                new RegisterReply.Answered("cleanup", 1, new Answer<>(Answer.Kind.REFUSED_BALLOT, 3,
                        new Ballot(5, "n2/def"), null, new Accepted<>(2, BALLOT, CLAIM)))));

        RegisterReply back = SERIALIZATION.toObject(SERIALIZATION.toData(reply));

        assertThat(back.session).isEqualTo("n1/abc");
        assertThat(back.voterId).isEqualTo("n2@1");
        assertThat(back.lineage).isEqualTo("018f-aa");
        assertThat(back.answers).isEqualTo(reply.answers);
    }

    @Test
    void aRegisterOperationCodeFromALaterReleaseIsRefusedWithAClearMessage() {
        byte[] bytes = Wire.encode(1, out -> RegisterWire.write(out, registerOps().get(1)));
        bytes[1 + 8 + 8 + 8] = 9; // the kind, after number, afterSeq and id

        assertThatThrownBy(() -> RegisterWire.readOp(Wire.decode(bytes)))
                .hasMessageContaining("unknown register operation code 9").hasMessageContaining("newer Baton release");
    }

    /**
     * The fourteenth review, finding 9: register operations a member cannot read (a kind of a later
     * release, a value it cannot decode) are dropped; the lock's changes in the same message, and the
     * renewal it is, are read as ever.
     */
    @Test
    void registerOperationsThisReleaseCannotReadLeaveTheLockMessageReadable() throws Exception {
        SessionMessage sent = message(registerOps());
        byte[] bytes = encode(sent);
        byte[] section = RegisterWire.encode(sent.registerOps);
        bytes[bytes.length - section.length + 1 + 4 + 8 + 8 + 8] = 9; // the first operation's kind

        SessionMessage back = new SessionMessage();
        back.readFrom(Wire.decode(bytes));

        assertThat(back.ops).isEqualTo(sent.ops);
        assertThat(back.registerOps).isEmpty();
    }

    private static byte[] encode(SessionMessage m) {
        return Wire.encode(SessionMessage.FORMAT, m::writeFields);
    }

    /** A reply as format 2 wrote it (the release before registers). */
    private static final class FormatTwoReply implements IdentifiedDataSerializable {
        @Override
        public int getFactoryId() {
            return BatonSerialization.FACTORY_ID;
        }

        @Override
        public int getClassId() {
            return BatonSerialization.SESSION_REPLY;
        }

        @Override
        public void writeData(ObjectDataOutput out) throws java.io.IOException {
            Wire.write(out, 2, w -> {
                w.writeByte(SessionReply.Status.APPLIED.code);
                w.writeBoolean(false);
                w.writeUTF("n2@1");
                w.writeLong(6);
                w.writeStrings(Set.of());
                w.writeUTF("018f-aa");
                w.writeLong(3);
                w.writeVoters(null);
                w.writeLong(1L);
                w.writeLong(2L);
                w.writePeak(null);
            });
        }

        @Override
        public void readData(ObjectDataInput in) {
            throw new UnsupportedOperationException("written only");
        }
    }
}
