package dev.baton.coordinator.internal.hz;

/**
 * The newest acknowledgement time from one voter, kept for the two newest voter versions it
 * answered under: during a change of voters a lease may rest on either configuration, and each
 * counts only acknowledgements given under it.
 */
final class Acks {

    static final long NONE = Long.MIN_VALUE;

    private long newestVersion = -1;
    private long newestAt = NONE;
    private long olderVersion = -1;
    private long olderAt = NONE;

    void record(long version, long sentNanos) {
        if (version == newestVersion) {
            newestAt = Math.max(newestAt, sentNanos);
        } else if (version > newestVersion) {
            olderVersion = newestVersion;
            olderAt = newestAt;
            newestVersion = version;
            newestAt = sentNanos;
        } else if (version == olderVersion) {
            olderAt = Math.max(olderAt, sentNanos);
        } else if (version > olderVersion) {
            olderVersion = version;
            olderAt = sentNanos;
        }
    }

    void reset() {
        newestVersion = -1;
        newestAt = NONE;
        olderVersion = -1;
        olderAt = NONE;
    }

    /** The send time of the newest renewal acknowledged under {@code version}, or {@link #NONE}. */
    long at(long version) {
        return version == newestVersion ? newestAt : version == olderVersion ? olderAt : NONE;
    }
}
