package dev.arcfleet.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.arcfleet.arc.ArcKeys;
import dev.arcfleet.demo.Demo;
import dev.arcfleet.render.Labels;
import dev.arcfleet.settings.ArcfleetConfig;
import dev.arcfleet.testing.ArcFixtures;
import dev.arcfleet.testing.Kubectl;
import dev.arcfleet.testing.Poll;
import dev.arcfleet.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

/**
 * {@code bash src/bench/run.sh fleet}: arcfleet end to end as a user sees it, against the demo's API server,
 * with the packaged jar started by {@link Demo#launch} for every measurement and timed from outside. Beside
 * each full sync, in the same run, the same objects are server-side applied raw ({@link RawApply}) and by
 * kubectl into fresh namespaces of their own, all of them, the daemon too, authenticated by a bearer token as in a
 * cluster ({@link Demo#startWithBearerToken}). Prints one table at the end. Settings are {@code bench.*}
 * properties, handed over by the script in {@code BENCH_PROPERTIES} (docs/benchmarks/how-to-run.md, Properties).
 */
public final class FleetBenchmark {

    /** arcfleet.reconcile.interval's default, which the daemon runs with here. */
    private static final Duration INTERVAL = Duration.ofSeconds(30);
    private static final int MAX_SETS = Integer.parseInt(ArcfleetConfig.DEFAULT_MAX_SETS);
    /** The fleet size the edits and the idle window are measured at. */
    private static final int DETAIL_SETS = 300;
    private static final Duration READY_WITHIN = Duration.ofMinutes(3);
    private static final Duration EDIT_WITHIN = Duration.ofMinutes(1);
    /** Edits come this far apart, as a person's would, rather than into the follow-up of the last one. */
    private static final Duration EDIT_SPACING = Duration.ofSeconds(1);
    /** Before an idle window: the follow-up cycles of the last write end. */
    private static final Duration IDLE_SETTLE = Duration.ofSeconds(5);
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(10);
    private static final String EMPTY = "repositories: []\n";
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private final Path runner;
    private final Settings settings;
    private final Demo demo;
    private final KubernetesClient client;
    private final int kubernetesMinorVersion;
    private final List<String[]> rows = new ArrayList<>();
    /** Per fleet size: arcfleet, then every limit, then the floor with the daemon's watches, with arcfleet's ratio against each. */
    private final List<String[]> limitRows = new ArrayList<>();
    private final Set<RawApply.Limit> limitsWarmedUp = new HashSet<>();
    private boolean floorWarmedUp;
    private final RawApply raw;

    private FleetBenchmark(Path runner, Settings settings, Demo demo) {
        this.runner = runner;
        this.settings = settings;
        this.demo = demo;
        this.client = demo.client();
        this.kubernetesMinorVersion = Integer.parseInt(client.getKubernetesVersion().getMinor().replaceAll("\\D", ""));
        // Daemon threads: the event loops must not keep the JVM alive after a failed run.
        this.raw = new RawApply(configOf(demo.kubeconfig()), Vertx.vertx(new VertxOptions().setUseDaemonThread(true)));
    }

    /** {@code bench.*} settings; see docs/benchmarks/how-to-run.md, Properties, for each. */
    record Settings(List<Integer> sizes, int starts, int syncs, int edits, Duration idle, List<RawApply.Limit> limits,
            boolean jfr) {

        static Settings fromEnvironment() {
            Map<String, String> given = new HashMap<>();
            for (String property : System.getenv().getOrDefault("BENCH_PROPERTIES", "").trim().split("\\s+")) {
                if (!property.isEmpty()) {
                    String[] keyValue = property.split("=", 2);
                    if (keyValue.length != 2) {
                        throw new IllegalArgumentException("not a property: -D" + property);
                    }
                    given.put(keyValue[0], keyValue[1]);
                }
            }
            Settings settings = new Settings(
                    list(given.getOrDefault("bench.sizes", "30,300,1000,3000")).stream().map(Integer::parseInt).toList(),
                    Integer.parseInt(given.getOrDefault("bench.starts", "5")),
                    Integer.parseInt(given.getOrDefault("bench.syncs", "3")),
                    Integer.parseInt(given.getOrDefault("bench.edits", "20")),
                    duration(given.getOrDefault("bench.idle", "5m")),
                    RawApply.limits(list(given.getOrDefault("bench.clients", "jdk,vertx-http1,vertx-h2")).stream()
                            .map(RawApply.Client::of).toList(),
                            list(given.getOrDefault("bench.connections", "16,32,64")).stream().map(Integer::parseInt).toList()),
                    Boolean.parseBoolean(given.getOrDefault("bench.jfr", "false")));
            if (settings.syncs() < 1) {
                throw new IllegalArgumentException("bench.syncs: at least 1, not " + settings.syncs());
            }
            if (settings.limits().isEmpty()) {
                throw new IllegalArgumentException("bench.clients and bench.connections: at least one limit");
            }
            settings.limits().stream().filter(limit -> limit.width() < 1).findFirst().ifPresent(limit -> {
                throw new IllegalArgumentException("bench.connections: each at least 1, not " + limit.width());
            });
            List<String> known = List.of("bench.sizes", "bench.starts", "bench.syncs", "bench.edits", "bench.idle",
                    "bench.clients", "bench.connections", "bench.jfr");
            given.keySet().stream().filter(key -> !known.contains(key)).findFirst().ifPresent(key -> {
                throw new IllegalArgumentException("unknown property -D" + key + "; known: " + known);
            });
            return settings;
        }

        private static List<String> list(String text) {
            return Arrays.stream(text.split(",")).map(String::trim).filter(item -> !item.isEmpty()).toList();
        }

        private static Duration duration(String text) {
            long amount = Long.parseLong(text.replaceAll("[a-z]+$", ""));
            return switch (text.replaceAll("^[0-9]+", "")) {
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> throw new IllegalArgumentException("bench.idle: a number of s or m, such as 5m, not " + text);
            };
        }
    }

