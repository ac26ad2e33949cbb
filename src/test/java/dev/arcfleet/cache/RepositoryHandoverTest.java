package dev.arcfleet.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.arcfleet.fleet.CachePath;
import dev.arcfleet.walk.Watch;

/**
 * A set name can come back for another repository (an {@code installationName}, or {@code my.repo} and {@code my_repo}
 * at different times): the directory is emptied before the other repository's runners get it.
 */
class RepositoryHandoverTest {

    private static final String SET = "arc-runner-my-repo-1";
    private static final List<CachePath> CACHES = List.of(new CachePath("cache", "/home/runner/cache"));
    private static final Instant START = Instant.parse("2026-12-07T12:00:00Z");

    @TempDir
    Path hostRoot;

    private CacheDirectories directories;

    @BeforeEach
    void setUp() throws IOException {
        directories = new CacheDirectories(hostRoot, 1001, 123, 02775, "test.arcfleet-repositories");
        directories.ensure(SET, "acme/my.repo", CACHES, START);
        Files.writeString(cache().resolve("token-left-by-a-job"), "secret of acme/my.repo");
    }

    @Test
    void aDirectoryOfAnotherRepositoryIsEmptiedBeforeItIsHandedOver() throws IOException {
        directories.markOrphaned(SET, marker(), START.plusSeconds(60));

        assertEquals(CacheDirectories.Ensured.EMPTIED_FOR_ANOTHER_REPOSITORY,
                directories.ensure(SET, "acme/my_repo", CACHES, START.plusSeconds(120)));

        assertEquals(List.of(), list(cache()), "the new repository's cache starts empty");
        assertEquals("acme/my_repo", marker().repository());
        assertEquals(START.plusSeconds(120), marker().created());
        assertEquals(java.util.Optional.empty(), marker().orphanedSince());
        assertEquals(CacheDirectories.Cleanup.DONE, directories.emptyTrash(SET, Watch.unwatched()));
        assertFalse(Files.exists(hostRoot.resolve(SET).resolve(CacheDirectories.TRASH), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void theSameRepositoryGetsItsCacheBackAsItWas() throws IOException {
        directories.markOrphaned(SET, marker(), START.plusSeconds(60));

        assertEquals(CacheDirectories.Ensured.REVIVED, directories.ensure(SET, "acme/my.repo", CACHES, START.plusSeconds(120)));

        assertEquals(List.of("token-left-by-a-job"), list(cache()));
    }

    private CacheMarker marker() throws IOException {
        try (var set = NoFollowTree.open(hostRoot.resolve(SET))) {
            return CacheMarker.read(set).orElseThrow();
        }
    }

    private Path cache() {
        return hostRoot.resolve(SET).resolve("cache");
    }

    private static List<String> list(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.map(entry -> entry.getFileName().toString()).sorted().toList();
        }
    }
}
