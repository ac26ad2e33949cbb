package dev.arcfleet.cache;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;

import org.jboss.logging.Logger;

import dev.arcfleet.settings.ArcfleetConfig;
import dev.arcfleet.walk.Watch;

/**
 * Keeps the node's cache directories in line with the desired sets, on threads of its own so that
 * no directory work ever delays the API reconcile: it creates and repairs directories, keeps a removed
 * set's directory for the retention period counted from the marker, measures usage in the background
 * from the start, and clears a cache over its limit. It deletes and clears only while no pod mounts the
 * set's directory, asking again right before each rename and deletion, and retries failures with backoff.
 * A cache over its limit at two measurements in a row is {@link CacheState#DRAINED}: the reconciler renders its set
 * without runners until it is cleared, since with runners that always mount it, it would never be.
 * Creating, measuring and deleting each have a thread, so neither a long deletion nor a long walk holds up
 * a new set's directory; an operation that makes no progress for {@code stall-after} shows in the report.
 */
public final class CacheManager implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(CacheManager.class);
    /** A change in usage worth a log line: a quarter of the size and at least this much. */
    private static final long NOTABLE_CHANGE_BYTES = 64L << 20;
    /** How soon a cleanup that waits for a pod looks again; it does not rely on pod events to wake it. */
    static final Duration IN_USE_RECHECK = Duration.ofSeconds(5);
    static final Duration FIRST_RETRY = Duration.ofSeconds(10);
    static final Duration MAX_RETRY = Duration.ofHours(1);
    private static final String HOST_ROOT = "(host-root)";
    /** Sets measured by one walk: 300 take 5 processes, and no set's figures wait for a walk of more than 63 others. */
    static final int MEASURE_BATCH = 64;

    private final CacheDirectories directories;
    private final Clock clock;
    private final Optional<Duration> retention;
    private final Function<String, Optional<String>> cacheUser;
    private final Runnable requestCycle;
    /** The leadership token: false from the moment this daemon may no longer be the Lease's holder. */
    private final BooleanSupplier leading;
    /** Creating, repairing and deciding what to collect happen here, one at a time. */
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(
            runnable -> daemon(runnable, "arcfleet-cache"));
    /** Deleting and clearing, which take long on a big tree, happen here, one at a time, apart from creating. */
    private final ExecutorService cleaner = Executors.newSingleThreadExecutor(runnable -> daemon(runnable, "arcfleet-cache-cleanup"));
    /** Measuring only reads, so a long walk never holds up creating a new set's directory. */
    private final ScheduledExecutorService measurer = Executors.newSingleThreadScheduledExecutor(
            runnable -> daemon(runnable, "arcfleet-cache-measure"));
    private final AtomicReference<Map<String, DesiredCache>> desired = new AtomicReference<>();
    /** Whether the configuration {@link #desired} came from is still the ConfigMap's current one, by a fresh read. */
    private volatile BooleanSupplier desiredIsCurrent = () -> false;
    private final AtomicBoolean syncQueued = new AtomicBoolean();
    /** Set for syncs that must do everything: retries, in-use rechecks, retention deadlines, caches over their limit. */
    private final AtomicBoolean fullSyncRequested = new AtomicBoolean();
    private final Set<String> readySets = ConcurrentHashMap.newKeySet();
    /** Per set whose cache is not within its limit, where it stands: written by the measurer and the cleaner. */
    private final Map<String, CacheState> limits = new ConcurrentHashMap<>();
    private final Map<String, CacheUsage> usage = new ConcurrentHashMap<>();
    private final Map<String, String> measureProblems = new ConcurrentHashMap<>();
    private final AtomicLong cleanupFailures = new AtomicLong();
    /** Per directory, the cleanups that failed in a row; written by the cleaner, read by the worker. */
    private final Map<String, Retry> retries = new ConcurrentHashMap<>();
    /** Per directory, the cleanup queued or running on the cleaner. */
    private final Map<String, String> underWay = new ConcurrentHashMap<>();
    private final Duration stallAfter;
    private final Duration stuckAfter;
    private final Activity syncing = new Activity();
    private final Activity cleaning = new Activity();
    private final Activity measuring = new Activity();
    /** Worker thread only: the sets the last full sync was for, and how their directories looked right before it. */
    private Map<String, DesiredCache> syncedSets = Map.of();
    private final Map<String, String> glances = new HashMap<>();
    private Optional<String> hostRootGlance = Optional.empty();
    /** Worker thread only: the last sync left removed sets' directories alone, its configuration unconfirmed. */
    private boolean collectionUnconfirmed;
    private ScheduledFuture<?> wake;
    private Instant nextWake;
    private volatile Map<String, String> cleanup = Map.of();
    private volatile CacheReport report = CacheReport.stopped("cache directories not examined yet");

    private record Retry(int failures, Instant next, String note) {
    }

    /** One deletion or clearing, given a watch that says whether the set's directory is still free to touch. */
    @FunctionalInterface
    private interface CleanupAction {
        CacheDirectories.Cleanup run(Watch watch) throws IOException;
    }

    /**
     * @param cacheUser what may be using the named set's directory, typically a pod that mounts it; empty
     *        when nothing does, so it may be deleted or cleared
     * @param requestCycle called when a set's runner set is to be written: its directory became ready, or its cache
     *        was drained or cleared
     * @param owner the configuration ({@code dev.arcfleet.settings.Owner}) recorded in new markers; other owners'
     *        directories are never collected
     * @param leading whether this daemon still leads, asked before each sync and each deletion or clearing
     *        starts, and a few times a second while one runs, which then stops: a deposed leader must not go on
     *        deleting beside the new one
     */
    public CacheManager(ArcfleetConfig.Cache settings, String owner, Clock clock, Function<String, Optional<String>> cacheUser,
            Runnable requestCycle, BooleanSupplier leading) {
        this.directories = new CacheDirectories(settings.hostRoot(), settings.uid(), settings.gid(),
                Integer.parseInt(settings.mode(), 8), owner);
        this.clock = clock;
        this.retention = settings.orphanRetention().keep();
        this.stallAfter = settings.stallAfter();
        this.stuckAfter = settings.stuckAfter();
        validate(settings);
        this.cacheUser = cacheUser;
        this.requestCycle = requestCycle;
        this.leading = leading;
        long measureMillis = settings.measureInterval().toMillis();
        // The first measurement starts at once: usage shows seconds after a restart, not an interval later.
        measurer.scheduleWithFixedDelay(this::measureAll, 0, measureMillis, TimeUnit.MILLISECONDS);
    }

    /** Readiness must show a stall before liveness restarts the daemon for it; checked at the daemon's start. */
    public static void validate(ArcfleetConfig.Cache settings) {
        if (settings.stuckAfter().compareTo(settings.stallAfter()) <= 0) {
            throw new IllegalArgumentException("arcfleet.cache.stuck-after (" + settings.stuckAfter() + ") must be longer"
                    + " than arcfleet.cache.stall-after (" + settings.stallAfter() + ")");
        }
    }

    /**
     * The sets a valid configuration wants; only ever called with one, so a bad ConfigMap cannot
     * orphan anything. Returns at once; the work runs on the cache thread.
     *
     * @param isCurrent whether that configuration is still the ConfigMap's current version, by a read that
     *        bypasses the API server's watch cache; asked before a directory is orphaned or deleted, so a lagging
     *        server handing out an older ConfigMap cannot start the retention of sets just added
     */
    public void desire(Map<String, DesiredCache> sets, BooleanSupplier isCurrent) {
        // Set before the sets, so the worker never pairs new sets with the check of an older configuration.
        desiredIsCurrent = isCurrent;
        desired.set(Map.copyOf(sets));
        requestSync();
    }

    /** Whether the set's directory exists with its caches, so its AutoscalingRunnerSet may be created. */
    public boolean ready(String setName) {
        return readySets.contains(setName);
    }

    /** Where the set's cache stands against its limit; {@link CacheState#DRAINED} means no runners. */
    public CacheState state(String setName) {
        return limits.getOrDefault(setName, CacheState.WITHIN_LIMIT);
    }

    public CacheReport report() {
        CacheReport synced = report;
        return new CacheReport(synced.problem(), synced.setProblems(), Map.copyOf(usage), synced.orphans(), synced.unknown(),
                cleanup, Map.copyOf(measureProblems), stalled(stallAfter), stalled(stuckAfter), Map.copyOf(limits));
    }

    /** Per thread, the operation that made no progress for {@code after}. */
    private Map<String, String> stalled(Duration after) {
        Map<String, String> stalled = new TreeMap<>();
        syncing.stalled(after).ifPresent(what -> stalled.put("directories", what));
        cleaning.stalled(after).ifPresent(what -> stalled.put("cleanup", what));
        measuring.stalled(after).ifPresent(what -> stalled.put("measure", what));
        return stalled;
    }

    /** Deletions, clearings and trash emptyings that failed, since start; for {@code arcfleet_cache_cleanup_failures_total}. */
    public long cleanupFailures() {
        return cleanupFailures.get();
    }

    /** Measures every directory now, and runs any clearing that follows, before returning; for tests and benchmarks. */
    public void measureNow() throws InterruptedException {
        awaitIdle(measurer.submit(this::measureAll));
        awaitSynced();
        awaitIdle(measurer.submit(() -> { }));
    }

    /** Waits until the directory work requested so far has run, deletions and clearings included; for tests. */
    public void awaitSynced() throws InterruptedException {
        do {
            awaitIdle(worker.submit(() -> { }));
            awaitIdle(cleaner.submit(() -> { }));
            // A finished cleanup asks for a sync, which the next round waits for.
        } while (!underWay.isEmpty() || syncQueued.get());
        awaitIdle(worker.submit(() -> { }));
    }

    /**
     * Waits at most {@code timeout} for the creating and repairing requested so far, not for deletions or
     * clearings; false if it is still running.
     */
    public boolean awaitSynced(Duration timeout) throws InterruptedException {
        try {
            worker.submit(() -> { }).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException | ExecutionException | RejectedExecutionException e) {
            return false;
        }
    }

    private static void awaitIdle(Future<?> task) throws InterruptedException {
        try {
            task.get(5, TimeUnit.MINUTES);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    private void requestSync() {
        if (syncQueued.compareAndSet(false, true)) {
            worker.execute(this::sync);
        }
    }

    private void requestFullSync() {
        fullSyncRequested.set(true);
        requestSync();
    }

    /**
     * Every reconcile cycle asks for a sync. Most find the same sets, their directories untouched and
     * nothing due, and stop after a glance at each directory: checking every marker, owner and mode of
     * 300 sets each cycle was the larger part of an idle daemon's CPU.
     */
    private void sync() {
        syncQueued.set(false);
        boolean full = fullSyncRequested.getAndSet(false);
        syncing.start("checking the cache directories", clock.instant());
        try {
            if (!leading.getAsBoolean()) {
                return;
            }
            if (!full && unchangedSinceLastSync()) {
                // Its wake, if any, stays as the last full sync set it.
                return;
            }
            nextWake = null;
            syncNow();
        } catch (Throwable e) {
            // Whatever went wrong, the next sync must still run: nothing may freeze cleanup or the report.
            String problem = "cache work failed: " + describe(e);
            if (!Optional.of(problem).equals(report.problem())) {
                LOG.error(problem, e);
            }
            report = new CacheReport(Optional.of(problem), report.setProblems(), Map.of(), report.orphans(), report.unknown(),
                    Map.of(), Map.of(), Map.of(), Map.of(), Map.of());
            wakeAt(clock.instant().plus(FIRST_RETRY));
        } finally {
            syncing.finish();
        }
        scheduleWake();
    }

    private boolean unchangedSinceLastSync() throws IOException {
        Map<String, DesiredCache> sets = desired.get();
        if (sets == null || collectionUnconfirmed || !sets.equals(syncedSets) || report.problem().isPresent()
                || !report.setProblems().isEmpty()
                || nextWake != null && !clock.instant().isBefore(nextWake) || hostRootGlance.isEmpty()
                || !directories.glanceAtHostRoot().equals(hostRootGlance)) {
            return false;
        }
        for (DesiredCache set : sets.values()) {
            String before = glances.get(set.setName());
            if (before == null || !directories.glance(set.setName(), set.caches()).map(before::equals).orElse(false)) {
                return false;
            }
        }
        return true;
    }

    private void syncNow() throws IOException {
        syncedSets = Map.of();
        glances.clear();
        hostRootGlance = Optional.empty();
        Map<String, DesiredCache> sets = desired.get();
        if (sets == null) {
            return;
        }
        Optional<String> rootProblem = directories.hostRootProblem();
        if (rootProblem.isPresent()) {
            if (!rootProblem.equals(report.problem())) {
                LOG.errorf("Cache management stopped: %s", rootProblem.get());
            }
            readySets.clear();
            report = CacheReport.stopped(rootProblem.get());
            return;
        }
        Optional<String> rootBefore = directories.glanceAtHostRoot();
        Instant now = clock.instant();
        Map<String, String> setProblems = new TreeMap<>();
        List<String> newlyReady = new ArrayList<>();
        for (DesiredCache set : sets.values()) {
            syncing.progressed();
            try {
                // Taken before the check, so that a change during it shows as a difference next time.
                directories.glance(set.setName(), set.caches()).ifPresent(glance -> glances.put(set.setName(), glance));
                switch (directories.ensure(set.setName(), set.repository(), set.caches(), now)) {
                    case REVIVED -> LOG.infof("Cache directory of %s revived as it was", set.setName());
                    case EMPTIED_FOR_ANOTHER_REPOSITORY -> LOG.warnf("Cache directory of %s held another repository's cache; "
                            + "emptied into its trash before handing it to %s", set.setName(), set.repository());
                    case READY -> { }
                }
                if (readySets.add(set.setName())) {
                    newlyReady.add(set.setName());
                }
            } catch (Exception e) {
                readySets.remove(set.setName());
                setProblems.put(set.setName(), describe(e));
            }
        }
        readySets.retainAll(sets.keySet());
        limits.keySet().retainAll(sets.keySet());
        Map<String, Optional<Instant>> orphans = new TreeMap<>();
        Map<String, String> notes = new TreeMap<>();
        BooleanSupplier isCurrent = desiredIsCurrent;
        Optional<Boolean> confirmed = Optional.empty();
        collectionUnconfirmed = false;
        List<String> unknown = new ArrayList<>();
        Set<String> present = new HashSet<>();
        try {
            for (CacheDirectories.Entry entry : directories.scan()) {
                syncing.progressed();
                String name = entry.name();
                present.add(name);
                if (entry.marker().isEmpty()) {
                    unknown.add(name);
                    entry.unreadable().filter(why -> !sets.containsKey(name))
                            .ifPresent(why -> note(notes, name, "left alone: " + why, Logger.Level.WARN));
                } else if (!sets.containsKey(name)) {
                    // Another configuration's directory is never collected by this one.
                    if (directories.owned(entry.marker().get())) {
                        if (confirmed.isEmpty() && dueForCollection(entry.marker().get(), now)) {
                            confirmed = Optional.of(isCurrent.getAsBoolean());
                        }
                        if (confirmed.orElse(true)) {
                            collectOrphan(entry, now, notes).ifPresent(deleteAt -> orphans.put(name, deleteAt));
                        } else {
                            note(notes, name, "not orphaned or deleted yet: the configuration it is missing from could not be "
                                    + "confirmed as the ConfigMap's current one", Logger.Level.WARN);
                            // Asked again at the next cycle's sync, or after a while without one.
                            collectionUnconfirmed = true;
                            wakeAt(now.plus(FIRST_RETRY));
                        }
                    }
                } else if (state(name).clearing() && readySets.contains(name)) {
                    clear(sets.get(name), now, notes);
                } else if (entry.hasTrash()) {
                    attempt(name, now, "emptying its trash", watch -> directories.emptyTrash(name, watch), outcome -> { }, notes);
                }
            }
        } catch (IOException e) {
            setProblems.put(HOST_ROOT, "cannot list " + directories.hostRoot() + ": " + describe(e));
        }
        retries.keySet().retainAll(present);
        if (!unknown.equals(report.unknown()) && !unknown.isEmpty()) {
            LOG.infof("Not arcfleet's, left alone under %s: %s", directories.hostRoot(), unknown);
        }
        setProblems.forEach((set, problem) -> {
            if (!problem.equals(report.setProblems().get(set))) {
                LOG.errorf("Cache directory of %s not ready: %s", set, problem);
            }
        });
        cleanup = Map.copyOf(notes);
        report = new CacheReport(Optional.empty(), Map.copyOf(setProblems), Map.of(), orphans, List.copyOf(unknown), Map.of(),
                Map.of(), Map.of(), Map.of(), Map.of());
        syncedSets = sets;
        hostRootGlance = rootBefore;
        if (!newlyReady.isEmpty()) {
            // Usage shows as soon as a directory exists, not a measure interval later; after a restart, this is the
            // first measurement towards a drain.
            List<DesiredCache> measuredNow = newlyReady.stream().map(sets::get).toList();
            measurer.execute(() -> {
                measure(newlyReady);
                judge(measuredNow);
            });
            requestCycle.run();
        }
    }

    /** Whether collecting this removed set's directory now would mark it orphaned or delete it. */
    private boolean dueForCollection(CacheMarker marker, Instant now) {
        return marker.orphanedSince().isEmpty()
                || retention.map(kept -> !now.isBefore(marker.orphanedSince().get().plus(kept))).orElse(false);
    }

    /** Marks, keeps or deletes a removed set's directory; returns when it will be deleted if it is kept. */
    private Optional<Optional<Instant>> collectOrphan(CacheDirectories.Entry entry, Instant now, Map<String, String> notes) {
        String name = entry.name();
        CacheMarker marker = entry.marker().get();
        Instant since = marker.orphanedSince().orElse(now);
        if (marker.orphanedSince().isEmpty()) {
            try {
                directories.markOrphaned(name, marker, now);
            } catch (IOException | RuntimeException e) {
                note(notes, name, "cannot record that its set was removed, so its retention has not started: " + describe(e),
                        Logger.Level.WARN);
                return Optional.of(Optional.empty());
            }
            LOG.infof("Cache directory of %s no longer has a set; %s", name,
                    retention.map(kept -> "kept until " + now.plus(kept)).orElse("kept (orphan-retention: never)"));
        }
        if (retention.isEmpty()) {
            return Optional.of(Optional.empty());
        }
        Instant deleteAt = since.plus(retention.get());
        if (now.isBefore(deleteAt)) {
            wakeAt(deleteAt);
            return Optional.of(Optional.of(deleteAt));
        }
        attempt(name, now, "deleting it", watch -> directories.delete(name, watch), outcome -> {
            if (outcome == Attempt.DONE) {
                usage.remove(name);
                measureProblems.remove(name);
                LOG.infof("Deleted the cache directory of %s, removed from the configuration at %s", name, since);
            }
        }, notes);
        return Optional.of(Optional.of(deleteAt));
    }

    private void clear(DesiredCache set, Instant now, Map<String, String> notes) {
        String name = set.setName();
        CacheUsage measured = usage.get(name);
        attempt(name, now, "clearing it", watch -> directories.clear(name, set.caches(), watch), outcome -> {
            // Cleared, or failed after renaming the caches away (what is left is the trash's to retry): a set over its
            // limit once is judged again by the next measurement. A drained set stays drained until a clearing is done,
            // retried with backoff, since restoring it first would let runners mount the cache again.
            CacheState after = limits.computeIfPresent(name, (key, state) -> state != CacheState.DRAINED ? null
                    : outcome == Attempt.DONE ? CacheState.CLEARED : state);
            if (outcome == Attempt.DONE) {
                LOG.infof("Cleared the cache of %s: %s exceeded maxCacheSize %d bytes", name, measured, set.maxBytes().orElse(0L));
                measurer.execute(() -> measure(List.of(name)));
            }
            if (after == CacheState.CLEARED) {
                requestCycle.run();
            }
        }, notes);
    }

    /** How a cleanup that ran ended; one that found the directory in use meanwhile is simply looked at again. */
    private enum Attempt {
        DONE,
        FAILED
    }

    /**
     * Hands one cleanup of a directory to the cleaner unless one is under way, it failed recently or something
     * uses the directory, and notes why not. {@code finished} runs on the cleaner once it ends.
     */
    private void attempt(String name, Instant now, String what, CleanupAction action, Consumer<Attempt> finished,
            Map<String, String> notes) {
        String running = underWay.get(name);
        if (running != null) {
            notes.put(name, running + ": under way");
            return;
        }
        Retry retry = retries.get(name);
        if (retry != null && now.isBefore(retry.next())) {
            notes.put(name, retry.note());
            wakeAt(retry.next());
            return;
        }
        Optional<String> user = cacheUser.apply(name);
        if (user.isPresent()) {
            note(notes, name, what + " waits until nothing mounts the directory: " + user.get(), Logger.Level.INFO);
            wakeAt(now.plus(IN_USE_RECHECK));
            return;
        }
        underWay.put(name, what);
        notes.put(name, what + ": under way");
        cleaner.execute(() -> cleanUp(name, what, action, finished));
    }

    /** Runs one cleanup on the cleaner: stops as soon as a pod mounts the directory, retries failures with backoff. */
    private void cleanUp(String name, String what, CleanupAction action, Consumer<Attempt> finished) {
        Instant started = clock.instant();
        cleaning.start(name + ": " + what, started);
        try {
            Watch watch = new Watch(() -> leading.getAsBoolean() && cacheUser.apply(name).isEmpty(), cleaning::progressed);
            if (action.run(watch) == CacheDirectories.Cleanup.DONE) {
                retries.remove(name);
                finished.accept(Attempt.DONE);
            }
        } catch (Throwable e) {
            cleanupFailures.incrementAndGet();
            Retry previous = retries.get(name);
            int failures = previous == null ? 1 : previous.failures() + 1;
            Instant next = started.plus(backoff(failures));
            String note = what + " failed (" + failures + (failures == 1 ? " time" : " times in a row") + "): " + describe(e)
                    + "; next attempt after " + next;
            retries.put(name, new Retry(failures, next, note));
            LOG.warnf("Cache directory of %s: %s", name, note);
            finished.accept(Attempt.FAILED);
        } finally {
            cleaning.finish();
            underWay.remove(name);
            if (!worker.isShutdown()) {
                // The report and what waits on this directory are brought up to date by a sync.
                requestFullSync();
            }
        }
    }

    /** Records why a directory's cleanup has not happened, and logs it when that changed since the last sync. */
    private void note(Map<String, String> notes, String name, String why, Logger.Level level) {
        notes.put(name, why);
        if (!why.equals(cleanup.get(name))) {
            LOG.logf(level, "Cache directory of %s: %s", name, why);
        }
    }

    static Duration backoff(int failures) {
        Duration delay = FIRST_RETRY.multipliedBy(1L << Math.min(failures - 1, 20));
        return delay.compareTo(MAX_RETRY) < 0 ? delay : MAX_RETRY;
    }

    private void wakeAt(Instant at) {
        if (nextWake == null || at.isBefore(nextWake)) {
            nextWake = at;
        }
    }

    /** Syncs again when waiting work is due, so neither retries nor in-use rechecks depend on reconcile cycles. */
    private void scheduleWake() {
        if (wake != null) {
            wake.cancel(false);
            wake = null;
        }
        if (nextWake != null) {
            long delayMillis = Math.max(1000, Duration.between(clock.instant(), nextWake).toMillis());
            wake = worker.schedule(this::requestFullSync, delayMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void measureAll() {
        try {
            if (directories.hostRootProblem().isPresent()) {
                return;
            }
            List<String> present = directories.scan().stream().filter(entry -> entry.marker().isPresent())
                    .map(CacheDirectories.Entry::name).toList();
            measure(present);
            usage.keySet().retainAll(present);
            measureProblems.keySet().retainAll(present);
            Map<String, DesiredCache> sets = desired.get();
            judge(sets == null ? List.of() : sets.values());
        } catch (Throwable e) {
            String problem = "cannot measure under " + directories.hostRoot() + ": " + describe(e);
            if (!problem.equals(measureProblems.put(HOST_ROOT, problem))) {
                LOG.error(problem, e);
            }
        }
    }

    /**
     * Moves each set's state on by the measurement just taken: a periodic one, or a set's first. The one after a
     * clearing does not count, so that the clearing shows until the next.
     */
    private void judge(Collection<DesiredCache> sets) {
        for (DesiredCache set : sets) {
            CacheUsage measured = usage.get(set.setName());
            if (measured != null && !measureProblems.containsKey(set.setName())) {
                judge(set, measured);
            }
        }
        if (limits.values().stream().anyMatch(CacheState::clearing)) {
            requestFullSync();
        }
    }

    private void judge(DesiredCache set, CacheUsage measured) {
        boolean over = set.maxBytes().isPresent() && measured.cacheBytes() > set.maxBytes().get();
        CacheState[] before = new CacheState[1];
        // Atomic: the cleaner may finish a clearing meanwhile, and its CLEARED must not be overwritten.
        CacheState after = Objects.requireNonNullElse(limits.compute(set.setName(), (key, state) -> {
            before[0] = Objects.requireNonNullElse(state, CacheState.WITHIN_LIMIT);
            // A limit taken away ends a drain: nothing is left to enforce.
            CacheState next = set.maxBytes().isEmpty() ? CacheState.WITHIN_LIMIT : before[0].measured(over);
            return next == CacheState.WITHIN_LIMIT ? null : next;
        }), CacheState.WITHIN_LIMIT);
        if (after == CacheState.OVER_LIMIT && before[0] != after) {
            LOG.infof("Cache of %s is over its maxCacheSize of %d bytes (%s); clearing it once nothing mounts it",
                    set.setName(), set.maxBytes().get(), measured);
        } else if (after == CacheState.DRAINED && before[0] != after) {
            LOG.warnf("Cache of %s is over its maxCacheSize of %d bytes at a second measurement in a row (%s); draining its"
                    + " runners (minRunners and maxRunners 0), clearing it once no pod mounts it", set.setName(),
                    set.maxBytes().get(), measured);
            requestCycle.run();
        }
    }

    /** Measures the sets' directories, a batch at a time with one walk: a walk each was most of a first sync's CPU. */
    private void measure(List<String> names) {
        for (int from = 0; from < names.size(); from += MEASURE_BATCH) {
            List<String> batch = names.subList(from, Math.min(names.size(), from + MEASURE_BATCH));
            measuring.start("measuring " + batch.size() + " directories from " + batch.get(0), clock.instant());
            try {
                directories.measure(batch, new Watch(() -> true, measuring::progressed)).forEach(this::measured);
            } catch (RuntimeException e) {
                batch.forEach(name -> measured(name, () -> {
                    throw e;
                }));
            } finally {
                measuring.finish();
            }
        }
    }

    private void measured(String name, Callable<CacheUsage> measurement) {
        try {
            CacheUsage measured = measurement.call();
            CacheUsage previous = usage.put(name, measured);
            measureProblems.remove(name);
            // A first measurement counts from nothing: a line for each new, empty cache says nothing.
            long before = previous == null ? 0 : previous.bytes();
            if (Math.abs(measured.bytes() - before) >= Math.max(NOTABLE_CHANGE_BYTES, before / 4)) {
                LOG.infof("Cache of %s: %s (measured in %d ms)", name, measured, measured.took().toMillis());
            }
        } catch (NoSuchFileException e) {
            usage.remove(name);
        } catch (Throwable e) {
            String problem = describe(e);
            if (!problem.equals(measureProblems.put(name, problem))) {
                LOG.warnf("Cannot measure the cache of %s: %s", name, problem);
            }
        }
    }

    private static String describe(Throwable e) {
        return e instanceof IOException && e.getMessage() != null && e.getClass() == IOException.class ? e.getMessage()
                : e.toString();
    }

    private static Thread daemon(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        return thread;
    }

    @Override
    public void close() {
        worker.shutdownNow();
        cleaner.shutdownNow();
        measurer.shutdownNow();
    }
}
