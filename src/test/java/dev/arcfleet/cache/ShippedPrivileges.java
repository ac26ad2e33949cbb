package dev.arcfleet.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * The uid, gid and capabilities arcfleet runs with as shipped, read from {@code deploy/}, and a way to run
 * {@link CleanupProbe} with exactly those, through {@code setpriv}. Needs root, as the tests that build
 * root-owned trees do.
 */
public final class ShippedPrivileges {

    private static final Path UNIT = Path.of("deploy/systemd/arcfleet.service");
    private static final Path SYSUSERS = Path.of("deploy/systemd/arcfleet.sysusers.conf");
    private static final Path DEPLOYMENT = Path.of("deploy/kubernetes/deployment.yaml");
    private static final Duration PROBE_TIMEOUT = Duration.ofMinutes(10);
    /** Bit numbers from linux/capability.h, for the capabilities arcfleet may ask for. */
    private static final Map<String, Integer> CAPABILITY_BITS = Map.of("chown", 0, "dac_override", 1, "dac_read_search", 2,
            "fowner", 3, "fsetid", 4);

    private ShippedPrivileges() {
    }

    /**
     * A process identity.
     *
     * @param capabilities lower-case names without {@code cap_}, as setpriv takes them
     * @param ambient whether the capabilities are ambient (systemd's AmbientCapabilities=); otherwise they are
     *        only the bounding set, which a root process then holds and any other loses at exec, as in
     *        Kubernetes, where pod specs cannot set ambient capabilities
     */
    public record Identity(String source, int uid, int gid, List<String> capabilities, boolean ambient) {

        public Identity without(String capability) {
            return new Identity(source + " without " + capability, uid, gid,
                    capabilities.stream().filter(held -> !held.equals(capability)).toList(), ambient);
        }

        /** /proc/self/status's CapEff for this identity. */
        String effectiveCapabilities() {
            long bits = uid == 0 || ambient ? capabilities.stream().mapToLong(name -> 1L << CAPABILITY_BITS.get(name))
                    .reduce(0, (a, b) -> a | b) : 0;
            return String.format("%016x", bits);
        }

        @Override
        public String toString() {
            return source;
        }
    }

    public static List<Identity> shipped() {
        return List.of(systemdUnit(), deployment());
    }

    /** User=, Group= and AmbientCapabilities= of the unit, which must equal its CapabilityBoundingSet=. */
    public static Identity systemdUnit() {
        List<String> lines = read(UNIT).lines().toList();
        List<String> ambient = capabilities(value(lines, "AmbientCapabilities="));
        assertEquals(ambient, capabilities(value(lines, "CapabilityBoundingSet=")), "the unit's ambient and bounding sets");
        return new Identity("systemd unit", systemUser(value(lines, "User=")), Integer.parseInt(value(lines, "Group=")),
                ambient, true);
    }

    /**
     * The uid of the unit's user, which the shipped sysusers.d file makes: made here as the install makes it
     * ({@code systemd-sysusers} with that file, which leaves an existing account as it is), then looked up.
     */
    public static int systemUser(String name) {
        List<String> users = read(SYSUSERS).lines().filter(line -> line.startsWith("u ")).map(line -> line.split("\\s+")[1])
                .toList();
        assertEquals(List.of(name), users, SYSUSERS + " should make the unit's User=");
        Result made = run("systemd-sysusers", SYSUSERS.toAbsolutePath().toString());
        assertEquals(0, made.exitCode(), made::output);
        Result entry = run("getent", "passwd", name);
        assertEquals(0, entry.exitCode(), () -> "no account " + name + " after systemd-sysusers: " + entry.output());
        return Integer.parseInt(entry.output().strip().split(":")[2]);
    }

    private static Result run(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            return new Result(process.waitFor(), output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The Deployment's runAsUser and runAsGroup, and what it adds to its dropped capabilities. */
    public static Identity deployment() {
        try {
            JsonNode pod = new ObjectMapper(new YAMLFactory()).readTree(DEPLOYMENT.toFile()).path("spec").path("template")
                    .path("spec");
            JsonNode container = pod.path("containers").get(0).path("securityContext");
            assertEquals("[\"ALL\"]", container.path("capabilities").path("drop").toString(), "the Deployment drops ALL first");
            List<String> added = new ArrayList<>();
            container.path("capabilities").path("add").forEach(name -> added.add(name.asText().toLowerCase(Locale.ROOT)));
            return new Identity("Deployment", pod.path("securityContext").path("runAsUser").asInt(-1),
                    pod.path("securityContext").path("runAsGroup").asInt(-1), added.stream().sorted().toList(), false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public record Result(int exitCode, String output) {

        public Optional<String> line(String prefix) {
            return output.lines().filter(line -> line.startsWith(prefix + " ")).map(line -> line.substring(prefix.length() + 1))
                    .findFirst();
        }
    }

    /** Runs {@link CleanupProbe} with {@code arguments} as {@code who}, and checks it really ran as {@code who}. */
    public static Result probe(Identity who, String... arguments) {
        String capabilities = who.capabilities().stream().map(name -> ",+" + name).reduce("-all", String::concat);
        List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=" + who.uid(), "--regid=" + who.gid(),
                "--clear-groups", "--no-new-privs", "--bounding-set=" + capabilities,
                "--inh-caps=" + (who.ambient() ? capabilities : "-all")));
        if (who.ambient()) {
            command.add("--ambient-caps=" + capabilities);
        }
        command.addAll(List.of("--", Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:-UsePerfData",
                "-cp", Path.of("target/classes").toAbsolutePath() + ":" + Path.of("target/test-classes").toAbsolutePath(),
                CleanupProbe.class.getName()));
        command.addAll(List.of(arguments));
        try {
            Path output = Files.createTempFile("arcfleet-probe", ".out");
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (!process.waitFor(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                fail(String.join(" ", command) + " did not finish within " + PROBE_TIMEOUT + ":\n" + Files.readString(output));
            }
            Result result = new Result(process.exitValue(), Files.readString(output));
            Files.delete(output);
            assertEquals(Optional.of("uid " + who.uid() + " gid " + who.gid() + " capabilities " + who.effectiveCapabilities()),
                    result.line("uid").map(rest -> "uid " + rest), () -> "not run as " + who + ":\n" + result.output());
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String value(List<String> lines, String key) {
        List<String> values = lines.stream().filter(line -> line.startsWith(key)).map(line -> line.substring(key.length()).trim())
                .toList();
        assertEquals(1, values.size(), () -> UNIT + " should set " + key + " once: " + values);
        return values.get(0);
    }

    private static List<String> capabilities(String systemdValue) {
        return Stream.of(systemdValue.split("\\s+")).filter(name -> !name.isEmpty())
                .map(name -> name.toLowerCase(Locale.ROOT).replaceFirst("^cap_", "")).sorted().toList();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
