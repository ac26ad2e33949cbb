package dev.arcfleet.cache;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.arcfleet.cache.ShippedPrivileges.Identity;
import dev.arcfleet.cache.ShippedPrivileges.Result;
import dev.arcfleet.fleet.CachePath;

/**
 * Deleting, clearing, repairing and measuring what jobs wrote as root, in a process of its own under each
 * shipped identity: the systemd unit's uid, gid and ambient capabilities, and the Deployment's as Kubernetes
 * grants them. The trees are made here, as root.
 */
class PrivilegedCleanupTest {

    private static final String SET = "arc-runner-acme-tools-1";
    private static final List<CachePath> CACHES = List.of(new CachePath("cache", "/home/runner/cache"));

    private Path hostRoot;
    private Path outside;
    private CacheDirectories asRoot;

    @BeforeAll
    static void runsAsRoot() throws IOException {
        assertEquals("0", Files.readString(Path.of("/proc/self/status")).lines().filter(line -> line.startsWith("Uid:"))
                .findFirst().orElseThrow().split("\\s+")[1], "these tests make root-owned trees and switch users: run them as root");
    }

    @BeforeEach
    void setUp() throws IOException {
        Path base = Files.createTempDirectory("arcfleet-privileged");
        Files.setAttribute(base, "unix:mode", 0755);
        hostRoot = Files.createDirectory(base.resolve("cache-root"));
        RootWrittenTree.own(hostRoot, 1001, 02775);
        Files.setAttribute(hostRoot, "unix:gid", 123);
        outside = Files.createDirectory(base.resolve("outside"));
        Files.writeString(outside.resolve("precious"), "keep");
        asRoot = new CacheDirectories(hostRoot, 1001, 123, 02775, "test.arcfleet-repositories");
        asRoot.ensure(SET, "acme/tools", CACHES, Instant.now());
        RootWrittenTree.create(cache(), outside);
    }

    static Stream<Identity> shipped() {
        return ShippedPrivileges.shipped().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shipped")
    void rootWrittenSetDirectoryIsDeletedCompletely(Identity who) throws IOException {
        Result result = ShippedPrivileges.probe(who, "delete", hostRoot.toString(), SET);

        assertEquals(0, result.exitCode(), result::output);
        assertEquals(Optional.of("DONE"), result.line("outcome"));
        assertFalse(Files.exists(hostRoot.resolve(SET), LinkOption.NOFOLLOW_LINKS));
        assertEquals("keep", Files.readString(outside.resolve("precious")), "the link out of the cache was not followed");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shipped")
    void rootWrittenCacheIsClearedAndBelongsToTheRunnerAgain(Identity who) throws IOException {
        Result result = ShippedPrivileges.probe(who, "clear", hostRoot.toString(), SET, "cache");

        assertEquals(0, result.exitCode(), result::output);
        assertEquals(List.of(), list(cache()));
        assertEquals(List.of(".arcfleet-cache", "cache"), list(hostRoot.resolve(SET)), "no trash left");
        assertOwnedByTheRunner(cache());
        assertEquals("keep", Files.readString(outside.resolve("precious")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shipped")
    void cacheAJobGaveToRootIsGivenBackToTheRunner(Identity who) throws IOException {
        RootWrittenTree.own(cache(), 0, 0700);

        Result result = ShippedPrivileges.probe(who, "ensure", hostRoot.toString(), SET, "cache");

        assertEquals(0, result.exitCode(), result::output);
        assertOwnedByTheRunner(cache());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shipped")
    void newSetDirectoryBelongsToTheRunner(Identity who) throws IOException {
        Result result = ShippedPrivileges.probe(who, "ensure", hostRoot.toString(), "arc-runner-acme-web-1", "cache");

        assertEquals(0, result.exitCode(), result::output);
        assertOwnedByTheRunner(hostRoot.resolve("arc-runner-acme-web-1"));
        assertOwnedByTheRunner(hostRoot.resolve("arc-runner-acme-web-1").resolve("cache"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shipped")
    void rootWrittenTreeIsMeasuredCompletely(Identity who) {
        Result result = ShippedPrivileges.probe(who, "measure", hostRoot.toString(), SET);

        assertEquals(0, result.exitCode(), result::output);
        assertEquals(Optional.of(Allocated.inSetDirectory(hostRoot.resolve(SET)) + " bytes " + RootWrittenTree.FILES + " files complete"),
                result.line("outcome"));
    }

    /** Which operation needs which capability, so each shipped one is shown to be needed. */
    static Stream<Arguments> eachShippedCapability() {
        return shipped().flatMap(who -> who.capabilities().stream().map(capability -> Arguments.of(who, capability)));
    }

    @ParameterizedTest(name = "{0} without {1}")
    @MethodSource("eachShippedCapability")
    void everyShippedCapabilityIsNeeded(Identity shipped, String capability) throws IOException {
        Identity who = shipped.without(capability);
        if (capability.equals("chown")) {
            RootWrittenTree.own(cache(), 0, 0700);
            Result result = ShippedPrivileges.probe(who, "ensure", hostRoot.toString(), SET, "cache");
            assertEquals(1, result.exitCode(), result::output);
            assertThat(result.output(), containsString("CAP_CHOWN"));
            return;
        }
        Result result = ShippedPrivileges.probe(who, "delete", hostRoot.toString(), SET);

        assertEquals(1, result.exitCode(), result::output);
        assertThat(result.output(), containsString("could not be removed"));
        assertThat(result.output(), containsString(capability.equals("fowner") ? "sticky/d" : "read-only/"));
        assertTrue(Files.isRegularFile(hostRoot.resolve(SET).resolve(".arcfleet-cache"), LinkOption.NOFOLLOW_LINKS),
                "a deletion that could not finish keeps the marker");
    }

    private Path cache() {
        return hostRoot.resolve(SET).resolve("cache");
    }

    private static void assertOwnedByTheRunner(Path directory) throws IOException {
        assertEquals(1001, Files.getAttribute(directory, "unix:uid", LinkOption.NOFOLLOW_LINKS), directory.toString());
        assertEquals(123, Files.getAttribute(directory, "unix:gid", LinkOption.NOFOLLOW_LINKS), directory.toString());
        assertEquals(02775, (Integer) Files.getAttribute(directory, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777,
                directory.toString());
    }

    private static List<String> list(Path directory) throws IOException {
        try (Stream<Path> children = Files.list(directory)) {
            return children.map(child -> child.getFileName().toString()).sorted().toList();
        }
    }
}
