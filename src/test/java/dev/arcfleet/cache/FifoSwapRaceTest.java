package dev.arcfleet.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.arcfleet.fleet.CachePath;
import dev.arcfleet.walk.Watch;

/**
 * A job that exchanges directories of its cache with FIFOs and sockets, atomically and as fast as it can
 * ({@code exchange-loop.c}), while arcfleet measures, deletes or clears the cache. A walk that opened such an
 * entry as a directory would wait for a FIFO's writer forever, and with it all cache work: every operation
 * must return, and leave the FIFOs and sockets it meets alone.
 */
class FifoSwapRaceTest {

    private static final String VICTIM = "arc-runner-victim-1";
    private static final List<CachePath> CACHES = List.of(new CachePath("cache", "/home/runner/cache"));
    /** As many as the proof used. */
    private static final int PAIRS = 50;
    private static final int CLEANUP_ROUNDS = 30;
    private static final Duration MEASURING_UNDER_ATTACK = Duration.ofSeconds(5);
    /** Far beyond what one operation on this small tree takes: past it, the operation waits on a FIFO. */
    private static final Duration RETURNS_WITHIN = Duration.ofSeconds(20);

    private static Path exchangeLoop;

    @TempDir
    Path hostRoot;

    private CacheDirectories directories;
    /** Daemon threads: an operation blocked on a FIFO must not keep the test JVM alive. */
    private final ExecutorService operations = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "fifo-race-operation");
        thread.setDaemon(true);
        return thread;
    });
    private long exchangeRounds;
    private long exchanges;

    @BeforeAll
    static void compileTheAttacker(@TempDir Path build) throws Exception {
        Path source = build.resolve("exchange-loop.c");
        try (var in = FifoSwapRaceTest.class.getResourceAsStream("exchange-loop.c")) {
            Files.copy(in, source);
        }
        exchangeLoop = build.resolve("exchange-loop");
        Process gcc = new ProcessBuilder("gcc", "-O2", "-o", exchangeLoop.toString(), source.toString()).inheritIO().start();
        assertEquals(0, gcc.waitFor(), "gcc exchange-loop.c");
    }

    @BeforeEach
    void setUp() {
        directories = new CacheDirectories(hostRoot, 1001, 123, 02775, "test.arcfleet-repositories");
    }

    @AfterEach
    void tearDown() {
        operations.shutdownNow();
    }

    @Test
    void measuringReturnsWhileDirectoriesTurnIntoFifosAndSockets() throws Exception {
        prepareVictim();
        int measurements = 0;
        try (Attacker attacker = attack()) {
            long until = System.nanoTime() + MEASURING_UNDER_ATTACK.toNanos();
            while (System.nanoTime() < until) {
                CacheUsage usage = returning(() -> MeasuredAlone.of(directories, VICTIM), "measure " + measurements);
                assertTrue(usage.bytes() > 0, usage::toString);
                measurements++;
            }
        }
        assertTrapsLeftAlone();
        report("measure", measurements);
    }

    @Test
    void deletingReturnsWhileDirectoriesTurnIntoFifosAndSockets() throws Exception {
        int leftForRetry = 0;
        for (int round = 0; round < CLEANUP_ROUNDS; round++) {
            prepareVictim();
            try (Attacker attacker = attack()) {
                returning(() -> directories.delete(VICTIM, Watch.unwatched()), "delete " + round);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof IOException)) {
                    throw e;
                }
                leftForRetry++;
            }
            if (Files.exists(hostRoot.resolve(VICTIM), LinkOption.NOFOLLOW_LINKS)) {
                assertEquals(CacheDirectories.Cleanup.DONE, directories.delete(VICTIM, Watch.unwatched()), "the retry, unattacked");
            }
            assertFalse(Files.exists(hostRoot.resolve(VICTIM), LinkOption.NOFOLLOW_LINKS), "round " + round);
        }
        report("delete", CLEANUP_ROUNDS + " deletions, " + leftForRetry + " left for a retry");
    }

    @Test
    void clearingReturnsWhileDirectoriesTurnIntoFifosAndSockets() throws Exception {
        int leftForRetry = 0;
        for (int round = 0; round < CLEANUP_ROUNDS; round++) {
            prepareVictim();
            try (Attacker attacker = attack()) {
                returning(() -> directories.clear(VICTIM, CACHES, Watch.unwatched()), "clear " + round);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof IOException)) {
                    throw e;
                }
                leftForRetry++;
            }
            directories.emptyTrash(VICTIM, Watch.unwatched());
            try (Stream<Path> left = Files.list(cache())) {
                assertEquals(List.of(), left.toList(), "round " + round + ": the cleared cache");
            }
            directories.delete(VICTIM, Watch.unwatched());
        }
        report("clear", CLEANUP_ROUNDS + " clearings, " + leftForRetry + " left for a retry");
    }

    /** The victim's cache with, per pair, a directory {@code d-i} holding a file and a subdirectory, and a trap {@code t-i}. */
    private void prepareVictim() throws IOException, InterruptedException {
        directories.ensure(VICTIM, "acme/victim", CACHES, Instant.now());
        List<String> fifos = new ArrayList<>(List.of("mkfifo"));
        for (int i = 0; i < PAIRS; i++) {
            Path directory = Files.createDirectory(cache().resolve("d-" + i));
            Files.write(directory.resolve("own"), new byte[10_000]);
            Files.createDirectory(directory.resolve("sub"));
            if (i % 2 == 0) {
                fifos.add(cache().resolve("t-" + i).toString());
            } else {
                try (ServerSocketChannel socket = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                    socket.bind(UnixDomainSocketAddress.of(cache().resolve("t-" + i)));
                }
            }
        }
        assertEquals(0, new ProcessBuilder(fifos).inheritIO().start().waitFor(), "mkfifo");
    }

    /** After the attack, every pair is still a directory and a FIFO or socket, under one name or the other. */
    private void assertTrapsLeftAlone() throws IOException {
        for (int i = 0; i < PAIRS; i++) {
            List<String> kinds = new ArrayList<>();
            for (String name : List.of("d-" + i, "t-" + i)) {
                Path entry = cache().resolve(name);
                kinds.add(Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS) ? "directory"
                        : Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS) ? "file"
                        : Files.exists(entry, LinkOption.NOFOLLOW_LINKS) ? "trap" : "missing");
            }
            kinds.sort(null);
            assertEquals(List.of("directory", "trap"), kinds, "pair " + i);
        }
    }

    @FunctionalInterface
    private interface Operation<T> {
        T run() throws IOException;
    }

    /** Runs {@code operation}, failing the test if it does not return in time: it is then waiting on a FIFO. */
    private <T> T returning(Operation<T> operation, String what) throws InterruptedException, ExecutionException {
        Future<T> result = operations.submit(operation::run);
        try {
            return result.get(RETURNS_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return fail(what + " did not return within " + RETURNS_WITHIN + " while directories and FIFOs were exchanged ("
                    + "thread state " + stateOfBlockedOperation() + ")");
        }
    }

    private static String stateOfBlockedOperation() {
        return Thread.getAllStackTraces().entrySet().stream().filter(entry -> entry.getKey().getName().equals("fifo-race-operation"))
                .map(entry -> entry.getKey().getState() + " at " + List.of(entry.getValue()).subList(0,
                        Math.min(4, entry.getValue().length)))
                .findFirst().orElse("gone");
    }

    /** The exchange loop, running on the victim's cache until closed. */
    private final class Attacker implements AutoCloseable {

        private final Process process;
        private final BufferedReader output;

        Attacker() throws IOException {
            process = new ProcessBuilder(exchangeLoop.toString(), cache().toString(), String.valueOf(PAIRS))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("ready", output.readLine(), "exchange-loop started");
        }

        @Override
        public void close() throws IOException, InterruptedException {
            // SIGTERM through the handle: Process.destroy() would also close the output the counts come on.
            process.toHandle().destroy();
            String[] counts = output.readLine().split(" ");
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "exchange-loop stops on SIGTERM");
            exchangeRounds += Long.parseLong(counts[1]);
            exchanges += Long.parseLong(counts[3]);
        }
    }

    private Attacker attack() throws IOException {
        return new Attacker();
    }

    private void report(String operation, Object outcome) {
        System.out.printf("%s while %d directories and FIFOs/sockets were exchanged: %s returned; the attacker made %d rounds, "
                + "%d exchanges%n", operation, PAIRS, outcome, exchangeRounds, exchanges);
    }

    private Path cache() {
        return hostRoot.resolve(VICTIM).resolve("cache");
    }
}
