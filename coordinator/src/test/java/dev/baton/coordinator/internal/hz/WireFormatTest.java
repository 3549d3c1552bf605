package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.internal.serialization.InternalSerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;
import com.hazelcast.internal.serialization.impl.HeapData;
import dev.baton.coordinator.internal.ClaimRules;
import dev.baton.coordinator.internal.SlotState;
import dev.baton.worker.Outcome;
import dev.baton.worker.spi.ClaimRequest;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The wire format across releases: bytes written by format 1 (fixed below, as the first release
 * with a format number wrote them) must stay readable by every later release, and a reader must
 * read what a later release writes (fields appended after the ones it knows, a higher format
 * number), so that two neighbouring releases run side by side during a rolling update. (The first release wrote no
 * format number; a cluster still running it is upgraded by a full restart.)
 */
class WireFormatTest {

    private static final SlotState RECORD = new SlotState("report", 1_780_000_000_000L, 1_234_567L, 77,
            new SlotState.Running("n1", "n1/abc", 77, ClaimRequest.Kind.SCHEDULED, 1_780_000_000_000L),
            ClaimRequest.Kind.SCHEDULED, Outcome.SUCCEEDED, 1_779_999_990_000L, 1_779_999_991_000L,
            new SlotState.Flags(true, 11, 12, 12), "n1", 0);

    /** {@link #RECORD} as format 1 wrote it. */
    private static final String RECORD_FORMAT_1 = "0100067265706f72740000019e70448800000000000012d687000000000000004d0100026e3100066e312f61626300000000"
            + "0000004d00095343484544554c45440000019e704488000100095343484544554c4544010009535543434545444544000001"
            + "9e704460f00000019e704464d801000000000000000b000000000000000c000000000000000c0100026e3100000000";

    /** {@link #message()} as format 1 wrote it, through Hazelcast's serialization. */
    private static final String MESSAGE_FORMAT_1 = "00000000fffffffe0100000ba700000001000000af0100066e312f61626300026e310006757569642d310000000000000004"
            + "000000000000000600000000000200000000000000050100067265706f7274000000000000000006020007636c65616e7570"
            + "0100000000000000000000019e7044887b00000000000000630007303138662d61610000000000000003010007303138662d"
            + "616100000000000000030000000300046e31403100046e32403100046e334031000000000000000000046e314031";

    /** What format 6 appended to a record: whether a running trigger runs again if cut short, and its cuts. */
    private static final int FORMAT_6_BYTES = 1 + Integer.BYTES;

    private static final InternalSerializationService SERIALIZATION = new DefaultSerializationServiceBuilder()
            .addDataSerializableFactory(BatonSerialization.FACTORY_ID, new BatonSerialization()).build();

    private static SessionMessage message() {
        SessionMessage m = SessionMessage.delta("n1/abc", "n1", "uuid-1", 4, 6, List.of(
                new SessionOp(5, SessionOp.Kind.ACQUIRE, "report", false),
                new SessionOp(6, SessionOp.Kind.RELEASE, "cleanup", true)), false);
        return m.about(new Voters("018f-aa", 3, List.of("n1@1", "n2@1", "n3@1")), true, 1_780_000_000_123L, 99L,
                "n1@1");
    }

    @Test
    void aRecordWrittenByFormatOneIsReadByThisReleaseAsNeverReRun() throws Exception {
        assertThat(HzSlot.decode(HexFormat.of().parseHex(RECORD_FORMAT_1))).isEqualTo(RECORD);
    }

    @Test
    void aRecordWrittenByFormatTwoIsReadByThisReleaseAsPassingNothing() throws Exception {
        SlotState read = HzSlot.decode(HexFormat.of().parseHex(
                "02" + RECORD_FORMAT_1.substring(2) + "00000002" + "0000019e70457260"));

        assertThat(read).isEqualTo(reRun(SlotState.NONE));
    }

