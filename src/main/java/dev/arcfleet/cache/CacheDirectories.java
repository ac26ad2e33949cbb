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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import dev.arcfleet.fleet.CachePath;
import dev.arcfleet.walk.DiskUsage;
import dev.arcfleet.walk.TreeRemoval;
import dev.arcfleet.walk.Watch;

/**
 * The filesystem edge: per-set directories under host-root. Only ever modifies directories that carry
 * its marker. Host-root and the set directories are read and renamed in through open directory handles
 * that never follow a link ({@link NoFollowTree}); the trees below the caches, which jobs write, are
 * measured and deleted only by {@code dev.arcfleet.walk}'s tools, which never open a FIFO or cross a mount.
 * Creating a directory, setting its owner and mode, and starting a tool go by path, and only at or below
 * host-root and a set directory, which no pod mounts; their last component is never followed.
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

    /** What {@link #ensure} found. */
    enum Ensured {
        /** Created, or there already for this repository. */
        READY,
        /** Its set had left the configuration, and came back within the retention: kept as it was. */
        REVIVED,
        /**
         * Its marker named another repository (a set name reused): everything in it went to the trash, out of the
         * new repository's reach, before it was handed over.
         */
        EMPTIED_FOR_ANOTHER_REPOSITORY
    }

    /**
     * Creates or repairs the set's directory and its caches, owned and permissioned as configured, and
     * marks it as arcfleet's; a directory whose set had left the configuration is revived as it is, unless its
     * marker names another repository: then it is emptied first, since one repository's runners must never read
     * what another's left.
     */
    Ensured ensure(String setName, String repository, List<CachePath> caches, Instant now) throws IOException {
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
                boolean emptied = !marker.repository().equals(repository);
                if (emptied) {
                    // Renames only: a pod of the old repository that still mounts a cache keeps it, in the trash.
                    moveAllToTrash(set, name, Watch.unwatched());
                    marker = new CacheMarker(repository, owner, now, Optional.empty());
                    marker.write(set);
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
                return emptied ? Ensured.EMPTIED_FOR_ANOTHER_REPOSITORY : revived ? Ensured.REVIVED : Ensured.READY;
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
            removeTree(staging);
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

    /** Whether a cleanup finished, or stopped because its watch said so: a pod mounts the set's directory, or leadership ended. */
    enum Cleanup {
        DONE,
        STOPPED
    }

    /**
     * Removes the set's directory: everything but the marker goes to the trash, the trash is emptied, and
     * only then the marker and the directory go. {@code watch} is asked right before each rename and each
     * deletion starts, and while a deletion runs; once it says no, nothing more is touched. Throws if something could not be removed,
     * and then keeps the marker.
     */
    Cleanup delete(String setName, Watch watch) throws IOException {
        return inSetDirectory(setName, (root, name, set) -> {
            if (CacheMarker.read(set).isEmpty()) {
                throw new IOException(setName + " has no " + CacheMarker.FILE_NAME + " (any more); left alone");
            }
            if (moveAllToTrash(set, name, watch) == Cleanup.STOPPED) {
                return Cleanup.STOPPED;
            }
            if (emptyTrash(set, setName, watch) == Cleanup.STOPPED) {
                return Cleanup.STOPPED;
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
     * {@code watch} is asked right before each rename and each deletion starts, and while a deletion runs.
     */
    Cleanup clear(String setName, List<CachePath> caches, Watch watch) throws IOException {
        return inSetDirectory(setName, (root, name, set) -> {
            try (SecureDirectoryStream<Path> trash = openTrash(set, name)) {
                for (CachePath cache : caches) {
                    Path cacheName = Path.of(cache.name());
                    if (NoFollowTree.attributes(set, cacheName).isEmpty()) {
                        continue;
                    }
                    if (!watch.keepGoing().getAsBoolean()) {
                        return Cleanup.STOPPED;
                    }
                    set.move(cacheName, trash, NoFollowTree.freshName(trash, cache.name()));
                    Files.createDirectory(hostRoot.resolve(name).resolve(cacheName));
                    applyOwnership(hostRoot.resolve(name).resolve(cacheName));
                }
            }
            return emptyTrash(set, setName, watch);
        });
    }

    /**
     * Renames everything in the set directory but the marker and the trash into the trash, asking {@code watch}
     * right before each rename.
     */
    private Cleanup moveAllToTrash(SecureDirectoryStream<Path> set, Path name, Watch watch) throws IOException {
        try (SecureDirectoryStream<Path> trash = openTrash(set, name);
                SecureDirectoryStream<Path> listing = NoFollowTree.reopen(set)) {
            for (Path entry : listing) {
                Path entryName = entry.getFileName();
                if (entryName.equals(CacheMarker.FILE_NAME) || entryName.equals(TRASH)) {
                    continue;
                }
                if (!watch.keepGoing().getAsBoolean()) {
                    return Cleanup.STOPPED;
                }
                set.move(entryName, trash, NoFollowTree.freshName(trash, entryName.toString()));
            }
        } catch (DirectoryIteratorException e) {
            throw e.getCause();
        }
        return Cleanup.DONE;
    }

    /** Deletes what an earlier clearing or deletion left in the set's trash. */
    Cleanup emptyTrash(String setName, Watch watch) throws IOException {
        return inSetDirectory(setName, (root, name, set) -> emptyTrash(set, setName, watch));
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

    /**
     * Removes the trash's entries one by one with {@link TreeRemoval}, asking {@code watch} before each starts and
     * while it runs; the trash itself goes once it is empty. The trash is entered by path: it sits in the set
     * directory, which no pod mounts; the caches renamed into it are walked only by the tool.
     */
    private Cleanup emptyTrash(SecureDirectoryStream<Path> set, String setName, Watch watch) throws IOException {
        if (NoFollowTree.attributes(set, TRASH).isEmpty()) {
            return Cleanup.DONE;
        }
        Path trashPath = hostRoot.resolve(entryName(setName)).resolve(TRASH);
        long failures = 0;
        String firstFailure = "";
        try (SecureDirectoryStream<Path> trash = NoFollowTree.openChild(set, TRASH)) {
            for (Path entry : trash) {
                if (!watch.keepGoing().getAsBoolean()) {
                    return Cleanup.STOPPED;
                }
                TreeRemoval removal = TreeRemoval.of(trashPath, entry.getFileName().toString(), watch);
                if (removal.stopped()) {
                    return Cleanup.STOPPED;
                }
                if (failures == 0 && removal.failures() > 0) {
                    firstFailure = setName + "/" + TRASH + ": " + String.join("; ", removal.firstFailures());
                }
                failures += removal.failures();
            }
        } catch (DirectoryIteratorException e) {
            throw e.getCause();
        }
        if (failures > 0) {
            throw new IOException(failures + (failures == 1 ? " entry" : " entries") + " could not be removed, first " + firstFailure);
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
    private void removeTree(Path name) throws IOException {
        TreeRemoval removal = TreeRemoval.of(hostRoot, name.toString(), Watch.unwatched());
        if (!removal.done()) {
            throw new IOException(hostRoot.resolve(name) + " could not be removed: " + removal.firstFailures());
        }
    }

    /**
     * What each set's directory takes on disk, the trash separately, by {@link DiskUsage}, with one walk for all, each as
     * if alone: complete at any depth and for any number of entries, never following a link or leaving the filesystem,
     * never waiting on a FIFO. Per set, its usage, or (when called) why it could not be measured. Host-root is entered
     * by path: no pod mounts it.
     */
    Map<String, Callable<CacheUsage>> measure(List<String> setNames, Watch watch) {
        long started = System.nanoTime();
        Map<String, Callable<CacheUsage>> measured = new LinkedHashMap<>();
        Map<String, DiskUsage> walked;
        try {
            walked = DiskUsage.ofEach(hostRoot, setNames.stream().map(set -> entryName(set).toString()).toList(),
                    List.of(CacheMarker.FILE_NAME.toString()), Optional.of(TRASH.toString()), watch);
        } catch (IOException e) {
            if (setNames.size() > 1 && !Thread.currentThread().isInterrupted()) {
                // Which set it was about is unknown: each is measured alone, as if the others were not there.
                setNames.forEach(set -> measured.putAll(measure(List.of(set), watch)));
            } else {
                setNames.forEach(set -> measured.put(set, () -> {
                    throw e;
                }));
            }
            return measured;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        for (String set : setNames) {
            Path directory = hostRoot.resolve(entryName(set));
            DiskUsage usage = walked.get(directory.getFileName().toString());
            measured.put(set, () -> {
                if (usage == null) {
                    throw Files.exists(directory, LinkOption.NOFOLLOW_LINKS) ? new IOException(directory
                            + " is not a directory, or could not be opened") : new NoSuchFileException(directory.toString());
                } else if (usage.stopped()) {
                    throw new IOException("measuring " + set + " was stopped");
                }
                return new CacheUsage(usage.bytes(), usage.files(), usage.apartBytes(), usage.skipped(),
                        usage.firstSkipped().stream().findFirst(), took);
            });
        }
        return measured;
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
