package dev.arcfleet.cache;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordingFile;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.arcfleet.status.CycleReport;
import dev.arcfleet.status.SetStatus;
import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.Poll;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;

/** The cache directories on a real filesystem, driven by reconcile cycles against the real API server. */
class CacheDirectoriesTest {

    private static final String SET = "arc-runner-acme-tools-1";
    private static final String NODE_ROOT = "/tmp/github-runner-cache";

    private FleetFixture fleet;

    @BeforeEach
    void setUp() {
        fleet = FleetFixture.create("cache");
    }

    @AfterEach
    void tearDown() {
        fleet.close();
    }

    @Test
    void setDirectoryIsCreatedForTheRunnerUserBeforeTheSetExists() throws IOException {
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n");

        fleet.converge();

        Path setDirectory = fleet.cacheHostRoot().resolve(SET);
        for (Path directory : List.of(setDirectory, setDirectory.resolve("cache"))) {
            assertEquals(1001, Files.getAttribute(directory, "unix:uid"), directory.toString());
            assertEquals(123, Files.getAttribute(directory, "unix:gid"), directory.toString());
            assertEquals(02775, (Integer) Files.getAttribute(directory, "unix:mode") & 07777, directory.toString());
        }
        assertEquals(List.of(".arcfleet-cache", "cache"), list(setDirectory));
        GenericKubernetesResource set = fleet.runnerSets().inNamespace(fleet.namespace).withName(SET).get();
        assertThat(set.getAdditionalProperties().toString(), containsString("/tmp/github-runner-cache/" + SET + "/cache"));
    }

    @Test
    void withoutAUsableHostRootNewSetsWaitAndEverythingElseIsReconciled() throws IOException {
        Path hostRoot = fleet.cacheHostRoot();
        Files.delete(hostRoot);
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n");

        CycleReport report = fleet.converge().last();

        assertThat(fleet.caches().report().problem().orElseThrow(), containsString("does not exist"));
        SetStatus status = report.sets().get(0);
        assertEquals(SetStatus.State.WAITING, status.state());
        assertThat(status.detail(), containsString("does not exist"));
        assertNotNull(fleet.client.secrets().inNamespace(fleet.namespace).withName(SET + "-gha-rs-github-secret").get(),
                "the API reconcile goes on");
        assertEquals(null, fleet.runnerSets().inNamespace(fleet.namespace).withName(SET).get(),
                "no set may start without its cache directory");

        Files.createDirectory(hostRoot);
        assertTrue(fleet.converge().last().succeeded());
        assertNotNull(fleet.runnerSets().inNamespace(fleet.namespace).withName(SET).get());
        assertEquals(Optional.empty(), fleet.caches().report().problem());
    }

    @Test
    void filesystemRootIsRefused(@TempDir Path unused) {
        fleet.settings.cacheHostRoot(Path.of("/"));
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n");

        fleet.converge();

        assertThat(fleet.caches().report().problem().orElseThrow(), containsString("refusing to manage the filesystem root"));
    }