    @Test
    void thisReleaseWritesFormatSixFormatOnesFieldsThenTheReRunsTheDeferredSlotThePassedOneThePausesTimeTheTriggersIdAndCuts()
            throws Exception {
        SlotState passing = reRun(RECORD.lastSlot() - 5_000);

        String written = HexFormat.of().formatHex(HzSlot.encode(passing));

        assertThat(written).isEqualTo("06" + RECORD_FORMAT_1.substring(2) + "00000002" + "0000019e70457260"
                + "0000019e70447478" + "0000000000000000" + "0000000000000000" + "00" + "00000000");
        assertThat(HzSlot.decode(HzSlot.encode(passing))).isEqualTo(passing);
        assertThat(HzSlot.decode(HzSlot.encode(RECORD))).as("nothing deferred or passed").isEqualTo(RECORD);
    }

    @Test
    void aPausesTimeIsKeptInTheRecordAndAnOlderRecordSaysItByThePausesToken() throws Exception {
        long token = ClaimRules.nextFence(0, 0, 1_780_000_060_000L);
        SlotState paused = RECORD.withFlags(SlotState.Flags.NONE.withPaused(true, token, 1_780_000_000_500L));

        SlotState back = HzSlot.decode(HzSlot.encode(paused));

        assertThat(back).isEqualTo(paused);
        assertThat(back.toRecord().pauseChangedAt()).as("the time the action was made, not its token's")
                .contains(Instant.ofEpochMilli(1_780_000_000_500L));
        byte[] format3 = HzSlot.encode(paused);
        format3[0] = 3;
        SlotState older = HzSlot.decode(java.util.Arrays.copyOf(format3,
                format3.length - 2 * Long.BYTES - FORMAT_6_BYTES));
        assertThat(older.toRecord().pauseChangedAt()).as("a record of the release before: its token's time")
                .contains(Instant.ofEpochMilli(1_780_000_060_000L));
    }

    /**
     * A trigger's id travels in the record and in the call that makes it; a record or a call of the release
     * before has none (0), and a late copy is then told by its token alone.
     */
    @Test
    void aTriggersIdTravelsInFormatFiveRecordsAndFormatThreeCallsAndAnOlderWriterSendsNone() throws Exception {
        SlotState triggered = RECORD.withFlags(RECORD.flags().withTrigger(40, 9_876_543_210L));
        assertThat(HzSlot.decode(HzSlot.encode(triggered)).flags().triggerId()).isEqualTo(9_876_543_210L);
        byte[] format4 = HzSlot.encode(triggered);
        format4[0] = 4;
        assertThat(HzSlot.decode(java.util.Arrays.copyOf(format4, format4.length - Long.BYTES - FORMAT_6_BYTES))
                .flags().triggerId())
                .as("a record of the release before").isZero();

        FlagProcessor call = new FlagProcessor(ClaimRules.Flag.TRIGGER, 41, 1_780_000_000_000L, 5L);
        FlagProcessor read = SERIALIZATION.toObject(SERIALIZATION.toData(call));
        var record = new java.util.AbstractMap.SimpleEntry<>("report", new HzSlot(triggered));
        assertThat(read.process(record)).isZero();
        assertThat(record.getValue().state().flags().triggerId()).as("the id the call carried").isEqualTo(5L);
    }

    /**
     * Whether a running trigger is asked for again if cut short, and how often it was, travel in format 6; a record
     * of the release before serves the trigger however its run ends, as that release did.
     */
    @Test
    void aTriggersCutsTravelInFormatSixRecordsAndAnOlderRecordServesItWhateverHappens() throws Exception {
        SlotState.Running r = RECORD.running();
        SlotState cutOnce = new SlotState(RECORD.worker(), RECORD.lastSlot(), RECORD.fence(), RECORD.claimId(),
                new SlotState.Running(r.node(), r.session(), r.claimId(), ClaimRequest.Kind.TRIGGERED, r.slot(), true),
                ClaimRequest.Kind.TRIGGERED, RECORD.lastOutcome(), RECORD.startedAt(), RECORD.finishedAt(),
                new SlotState.Flags(false, 0, 40, 40, 0, 5, 1), RECORD.lastNode(), 0);

        assertThat(HzSlot.decode(HzSlot.encode(cutOnce))).isEqualTo(cutOnce);
        byte[] format5 = HzSlot.encode(cutOnce);
        format5[0] = 5;
        SlotState older = HzSlot.decode(java.util.Arrays.copyOf(format5, format5.length - FORMAT_6_BYTES));
        assertThat(older.running().rerunIfCut()).isFalse();
        assertThat(older.flags().triggerCuts()).isZero();
        assertThat(older.finished(Outcome.INTERRUPTED, RECORD.finishedAt()).flags().triggerPending()).isFalse();
        assertThat(cutOnce.finished(Outcome.INTERRUPTED, RECORD.finishedAt()).flags().triggerPending()).isTrue();
    }

