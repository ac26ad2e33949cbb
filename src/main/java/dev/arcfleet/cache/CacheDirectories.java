package dev.arcfleet.cache;

import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import dev.arcfleet.fleet.CachePath;

/**
 * The filesystem edge: per-set directories under host-root. Only ever modifies directories that carry
 * its marker. Walks, measurements, deletions and renames go through open directory handles and never
 * follow a link ({@link NoFollowTree}). Only creating a directory and setting its owner and mode go by
 * path, and only below host-root and a set directory, which no pod mounts; their last component is
 * never followed.
 *
 * <p>Clearing and deleting never delete in place: entries are first renamed into the set's trash, then
 * the trash is emptied. What could not be deleted stays in the trash, is measured, and is retried; a
 * set that comes back meanwhile finds its caches either whole or freshly empty, never half deleted.
 */
final class CacheDirectories {

    static final Path TRASH = Path.of(".arcfleet-trash");
    /** A new set directory is prepared under this prefix and renamed into place with its marker. */
    private static final String STAGING_PREFIX = ".arcfleet-new-";
    /** A change time at least this old is one no later change can share; see {@link #glance}. */
    private static final long SETTLED_MILLIS = 1000;

    private final Path hostRoot;
    private final int uid;
    private final int gid;
    private final int mode;
    private final String owner;

    CacheDirectories(Path hostRoot, int uid, int gid, int mode, String owner) {
        this.hostRoot = hostRoot.toAbsolutePath().normalize();
        this.uid = uid;
        this.gid = gid;
        this.mode = mode;
        this.owner = owner;
    }

    Path hostRoot() {
        return hostRoot;
    }

    /** Why cache management must not run on this host-root, if it must not. */
    Optional<String> hostRootProblem() {
        if (hostRoot.getParent() == null) {
            return Optional.of("arcfleet.cache.host-root is " + hostRoot + "; refusing to manage the filesystem root");
        }
        if (!Files.isDirectory(hostRoot)) {
            return Optional.of("arcfleet.cache.host-root " + hostRoot + " does not exist or is not a directory");
        }
        if (!Files.isWritable(hostRoot)) {
            return Optional.of("arcfleet.cache.host-root " + hostRoot + " is not writable by arcfleet");
        }
        return Optional.empty();
    }

    /**
     * Creates or repairs the set's directory and its caches, owned and permissioned as configured, and
     * marks it as arcfleet's; a directory whose set had left the configuration is revived as it is.
     * Returns whether it was revived.
     */
    boolean ensure(String setName, String repository, List<CachePath> caches, Instant now) throws IOException {
        Path name = entryName(setName);
        try (SecureDirectoryStream<Path> root = NoFollowTree.open(hostRoot)) {
            Optional<BasicFileAttributes> existing = NoFollowTree.attributes(root, name);
            if (existing.isEmpty()) {
                create(root, setName, repository, now);
            } else if (!existing.get().isDirectory()) {
                throw new IOException(hostRoot.resolve(name) + " exists and is not a directory (a symbolic link?); left alone");
            }
            try (SecureDirectoryStream<Path> set = NoFollowTree.openChild(root, name)) {
                CacheMarker marker = CacheMarker.read(set).orElseThrow(() -> new IOException(hostRoot.resolve(name)
                        + " exists but was not created by arcfleet (no " + CacheMarker.FILE_NAME + "); left alone"));
                if (!ownedOrUnclaimed(marker)) {
                    throw new IOException(hostRoot.resolve(name) + " belongs to another arcfleet configuration, "
                            + marker.owner() + "; left alone");
                }
                applyOwnership(hostRoot.resolve(name));
                for (CachePath cache : caches) {
                    Path cacheName = Path.of(cache.name());
                    Optional<BasicFileAttributes> cacheAttributes = NoFollowTree.attributes(set, cacheName);
                    if (cacheAttributes.isEmpty()) {
                        Files.createDirectory(hostRoot.resolve(name).resolve(cacheName));
                    } else if (!cacheAttributes.get().isDirectory()) {
                        throw new IOException(hostRoot.resolve(name).resolve(cacheName) + " is not a directory (a symbolic link?); left alone");
                    }
                    applyOwnership(hostRoot.resolve(name).resolve(cacheName));
                }
                boolean revived = marker.orphanedSince().isPresent();
                if (revived || !marker.owner().equals(owner)) {
                    marker.revived(owner).write(set);
                }
                return revived;
            }
        }
    }

