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

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.arcfleet.reconcile.CycleReport;
import dev.arcfleet.reconcile.SetStatus;
import dev.arcfleet.testing.FleetFixture;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PodBuilder;

/** The cache directories on a real filesystem, driven by reconcile cycles against the real API server. */
class CacheDirectoriesTest {

    private static final String SET = "arc-runner-acme-tools-1";

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
        assertEquals(Optional.of(java.time.Instant.parse("2026-01-01T00:00:00Z")),
                CacheMarker.read(orphan).orElseThrow().orphanedSince());

        fleet.clock.advance(Duration.ofDays(6));
        try (CacheManager restarted = new CacheManager(fleet.settings.cache(), dev.arcfleet.config.Owner.of(fleet.settings).value(), fleet.clock, set -> false, () -> {
        })) {
            restarted.desire(Map.of("arc-runner-acme-web-1", desired("arc-runner-acme-web-1")));
            restarted.awaitSynced();
            assertTrue(Files.isDirectory(orphan), "6 of 7 days: kept");
            assertEquals(Optional.of(java.time.Instant.parse("2026-01-08T00:00:00Z")), restarted.report().orphans().get(SET));

            fleet.clock.advance(Duration.ofDays(1));
            restarted.desire(Map.of("arc-runner-acme-web-1", desired("arc-runner-acme-web-1")));
            restarted.awaitSynced();
            assertFalse(Files.exists(orphan, LinkOption.NOFOLLOW_LINKS), "7 days after removal: deleted");
            assertTrue(Files.isDirectory(fleet.cacheHostRoot().resolve("arc-runner-acme-web-1")));
        }
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
        assertEquals(Optional.empty(), CacheMarker.read(fleet.cacheHostRoot().resolve(SET)).orElseThrow().orphanedSince());
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
        assertEquals(5, usage.bytes(), "only the cache's own file counts");
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
    void cacheOverItsLimitIsClearedOnlyWhileNoRunnerOfTheSetExists() throws Exception {
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n    maxCacheSize: 1Ki\n");
        fleet.converge();
        Path cache = fleet.cacheHostRoot().resolve(SET).resolve("cache");
        Files.write(cache.resolve("big.bin"), new byte[4096]);
        var runner = fleet.client.pods().inNamespace(fleet.namespace).resource(new PodBuilder().withNewMetadata()
                .withName(SET + "-runner-abcde").addToLabels("actions.github.com/scale-set-name", SET).endMetadata()
                .withNewSpec().addNewContainer().withName("runner").withImage("ghcr.io/actions/actions-runner:latest")
                .endContainer().endSpec().build()).create();
        dev.arcfleet.testing.Poll.until(FleetFixture.TIMEOUT, "the runner pod in the cache",
                () -> fleet.cache().runnerActive(SET));

        fleet.caches().measureNow();
        assertTrue(Files.exists(cache.resolve("big.bin")), "a runner may be using the cache: not cleared");

        fleet.client.resource(runner).withGracePeriod(0).delete();
        dev.arcfleet.testing.Poll.until(FleetFixture.TIMEOUT, "the runner pod to leave the cache",
                () -> !fleet.cache().runnerActive(SET));
        fleet.caches().measureNow();

        assertEquals(List.of(), list(cache));
        assertEquals(1001, Files.getAttribute(cache, "unix:uid"));
        assertEquals(0, fleet.caches().report().usage().get(SET).bytes());
    }

    private static DesiredCache desired(String set) {
        return new DesiredCache(set, "acme/web", List.of(new dev.arcfleet.config.CachePath("cache", "/home/runner/cache")),
                Optional.empty());
    }

    private static List<String> list(Path directory) throws IOException {
        try (var children = Files.list(directory)) {
            return children.map(child -> child.getFileName().toString()).sorted().toList();
        }
    }
}