    /** {@link #RECORD} re-run twice, a slot a minute later deferred, {@code passed} as given. */
    private static SlotState reRun(long passed) {
        return new SlotState(RECORD.worker(), RECORD.lastSlot(), RECORD.fence(), RECORD.claimId(),
                RECORD.running(), RECORD.lastKind(), RECORD.lastOutcome(), RECORD.startedAt(), RECORD.finishedAt(),
                RECORD.flags(), RECORD.lastNode(), RECORD.failuresInARow(), 2, RECORD.lastSlot() + 60_000, passed);
    }

    @Test
    void aMessageWrittenByFormatOneIsReadByThisRelease() {
        SessionMessage read = SERIALIZATION.toObject(new HeapData(HexFormat.of().parseHex(MESSAGE_FORMAT_1)));

        assertThat(read.session).isEqualTo("n1/abc");
        assertThat(read.ops).isEqualTo(message().ops);
        assertThat(read.voters).isEqualTo(message().voters);
        assertThat(read.wallMillis).isEqualTo(1_780_000_000_123L);
        assertThat(read.fenceFloor).isEqualTo(99L);
        assertThat(read.voterId).isEqualTo("n1@1");
    }

    @Test
    void aPausesTokenAndTimeTravelInFormatsThreeAndFourAndAnOlderWritersOperationsHaveNeither() {
        SessionMessage sent = SessionMessage.delta("n1/abc", "n1", "uuid-1", 4, 6, List.of(
                new SessionOp(5, SessionOp.Kind.PAUSE, "report", true, 1_234L, 1_780_000_000_100L),
                new SessionOp(6, SessionOp.Kind.PAUSE, "report", false, 1_240L, 1_780_000_000_200L)), false)
                .about(message().voters, true, 1L, 2L, "n1@1");

        SessionMessage back = SERIALIZATION.toObject(SERIALIZATION.toData(sent));

        assertThat(back.ops).isEqualTo(sent.ops);
        SessionMessage old = SERIALIZATION.toObject(new HeapData(HexFormat.of().parseHex(MESSAGE_FORMAT_1)));
        assertThat(old.ops).extracting(SessionOp::token).containsOnly(0L);
        assertThat(old.ops).extracting(SessionOp::madeAt).containsOnly(0L);
    }

    @Test
    void theVotersPeakTravelsInFormatTwoAndIsTheSizeWhenAFormatOneWriterSentNone() {
        SessionMessage read = SERIALIZATION.toObject(new HeapData(HexFormat.of().parseHex(MESSAGE_FORMAT_1)));
        assertThat(read.voters.peak()).as("format 1 knew no peak").isEqualTo(3);

        Voters shrunk = new Voters("018f-aa", 9, List.of("n1@1", "n2@1"), 0, 5);
        SessionMessage sent = SessionMessage.delta("n1/abc", "n1", "uuid-1", 4, 6, List.of(), false)
                .about(shrunk, true, 1L, 2L, "n1@1");
        SessionMessage back = SERIALIZATION.toObject(SERIALIZATION.toData(sent));
        assertThat(back.voters.peak()).isEqualTo(5);

        VotersRequest request = SERIALIZATION.toObject(SERIALIZATION.toData(
                VotersRequest.accept(shrunk, new Ballot(1, "n1@1"), shrunk.with("n3@1"))));
        assertThat(request.base.peak()).isEqualTo(5);
        assertThat(request.value.peak()).isEqualTo(5);

        VotersReply reply = SERIALIZATION.toObject(SERIALIZATION.toData(
                VotersReply.promise(true, 1, new Ballot(1, "n1@1"), shrunk.with("n3@1"), shrunk)));
        assertThat(reply.acceptedValue.peak()).isEqualTo(5);
        assertThat(reply.current.peak()).isEqualTo(5);

        SessionReply answer = SessionReply.applied(3, java.util.Set.of());
        answer.voters = shrunk;
        SessionReply answered = SERIALIZATION.toObject(SERIALIZATION.toData(answer));
        assertThat(answered.voters.peak()).isEqualTo(5);
    }

