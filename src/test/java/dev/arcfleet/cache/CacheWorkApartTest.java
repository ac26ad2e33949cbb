package dev.arcfleet.cache;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.arcfleet.fleet.CachePath;
import dev.arcfleet.settings.Owner;
import dev.arcfleet.testing.Poll;
import dev.arcfleet.testing.TestSettings;

/**
 * A deletion that stops making progress (here: its check whether a pod mounts the directory hangs, as a
 * wedged filesystem would hang the tool) holds no new set back, and shows as stalled until it moves again.
 */
class CacheWorkApartTest {

    private static final String REMOVED = "arc-runner-acme-old-1";
    private static final String ADDED = "arc-runner-acme-new-1";
    private static final Duration STALL_AFTER = Duration.ofSeconds(1);

    @TempDir
    Path hostRoot;

    @Test
    void aStuckDeletionHoldsNoNewSetBackAndShowsAsStalled() throws Exception {
        TestSettings settings = new TestSettings("test").cacheHostRoot(hostRoot).orphanRetention("0").cacheStallAfter(STALL_AFTER);
        CountDownLatch release = new CountDownLatch(1);
        Map<String, AtomicInteger> asked = new ConcurrentHashMap<>();
        try (CacheManager caches = new CacheManager(settings.cache(), Owner.of(settings).value(), Clock.systemUTC(), set -> {
            // The first question is whether the deletion may start; the deletion itself asks the next ones.
            if (set.equals(REMOVED) && asked.computeIfAbsent(set, name -> new AtomicInteger()).incrementAndGet() > 1) {
                await(release);
            }
            return Optional.empty();
        }, () -> { }, () -> true)) {
            caches.desire(Map.of(REMOVED, desired(REMOVED)), () -> true);
            Poll.until(Duration.ofSeconds(10), REMOVED + " ready", () -> caches.ready(REMOVED));

            caches.desire(Map.of(), () -> true);
            Map<String, String> stalled = Poll.until(Duration.ofSeconds(30), "the stuck deletion to show as stalled",
                    () -> caches.report().stalled(), map -> map.containsKey("cleanup"));
            assertThat(stalled.get("cleanup"), containsString(REMOVED));

            long started = System.nanoTime();
            caches.desire(Map.of(ADDED, desired(ADDED)), () -> true);
            Poll.until(Duration.ofSeconds(30), ADDED + " ready beside the stuck deletion", () -> caches.ready(ADDED));
            System.out.printf("new set ready %d ms after it was desired, beside a stuck deletion%n",
                    (System.nanoTime() - started) / 1_000_000);
            assertTrue(Files.isDirectory(hostRoot.resolve(ADDED).resolve("cache")));

            release.countDown();
            Poll.until(Duration.ofSeconds(30), "the deletion to finish", () -> !Files.exists(hostRoot.resolve(REMOVED),
                    LinkOption.NOFOLLOW_LINKS));
            Poll.until(Duration.ofSeconds(10), "no stall", () -> caches.report().stalled().isEmpty());
            assertEquals(Map.of(), caches.report().stalled());
        }
    }

    private static DesiredCache desired(String set) {
        return new DesiredCache(set, "acme/" + set, List.of(new CachePath("cache", "/home/runner/cache")), Optional.empty());
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(2, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