    public static void main(String[] args) {
        Settings settings = Settings.fromEnvironment();
        String startedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        String loadAtStart = loadAverage();
        progress("settings: %s; starting the API server", settings);
        FleetBenchmark benchmark = new FleetBenchmark(Path.of(args[0]), settings, Demo.startWithBearerToken());
        try {
            benchmark.run();
        } catch (RuntimeException | AssertionError e) {
            // The API server's and the clients' threads would keep the JVM, and so Maven, waiting.
            e.printStackTrace();
            System.exit(1);
        }
        System.out.printf("%narcfleet end to end, %s, %s%nload average (1, 5, 15 min) at start %s, at end %s%n%n",
                startedAt, machine(), loadAtStart, loadAverage());
        benchmark.printTable();
        System.exit(0);
    }

    private void run() {
        if (settings.starts() > 0) {
            startToReady();
        }
        for (int sets : settings.sizes()) {
            if (sets > MAX_SETS) {
                envelope(sets);
            } else {
                fullSync(sets);
            }
        }
    }

    /**
     * Row 1: process start to /q/health/started and /q/health/ready with repositories: [], each in a fresh
     * namespace; then the same with a class archive recorded as native/record-class-archive.sh records it.
     */
    private void startToReady() {
        startToReady("start", List.of(), "");
        if (runner.toString().endsWith(".jar")) {
            Path archive = demo.recordClassArchive(runner, temporaryFile("arcfleet-bench-", ".jsa"), READY_WITHIN);
            startToReady("archived-start", List.of(Demo.useClassArchive(archive)), " with the class archive (Run)");
        }
    }

    private void startToReady(String namespacePrefix, List<String> jvmOptions, String how) {
        List<long[]> measured = new ArrayList<>();
        for (int round = 0; round <= settings.starts(); round++) {
            String namespace = namespacePrefix + "-" + round;
            Demo.populate(client, namespace, EMPTY);
            long start = System.nanoTime();
            Demo.Launched app = demo.launch(runner, jvmOptions, Demo.freePort(), namespace,
                    Redirect.to(logFile(namespace).toFile()));
            try {
                Poll.until(READY_WITHIN, "/q/health/started of " + namespace, () -> app.status("/q/health/started") == 200);
                long started = millisSince(start);
                Poll.until(READY_WITHIN, "/q/health/ready of " + namespace, () -> app.status("/q/health/ready") == 200);
                long ready = millisSince(start);
                progress("start %d%s%s: started %d ms, ready %d ms", round, how, round == 0 ? " (warm-up, not counted)" : "",
                        started, ready);
                if (round > 0) {
                    measured.add(new long[] {started, ready});
                }
            } finally {
                app.stop();
            }
        }
        long[] started = measured.stream().mapToLong(m -> m[0]).sorted().toArray();
        long[] ready = measured.stream().mapToLong(m -> m[1]).sorted().toArray();
        row(1, "start → ready" + how + ", `repositories: []`, median of " + measured.size() + " after a warm-up", "0 sets",
                seconds(ready[ready.length / 2]) + " (started " + seconds(started[started.length / 2]) + ")", "", "", "", "");
    }