    @Test
    void theChangeOfAConfigurationTravelsInEachMessageThatCarriesOneAndIsNotKnownFromAnOlderWriter() {
        SessionMessage old = SERIALIZATION.toObject(new HeapData(HexFormat.of().parseHex(MESSAGE_FORMAT_1)));
        assertThat(old.voters.change()).as("format 1 named no change").isEmpty();

        Voters v2 = new Voters("018f-aa", 1, List.of("n1@1", "n2@1"), 0, 2).with("n3@1");
        SessionMessage sent = SessionMessage.delta("n1/abc", "n1", "uuid-1", 4, 6, List.of(), false)
                .about(v2, true, 1L, 2L, "n1@1");
        assertThat(((SessionMessage) SERIALIZATION.toObject(SERIALIZATION.toData(sent))).voters.change())
                .isEqualTo("n3@1");
        VotersRequest request = SERIALIZATION.toObject(SERIALIZATION.toData(
                VotersRequest.accept(v2, new Ballot(1, "n1@1"), v2.without("n1@1"))));
        assertThat(request.base.change()).isEqualTo("n3@1");
        assertThat(request.value.change()).isEqualTo("n1@1");
        VotersReply reply = SERIALIZATION.toObject(SERIALIZATION.toData(
                VotersReply.promise(true, 1, new Ballot(1, "n1@1"), v2.without("n1@1"), v2)));
        assertThat(reply.acceptedValue.change()).isEqualTo("n1@1");
        assertThat(reply.current.change()).isEqualTo("n3@1");
        SessionReply answer = SessionReply.applied(3, java.util.Set.of());
        answer.voters = v2;
        assertThat(((SessionReply) SERIALIZATION.toObject(SERIALIZATION.toData(answer))).voters.change())
                .isEqualTo("n3@1");
    }

    @Test
    void aRecordOfALaterFormatWithMoreFieldsIsReadForTheFieldsThisReleaseKnows() throws Exception {
        byte[] current = HzSlot.encode(RECORD);
        ByteArrayOutputStream later = new ByteArrayOutputStream();
        later.write(HzSlot.FORMAT + 1);
        later.write(current, 1, current.length - 1);
        later.write(new byte[] {0, 0, 0, 42, 1});

        assertThat(HzSlot.decode(later.toByteArray())).isEqualTo(RECORD);
    }

    /** Read back and written again, a claim gives the same bytes: every field it carries travels. */
    @Test
    void aRebaseCarriesThePauseTokenItJudged() throws Exception {
        ClaimRequest rebase = ClaimRequest.rebased("report", Instant.ofEpochMilli(1_780_000_000_000L), 77, 12);
        ClaimProcessor sent = new ClaimProcessor(new ClaimRules.Claim(rebase, "n1",
                "n1/abc", 5, 1_780_000_000_100L, 1_780_000_000_100L, 0, 60_000), 1_780_000_004_000L, null);
        byte[] bytes = SERIALIZATION.toData(sent).toByteArray();
        ClaimProcessor received = SERIALIZATION.toObject(new HeapData(bytes));

        assertThat(SERIALIZATION.toData(received).toByteArray()).isEqualTo(bytes);
        assertThat(HexFormat.of().formatHex(bytes)).as("the pause token, last").endsWith("000000000000000c");
    }

    @Test
    void anOperationCodeFromALaterReleaseIsRefusedWithAClearMessage() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SessionOp.Kind.of(99))
                .hasMessageContaining("newer Baton release");
    }
}
