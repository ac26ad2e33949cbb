package dev.arcfleet.cache;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jboss.logging.Logger;

import dev.arcfleet.config.ArcfleetConfig;

/**
 * Keeps the node's cache directories in line with the desired sets, on threads of its own so that
 * no directory work ever delays the API reconcile: it creates and repairs directories, keeps a removed
 * set's directory for the retention period counted from the marker, measures usage in the background,
 * and clears a cache over its limit only while no runner of its set exists.
 */
public final class CacheManager implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(CacheManager.class);
    private static final Pattern RETENTION = Pattern.compile("(\\d+)(ms|s|m|h|d)?");
    /** A change in usage worth a log line: a quarter of the size and at least this much. */
    private static final long NOTABLE_CHANGE_BYTES = 64L << 20;

    private final CacheDirectories directories;
    private final Clock clock;
    private final Optional<Duration> retention;
    private final int measureMaxEntries;
    private final Predicate<String> runnerActive;
    private final Runnable onSetReady;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(runnable -> daemon(runnable, "arcfleet-cache"));
    private final ScheduledExecutorService measurer = Executors.newSingleThreadScheduledExecutor(
            runnable -> daemon(runnable, "arcfleet-cache-measure"));
    private final AtomicReference<Map<String, DesiredCache>> desired = new AtomicReference<>();
    private final AtomicBoolean syncQueued = new AtomicBoolean();
    private final Set<String> readySets = ConcurrentHashMap.newKeySet();
    private final Map<String, CacheUsage> usage = new ConcurrentHashMap<>();
    private volatile CacheReport report = new CacheReport(Optional.of("cache directories not examined yet"), Map.of(),
            Map.of(), Map.of(), List.of());

    /**
     * @param runnerActive whether a runner pod of the named set exists, so its cache may be in use
     * @param onSetReady called when a set's directory becomes ready, so its runner set can be created
     * @param owner the configuration ({@code dev.arcfleet.config.Owner}) recorded in new markers; other owners'
     *        directories are never collected
     */
    public CacheManager(ArcfleetConfig.Cache settings, String owner, Clock clock, Predicate<String> runnerActive,
            Runnable onSetReady) {
        this.directories = new CacheDirectories(settings.hostRoot(), settings.uid(), settings.gid(),
                Integer.parseInt(settings.mode(), 8), owner);
        this.clock = clock;
        this.retention = parseRetention(settings.orphanRetention());
        this.measureMaxEntries = settings.measureMaxEntries();
        this.runnerActive = runnerActive;
        this.onSetReady = onSetReady;
        long measureMillis = settings.measureInterval().toMillis();
        measurer.scheduleWithFixedDelay(this::measureAll, measureMillis, measureMillis, TimeUnit.MILLISECONDS);
    }

    /** {@code never} keeps orphans forever; otherwise a duration such as {@code 7d}, {@code 12h} or {@code 0}. */
    static Optional<Duration> parseRetention(String text) {
        if ("never".equals(text)) {
            return Optional.empty();
        }
        Matcher matcher = RETENTION.matcher(text);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("arcfleet.cache.orphan-retention must be 'never' or a duration such as 7d, got '"
                    + text + "'");
        }
        long amount = Long.parseLong(matcher.group(1));
        String unit = matcher.group(2) == null ? "s" : matcher.group(2);
        return Optional.of(switch (unit) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        });
    }

    /**
     * The sets a valid configuration wants; only ever called with one, so a bad ConfigMap cannot
     * orphan anything. Returns at once; the work runs on the cache thread.
     */
    public void desire(Map<String, DesiredCache> sets) {
        desired.set(Map.copyOf(sets));
        if (syncQueued.compareAndSet(false, true)) {
            worker.execute(this::sync);
        }
    }

    /** Whether the set's directory exists with its caches, so its AutoscalingRunnerSet may be created. */
    public boolean ready(String setName) {
        return readySets.contains(setName);
    }

    public CacheReport report() {
        CacheReport synced = report;
        return new CacheReport(synced.problem(), synced.setProblems(), Map.copyOf(usage), synced.orphans(), synced.unknown());
    }

    /** Measures every ready set now, and runs any clearing that follows, before returning; for tests and benchmarks. */
    public void measureNow() throws InterruptedException {
        awaitIdle(measurer.submit(this::measureAll));
        awaitIdle(worker.submit(() -> { }));
    }

    /** Waits until the directory work requested so far has run; for tests. */
    public void awaitSynced() throws InterruptedException {
        awaitIdle(worker.submit(() -> { }));
    }

    private static void awaitIdle(Future<?> task) throws InterruptedException {
        try {
            task.get(5, TimeUnit.MINUTES);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    private void sync() {
        syncQueued.set(false);
        Map<String, DesiredCache> sets = desired.get();
        Optional<String> rootProblem = directories.hostRootProblem();
        if (rootProblem.isPresent()) {
            if (!rootProblem.equals(report.problem())) {
                LOG.errorf("Cache management stopped: %s", rootProblem.get());
            }
            readySets.clear();
            report = new CacheReport(rootProblem, Map.of(), Map.of(), Map.of(), List.of());
            return;
        }
        Instant now = clock.instant();
        Map<String, String> setProblems = new TreeMap<>();
        boolean newlyReady = false;
        for (DesiredCache set : sets.values()) {
            try {
                if (directories.ensure(set.setName(), set.repository(), set.caches(), now)) {
                    LOG.infof("Cache directory of %s revived as it was", set.setName());
                }
                newlyReady |= readySets.add(set.setName());
            } catch (IOException | RuntimeException e) {
                readySets.remove(set.setName());
                setProblems.put(set.setName(), e.getMessage());
            }
        }
        readySets.retainAll(sets.keySet());
        usage.keySet().retainAll(sets.keySet());
        Map<String, Optional<Instant>> orphans = new TreeMap<>();
        List<String> unknown = new ArrayList<>();
        try {
            for (CacheDirectories.Entry entry : directories.scan()) {
                if (entry.marker().isEmpty()) {
                    unknown.add(entry.name());
                } else if (!sets.containsKey(entry.name()) && directories.owned(entry.marker().get())) {
                    collectOrphan(entry, now).ifPresent(deleteAt -> orphans.put(entry.name(), deleteAt));
                }
            }
        } catch (IOException e) {
            setProblems.put("(scan)", "cannot list " + directories.hostRoot() + ": " + e.getMessage());
        }
        if (!unknown.equals(report.unknown()) && !unknown.isEmpty()) {
            LOG.infof("Not arcfleet's, left alone under %s: %s", directories.hostRoot(), unknown);
        }
        setProblems.forEach((set, problem) -> {
            if (!problem.equals(report.setProblems().get(set))) {
                LOG.errorf("Cache directory of %s not ready: %s", set, problem);
            }
        });
        report = new CacheReport(Optional.empty(), Map.copyOf(setProblems), Map.of(), orphans, List.copyOf(unknown));
        if (newlyReady) {
            onSetReady.run();
        }
    }

    /** Marks, keeps or deletes a removed set's directory; returns when it will be deleted if it is kept. */
    private Optional<Optional<Instant>> collectOrphan(CacheDirectories.Entry entry, Instant now) {
        CacheMarker marker = entry.marker().get();
        try {
            Instant since = marker.orphanedSince().orElse(now);
            if (marker.orphanedSince().isEmpty()) {
                directories.markOrphaned(entry.name(), marker, now);
                LOG.infof("Cache directory of %s no longer has a set; %s", entry.name(),
                        retention.map(kept -> "kept until " + now.plus(kept)).orElse("kept (orphan-retention: never)"));
            }
            if (retention.isEmpty()) {
                return Optional.of(Optional.empty());
            }
            Instant deleteAt = since.plus(retention.get());
            if (now.isBefore(deleteAt)) {
                return Optional.of(Optional.of(deleteAt));
            }
            directories.delete(entry.name());
            LOG.infof("Deleted the cache directory of %s, removed from the configuration at %s", entry.name(), since);
            return Optional.empty();
        } catch (IOException e) {
            LOG.errorf("Cannot collect the cache directory of %s: %s", entry.name(), e.getMessage());
            return Optional.of(Optional.empty());
        }
    }

    private void measureAll() {
        Map<String, DesiredCache> sets = desired.get();
        if (sets == null) {
            return;
        }
        for (String setName : List.copyOf(readySets)) {
            DesiredCache set = sets.get(setName);
            if (set == null) {
                continue;
            }
            try {
                CacheUsage measured = directories.measure(setName, set.caches(), measureMaxEntries);
                CacheUsage previous = usage.put(setName, measured);
                if (previous == null || Math.abs(measured.bytes() - previous.bytes()) >= Math.max(NOTABLE_CHANGE_BYTES,
                        previous.bytes() / 4)) {
                    LOG.infof("Cache of %s: %s (measured in %d ms)", setName, measured, measured.took().toMillis());
                }
                if (set.maxBytes().isPresent() && measured.bytes() > set.maxBytes().get()) {
                    worker.execute(() -> clearIfIdle(set, measured));
                }
            } catch (IOException | RuntimeException e) {
                LOG.warnf("Cannot measure the cache of %s: %s", setName, e.getMessage());
            }
        }
    }

    private void clearIfIdle(DesiredCache set, CacheUsage measured) {
        if (!readySets.contains(set.setName())) {
            return;
        }
        if (runnerActive.test(set.setName())) {
            LOG.debugf("Cache of %s is over its limit but a runner may be using it; clearing later", set.setName());
            return;
        }
        try {
            directories.clear(set.setName(), set.caches());
            usage.put(set.setName(), new CacheUsage(0, 0, true, Duration.ZERO));
            LOG.infof("Cleared the cache of %s: %s exceeded maxCacheSize %d bytes", set.setName(), measured, set.maxBytes().get());
        } catch (IOException e) {
            LOG.errorf("Cannot clear the cache of %s: %s", set.setName(), e.getMessage());
        }
    }

    private static Thread daemon(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        return thread;
    }

    @Override
    public void close() {
        worker.shutdownNow();
        measurer.shutdownNow();
    }
}
