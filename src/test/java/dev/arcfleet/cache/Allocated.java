package dev.arcfleet.cache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What {@code stat} says a tree occupies, in allocated blocks: the oracle for measurements, which count blocks,
 * not lengths. For trees without hard links, built by the test and left alone while it is taken.
 */
final class Allocated {

    private Allocated() {
    }

    /** {@code root} and everything under it, without following links. */
    static long tree(Path root) {
        try (Stream<Path> entries = Files.walk(root)) {
            return blocks(entries.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What a measurement of a set directory counts: everything under it but its marker. */
    static long inSetDirectory(Path setDirectory) {
        try (Stream<Path> entries = Files.walk(setDirectory)) {
            return blocks(entries.filter(entry -> !entry.equals(setDirectory)
                    && !entry.equals(setDirectory.resolve(CacheMarker.FILE_NAME))).toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long blocks(List<Path> paths) {
        if (paths.isEmpty()) {
            return 0;
        }
        List<String> command = new ArrayList<>(List.of("stat", "--format=%b"));
        paths.forEach(path -> command.add(path.toString()));
        try {
            Process stat = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String output = new String(stat.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (stat.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed");
            }
            return output.lines().mapToLong(Long::parseLong).sum() * 512;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
