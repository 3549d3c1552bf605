package dev.baton.node.readme;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shell commands a README shows, read from its fenced {@code bash} blocks, so that a test runs
 * what a reader would copy and breaks when the text drifts.
 */
final class Readme {

    private static final Pattern HEADING = Pattern.compile("^(#{1,6})\\s+(.+?)\\s*$");
    private final List<String> lines;

    private Readme(List<String> lines) {
        this.lines = lines;
    }

    static Readme of(Path file) throws IOException {
        return new Readme(Files.readAllLines(file));
    }

    static Readme of(String text) {
        return new Readme(text.lines().toList());
    }

    /**
     * The commands of each {@code bash} block under the heading with this text, up to the next
     * heading of the same or a higher level: one list per block, comment lines left out, a line
     * ending in a backslash kept together with the next.
     */
    List<List<String>> bashBlocks(String heading) {
        List<List<String>> blocks = new ArrayList<>();
        int level = 0;
        boolean inFence = false;
        List<String> block = null;
        StringBuilder command = new StringBuilder();
        for (String line : lines) {
            if (line.startsWith("```")) {
                inFence = !inFence;
                if (inFence && level > 0 && line.trim().equals("```bash")) {
                    block = new ArrayList<>();
                } else if (!inFence && block != null) {
                    blocks.add(List.copyOf(block));
                    block = null;
                }
                continue;
            }
            if (!inFence) {
                Matcher h = HEADING.matcher(line);
                if (h.matches()) {
                    int thisLevel = h.group(1).length();
                    if (level > 0 && thisLevel <= level) {
                        break;
                    }
                    if (level == 0 && h.group(2).equals(heading)) {
                        level = thisLevel;
                    }
                }
                continue;
            }
            if (block == null || (command.isEmpty() && (line.isBlank() || line.trim().startsWith("#")))) {
                continue;
            }
            command.append(line);
            if (line.endsWith("\\")) {
                command.append('\n');
            } else {
                block.add(command.toString());
                command.setLength(0);
            }
        }
        if (level == 0) {
            throw new AssertionError("the README has no section '" + heading + "'");
        }
        return blocks;
    }
}
