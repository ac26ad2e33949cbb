package dev.arcfleet.cache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * What jobs leave in a cache when they run as root or other users, made as root: read-only and unreadable
 * directories of root's, another user's private directory, a sticky directory with a third user's file,
 * and a link out of the cache. Public for {@code own}, which the cache delete benchmark (src/bench) uses too.
 */
public final class RootWrittenTree {

    /** How many regular files there are. */
    static final long FILES = 6;

    private RootWrittenTree() {
    }

    /** Fills {@code cache}; {@code outside} is where the link points. */
    static void create(Path cache, Path outside) {
        try {
            file(cache.resolve("root-file"), 100, 0, 0400);
            Path readOnly = Files.createDirectory(cache.resolve("read-only"));
            file(readOnly.resolve("a"), 1000, 0, 0444);
            Path deeper = Files.createDirectory(readOnly.resolve("deeper"));
            file(deeper.resolve("b"), 10, 0, 0444);
            own(deeper, 0, 0555);
            own(readOnly, 0, 0555);
            Path locked = Files.createDirectory(cache.resolve("locked"));
            file(locked.resolve("c"), 20, 0, 0600);
            own(locked, 0, 0);
            Path sticky = Files.createDirectory(cache.resolve("sticky"));
            file(sticky.resolve("d"), 30, 3000, 0600);
            own(sticky, 2000, 01777);
            Path other = Files.createDirectory(cache.resolve("other"));
            file(other.resolve("e"), 40, 2000, 0600);
            own(other, 2000, 0700);
            Files.createSymbolicLink(cache.resolve("escape"), outside);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void file(Path file, int size, int uid, int mode) throws IOException {
        Files.write(file, new byte[size]);
        own(file, uid, mode);
    }

    /** Sets the owner ({@code uid}, and a group of the same number) and the mode, without following a link. */
    public static void own(Path path, int uid, int mode) throws IOException {
        Files.setAttribute(path, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(path, "unix:gid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(path, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
    }
}