    /**
     * Rows 2 and 5, and at {@link #DETAIL_SETS} rows 3 and 4. arcfleet and every limit take turns, {@code bench.syncs}
     * times each, so that the machine's drift during the run falls on all; the row gives their medians, and the
     * strongest limit is the one of the fastest median. Each run starts at the next limit, so that none always
     * comes first after the daemon has stopped.
     */
    private void fullSync(int sets) {
        BenchFleet fleet = new BenchFleet(sets);
        String fleetText = "";
        int objects = 0;
        List<Synced> syncs = new ArrayList<>();
        Map<RawApply.Limit, List<RawApply.Applied>> limits = new LinkedHashMap<>();
        settings.limits().forEach(limit -> limits.put(limit, new ArrayList<>()));
        long addedMillis = -1;
        for (int run = 1; run <= settings.syncs(); run++) {
            String suffix = sets + (run == 1 ? "" : "-" + run);
            Synced synced = syncFromEmpty(fleet, "fleet-" + suffix, run == 1);
            fleetText = synced.fleetText();
            objects = synced.objects();
            syncs.add(synced);
            if (synced.addedMillis().isPresent()) {
                addedMillis = synced.addedMillis().getAsLong();
            }
            List<RawApply.Limit> order = new ArrayList<>(settings.limits());
            Collections.rotate(order, -(run - 1));
            for (RawApply.Limit limit : order) {
                limits.get(limit).add(limit(fleet, limit, "limit-" + suffix + "-" + limit.id()));
            }
        }
        long kubectlMillis = kubectl(fleet, "kubectl-" + sets);
        List<Long> syncMillis = syncs.stream().map(Synced::millis).toList();
        long syncMedian = median(syncMillis);
        RawApply.Limit strongest = limits.keySet().stream()
                .min(Comparator.comparing(limit -> median(millisOf(limits.get(limit))))).orElseThrow();
        List<Long> strongestMillis = millisOf(limits.get(strongest));
        long limitMillis = median(strongestMillis);
        String of = syncs.size() == 1 ? "" : ", median of " + syncs.size();
        String limitText = seconds(limitMillis) + spread(strongestMillis) + "; " + strongest;
        row(2, "full sync: ConfigMap write → every object readable" + of, fleetText, seconds(syncMedian) + spread(syncMillis),
                limitText, seconds(kubectlMillis), ratio(syncMedian, limitMillis), ratio(syncMedian, kubectlMillis));
        if (addedMillis >= 0) {
            row(2, "full sync of as many sets again, added to the running fleet by one ConfigMap write → every new object"
                    + " readable", fleetText + " more", seconds(addedMillis), limitText, seconds(kubectlMillis),
                    ratio(addedMillis, limitMillis), ratio(addedMillis, kubectlMillis));
        }
        limitRows.add(new String[] {fleetText, "arcfleet full sync (client CPU: the daemon's)", seconds(syncMedian)
                + spread(syncMillis), perObject(syncMedian, objects),
                cpu(syncs.stream().map(Synced::daemonCpu).toList()), cpu(syncs.stream().map(Synced::serverCpu).toList()), ""});
        for (Map.Entry<RawApply.Limit, List<RawApply.Applied>> limit : limits.entrySet()) {
            limitRows.add(limitRow(fleetText, (limit.getKey().equals(strongest) ? "**strongest**: " : "") + limit.getKey(),
                    limit.getValue(), objects, syncMedian));
        }
        List<RawApply.Applied> floors = new ArrayList<>();
        for (int run = 1; run <= settings.syncs(); run++) {
            floors.add(floor(fleet, strongest, "floor-" + sets + (run == 1 ? "" : "-" + run)));
        }
        limitRows.add(limitRow(fleetText, "diagnostic, not a limit: strongest client + the daemon's watches + its Events ("
                + fleet.sets() + " Events more)", floors, objects, syncMedian));
        List<String> namespaces = new ArrayList<>(List.of("fleet-" + sets, "kubectl-" + sets, "floor-" + sets));
        settings.limits().forEach(limit -> namespaces.add("limit-" + sets + "-" + limit.id()));
        checkBearerToken(namespaces);
    }

    private static String[] limitRow(String fleetText, String client, List<RawApply.Applied> applied, int objects, long syncMedian) {
        List<Long> millis = millisOf(applied);
        long median = median(millis);
        return new String[] {fleetText, client, seconds(median) + spread(millis), perObject(median, objects),
                cpu(applied.stream().map(RawApply.Applied::clientCpu).toList()),
                cpu(applied.stream().map(RawApply.Applied::serverCpu).toList()), ratio(syncMedian, median)};
    }

    /**
     * A full sync's time, its objects, what the daemon and the API server with etcd spent of CPU meanwhile, and on
     * the first run at {@link #DETAIL_SETS} the time of adding as many sets again.
     */
    private record Synced(long millis, String fleetText, int objects, Duration daemonCpu, Duration serverCpu,
            OptionalLong addedMillis) {
    }

