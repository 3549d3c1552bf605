package dev.baton.node.fleet;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Cuts one loopback address off from the others with iptables DROP rules in a chain of its own,
 * and heals by flushing that chain. Needs root and Debian's iptables (installed by .ci/run).
 */
public final class LoopbackFirewall implements AutoCloseable {

    private static final String CHAIN = "BATON_TEST";

    public LoopbackFirewall() throws IOException, InterruptedException {
        run(true, "iptables", "-w", "-N", CHAIN);
        run(true, "iptables", "-w", "-D", "INPUT", "-j", CHAIN);
        run(false, "iptables", "-w", "-I", "INPUT", "-j", CHAIN);
        run(false, "iptables", "-w", "-F", CHAIN);
    }

    /** Drops every packet between {@code isolated} and each of {@code others}, both ways. */
    public void isolate(String isolated, List<String> others) throws IOException, InterruptedException {
        for (String other : others) {
            run(false, "iptables", "-w", "-A", CHAIN, "-s", isolated, "-d", other, "-j", "DROP");
            run(false, "iptables", "-w", "-A", CHAIN, "-s", other, "-d", isolated, "-j", "DROP");
        }
    }

    /** Drops every packet between each address of {@code side} and each of {@code otherSide}, both ways. */
    public void partition(List<String> side, List<String> otherSide) throws IOException, InterruptedException {
        for (String a : side) {
            isolate(a, otherSide);
        }
    }

    public void heal() throws IOException, InterruptedException {
        run(false, "iptables", "-w", "-F", CHAIN);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        run(true, "iptables", "-w", "-F", CHAIN);
        run(true, "iptables", "-w", "-D", "INPUT", "-j", CHAIN);
        run(true, "iptables", "-w", "-X", CHAIN);
    }

    private static void run(boolean mayFail, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(List.of(command))).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish");
        }
        if (p.exitValue() != 0 && !mayFail) {
            throw new IOException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + output
                    + " — the partition test needs root and iptables (apt-get install iptables)");
        }
    }
}