    /**
     * What a glance at the set's directory, its marker and its caches sees, for skipping a full check when
     * nothing changed: each one's inode, change time, owner and mode, read by path without following a final link.
     * Anything done to one (chmod, chown, an entry created, renamed or removed in it, the marker replaced,
     * the directory swapped for another or for a link) changes its change time or inode. Empty while a
     * change time is under a second old: file systems keep it in coarse ticks, so a change right after
     * the glance could leave it as it was.
     */
    Optional<String> glance(String setName, List<CachePath> caches) throws IOException {
        Path setDirectory = hostRoot.resolve(entryName(setName));
        StringBuilder seen = new StringBuilder();
        List<Path> paths = new ArrayList<>(List.of(setDirectory, setDirectory.resolve(CacheMarker.FILE_NAME)));
        caches.forEach(cache -> paths.add(setDirectory.resolve(cache.name())));
        for (Path path : paths) {
            if (!glance(path, seen, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.empty();
            }
        }
        return Optional.of(seen.toString());
    }

    /**
     * The same glance at host-root itself, whose change time moves when an entry is added, renamed or removed;
     * through a link, as {@link #hostRootProblem()} looks at it.
     */
    Optional<String> glanceAtHostRoot() throws IOException {
        StringBuilder seen = new StringBuilder();
        return glance(hostRoot, seen) ? Optional.of(seen.toString()) : Optional.empty();
    }

    private static boolean glance(Path path, StringBuilder seen, LinkOption... options) throws IOException {
        Map<String, Object> attributes;
        try {
            attributes = Files.readAttributes(path, "unix:ino,ctime,uid,gid,mode", options);
        } catch (NoSuchFileException e) {
            seen.append("absent;");
            return true;
        }
        FileTime changed = (FileTime) attributes.get("ctime");
        if (System.currentTimeMillis() - changed.toMillis() < SETTLED_MILLIS) {
            return false;
        }
        seen.append(attributes.get("ino")).append(':').append(changed.to(TimeUnit.NANOSECONDS)).append(':')
                .append(attributes.get("uid")).append(':').append(attributes.get("gid")).append(':')
                .append(attributes.get("mode")).append(';');
        return true;
    }

    /** Prepares the directory with its marker under a staging name, so it never exists without one. */
    private void create(SecureDirectoryStream<Path> root, String setName, String repository, Instant now) throws IOException {
        Path staging = Path.of(STAGING_PREFIX + setName);
        if (NoFollowTree.attributes(root, staging).isPresent()) {
            // Left by an interrupted start; it holds at most an empty directory and a marker.
            removeTree(root, staging);
        }
        Files.createDirectory(hostRoot.resolve(staging));
        applyOwnership(hostRoot.resolve(staging));
        try (SecureDirectoryStream<Path> directory = NoFollowTree.openChild(root, staging)) {
            new CacheMarker(repository, owner, now, Optional.empty()).write(directory);
        }
        root.move(staging, root, entryName(setName));
    }

    /** This configuration's, or from before owners were recorded (adopted when its set is desired, else left alone). */
    boolean ownedOrUnclaimed(CacheMarker marker) {
        return marker.owner().isEmpty() || marker.owner().equals(owner);
    }

    /** This configuration's: only these are ever collected. */
    boolean owned(CacheMarker marker) {
        return marker.owner().equals(owner);
    }

    /** The directories under host-root: arcfleet's (with their marker) and others, which are only reported. */
    List<Entry> scan() throws IOException {
        List<Entry> entries = new ArrayList<>();
        try (SecureDirectoryStream<Path> root = NoFollowTree.open(hostRoot)) {
            for (Path child : root) {
                Path name = child.getFileName();
                Optional<BasicFileAttributes> attributes = NoFollowTree.attributes(root, name);
                if (attributes.isEmpty()) {
                    continue;
                }
                if (!attributes.get().isDirectory()) {
                    entries.add(new Entry(name.toString(), Optional.empty(), Optional.empty(), false));
                    continue;
                }
                try (SecureDirectoryStream<Path> set = NoFollowTree.openChild(root, name)) {
                    entries.add(new Entry(name.toString(), CacheMarker.read(set), Optional.empty(),
                            NoFollowTree.attributes(set, TRASH).isPresent()));
                } catch (IOException e) {
                    entries.add(new Entry(name.toString(), Optional.empty(), Optional.of(String.valueOf(e.getMessage())), false));
                }
            }
        } catch (DirectoryIteratorException e) {
            throw e.getCause();
        }
        return entries;
    }

    /**
     * One directory under host-root.
     *
     * @param marker arcfleet's marker; empty for a directory that is not arcfleet's
     * @param unreadable why the directory or its marker could not be read, if it could not
     * @param hasTrash whether cleared or removed contents still await deletion
     */
    record Entry(String name, Optional<CacheMarker> marker, Optional<String> unreadable, boolean hasTrash) {
    }

    void markOrphaned(String setName, CacheMarker marker, Instant since) throws IOException {
        try (SecureDirectoryStream<Path> root = NoFollowTree.open(hostRoot);
                SecureDirectoryStream<Path> set = NoFollowTree.openChild(root, entryName(setName))) {
            marker.orphanedAt(since).write(set);
        }
    }

    /** Whether a cleanup finished, or stopped untouched because a pod mounts the set's directory. */
    enum Cleanup {
        DONE,
        IN_USE
    }

    /**
     * Removes the set's directory: everything but the marker goes to the trash, the trash is emptied, and
     * only then the marker and the directory go. {@code free} is asked right before each rename and each
     * deletion starts; once it says no, nothing more is touched. Throws if something could not be removed,
     * and then keeps the marker.
     */
    Cleanup delete(String setName, BooleanSupplier free) throws IOException {
        return inSetDirectory(setName, (root, name, set) -> {
            if (CacheMarker.read(set).isEmpty()) {
                throw new IOException(setName + " has no " + CacheMarker.FILE_NAME + " (any more); left alone");
            }
            try (SecureDirectoryStream<Path> trash = openTrash(set, name);
                    SecureDirectoryStream<Path> listing = NoFollowTree.reopen(set)) {
                for (Path entry : listing) {
                    Path entryName = entry.getFileName();
                    if (entryName.equals(CacheMarker.FILE_NAME) || entryName.equals(TRASH)) {
                        continue;
                    }
                    if (!free.getAsBoolean()) {
                        return Cleanup.IN_USE;
                    }
                    set.move(entryName, trash, NoFollowTree.freshName(trash, entryName.toString()));
                }
            } catch (DirectoryIteratorException e) {
                throw e.getCause();
            }
            if (emptyTrash(set, setName, free) == Cleanup.IN_USE) {
                return Cleanup.IN_USE;
            }
            try (SecureDirectoryStream<Path> listing = NoFollowTree.reopen(set)) {
                for (Path entry : listing) {
                    if (!entry.getFileName().equals(CacheMarker.FILE_NAME)) {
                        throw new IOException(setName + "/" + entry.getFileName() + " appeared while the directory was "
                                + "being deleted; trying again later");
                    }
                }
            }
            set.deleteFile(CacheMarker.FILE_NAME);
            root.deleteDirectory(name);
            return Cleanup.DONE;
        });
    }

    /**
     * Empties the set's caches: each is renamed into the trash and recreated empty, so a job starting
     * meanwhile finds a clean directory, never one being deleted under it. Then the trash is emptied.
     * {@code free} is asked right before each rename and each deletion starts.
     */
    Cleanup clear(String setName, List<CachePath> caches, BooleanSupplier free) throws IOException {
        return inSetDirectory(setName, (root, name, set) -> {
            try (SecureDirectoryStream<Path> trash = openTrash(set, name)) {
                for (CachePath cache : caches) {
                    Path cacheName = Path.of(cache.name());
                    if (NoFollowTree.attributes(set, cacheName).isEmpty()) {
                        continue;
                    }
                    if (!free.getAsBoolean()) {
                        return Cleanup.IN_USE;
                    }
                    set.move(cacheName, trash, NoFollowTree.freshName(trash, cache.name()));
                    Files.createDirectory(hostRoot.resolve(name).resolve(cacheName));
                    applyOwnership(hostRoot.resolve(name).resolve(cacheName));
                }
            }
            return emptyTrash(set, setName, free);
        });
    }

    /** Deletes what an earlier clearing or deletion left in the set's trash. */
    Cleanup emptyTrash(String setName, BooleanSupplier free) throws IOException {
        return inSetDirectory(setName, (root, name, set) -> emptyTrash(set, setName, free));
    }

    @FunctionalInterface
    private interface SetDirectoryWork {
        Cleanup run(SecureDirectoryStream<Path> root, Path name, SecureDirectoryStream<Path> set) throws IOException;
    }

    /** Runs {@code work} on the open set directory; a directory that is gone needs no cleanup. */
    private Cleanup inSetDirectory(String setName, SetDirectoryWork work) throws IOException {
        Path name = entryName(setName);
        try (SecureDirectoryStream<Path> root = NoFollowTree.open(hostRoot)) {
            if (NoFollowTree.attributes(root, name).isEmpty()) {
                return Cleanup.DONE;
            }
            try (SecureDirectoryStream<Path> set = NoFollowTree.openChild(root, name)) {
                return work.run(root, name, set);
            }
        }
    }

    private Cleanup emptyTrash(SecureDirectoryStream<Path> set, String setName, BooleanSupplier free) throws IOException {
        if (NoFollowTree.attributes(set, TRASH).isEmpty()) {
            return Cleanup.DONE;
        }
        NoFollowTree.Failures failures = new NoFollowTree.Failures();
        try (SecureDirectoryStream<Path> trash = NoFollowTree.openChild(set, TRASH)) {
            if (NoFollowTree.empty(trash, setName + "/" + TRASH, free, failures) == NoFollowTree.Emptied.IN_USE) {
                return Cleanup.IN_USE;
            }
        }
        if (failures.any()) {
            throw new IOException(failures.summary());
        }
        set.deleteDirectory(TRASH);
        return Cleanup.DONE;
    }

    private SecureDirectoryStream<Path> openTrash(SecureDirectoryStream<Path> set, Path setName) throws IOException {
        if (NoFollowTree.attributes(set, TRASH).isEmpty()) {
            Files.createDirectory(hostRoot.resolve(setName).resolve(TRASH));
        }
        return NoFollowTree.openChild(set, TRASH);
    }

    /** Removes a whole directory of host-root that is arcfleet's own scratch, never a set's. */
    private static void removeTree(SecureDirectoryStream<Path> root, Path name) throws IOException {
        NoFollowTree.Failures failures = new NoFollowTree.Failures();
        try (SecureDirectoryStream<Path> directory = NoFollowTree.openChild(root, name)) {
            NoFollowTree.empty(directory, name.toString(), () -> true, failures);
        }
        if (failures.any()) {
            throw new IOException(failures.summary());
        }
        root.deleteDirectory(name);
    }

    /**
     * Sums the sizes of the regular files in the set's directory, the trash separately, without following
     * links, stopping after {@code maxEntries} entries.
     */
    CacheUsage measure(String setName, int maxEntries) throws IOException {
        long started = System.nanoTime();
        NoFollowTree.Tally tally = new NoFollowTree.Tally(maxEntries);
        long trashBytes = 0;
        try (SecureDirectoryStream<Path> root = NoFollowTree.open(hostRoot);
                SecureDirectoryStream<Path> set = NoFollowTree.openChild(root, entryName(setName))) {
            for (Path entry : set) {
                Path name = entry.getFileName();
                if (name.equals(CacheMarker.FILE_NAME)) {
                    continue;
                }
                long before = tally.bytes;
                NoFollowTree.measure(set, name, tally, 1);
                if (name.equals(TRASH)) {
                    trashBytes = tally.bytes - before;
                }
            }
        } catch (DirectoryIteratorException e) {
            throw e.getCause();
        }
        return new CacheUsage(tally.bytes, tally.files, trashBytes, tally.complete, Duration.ofNanos(System.nanoTime() - started));
    }

    /** The set's name as an entry of host-root, refusing anything that would reach elsewhere. */
    private Path entryName(String setName) {
        Path setDirectory = hostRoot.resolve(setName).normalize();
        if (!hostRoot.equals(setDirectory.getParent())) {
            throw new IllegalArgumentException(setName + " is not a directory name directly under host-root");
        }
        return setDirectory.getFileName();
    }

    private void applyOwnership(Path directory) throws IOException {
        if (!Integer.valueOf(uid).equals(Files.getAttribute(directory, "unix:uid", LinkOption.NOFOLLOW_LINKS))
                || !Integer.valueOf(gid).equals(Files.getAttribute(directory, "unix:gid", LinkOption.NOFOLLOW_LINKS))) {
            try {
                Files.setAttribute(directory, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(directory, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                throw new IOException("cannot give " + directory + " to uid " + uid + " gid " + gid
                        + " (arcfleet needs CAP_CHOWN, or to run as that uid in that group): " + e.getMessage(), e);
            }
        }
        int currentMode = (Integer) Files.getAttribute(directory, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
        if (currentMode != mode) {
            Files.setAttribute(directory, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
        }
    }
}