    /** One daemon, started on {@code repositories: []}, until the fleet's objects are readable; the first run does the rest. */
    private Synced syncFromEmpty(BenchFleet fleet, String namespace, boolean first) {
        int sets = fleet.sets();
        List<HasMetadata> expected = fleet.render(namespace, kubernetesMinorVersion);
        List<String> keys = expected.stream().map(BenchFleet::key).toList();
        String fleetText = sets + " sets, " + expected.size() + " objects";
        progress("full sync of %s (%s)", fleetText, BenchFleet.countByKind(expected));
        Demo.populate(client, namespace, EMPTY);
        Demo.Launched app = launchReady(namespace);
        long syncMillis;
        Duration daemonCpu;
        Duration serverCpu;
        OptionalLong addedMillis = OptionalLong.empty();
        try {
            try (Arrivals arrivals = new Arrivals(client, namespace)) {
                if (settings.jfr()) {
                    jcmd(app, "JFR.start", "name=sync", "settings=profile");
                }
                double daemonCpuBefore = app.cpuSeconds();
                Duration serverCpuBefore = RawApply.serverCpu();
                long start = System.nanoTime();
                writeRepositories(namespace, fleet.yaml());
                long at = awaitArrivals(arrivals, keys, Duration.ofMinutes(5 + sets / 50));
                syncMillis = Duration.ofNanos(at - start).toMillis();
                if (settings.jfr()) {
                    Path recording = temporaryFile("arcfleet-bench-" + namespace + "-", ".jfr");
                    jcmd(app, "JFR.stop", "name=sync", "filename=" + recording);
                    progress("arcfleet's flight recording of the sync: %s", recording);
                }
                daemonCpu = Duration.ofMillis(Math.round(1000 * (app.cpuSeconds() - daemonCpuBefore)));
                serverCpu = RawApply.serverCpu().minus(serverCpuBefore);
                progress("arcfleet: every object readable %d ms after the ConfigMap write; CPU meanwhile: daemon %d ms, "
                        + "API server and etcd %d ms", syncMillis, daemonCpu.toMillis(), serverCpu.toMillis());
                checkCounts(namespace, expected);
                if (!first) {
                    return new Synced(syncMillis, fleetText, expected.size(), daemonCpu, serverCpu, addedMillis);
                }
                row(5, "RSS after the full sync (VmRSS, peak VmHWM); cycles", fleetText, resident(app) + "; " + cycles(app),
                        "", "", "", "");
                if (sets == DETAIL_SETS && settings.edits() > 0) {
                    edits(namespace, fleet, arrivals);
                }
            }
            if (sets == DETAIL_SETS && !settings.idle().isZero()) {
                idle(app, namespace, fleetText);
            }
            if (sets == DETAIL_SETS) {
                addedMillis = OptionalLong.of(addToRunningFleet(app, namespace, fleet));
            }
        } finally {
            app.stop();
        }
        return new Synced(syncMillis, fleetText, expected.size(), daemonCpu, serverCpu, addedMillis);
    }

    /**
     * The same number of sets again, added by one write to the fleet the daemon runs: a user's next batch of
     * repositories, with the daemon's code compiled by then as the limit's client is by its warm-up.
     */
    private long addToRunningFleet(Demo.Launched app, String namespace, BenchFleet fleet) {
        BenchFleet grown = fleet.grownTo(2 * fleet.sets());
        List<String> running = fleet.render(namespace, kubernetesMinorVersion).stream().map(BenchFleet::key).toList();
        List<HasMetadata> all = grown.render(namespace, kubernetesMinorVersion);
        Set<String> runningKeys = Set.copyOf(running);
        List<String> added = all.stream().map(BenchFleet::key).filter(key -> !runningKeys.contains(key)).toList();
        progress("adding %d sets (%d objects) to the running %d", grown.sets() - fleet.sets(), added.size(), fleet.sets());
        long millis;
        try (Arrivals arrivals = new Arrivals(client, namespace)) {
            // A new watch first lists what exists as ADDED events; the clock starts once they are in.
            awaitArrivals(arrivals, running, Duration.ofMinutes(1));
            long start = System.nanoTime();
            writeRepositories(namespace, grown.yaml());
            long at = awaitArrivals(arrivals, added, Duration.ofMinutes(5 + grown.sets() / 50));
            millis = Duration.ofNanos(at - start).toMillis();
        }
        progress("arcfleet: every added object readable %d ms after the ConfigMap write", millis);
        checkCounts(namespace, all);
        row(5, "RSS after adding as many sets again (VmRSS, peak VmHWM); cycles", grown.sets() + " sets, " + all.size()
                + " objects", resident(app) + "; " + cycles(app), "", "", "", "");
        return millis;
    }

    /** Row 3: a direct PATCH of the ConfigMap changing one repository's maxRunners, until its sets' ARS carry it. */
    private void edits(String namespace, BenchFleet fleet, Arrivals arrivals) {
        List<String> repositories = fleet.repositories();
        List<Long> millis = new ArrayList<>();
        for (int edit = 0; edit < settings.edits(); edit++) {
            // Spread over the fleet; each edit's value is new, so its read-back cannot be an earlier one's.
            String repository = repositories.get(edit * 37 % repositories.size());
            int maxRunners = 2 + edit;
            fleet.maxRunners(repository, maxRunners);
            List<String> sets = fleet.setNames(repository);
            long start = System.nanoTime();
            writeRepositories(namespace, fleet.yaml());
            long at = Poll.until(EDIT_WITHIN, "maxRunners " + maxRunners + " on " + sets,
                    () -> arrivals.maxRunnersSeenAt(sets, maxRunners), OptionalLong::isPresent).getAsLong();
            millis.add(Duration.ofNanos(at - start).toMillis());
            progress("edit %d: %s maxRunners %d on its %d sets' AutoscalingRunnerSets after %d ms", edit + 1, repository,
                    maxRunners, sets.size(), millis.get(millis.size() - 1));
            pause(EDIT_SPACING);
        }
        List<Long> sorted = millis.stream().sorted().toList();
        long p50 = sorted.get((int) Math.ceil(0.50 * sorted.size()) - 1);
        long p95 = sorted.get((int) Math.ceil(0.95 * sorted.size()) - 1);
        row(3, "edit → applied: PATCH of one repository's maxRunners → its 3 ARS read back, " + millis.size() + " edits, p50 / p95",
                fleet.sets() + " sets", seconds(p50) + " / " + seconds(p95), "", "", "", "");
    }

