package dev.baton.node.fleet;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cuts one loopback address off from the others with iptables DROP rules in a chain of its own,
 * and heals by flushing that chain. Needs root and Debian's iptables (installed by .ci/run).
 * Each firewall has its own chain: a test healing its partition must not heal another test's.
 */
public final class LoopbackFirewall implements AutoCloseable {

    private static final AtomicInteger FIREWALLS = new AtomicInteger();
    /** A chain of this class: of a JVM by its pid, or the one chain all of them shared before. */
    private static final Pattern LEFTOVER = Pattern.compile("-N BATON_(?:(\\d+)_\\d+|TEST)");

    /** At most 28 characters, iptables' limit: BATON_ and this JVM's pid and number. */
    private final String chain = "BATON_" + ProcessHandle.current().pid() + "_" + FIREWALLS.incrementAndGet();

    public LoopbackFirewall() throws IOException, InterruptedException {
        removeLeftovers();
        run(true, "iptables", "-w", "-N", chain);
        run(true, "iptables", "-w", "-D", "INPUT", "-j", chain);
        run(false, "iptables", "-w", "-I", "INPUT", "-j", chain);
        run(false, "iptables", "-w", "-F", chain);
    }

    /** Drops every packet between {@code isolated} and each of {@code others}, both ways. */
    public void isolate(String isolated, List<String> others) throws IOException, InterruptedException {
        partition(List.of(isolated), others);
    }

    /**
     * Drops every packet between each address of {@code side} and each of {@code otherSide}, both
     * ways. All rules take effect at once (one iptables-restore commit): a cut made rule by rule
     * leaves some links open for a second or two, during which the "cut off" side still has a quorum.
     */
    public void partition(List<String> side, List<String> otherSide) throws IOException, InterruptedException {
        StringBuilder rules = new StringBuilder("*filter\n");
        for (String a : side) {
            for (String b : otherSide) {
                rules.append("-A ").append(chain).append(" -s ").append(a).append(" -d ").append(b).append(" -j DROP\n");
                rules.append("-A ").append(chain).append(" -s ").append(b).append(" -d ").append(a).append(" -j DROP\n");
            }
        }
        rules.append("COMMIT\n");
        Process p = new ProcessBuilder("iptables-restore", "-w", "--noflush").redirectErrorStream(true).start();
        p.getOutputStream().write(rules.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("iptables-restore did not finish");
        }
        if (p.exitValue() != 0) {
            throw new IOException("iptables-restore failed (" + p.exitValue() + "): " + output
                    + " — the partition test needs root and iptables (apt-get install iptables)");
        }
    }

    public void heal() throws IOException, InterruptedException {
        run(false, "iptables", "-w", "-F", chain);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        run(true, "iptables", "-w", "-F", chain);
        run(true, "iptables", "-w", "-D", "INPUT", "-j", chain);
        run(true, "iptables", "-w", "-X", chain);
    }

    /**
     * Removes the chains of test JVMs that are gone (killed before closing theirs): their DROP rules
     * would silently cut the fleet of a later run that gets the same subnet.
     */
    private static void removeLeftovers() throws IOException, InterruptedException {
        for (String line : run(false, "iptables", "-w", "-S").lines().toList()) {
            Matcher m = LEFTOVER.matcher(line);
            if (m.matches() && (m.group(1) == null || ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty())) {
                String stale = line.substring("-N ".length());
                run(true, "iptables", "-w", "-D", "INPUT", "-j", stale);
                run(true, "iptables", "-w", "-F", stale);
                run(true, "iptables", "-w", "-X", stale);
            }
        }
    }

    private static String run(boolean mayFail, String... command) throws IOException, InterruptedException {
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
        return output;
    }
}
