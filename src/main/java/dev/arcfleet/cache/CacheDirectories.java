package dev.arcfleet.cache;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

import dev.arcfleet.config.CachePath;

/**
 * The filesystem edge: per-set directories under host-root. Never follows a symbolic link, never
 * touches anything outside host-root, and only ever modifies directories that carry its marker.
 */
final class CacheDirectories {

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private static final String TRASH_PREFIX = ".arcfleet-trash-";

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
        Path setDirectory = setDirectory(setName);
        Optional<CacheMarker> marker = Optional.empty();
        if (Files.exists(setDirectory, NOFOLLOW)) {
            if (!Files.isDirectory(setDirectory, NOFOLLOW)) {
                throw new IOException(setDirectory + " exists and is not a directory (a symbolic link?); left alone");
            }
            marker = CacheMarker.read(setDirectory);
            if (marker.isEmpty()) {
                throw new IOException(setDirectory + " exists but was not created by arcfleet (no " + CacheMarker.FILE_NAME
                        + "); left alone");
            }
            if (!ownedOrUnclaimed(marker.get())) {
                throw new IOException(setDirectory + " belongs to another arcfleet configuration, " + marker.get().owner()
                        + "; left alone");
            }
        } else {
            Files.createDirectory(setDirectory);
        }
        applyOwnership(setDirectory);
        for (CachePath cache : caches) {
            Path cacheDirectory = setDirectory.resolve(cache.name());
            if (!Files.exists(cacheDirectory, NOFOLLOW)) {
                Files.createDirectory(cacheDirectory);
            } else if (!Files.isDirectory(cacheDirectory, NOFOLLOW)) {
                throw new IOException(cacheDirectory + " is not a directory (a symbolic link?); left alone");
            }
            applyOwnership(cacheDirectory);
        }
        boolean revived = marker.flatMap(CacheMarker::orphanedSince).isPresent();
        if (marker.isEmpty()) {
            new CacheMarker(repository, owner, now, Optional.empty()).write(setDirectory);
        } else if (revived || !marker.get().owner().equals(owner)) {
            marker.get().revived(owner).write(setDirectory);
        }
        return revived;
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
        try (DirectoryStream<Path> children = Files.newDirectoryStream(hostRoot)) {
            for (Path child : children) {
                String name = child.getFileName().toString();
                boolean directory = Files.isDirectory(child, NOFOLLOW);
                Optional<CacheMarker> marker = directory ? CacheMarker.read(child) : Optional.empty();
                entries.add(new Entry(name, marker));
            }
        }
        return entries;
    }

    record Entry(String name, Optional<CacheMarker> marker) {
    }

    void markOrphaned(String setName, CacheMarker marker, Instant since) throws IOException {
        marker.orphanedAt(since).write(setDirectory(setName));
    }

    /** Removes the set's directory and everything in it; symbolic links are removed, never followed. */
    void delete(String setName) throws IOException {
        deleteTree(setDirectory(setName));
    }

    /**
     * Empties the set's caches. Each cache is first renamed away and recreated empty, so a job starting
     * meanwhile finds a clean directory rather than one being deleted under it.
     */
    void clear(String setName, List<CachePath> caches) throws IOException {
        Path setDirectory = setDirectory(setName);
        for (CachePath cache : caches) {
            Path cacheDirectory = setDirectory.resolve(cache.name());
            if (!Files.isDirectory(cacheDirectory, NOFOLLOW)) {
                continue;
            }
            Path trash = setDirectory.resolve(TRASH_PREFIX + cache.name());
            deleteTree(trash);
            Files.move(cacheDirectory, trash);
            Files.createDirectory(cacheDirectory);
            applyOwnership(cacheDirectory);
            deleteTree(trash);
        }
    }

    /**
     * Sums the sizes of regular files in the set's caches without following links, stopping after
     * {@code maxEntries} entries.
     */
    CacheUsage measure(String setName, List<CachePath> caches, int maxEntries) throws IOException {
        long started = System.nanoTime();
        long[] bytesAndFiles = new long[2];
        boolean[] complete = {true};
        int[] entries = {0};
        for (CachePath cache : caches) {
            Path cacheDirectory = setDirectory(setName).resolve(cache.name());
            if (!complete[0] || !Files.isDirectory(cacheDirectory, NOFOLLOW)) {
                continue;
            }
            Files.walkFileTree(cacheDirectory, EnumSet.noneOf(FileVisitOption.class), Integer.MAX_VALUE,
                new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                        if (++entries[0] > maxEntries) {
                            complete[0] = false;
                            return FileVisitResult.TERMINATE;
                        }
                        if (attributes.isRegularFile()) {
                            bytesAndFiles[0] += attributes.size();
                            bytesAndFiles[1]++;
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException e) {
                        return FileVisitResult.CONTINUE;
                    }
                });
        }
        return new CacheUsage(bytesAndFiles[0], bytesAndFiles[1], complete[0], Duration.ofNanos(System.nanoTime() - started));
    }

    private Path setDirectory(String setName) {
        Path setDirectory = hostRoot.resolve(setName).normalize();
        if (!hostRoot.equals(setDirectory.getParent())) {
            throw new IllegalArgumentException(setName + " is not a directory name directly under host-root");
        }
        return setDirectory;
    }

    private void applyOwnership(Path directory) throws IOException {
        if (!Integer.valueOf(uid).equals(Files.getAttribute(directory, "unix:uid", NOFOLLOW))
                || !Integer.valueOf(gid).equals(Files.getAttribute(directory, "unix:gid", NOFOLLOW))) {
            try {
                Files.setAttribute(directory, "unix:uid", uid, NOFOLLOW);
                Files.setAttribute(directory, "unix:gid", gid, NOFOLLOW);
            } catch (IOException e) {
                throw new IOException("cannot give " + directory + " to uid " + uid + " gid " + gid
                        + " (run arcfleet with CAP_CHOWN, or as that uid in that group): " + e.getMessage(), e);
            }
        }
        int currentMode = (Integer) Files.getAttribute(directory, "unix:mode", NOFOLLOW) & 07777;
        if (currentMode != mode) {
            Files.setAttribute(directory, "unix:mode", mode, NOFOLLOW);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, NOFOLLOW)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path directory, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(directory);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