    /** Row 4: the daemon's CPU time and writes over a window in which nothing else writes to its namespace. */
    private void idle(Demo.Launched app, String namespace, String fleetText) {
        if (waitsOutOrExits(app, IDLE_SETTLE)) {
            throw new IllegalStateException("arcfleet exited; log: " + logFile(namespace));
        }
        progress("idle: measuring for %d s", settings.idle().toSeconds());
        double cpuBefore = app.cpuSeconds();
        int writesBefore = daemonWrites(namespace);
        int eventsBefore = events(namespace);
        long start = System.nanoTime();
        if (waitsOutOrExits(app, settings.idle())) {
            throw new IllegalStateException("arcfleet exited while idle; log: " + logFile(namespace));
        }
        double window = (System.nanoTime() - start) / 1e9;
        double cpu = app.cpuSeconds() - cpuBefore;
        int writes = daemonWrites(namespace) - writesBefore;
        int events = events(namespace) - eventsBefore;
        progress("idle: %.2f s CPU in %.0f s, %d writes, %d Events", cpu, window, writes, events);
        row(4, String.format("idle %d s at a %d s interval: CPU (utime+stime) as %% of one core; writes",
                settings.idle().toSeconds(), INTERVAL.toSeconds()), fleetText, String.format("%.2f s CPU = %.2f%% of a core; %d writes, %d Events",
                        cpu, 100 * cpu / window, writes, events), "", "", "", "");
        row(5, "RSS after the idle window; cycles", fleetText, resident(app) + "; " + cycles(app), "", "", "", "");
    }

    /**
     * Row 6: a valid 30-set fleet, then {@code sets} sets, more than arcfleet.max-sets: readiness must go DOWN
     * with the reason while nothing is written and the 30 sets stay, for an interval and more.
     */
    private void envelope(int sets) {
        String namespace = "envelope-" + sets;
        progress("scale envelope: %d sets over a fleet of 30", sets);
        Demo.populate(client, namespace, EMPTY);
        Demo.Launched app = launchReady(namespace);
        try {
            BenchFleet before = new BenchFleet(30);
            List<HasMetadata> kept = before.render(namespace, kubernetesMinorVersion);
            try (Arrivals arrivals = new Arrivals(client, namespace)) {
                writeRepositories(namespace, before.yaml());
                awaitArrivals(arrivals, kept.stream().map(BenchFleet::key).toList(), Duration.ofMinutes(5));
            }
            int writesBefore = daemonWrites(namespace);
            int eventsBefore = events(namespace);
            long start = System.nanoTime();
            writeRepositories(namespace, new BenchFleet(sets).yaml());
            Poll.until(READY_WITHIN, "readiness DOWN for " + sets + " sets",
                    () -> app.status("/q/health/ready") == 503 && configurationError(app).contains(String.valueOf(sets)));
            long refusedMillis = millisSince(start);
            String reason = configurationError(app);
            progress("refused after %d ms: %s", refusedMillis, reason);
            long peakRss = 0;
            Duration watched = INTERVAL.plusSeconds(5);
            long deadline = System.nanoTime() + watched.toNanos();
            while (System.nanoTime() < deadline && app.process().isAlive()) {
                peakRss = Math.max(peakRss, app.residentKib()[0]);
                waitsOutOrExits(app, Duration.ofSeconds(1));
            }
            boolean alive = app.process().isAlive();
            int writes = daemonWrites(namespace) - writesBefore;
            int events = events(namespace) - eventsBefore;
            String outcome = String.format("readiness DOWN %s after the write (`%s`); over the next %d s: %s, %d writes, "
                    + "%d Events, %s objects of the 30 sets listed (of %d), RSS at most %d MiB; %s",
                    seconds(refusedMillis), reason, watched.toSeconds(), alive ? "alive" : "EXITED (code " + app.process().exitValue() + ")",
                    writes, events, alive ? String.valueOf(listManaged(namespace).size()) : "-", kept.size(), peakRss / 1024,
                    alive ? resident(app) + "; " + cycles(app) : "");
            progress("envelope: %s", outcome);
            row(6, "scale envelope: " + sets + " sets written over 30 (arcfleet.max-sets " + MAX_SETS + ")",
                    sets + " sets", outcome, "", "", "", "");
        } finally {
            app.stop();
        }
    }

    /** One limit: the same objects for a namespace of their own, raw server-side apply; each limit warmed up once per run. */
    private RawApply.Applied limit(BenchFleet fleet, RawApply.Limit limit, String namespace) {
        if (limitsWarmedUp.add(limit)) {
            String warmUp = "warm-up-" + limit.id();
            createNamespace(warmUp);
            raw.apply(limit, new BenchFleet(30).render(warmUp, kubernetesMinorVersion));
        }
        createNamespace(namespace);
        List<HasMetadata> objects = fleet.render(namespace, kubernetesMinorVersion);
        RawApply.Applied applied = raw.apply(limit, objects);
        progress("limit: %d objects server-side applied, %s, in %d ms; CPU meanwhile: client %d ms, API server and etcd %d ms",
                objects.size(), limit, applied.millis(), applied.clientCpu().toMillis(), applied.serverCpu().toMillis());
        checkCounts(namespace, objects);
        return applied;
    }

