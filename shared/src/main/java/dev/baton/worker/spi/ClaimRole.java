package dev.baton.worker.spi;

/** How eager a node should be to claim a worker's slot; a soft preference that spreads the workers. */
public enum ClaimRole {
    /** This node is the worker's preferred node: claim at the slot. */
    PREFERRED,
    /** Another node is preferred and looks alive: do not claim. */
    STANDBY,
    /** The preferred node looks dead or absent: claim after {@link Coordination#stepInGrace()}. */
    STEP_IN
}
