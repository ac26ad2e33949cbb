package dev.arcfleet.cache;

import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Directory trees walked through open directory handles, never by path. Every entry is examined, opened,
 * deleted or renamed relative to its open parent ({@code fstatat}, {@code openat}, {@code unlinkat},
 * {@code renameat}) without following it if it is a symbolic link. A job that swaps a directory for a
 * link to another set's cache mid-walk therefore makes an open fail, never leads the walk out of the tree.
 */
final class NoFollowTree {

    static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};
    /**
     * Deeper directories are neither measured (the figures become lower bounds) nor descended into when
     * deleting (they are moved up first), so a job's pathologically deep tree cannot exhaust the file
     * descriptors or the stack: each open level holds two descriptors.
     */
    static final int MAX_DEPTH = 128;
    /** How often an entry that changed under a deletion is looked at again before it counts as a failure. */
    private static final int ATTEMPTS = 3;
    private static final Path SELF = Path.of(".");
    private static final AtomicLong FRESH = new AtomicLong(System.currentTimeMillis());

    private NoFollowTree() {
    }

    /** Opens a directory given by path; the only path-based open, for host-root itself. */
    static SecureDirectoryStream<Path> open(Path directory) throws IOException {
        DirectoryStream<Path> stream = Files.newDirectoryStream(directory);
        if (stream instanceof SecureDirectoryStream<Path> secure) {
            return secure;
        }
        stream.close();
        throw new IOException("this platform cannot open directories without following links; refusing to manage " + directory);
    }

    /** Opens entry {@code name} of {@code parent}; fails if it is a link or not a directory. */
    static SecureDirectoryStream<Path> openChild(SecureDirectoryStream<Path> parent, Path name) throws IOException {
        return parent.newDirectoryStream(name, NOFOLLOW);
    }

    /** A second handle on the same directory, for another pass over its entries. */
    static SecureDirectoryStream<Path> reopen(SecureDirectoryStream<Path> directory) throws IOException {
        return directory.newDirectoryStream(SELF, NOFOLLOW);
    }

    /** The entry's own attributes (a link's, not its target's); empty if there is no such entry. */
    static Optional<BasicFileAttributes> attributes(SecureDirectoryStream<Path> parent, Path name) throws IOException {
        try {
            return Optional.of(parent.getFileAttributeView(name, BasicFileAttributeView.class, NOFOLLOW).readAttributes());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** A name for an entry moved into {@code directory} that no entry there has yet. */
    static Path freshName(SecureDirectoryStream<Path> directory, String prefix) throws IOException {
        while (true) {
            Path name = Path.of(prefix + "-" + FRESH.incrementAndGet());
            if (attributes(directory, name).isEmpty()) {
                return name;
            }
        }
    }

    /** Running totals of a measurement, shared across the trees it covers. */
    static final class Tally {

        private final long maxEntries;
        long entries;
        long bytes;
        long files;
        boolean complete = true;

        Tally(long maxEntries) {
            this.maxEntries = maxEntries;
        }
    }

    /** Adds entry {@code name} of {@code parent}, and everything under it, to {@code tally}. */
    static void measure(SecureDirectoryStream<Path> parent, Path name, Tally tally, int depth) {
        if (tally.entries >= tally.maxEntries) {
            tally.complete = false;
            return;
        }
        tally.entries++;
        try {
            Optional<BasicFileAttributes> attributes = attributes(parent, name);
            if (attributes.isEmpty()) {
                return;
            }
            if (attributes.get().isRegularFile()) {
                tally.bytes += attributes.get().size();
                tally.files++;
            } else if (attributes.get().isDirectory()) {
                if (depth >= MAX_DEPTH) {
                    tally.complete = false;
                    return;
                }
                try (SecureDirectoryStream<Path> directory = openChild(parent, name)) {
                    for (Path entry : directory) {
                        measure(directory, entry.getFileName(), tally, depth + 1);
                    }
                }
            }
        } catch (IOException | DirectoryIteratorException e) {
            // Unreadable, or replaced by a link or a file since it was examined: not counted, never followed.
            tally.complete = false;
        }
    }

    /** What a deletion could not remove: how many entries, and the first of them with its reason. */
    static final class Failures {

        int count;
        String first;

        void add(String path, Exception e) {
            if (count++ == 0) {
                first = path + ": " + (e instanceof DirectoryIteratorException iteration ? iteration.getCause() : e);
            }
        }

        void reset() {
            count = 0;
            first = null;
        }

        boolean any() {
            return count > 0;
        }

        String summary() {
            return count + (count == 1 ? " entry" : " entries") + " could not be removed, first " + first;
        }
    }

    /** The outcome of emptying a directory that was not stopped by a failure. */
    enum Emptied {
        DONE,
        /** A pod started mounting the set's directory; nothing more was touched. */
        IN_USE
    }

    /**
     * Deletes every entry of {@code directory}, checking {@code free} right before each top-level entry.
     * Directories deeper than {@link #MAX_DEPTH} are first moved up into {@code directory} and deleted in a
     * further pass. What cannot be removed is left and counted in {@code failures}; the rest is removed anyway.
     */
    static Emptied empty(SecureDirectoryStream<Path> directory, String display, BooleanSupplier free, Failures failures)
            throws IOException {
        boolean movedUp;
        do {
            // Each pass tries every entry left, so the last pass's failures are what remains.
            failures.reset();
            movedUp = false;
            try (SecureDirectoryStream<Path> pass = reopen(directory)) {
                for (Path entry : pass) {
                    if (!free.getAsBoolean()) {
                        return Emptied.IN_USE;
                    }
                    Path name = entry.getFileName();
                    movedUp |= delete(directory, name, display + "/" + name, 1, directory, failures) == Removed.MOVED_UP;
                }
            } catch (DirectoryIteratorException e) {
                failures.add(display, e);
            }
        } while (movedUp);
        return Emptied.DONE;
    }

    private enum Removed {
        GONE,
        MOVED_UP,
        LEFT
    }

    private static Removed delete(SecureDirectoryStream<Path> parent, Path name, String display, int depth,
            SecureDirectoryStream<Path> top, Failures failures) {
        for (int attempt = 1;; attempt++) {
            try {
                Optional<BasicFileAttributes> attributes = attributes(parent, name);
                if (attributes.isEmpty()) {
                    return Removed.GONE;
                }
                if (!attributes.get().isDirectory()) {
                    parent.deleteFile(name);
                    return Removed.GONE;
                }
                if (depth >= MAX_DEPTH) {
                    parent.move(name, top, freshName(top, ".arcfleet-deep"));
                    return Removed.MOVED_UP;
                }
                boolean emptied = true;
                boolean movedUp = false;
                try (SecureDirectoryStream<Path> directory = openChild(parent, name)) {
                    for (Path entry : directory) {
                        Path child = entry.getFileName();
                        Removed removed = delete(directory, child, display + "/" + child, depth + 1, top, failures);
                        emptied &= removed != Removed.LEFT;
                        movedUp |= removed == Removed.MOVED_UP;
                    }
                }
                if (!emptied) {
                    return Removed.LEFT;
                }
                parent.deleteDirectory(name);
                return movedUp ? Removed.MOVED_UP : Removed.GONE;
            } catch (NoSuchFileException e) {
                return Removed.GONE;
            } catch (IOException | DirectoryIteratorException e) {
                // A type that changed between examining and opening or deleting (a directory swapped for a
                // link, or new entries) is looked at again; a refusal (permissions, immutable) stays.
                if (attempt == ATTEMPTS) {
                    failures.add(display, e);
                    return Removed.LEFT;
                }
            }
        }
    }
}