    /**
     * Cycles that find the same sets only glance at each directory; a change a job made must still be
     * seen, and put right, by the next cycle.
     */
    @Test
    void whatAJobChangesIsPutRightByTheNextCycleWhenNothingElseChanged() throws Exception {
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n");
        fleet.converge();
        Path setDirectory = fleet.cacheHostRoot().resolve(SET);
        Path cache = setDirectory.resolve("cache");
        // Change times under a second old are never trusted (file systems keep them in coarse ticks).
        Poll.until(Duration.ofSeconds(10), "the directories' change times to settle", () -> changedSecondsAgo(setDirectory)
                && changedSecondsAgo(cache) && changedSecondsAgo(fleet.cacheHostRoot()));
        idleCycle();
        idleCycle();

        Files.setAttribute(cache, "unix:mode", 0700, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(cache, "unix:uid", 0, LinkOption.NOFOLLOW_LINKS);
        idleCycle();
        assertEquals(1001, Files.getAttribute(cache, "unix:uid", LinkOption.NOFOLLOW_LINKS));
        assertEquals(02775, (Integer) Files.getAttribute(cache, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777);

        Poll.until(Duration.ofSeconds(10), "the repair's change time to settle", () -> changedSecondsAgo(cache));
        idleCycle();
        Files.setAttribute(setDirectory, "unix:mode", 0700, LinkOption.NOFOLLOW_LINKS);
        Files.delete(cache);
        idleCycle();
        assertEquals(02775, (Integer) Files.getAttribute(setDirectory, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777);
        assertTrue(Files.isDirectory(cache, LinkOption.NOFOLLOW_LINKS), "the removed cache directory is made again");
    }

    private void idleCycle() throws InterruptedException {
        assertTrue(fleet.reconciler().reconcileOnce().succeeded());
        fleet.caches().awaitSynced();
    }

    private static boolean changedSecondsAgo(Path path) {
        try {
            java.nio.file.attribute.FileTime changed = (java.nio.file.attribute.FileTime) Files.getAttribute(path, "unix:ctime",
                    LinkOption.NOFOLLOW_LINKS);
            return System.currentTimeMillis() - changed.toMillis() > 1100;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void addedCachePathGetsItsDirectoryAndMounts() throws IOException {
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n");
        fleet.converge();

        fleet.writeRepositories("""
                repositories:
                  - name: acme/tools
                    cachePaths:
                      - {name: nix, path: /nix}
                      - {name: tools, path: /opt/hostedtoolcache}
                """);
        fleet.converge();

        // The former default cache stays until its set goes: it may hold what the user still wants.
        assertEquals(List.of(".arcfleet-cache", "cache", "nix", "tools"), list(fleet.cacheHostRoot().resolve(SET)));
        ConfigMap hookTemplate = fleet.client.configMaps().inNamespace(fleet.namespace).withName(SET + "-hook-template").get();
        String content = hookTemplate.getData().get("content");
        assertThat(content, containsString("/tmp/github-runner-cache/" + SET + "/nix"));
        assertThat(content, containsString("mountPath: \"/opt/hostedtoolcache\""));
    }

    @Test
    void removedSetDirectoryIsKeptForTheRetentionAcrossARestartThenDeleted() throws Exception {
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n  - name: acme/web\n");
        fleet.converge();
        fleet.writeRepositories("repositories:\n  - name: acme/web\n");
        fleet.converge();
        fleet.caches().awaitSynced();
        Path orphan = fleet.cacheHostRoot().resolve(SET);
        assertEquals(Optional.of(java.time.Instant.parse("2026-01-01T00:00:00Z")), marker(orphan).orElseThrow().orphanedSince());

        fleet.clock.advance(Duration.ofDays(6));
        try (CacheManager restarted = new CacheManager(fleet.settings.cache(), dev.arcfleet.settings.Owner.of(fleet.settings).value(), fleet.clock, set -> Optional.empty(), () -> {
        }, () -> true)) {
            restarted.desire(Map.of("arc-runner-acme-web-1", desired("arc-runner-acme-web-1")), () -> true);
            restarted.awaitSynced();
            assertTrue(Files.isDirectory(orphan), "6 of 7 days: kept");
            assertEquals(Optional.of(java.time.Instant.parse("2026-01-08T00:00:00Z")), restarted.report().orphans().get(SET));

            fleet.clock.advance(Duration.ofDays(1));
            restarted.desire(Map.of("arc-runner-acme-web-1", desired("arc-runner-acme-web-1")), () -> true);
            restarted.awaitSynced();
            assertFalse(Files.exists(orphan, LinkOption.NOFOLLOW_LINKS), "7 days after removal: deleted");
            assertTrue(Files.isDirectory(fleet.cacheHostRoot().resolve("arc-runner-acme-web-1")));
        }
    }

    /**
     * As pruning does, orphan collection reads the ConfigMap freshly first: a lagging API server could hand out an
     * older ConfigMap without a set just added, whose directory must not start its retention, let alone go.
     */
    @Test
    void noDirectoryIsOrphanedUnlessItsConfigurationIsConfirmedCurrent() throws Exception {
        fleet.settings.orphanRetention("0");
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n  - name: acme/web\n");
        fleet.converge();
        Path setDirectory = fleet.cacheHostRoot().resolve(SET);
        AtomicBoolean current = new AtomicBoolean();

        fleet.caches().desire(Map.of("arc-runner-acme-web-1", desired("arc-runner-acme-web-1")), current::get);
        fleet.caches().awaitSynced();

        assertEquals(Optional.empty(), marker(setDirectory).orElseThrow().orphanedSince(), "not orphaned");
        assertThat(fleet.caches().report().cleanup().get(SET), containsString("could not be confirmed"));

        current.set(true);
        fleet.caches().desire(Map.of("arc-runner-acme-web-1", desired("arc-runner-acme-web-1")), current::get);
        fleet.caches().awaitSynced();

        assertFalse(Files.exists(setDirectory, LinkOption.NOFOLLOW_LINKS), "confirmed: orphaned and, with retention 0, deleted");
    }

    @Test
    void setBackWithinTheRetentionFindsItsCacheAsItWas() throws Exception {
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n");
        fleet.converge();
        Path warm = fleet.cacheHostRoot().resolve(SET).resolve("cache").resolve("warm.bin");
        Files.writeString(warm, "built");
        fleet.writeRepositories("repositories: []\n");
        fleet.converge();
        fleet.caches().awaitSynced();
        fleet.clock.advance(Duration.ofDays(3));

        fleet.writeRepositories("repositories:\n  - name: acme/tools\n");
        fleet.converge();

        assertEquals("built", Files.readString(warm));
        assertEquals(Optional.empty(), marker(fleet.cacheHostRoot().resolve(SET)).orElseThrow().orphanedSince());
    }

    @Test
    void symbolicLinksOutOfTheCacheAreNeitherMeasuredNorFollowedOnDelete(@TempDir Path outside) throws Exception {
        Path precious = Files.writeString(outside.resolve("precious.txt"), "x".repeat(10_000));
        fleet.settings.orphanRetention("0");
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n");
        fleet.converge();
        Path cache = fleet.cacheHostRoot().resolve(SET).resolve("cache");
        Files.writeString(cache.resolve("own.txt"), "12345");
        Files.createSymbolicLink(cache.resolve("escape"), outside);
        Files.createSymbolicLink(cache.resolve("escape-file"), precious);

        fleet.caches().measureNow();
        CacheUsage usage = fleet.caches().report().usage().get(SET);
        assertEquals(Allocated.inSetDirectory(fleet.cacheHostRoot().resolve(SET)), usage.bytes(),
                "only the cache's own entries count");
        assertEquals(1, usage.files());

        fleet.writeRepositories("repositories: []\n");
        fleet.converge();
        fleet.caches().awaitSynced();
        assertFalse(Files.exists(fleet.cacheHostRoot().resolve(SET), LinkOption.NOFOLLOW_LINKS));
        assertEquals("x".repeat(10_000), Files.readString(precious), "a link's target outside host-root is never deleted");
    }

    @Test
    void directoriesArcfleetDidNotCreateAreReportedAndLeftAlone() throws Exception {
        Path foreign = Files.createDirectories(fleet.cacheHostRoot().resolve("legacy-partition-0"));
        Files.writeString(foreign.resolve("data"), "keep");
        Path squatter = Files.createDirectories(fleet.cacheHostRoot().resolve(SET));
        fleet.settings.orphanRetention("0");
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n");

        CycleReport report = fleet.converge().last();

        assertEquals(List.of(SET, "legacy-partition-0"), fleet.caches().report().unknown().stream().sorted().toList());
        assertThat(fleet.caches().report().setProblems().get(SET), containsString("was not created by arcfleet"));
        assertEquals(SetStatus.State.WAITING, report.sets().get(0).state());
        assertEquals(List.of(), list(squatter));
        assertEquals("keep", Files.readString(foreign.resolve("data")));
    }

    @Test
    void cacheOverItsLimitIsClearedOnlyWhileNoPodMountsIt() throws Exception {
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n    maxCacheSize: 1Ki\n");
        fleet.converge();
        Path cache = fleet.cacheHostRoot().resolve(SET).resolve("cache");
        Files.write(cache.resolve("big.bin"), new byte[4096]);
        // A job pod of the container hooks: no ARC label, only the hook template's mount.
        Pod job = createPodMounting("acme-tools-job", SET, "/cache");

        fleet.caches().measureNow();
        assertTrue(Files.exists(cache.resolve("big.bin")), "a pod mounts the cache: not cleared");
        assertThat(fleet.caches().report().cleanup().get(SET), containsString("pod acme-tools-job"));

        deletePod(job);
        fleet.caches().measureNow();

        assertEquals(List.of(), list(cache));
        assertEquals(1001, Files.getAttribute(cache, "unix:uid"));
        assertEquals(List.of(".arcfleet-cache", "cache"), list(fleet.cacheHostRoot().resolve(SET)), "no trash left");
        assertEquals(Allocated.inSetDirectory(fleet.cacheHostRoot().resolve(SET)), fleet.caches().report().usage().get(SET).bytes(),
                "the empty cache directory");
        assertEquals(Map.of(), fleet.caches().report().cleanup());
    }

    /** Any pod with a hostPath at or under the set's directory may be using it, whatever its labels. */
    @ParameterizedTest
    @ValueSource(strings = {"", "/", "/cache", "/cache/sub/dir", "//cache/"})
    void removedSetIsNotDeletedWhileAPodMountsItsDirectory(String below) throws Exception {
        fleet.settings.orphanRetention("0");
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n");
        fleet.converge();
        Pod pod = createPodMounting("debug", SET, below);

        fleet.writeRepositories("repositories: []\n");
        fleet.converge();
        fleet.caches().awaitSynced();

        Path setDirectory = fleet.cacheHostRoot().resolve(SET);
        assertTrue(Files.isDirectory(setDirectory.resolve("cache")), "a pod mounts it: kept");
        assertThat(fleet.caches().report().cleanup().get(SET), containsString("pod debug"));

        deletePod(pod);
        // No further reconcile cycle: the cache work looks again by itself.
        Poll.until(FleetFixture.TIMEOUT, "the directory to be deleted once no pod mounts it",
                () -> !Files.exists(setDirectory, LinkOption.NOFOLLOW_LINKS));
        Poll.until(FleetFixture.TIMEOUT, "the note to go", () -> fleet.caches().report().cleanup().isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"arc-runner-acme-tools-10", "arc-runner-acme-tools-1-old", "other"})
    void podMountingAnotherDirectoryDoesNotKeepARemovedSet(String other) throws Exception {
        fleet.settings.orphanRetention("0");
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n");
        fleet.converge();
        createPodMounting("neighbour", other, "");

        fleet.writeRepositories("repositories: []\n");
        fleet.converge();
        fleet.caches().awaitSynced();

        assertFalse(Files.exists(fleet.cacheHostRoot().resolve(SET), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void usageIsMeasuredRightAfterAStart() throws Exception {
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n");
        fleet.converge();
        Files.write(fleet.cacheHostRoot().resolve(SET).resolve("cache").resolve("warm.bin"), new byte[3000]);

        // A restart: the measure interval is an hour, and no configuration has been read yet.
        try (CacheManager restarted = new CacheManager(fleet.settings.cache(), dev.arcfleet.settings.Owner.of(fleet.settings).value(), fleet.clock, set -> Optional.empty(), () -> {
        }, () -> true)) {
            CacheUsage usage = Poll.until(java.time.Duration.ofSeconds(10), "a first measurement",
                    () -> restarted.report().usage().get(SET), measured -> measured != null);
            assertEquals(Allocated.inSetDirectory(fleet.cacheHostRoot().resolve(SET)), usage.bytes());
        }
    }

    /** The measure interval is an hour here: the first measurement, at start, found no directory yet. */
    @Test
    void aNewSetIsMeasuredAsSoonAsItsDirectoryExists() {
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n");
        fleet.converge();

        CacheUsage usage = Poll.until(java.time.Duration.ofSeconds(10), "a measurement of the new set",
                () -> fleet.caches().report().usage().get(SET), measured -> measured != null);
        assertEquals(Allocated.inSetDirectory(fleet.cacheHostRoot().resolve(SET)), usage.bytes());
    }

    /**
     * Issue 27: a first sync of 300 sets started a {@code find} for each new directory, most of its CPU on a 2-core node.
     * Counted by the JVM's own record of the processes it starts.
     */
    @Test
    void manyNewSetsAreMeasuredByAFewWalksEachAsIfAlone() throws Exception {
        int count = 150;
        Map<String, DesiredCache> sets = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            sets.put("arc-runner-acme-many-" + i, desired("arc-runner-acme-many-" + i));
        }
        Path dump = fleet.cacheHostRoot().resolveSibling(fleet.cacheHostRoot().getFileName() + "-processes.jfr");
        Map<String, CacheUsage> usage;
        try (Recording processes = new Recording();
                CacheManager manager = new CacheManager(fleet.settings.cache(), "test.arcfleet-repositories", fleet.clock,
                        set -> Optional.empty(), () -> { }, () -> true)) {
            processes.enable("jdk.ProcessStart");
            processes.start();
            manager.desire(sets, () -> true);
            usage = Poll.until(Duration.ofSeconds(60), "a measurement of every new set", () -> manager.report().usage(),
                    measured -> measured.keySet().containsAll(sets.keySet()));
            processes.stop();
            processes.dump(dump);
        }
        long finds = RecordingFile.readAllEvents(dump).stream()
                .filter(event -> event.getString("command").startsWith("find ")).count();
        Files.delete(dump);

        // At most a walk per batch of new sets, and as many for the first measurement at start, which may find some.
        assertTrue(finds > 0 && finds <= 2 * ((count + 63) / 64), finds + " find processes for " + count + " new sets");
        for (String set : sets.keySet()) {
            assertEquals(Allocated.inSetDirectory(fleet.cacheHostRoot().resolve(set)), usage.get(set).bytes(), set);
            assertEquals(0, usage.get(set).files(), set);
            assertTrue(usage.get(set).complete(), set);
        }
    }

    /**
     * An entry that cannot be removed, even by root: the deletion removes everything else, keeps the marker,
     * says so in readiness and the failure counter, measures what is left, and tries again with backoff.
     */
    @Test
    void deletionThatCannotFinishKeepsTheMarkerAndIsRetriedWithBackoff() throws Exception {
        fleet.settings.orphanRetention("0");
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n");
        fleet.converge();
        Path setDirectory = fleet.cacheHostRoot().resolve(SET);
        Files.write(setDirectory.resolve("cache").resolve("gone.bin"), new byte[1000]);
        Path stuck = Files.write(Files.createDirectory(setDirectory.resolve("cache").resolve("sub")).resolve("stuck.bin"),
                new byte[2000]);
        Immutable.set(stuck);
        try {
            fleet.writeRepositories("repositories: []\n");
            fleet.converge();
            fleet.caches().awaitSynced();

            assertEquals(List.of(".arcfleet-cache", ".arcfleet-trash"), list(setDirectory));
            assertTrue(marker(setDirectory).isPresent(), "the marker is removed last");
            assertThat(fleet.caches().report().cleanup().get(SET), containsString("deleting it failed (1 time)"));
            assertThat(fleet.caches().report().cleanup().get(SET), containsString("sub/stuck.bin"));
            assertEquals(1, fleet.caches().cleanupFailures());
            fleet.caches().measureNow();
            CacheUsage usage = fleet.caches().report().usage().get(SET);
            assertEquals(Allocated.inSetDirectory(setDirectory), usage.bytes(), "the trash is measured");
            assertEquals(Allocated.tree(setDirectory.resolve(CacheDirectories.TRASH)), usage.trashBytes());

            fleet.converge();
            fleet.caches().awaitSynced();
            assertEquals(1, fleet.caches().cleanupFailures(), "not again before the backoff is over");

            fleet.clock.advance(CacheManager.FIRST_RETRY);
            fleet.converge();
            fleet.caches().awaitSynced();
            assertEquals(2, fleet.caches().cleanupFailures());
            assertThat(fleet.caches().report().cleanup().get(SET), containsString("failed (2 times in a row)"));
        } finally {
            Immutable.clearUnder(setDirectory, "stuck.bin");
        }
        fleet.clock.advance(CacheManager.backoff(2));
        fleet.converge();
        fleet.caches().awaitSynced();

        assertFalse(Files.exists(setDirectory, LinkOption.NOFOLLOW_LINKS));
        assertEquals(Map.of(), fleet.caches().report().cleanup());
    }

    /**
     * A set that comes back while its old directory is half deleted finds its directory ready at once (it
     * still has its marker), with empty caches: what was half deleted is in the trash.
     */
    @Test
    void setBackDuringAFailedDeletionIsReadyAndItsTrashIsRetried() throws Exception {
        fleet.settings.orphanRetention("0");
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n");
        fleet.converge();
        Path setDirectory = fleet.cacheHostRoot().resolve(SET);
        Path stuck = Files.write(setDirectory.resolve("cache").resolve("stuck.bin"), new byte[10]);
        Immutable.set(stuck);
        try {
            fleet.writeRepositories("repositories: []\n");
            fleet.converge();
            fleet.caches().awaitSynced();

            fleet.writeRepositories("repositories:\n  - name: acme/tools\n");
            CycleReport report = fleet.converge().last();

            assertTrue(fleet.caches().ready(SET), "its directory is ready at once");
            assertFalse(report.sets().get(0).detail().contains("cache directory"), report.sets().get(0).detail());
            assertEquals(List.of(), list(setDirectory.resolve("cache")));
            assertThat(fleet.caches().report().cleanup().get(SET), containsString("stuck.bin"));
            assertThat(fleet.caches().report().cleanup().get(SET), containsString("next attempt after"));
        } finally {
            Immutable.clearUnder(setDirectory, "stuck.bin");
        }
        fleet.clock.advance(CacheManager.MAX_RETRY);
        fleet.converge();
        fleet.caches().awaitSynced();
        assertEquals(List.of(".arcfleet-cache", "cache"), list(setDirectory));
    }

    /** A marker that cannot be read stops nothing else: that directory is left alone and reported. */
    @Test
    void unreadableDirectoriesDoNotStopTheCacheWork() throws Exception {
        fleet.settings.orphanRetention("0");
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n  - name: acme/web\n");
        fleet.converge();
        Path broken = fleet.cacheHostRoot().resolve("arc-runner-acme-web-1");
        Files.writeString(broken.resolve(".arcfleet-cache"), "repository=acme/web\ncreated=yesterday\n");

        fleet.writeRepositories("repositories:\n  - name: acme/gadgets\n");
        CycleReport report = fleet.converge().last();
        fleet.caches().measureNow();

        assertTrue(report.succeeded(), report.toString());
        assertFalse(Files.exists(fleet.cacheHostRoot().resolve(SET)), "the other removed set is deleted");
        assertTrue(Files.isDirectory(broken.resolve("cache")), "the unreadable one is left alone");
        assertThat(fleet.caches().report().cleanup().get("arc-runner-acme-web-1"), containsString("cannot be read"));
        assertTrue(fleet.caches().report().usage().containsKey("arc-runner-acme-gadgets-1"));
        assertEquals(Optional.empty(), fleet.caches().report().problem());
    }

    /** A pod that mounts {@code <node-root>/<set><below>}, once the informer has it. */
    private Pod createPodMounting(String name, String set, String below) {
        Pod pod = fleet.client.pods().inNamespace(fleet.namespace).resource(new PodBuilder().withNewMetadata().withName(name)
                .endMetadata().withNewSpec().addNewContainer().withName("job").withImage("busybox").addNewVolumeMount()
                .withName("cache").withMountPath("/cache").endVolumeMount().endContainer().addNewVolume().withName("cache")
                .withNewHostPath().withPath(NODE_ROOT + "/" + set + below).withType("Directory").endHostPath().endVolume()
                .endSpec().build()).create();
        Poll.until(FleetFixture.TIMEOUT, "the pod in the informer", () -> fleet.cache().cacheUser(set).isPresent());
        return pod;
    }

    private void deletePod(Pod pod) {
        fleet.client.resource(pod).withGracePeriod(0).delete();
        Poll.until(FleetFixture.TIMEOUT, "the pod to leave the informer", () -> fleet.cache().cacheUser(SET).isEmpty());
    }

    static Optional<CacheMarker> marker(Path setDirectory) throws IOException {
        try (var directory = NoFollowTree.open(setDirectory)) {
            return CacheMarker.read(directory);
        }
    }

    private static DesiredCache desired(String set) {
        return new DesiredCache(set, "acme/web", List.of(new dev.arcfleet.fleet.CachePath("cache", "/home/runner/cache")),
                Optional.empty());
    }

    private static List<String> list(Path directory) throws IOException {
        try (var children = Files.list(directory)) {
            return children.map(child -> child.getFileName().toString()).sorted().toList();
        }
    }
}
