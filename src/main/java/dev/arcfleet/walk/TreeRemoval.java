package dev.arcfleet.walk;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Removes one entry of a directory and everything under it, by {@code rm -rf --one-file-system}: no link is
 * followed, no FIFO or device is opened, and a filesystem mounted below is left in place (and reported), at any
 * depth.
 *
 * @param failures entries that could not be removed (permissions, immutable, another filesystem, or changed
 *        under the removal)
 * @param firstFailures the tool's first messages about them
 * @param stopped whether the caller's {@link Watch} stopped the removal; what was not reached yet is still there
 */
public record TreeRemoval(long failures, List<String> firstFailures, boolean stopped) {

    /** Whether the entry is gone entirely. */
    public boolean done() {
        return failures == 0 && !stopped;
    }

    /**
     * Removes entry {@code name} of {@code directory}. {@code directory} is entered by path, so it must be out of
     * reach of those who write below it; {@code name} must be a single name.
     */
    public static TreeRemoval of(Path directory, String name, Watch watch) throws IOException {
        if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("not a single entry name: " + name);
        }
        Tool.Result result = Tool.run(directory, watch, line -> { }, line -> { }, "rm", "-r", "-f", "--one-file-system", "--", "./" + name);
        // rm exits non-zero also when it could not say why (a signal): then there is no line to count.
        long failures = result.exitCode() == 0 || result.stopped() ? result.diagnostics() : Math.max(1, result.diagnostics());
        return new TreeRemoval(failures, result.firstDiagnostics(), result.stopped());
    }
}
