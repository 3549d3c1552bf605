package dev.baton.worker;

import java.util.regex.Pattern;

/** The rule for worker names, shared by every worker type: they key cluster state, URLs and metrics. */
public final class WorkerNames {

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private WorkerNames() {
    }

    /** Returns {@code name} if it is valid, else throws with a message that says what is allowed. */
    public static String requireValid(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("worker name is blank; give the worker a name of letters, digits,"
                    + " '.', '_' or '-' (or leave the default, the simple class name)");
        }
        if (!VALID.matcher(name).matches()) {
            throw new IllegalArgumentException("worker name '" + name + "' is not allowed; use 1 to 128 letters,"
                    + " digits, '.', '_' or '-', starting with a letter or digit");
        }
        return name;
    }
}
