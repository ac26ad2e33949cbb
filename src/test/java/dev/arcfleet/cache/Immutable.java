package dev.arcfleet.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;

/**
 * {@code chattr +i}: an entry even root cannot delete. The one case the issue lets a test skip: a
 * filesystem without the attribute (tmpfs, overlayfs) cannot have such an entry at all.
 */
final class Immutable {

    private Immutable() {
    }

    static void set(Path file) throws IOException, InterruptedException {
        Process chattr = new ProcessBuilder("chattr", "+i", file.toString()).redirectErrorStream(true).start();
        String output = new String(chattr.getInputStream().readAllBytes());
        int exit = chattr.waitFor();
        Assumptions.assumeFalse(exit != 0 && output.toLowerCase(Locale.ROOT).contains("not supported"),
                () -> "the filesystem of " + file + " has no immutable attribute: " + output);
        assertEquals(0, exit, () -> "chattr +i " + file + ": " + output);
    }

    /** Clears the attribute of every entry named {@code name} under {@code directory}, wherever it was moved. */
    static void clearUnder(Path directory, String name) throws IOException, InterruptedException {
        List<Path> found;
        try (Stream<Path> entries = Files.find(directory, Integer.MAX_VALUE,
                (path, attributes) -> path.getFileName().toString().equals(name))) {
            found = entries.toList();
        }
        for (Path file : found) {
            assertEquals(0, new ProcessBuilder("chattr", "-i", file.toString()).inheritIO().start().waitFor(), file.toString());
        }
    }
}
