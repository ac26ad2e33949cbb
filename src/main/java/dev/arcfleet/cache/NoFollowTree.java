package dev.arcfleet.cache;

import java.io.IOException;
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

/**
 * Host-root and the set directories, handled through open directory handles: every entry is examined,
 * opened or renamed relative to its open parent ({@code fstatat}, {@code openat}, {@code renameat}) without
 * following it if it is a symbolic link. Only directories no job can write are opened this way, since the
 * JDK opens without {@code O_NONBLOCK}: a FIFO swapped in would block the open. Trees below a cache, which
 * jobs write, are walked by {@code dev.arcfleet.walk} instead.
 */
final class NoFollowTree {

    static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};
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
}
