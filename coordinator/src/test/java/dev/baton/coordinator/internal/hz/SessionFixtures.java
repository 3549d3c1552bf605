package dev.baton.coordinator.internal.hz;

import com.hazelcast.cluster.Member;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.UUID;

/** What the session and table tests build alike: Hazelcast members by id, and engine listeners. */
final class SessionFixtures {

    private SessionFixtures() {
    }

    /** A member that has nothing but its id: all a session reads of it. */
    static Member member(UUID uuid) {
        return member(uuid, uuid.toString());
    }

    static Member member(UUID uuid, String name) {
        return (Member) Proxy.newProxyInstance(Member.class.getClassLoader(), new Class<?>[] {Member.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getUuid" -> uuid;
                    case "hashCode" -> uuid.hashCode();
                    case "equals" -> proxy == args[0];
                    case "toString" -> name;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    /** An engine that hears nothing; a test overrides the events it looks at. */
    static class Quiet implements SessionTable.Listener {
        @Override
        public void triggered(String worker) {
        }

        @Override
        public void pauseChanged(String worker, boolean paused, long token, long madeAt) {
        }

        @Override
        public void orphaned(String worker) {
        }

        @Override
        public void rebalanced() {
        }
    }

    /** Writes each event the engine hears into {@code heard}: "triggered w", "paused w 41 7", "orphaned w". */
    static SessionTable.Listener recording(List<String> heard) {
        return new Quiet() {
            @Override
            public void triggered(String worker) {
                heard.add("triggered " + worker);
            }

            @Override
            public void pauseChanged(String worker, boolean paused, long token, long madeAt) {
                heard.add((paused ? "paused " : "resumed ") + worker + " " + token + " " + madeAt);
            }

            @Override
            public void orphaned(String worker) {
                heard.add("orphaned " + worker);
            }
        };
    }
}