    /**
     * The strongest limit again with the watches a daemon's informers keep open and the Events its full sync records
     * ({@link RawApply#applyWatched}): a diagnostic beside the limits, warmed up once per run as they are.
     */
    private RawApply.Applied floor(BenchFleet fleet, RawApply.Limit strongest, String namespace) {
        if (!floorWarmedUp) {
            floorWarmedUp = true;
            createNamespace("warm-up-floor");
            raw.applyWatched(strongest, new BenchFleet(30).renderBySet("warm-up-floor", kubernetesMinorVersion));
        }
        createNamespace(namespace);
        Map<String, List<HasMetadata>> bySet = fleet.renderBySet(namespace, kubernetesMinorVersion);
        RawApply.Applied applied = raw.applyWatched(strongest, bySet);
        List<HasMetadata> objects = bySet.values().stream().flatMap(List::stream).toList();
        progress("floor: %d objects server-side applied and %d Events created, %s, with the daemon's watches open and read, "
                + "in %d ms; CPU meanwhile: client %d ms, API server and etcd %d ms", objects.size(), bySet.size(), strongest,
                applied.millis(), applied.clientCpu().toMillis(), applied.serverCpu().toMillis());
        checkCounts(namespace, objects);
        return applied;
    }

    /** The second anchor: kubectl apply --server-side of the same objects, one file per set, from process start to exit. */
    private long kubectl(BenchFleet fleet, String namespace) {
        try {
            createNamespace(namespace);
            Path directory = Files.createTempDirectory("arcfleet-bench-" + namespace);
            for (Map.Entry<String, List<HasMetadata>> set : fleet.renderBySet(namespace, kubernetesMinorVersion).entrySet()) {
                Files.writeString(directory.resolve(set.getKey() + ".yaml"),
                        set.getValue().stream().map(SERIALIZATION::asYaml).collect(Collectors.joining()));
            }
            List<HasMetadata> objects = fleet.render(namespace, kubernetesMinorVersion);
            Path output = logFile(namespace);
            long start = System.nanoTime();
            Process process = new ProcessBuilder(Kubectl.path(), "--kubeconfig", demo.kubeconfig().toString(), "apply",
                    "--server-side", "--field-manager=bench", "-f", directory.toString())
                    .redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (!process.waitFor(30, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException("kubectl did not finish within 30 minutes; output: " + output);
            }
            long millis = millisSince(start);
            if (process.exitValue() != 0) {
                throw new IllegalStateException("kubectl failed; output: " + output);
            }
            progress("kubectl: %d objects applied in %d ms", objects.size(), millis);
            checkCounts(namespace, objects);
            deleteTree(directory);
            return millis;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A diagnostic command to the daemon's JVM, by the jcmd beside the java that runs the benchmark. */
    private static void jcmd(Demo.Launched app, String... command) {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> line = new ArrayList<>(List.of(Path.of(java).resolveSibling("jcmd").toString(),
                String.valueOf(app.process().pid())));
        line.addAll(List.of(command));
        try {
            Process jcmd = new ProcessBuilder(line).redirectErrorStream(true).start();
            String output = new String(jcmd.getInputStream().readAllBytes());
            if (jcmd.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", line) + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private Demo.Launched launchReady(String namespace) {
        Path log = logFile(namespace);
        Demo.Launched app = demo.launch(runner, Demo.freePort(), namespace, Redirect.to(log.toFile()));
        long start = System.nanoTime();
        Poll.until(READY_WITHIN, "/q/health/ready (log: " + log + ")", () -> app.status("/q/health/ready") == 200);
        progress("arcfleet (pid %d, log %s) ready in %d ms with repositories: []", app.process().pid(), log, millisSince(start));
        return app;
    }

    /** A direct PATCH (JSON merge) of the ConfigMap's repositories.yaml: one request, as kubectl edit sends. */
    private void writeRepositories(String namespace, String yaml) {
        client.resource(ArcFixtures.repositories(namespace, yaml)).patch(PatchContext.of(PatchType.JSON_MERGE));
    }

    /** When the last of {@code keys} arrived, with a progress line every {@link #PROGRESS_EVERY}. */
    private static long awaitArrivals(Arrivals arrivals, List<String> keys, Duration within) {
        long start = System.nanoTime();
        long[] nextProgress = {start + PROGRESS_EVERY.toNanos()};
        Supplier<OptionalLong> attempt = () -> {
            if (System.nanoTime() > nextProgress[0]) {
                progress("  %d/%d objects readable after %d s", arrivals.seen(keys), keys.size(),
                        Duration.ofNanos(System.nanoTime() - start).toSeconds());
                nextProgress[0] += PROGRESS_EVERY.toNanos();
            }
            return arrivals.allSeenAt(keys);
        };
        return Poll.until(within, keys.size() + " objects", attempt, OptionalLong::isPresent).getAsLong();
    }

    /** Lists what carries arcfleet's label, per kind, and compares with the renderer's objects. */
    private void checkCounts(String namespace, List<HasMetadata> expected) {
        Map<String, Integer> listed = BenchFleet.countByKind(listManaged(namespace));
        Map<String, Integer> wanted = BenchFleet.countByKind(expected);
        if (!listed.equals(wanted)) {
            throw new IllegalStateException(namespace + " holds " + listed + ", the renderer made " + wanted);
        }
    }

    private List<HasMetadata> listManaged(String namespace) {
        return Stream.of(client.serviceAccounts(), client.rbac().roles(), client.rbac().roleBindings(), client.secrets(),
                client.configMaps(), client.genericKubernetesResources(Demo.RUNNER_SETS))
                .flatMap(kind -> kind.inNamespace(namespace).withLabel(ArcKeys.MANAGED_BY, Labels.MANAGED_BY_ARCFLEET)
                        .list().getItems().stream().map(HasMetadata.class::cast))
                .toList();
    }

    /** Writes to {@code namespace} but the benchmark's own to the ConfigMap, and but Events. */
    private static int daemonWrites(String namespace) {
        String configMap = "\"name\":\"" + ArcFixtures.repositories(namespace, "").getMetadata().getName() + "\"";
        return (int) TestApiServer.auditedWrites(namespace).stream().filter(line -> !line.contains(configMap)).count();
    }

    /**
     * The daemon, every limit and kubectl must have written as {@link TestApiServer#BEARER_USER}, by the token, as in a
     * cluster: a write by the admin's client certificate would cost its signature again. The benchmark's own writes (the
     * namespace's Secret and ConfigMap, and the ConfigMap's edits) are the admin's.
     */
    /** Reads the audit log once: a 1,000-set run writes some 400 MB of it. */
    private static void checkBearerToken(List<String> namespaces) {
        String configMap = "\"name\":\"" + ArcFixtures.repositories(namespaces.get(0), "").getMetadata().getName() + "\"";
        String byToken = "\"username\":\"" + TestApiServer.BEARER_USER + "\"";
        Map<String, Integer> applies = new HashMap<>();
        Map<String, List<String>> otherwise = new HashMap<>();
        try (Stream<String> lines = TestApiServer.auditLogLines()) {
            lines.filter(line -> line.contains("\"stage\":\"ResponseComplete\"") && line.contains("\"verb\":\"patch\"")
                    && !line.contains(configMap)).forEach(line -> namespaces.stream()
                            .filter(namespace -> line.contains("\"namespace\":\"" + namespace + "\"")).findFirst()
                            .ifPresent(namespace -> {
                                applies.merge(namespace, 1, Integer::sum);
                                if (!line.contains(byToken)) {
                                    otherwise.computeIfAbsent(namespace, key -> new ArrayList<>()).add(line);
                                }
                            }));
        }
        for (String namespace : namespaces) {
            int audited = applies.getOrDefault(namespace, 0);
            List<String> notByToken = otherwise.getOrDefault(namespace, List.of());
            if (audited == 0 || !notByToken.isEmpty()) {
                throw new IllegalStateException(namespace + ": " + audited + " server-side applies audited, " + notByToken.size()
                        + " not by the bearer token, such as " + notByToken.stream().findFirst().orElse("none"));
            }
            progress("%s: all %d server-side applies authenticated by the bearer token", namespace, audited);
        }
    }

    private static int events(String namespace) {
        return (int) TestApiServer.auditedRequests(namespace).stream()
                .filter(line -> line.contains("\"resource\":\"events\"") && !line.contains("\"verb\":\"list\"")
                        && !line.contains("\"verb\":\"get\""))
                .count();
    }

    private static Config configOf(Path kubeconfig) {
        try {
            return Config.fromKubeconfig(Files.readString(kubeconfig));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String configurationError(Demo.Launched app) {
        Map<?, ?> health = SERIALIZATION.unmarshal(app.body("/q/health/ready"), Map.class);
        if (!(health.get("checks") instanceof List<?> checks)) {
            return "";
        }
        return checks.stream().map(Map.class::cast).filter(check -> "configuration".equals(check.get("name")))
                .map(check -> check.get("data") instanceof Map<?, ?> data ? String.valueOf(data.get("error")) : "")
                .findFirst().orElse("");
    }

    private static String resident(Demo.Launched app) {
        long[] kib = app.residentKib();
        return String.format("%d MiB (peak %d MiB)", kib[0] / 1024, kib[1] / 1024);
    }

    /** From the daemon's cycle-duration histogram: cycles so far, and how many took longer than the interval. */
    private static String cycles(Demo.Launched app) {
        String prefix = "arcfleet_reconcile_cycle_duration_seconds";
        double count = 0;
        double withinInterval = 0;
        double max = 0;
        for (String line : app.body("/q/metrics").split("\n")) {
            String value = line.substring(line.lastIndexOf(' ') + 1);
            if (line.startsWith(prefix + "_count")) {
                count = Double.parseDouble(value);
            } else if (line.startsWith(prefix + "_max")) {
                max = Double.parseDouble(value);
            } else if (line.startsWith(prefix + "_bucket") && line.contains("le=\"")) {
                String le = line.replaceAll(".*le=\"([^\"]+)\".*", "$1");
                if (!le.equals("+Inf") && Double.parseDouble(le) <= INTERVAL.toSeconds()) {
                    withinInterval = Math.max(withinInterval, Double.parseDouble(value));
                }
            }
        }
        return String.format("%d cycles, %d longer than %d s, longest of the last 2 min %.1f s", (long) count,
                (long) (count - withinInterval), INTERVAL.toSeconds(), max);
    }

    private void createNamespace(String name) {
        client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                .withMetadata(new ObjectMetaBuilder().withName(name).build()).build()).create();
    }

    /** True if arcfleet exited within {@code duration}; otherwise waits it out. */
    private static boolean waitsOutOrExits(Demo.Launched app, Duration duration) {
        try {
            return app.process().waitFor(duration.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * A row of the table, which lists them by number: the order of the measurements in docs/benchmarks/README.md,
     * End to end.
     */
    private void row(int number, String... cells) {
        String[] row = new String[cells.length + 1];
        row[0] = String.valueOf(number);
        System.arraycopy(cells, 0, row, 1, cells.length);
        rows.add(row);
    }

    private void printTable() {
        System.out.println("| # | measurement | fleet | arcfleet | strongest limit: raw server-side apply | "
                + "kubectl apply --server-side | arcfleet / strongest limit | arcfleet / kubectl |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        rows.stream().sorted(Comparator.comparing(row -> row[0])).forEach(FleetBenchmark::printRow);
        if (!limitRows.isEmpty()) {
            System.out.printf("%nEvery limit of row 2 (medians, ranges in parentheses), and arcfleet's full sync against each; "
                    + "the last row per fleet is a diagnostic, not a limit%n%n");
            System.out.println("| fleet | client | time | per object | client CPU | API server and etcd CPU | arcfleet / this limit |");
            System.out.println("|---|---|---|---|---|---|---|");
            limitRows.forEach(FleetBenchmark::printRow);
        }
    }

    private static void printRow(String[] row) {
        System.out.println("| " + String.join(" | ", row) + " |");
    }

    private static Path logFile(String namespace) {
        return temporaryFile("arcfleet-bench-" + namespace + "-", ".log");
    }

    private static Path temporaryFile(String prefix, String suffix) {
        try {
            return Files.createTempFile(prefix, suffix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path directory) throws IOException {
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    private static String machine() {
        String cpu = readOr("/proc/cpuinfo", "").lines().filter(line -> line.startsWith("model name"))
                .map(line -> line.replaceAll("^[^:]*:\\s*", "")).findFirst().orElse("unknown CPU");
        long memoryKib = Long.parseLong(readOr("/proc/meminfo", "MemTotal: 0").lines().findFirst().orElseThrow()
                .replaceAll("\\D", ""));
        return String.format("%d cores (%s), %.1f GiB, Linux %s, %s %s", Runtime.getRuntime().availableProcessors(), cpu,
                memoryKib / 1024.0 / 1024.0, System.getProperty("os.version"), System.getProperty("java.vm.name"),
                System.getProperty("java.version"));
    }

    private static String loadAverage() {
        return String.join(" ", Arrays.copyOf(readOr("/proc/loadavg", "? ? ?").split(" "), 3));
    }

    private static String readOr(String file, String fallback) {
        try {
            return Files.readString(Path.of(file));
        } catch (IOException e) {
            return fallback;
        }
    }

    private static String seconds(long millis) {
        return String.format("%.2f s", millis / 1000.0);
    }

    private static long median(List<Long> millis) {
        return millis.stream().sorted().toList().get(millis.size() / 2);
    }

    /** The range of several measurements, such as " (9.87–11.20 s)"; nothing for one. */
    private static String spread(List<Long> millis) {
        if (millis.size() == 1) {
            return "";
        }
        return String.format(" (%.2f–%.2f s)", millis.stream().mapToLong(Long::longValue).min().orElseThrow() / 1000.0,
                millis.stream().mapToLong(Long::longValue).max().orElseThrow() / 1000.0);
    }

    private static List<Long> millisOf(List<RawApply.Applied> applied) {
        return applied.stream().map(RawApply.Applied::millis).toList();
    }

    private static String perObject(long millis, int objects) {
        return String.format("%.2f ms", (double) millis / objects);
    }

    /** The median of CPU times, in seconds. */
    private static String cpu(List<Duration> durations) {
        return seconds(median(durations.stream().map(Duration::toMillis).toList()));
    }

    private static String ratio(long millis, long anchorMillis) {
        return String.format("%.2f", (double) millis / anchorMillis);
    }

    private static long millisSince(long start) {
        return Duration.ofNanos(System.nanoTime() - start).toMillis();
    }

    static void progress(String format, Object... args) {
        System.out.printf("[%s] %s%n", LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")), String.format(format, args));
    }
}
