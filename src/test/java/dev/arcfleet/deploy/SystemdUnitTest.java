package dev.arcfleet.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.arcfleet.settings.ArcfleetConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/** The systemd unit and its environment file, as shipped in deploy/systemd. */
class SystemdUnitTest {

    private static final Path UNIT = Path.of("deploy/systemd/arcfleet.service");
    /** The cache root's mount unit, named after its path as systemd requires. */
    private static final Path MOUNT_UNIT = Path.of("deploy/systemd/tmp-github\\x2drunner\\x2dcache.mount");
    private static final Path ENV_FILE = Path.of("deploy/systemd/arcfleet.env");
    private static final Path KIND_CONFIG = Path.of("deploy/kind/kind-config.yaml");
    private static final Path INSTALL_SCRIPT = Path.of("src/test/scripts/install-systemd-analyze.sh");
    private static final String BINARY = "/usr/local/bin/arcfleet";

    @Test
    void systemdAcceptsTheUnitWithoutWarnings() throws Exception {
        String unit = Files.readString(UNIT);
        List<String> execStarts = unit.lines().filter(line -> line.startsWith("ExecStart=")).toList();
        assertEquals(List.of("ExecStart=" + BINARY), execStarts);
        // verify also checks that ExecStart's binary exists and is executable, and the native binary
        // is not installed where tests run; a copy pointing at /bin/true checks everything else.
        Path copy = unitCopy();
        Path mount = Files.copy(MOUNT_UNIT, copy.resolveSibling(MOUNT_UNIT.getFileName()));

        Result verify = run(Duration.ofMinutes(2), systemdAnalyze(), "verify", copy.toString(), mount.toString());

        List<String> aboutTheUnits = verify.output().lines().filter(line -> line.contains(UNIT.getFileName().toString())
                || line.contains("runner\\x2dcache.mount")).toList();
        assertEquals(List.of(), aboutTheUnits, () -> "systemd-analyze verify warns about the units:\n" + verify.output());
        assertEquals(0, verify.exitCode(), () -> "systemd-analyze verify failed:\n" + verify.output());
    }

    /** The unit with ExecStart= on /bin/true, which exists where tests run, in a directory of its own. */
    private static Path unitCopy() throws IOException {
        Path copy = Files.createTempDirectory("arcfleet-unit").resolve(UNIT.getFileName());
        Files.writeString(copy, Files.readString(UNIT).replace("ExecStart=" + BINARY, "ExecStart=/bin/true"));
        return copy;
    }

    /** The exposure systemd-analyze security gives the unit as shipped (2.3, "OK"), and no worse. */
    @Test
    void systemdAnalyzeSecurityRatesTheUnitOk() throws Exception {
        Result security = run(Duration.ofMinutes(2), systemdAnalyze(), "security", "--offline=true", unitCopy().toString());
        assertEquals(0, security.exitCode(), security::output);
        String overall = security.output().lines().filter(line -> line.contains("Overall exposure level")).findFirst()
                .orElseThrow(() -> new AssertionError("no overall exposure level:\n" + security.output()));
        double exposure = Double.parseDouble(overall.replaceAll(".*: ([0-9.]+) .*", "$1"));
        System.out.println("systemd-analyze security: " + overall.strip());
        assertTrue(exposure <= 2.3, overall);
    }

    /**
     * Not the runners' uid (a job can leave a setuid-1001 program in the cache tree), not root, and the cache
     * directories' group, as {@link dev.arcfleet.cache.ShippedPrivileges} runs the cache work in
     * {@code PrivilegedCleanupTest}.
     */
    @Test
    void theDaemonRunsAsItsOwnSystemUserInTheCacheGroup() throws IOException {
        dev.arcfleet.cache.ShippedPrivileges.Identity unit = dev.arcfleet.cache.ShippedPrivileges.systemdUnit();
        ArcfleetConfig.Cache cache = configuration().cache();
        assertTrue(unit.uid() != 0 && unit.uid() != cache.uid(), () -> "the unit runs as uid " + unit.uid());
        assertTrue(unit.uid() < 1000, () -> "not a system uid: " + unit.uid());
        assertEquals(cache.gid(), unit.gid(), "the unit's group is the cache directories'");
    }

    /**
     * The cache root is mounted nosuid and nodev by the shipped mount unit, whose name is the escaped path of
     * ARCFLEET_CACHE_HOST_ROOT, and the daemon's unit requires it.
     */
    @Test
    void theCacheRootIsMountedNosuidNodevBeforeTheDaemonStarts() throws IOException {
        String hostRoot = environmentFile().get("ARCFLEET_CACHE_HOST_ROOT");
        assertEquals(hostRoot.substring(1).replace("-", "\\x2d").replace("/", "-") + ".mount",
                MOUNT_UNIT.getFileName().toString());
        Map<String, String> mount = keys(Files.readAllLines(MOUNT_UNIT));
        assertEquals(hostRoot, mount.get("What"));
        assertEquals(hostRoot, mount.get("Where"));
        assertTrue(List.of(mount.get("Options").split(",")).containsAll(List.of("bind", "nosuid", "nodev")), mount.toString());
        assertEquals(hostRoot, keys(Files.readAllLines(UNIT)).get("RequiresMountsFor"));
    }

    /**
     * The mount unit's options, applied as systemd applies them (in a mount namespace of the test's own), stop a
     * setuid-root program and a device node, also through a plain bind of the cache root as kind's extraMounts
     * makes into its node. The same program works before, so the test shows the mount's doing. Needs root.
     */
    @Test
    void theMountUnitsOptionsStopSetuidProgramsAndDeviceNodesThroughKindsBindToo() throws Exception {
        Path base = Files.createTempDirectory("arcfleet-mount");
        String options = keys(Files.readAllLines(MOUNT_UNIT)).get("Options");
        String script = String.join("\n", "set -e", "cd \"$1\"", "mkdir cache node",
                "cp /usr/bin/id cache/setuid-id && chmod 4755 cache/setuid-id",
                "echo \"before $(setpriv --reuid=1001 --regid=123 --clear-groups ./cache/setuid-id -u)\"",
                "mount -t none -o \"$2\" \"$PWD/cache\" \"$PWD/cache\"",
                "mount --rbind \"$PWD/cache\" \"$PWD/node\"",
                "echo \"flags $(grep \" $PWD/node \" /proc/self/mountinfo | cut -d' ' -f6)\"",
                "echo \"after $(setpriv --reuid=1001 --regid=123 --clear-groups ./node/setuid-id -u)\"",
                "mknod node/null c 1 3 && chmod 666 node/null",
                "if echo x > node/null; then echo 'device usable'; else echo 'device refused'; fi");
        Result result = run(Duration.ofMinutes(1), "unshare", "--mount", "--propagation", "private", "bash", "-c", script,
                "mount-test", base.toString(), options);
        assertEquals(0, result.exitCode(), result::output);
        List<String> lines = result.output().lines().toList();
        assertTrue(lines.contains("before 0"), () -> "a setuid-root program does not work here to begin with:\n" + result.output());
        String flags = lines.stream().filter(line -> line.startsWith("flags ")).findFirst().orElseThrow();
        assertTrue(flags.contains("nosuid") && flags.contains("nodev"), flags);
        assertTrue(lines.contains("after 1001"), () -> "the setuid bit worked on the mount:\n" + result.output());
        assertTrue(lines.contains("device refused"), () -> "a device node worked on the mount:\n" + result.output());
    }

    /** KEY=VALUE lines of a unit, the last of each key. */
    private static Map<String, String> keys(List<String> lines) {
        Map<String, String> keys = new LinkedHashMap<>();
        lines.stream().filter(line -> line.matches("[A-Za-z]+=.*"))
                .forEach(line -> keys.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1).trim()));
        return keys;
    }

    /**
     * The env file must configure what it says. Unknown environment variables are ignored (only
     * unknown properties stop arcfleet), so a misspelt ARCFLEET_* variable would silently fall back to
     * a default: each one must name a property of {@link ArcfleetConfig}.
     */
    @Test
    void environmentFileIsAValidConfiguration() throws IOException {
        Map<String, String> environment = new LinkedHashMap<>(environmentFile());
        environment.putAll(unitEnvironment());
        Set<String> known = propertyNames("arcfleet", ArcfleetConfig.class).stream()
                .map(name -> name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_")).collect(Collectors.toSet());
        List<String> unknown = environment.keySet().stream().filter(name -> name.startsWith("ARCFLEET_"))
                .filter(name -> !known.contains(name)).toList();
        assertEquals(List.of(), unknown, () -> "not arcfleet properties; known: " + known);

        ArcfleetConfig settings = configuration();
        assertEquals("arc-runners", settings.namespace());
        assertEquals("arc-systems", settings.arc().controllerNamespace());
        assertEquals(Optional.of(Path.of(CREDENTIALS_DIRECTORY, "github-token")), settings.github().tokenFile());
        assertEquals(Path.of("/tmp/github-runner-cache"), settings.cache().hostRoot());
        assertEquals(CREDENTIALS_DIRECTORY + "/kubeconfig", environment.get("KUBECONFIG"));
    }

    /**
     * gid 123 owns the cache directories that runner jobs write to, so a job could leave a setgid-123
     * program there: nothing of arcfleet's may be readable by that group. The kubeconfig and the token
     * reach the daemon only through LoadCredential=, from root's 0600 files, and the bring-up in
     * docs/install.md installs everything under /etc/arcfleet as root's alone.
     */
    @Test
    void credentialsReachTheDaemonOnlyThroughLoadCredential() throws IOException {
        List<String> unit = Files.readAllLines(UNIT);
        assertEquals(List.of("LoadCredential=kubeconfig:/etc/arcfleet/kubeconfig",
                "LoadCredential=github-token:/etc/arcfleet/github-token"),
                unit.stream().filter(line -> line.startsWith("LoadCredential=")).toList());
        assertEquals(Map.of("KUBECONFIG", CREDENTIALS_DIRECTORY + "/kubeconfig", "ARCFLEET_GITHUB_TOKEN_FILE",
                CREDENTIALS_DIRECTORY + "/github-token"), unitEnvironment());
        assertTrue(environmentFile().keySet().stream().noneMatch(name -> name.equals("KUBECONFIG")
                || name.startsWith("ARCFLEET_GITHUB")), "the env file names credentials: " + environmentFile());

        List<String> installs = Files.readAllLines(INSTALL_GUIDE).stream().map(String::trim)
                .filter(line -> line.contains("install") && line.contains("/etc/arcfleet")).toList();
        assertTrue(installs.size() >= 4, "docs/install.md's bring-up installs no files under /etc/arcfleet: " + installs);
        for (String install : installs) {
            assertTrue(install.matches(".*install (-d )?-m 0[67]00 .*") && !install.contains(" -g ")
                    && !install.contains(" -o "), "not root's alone: " + install);
        }
    }

    /** The daemon's settings as the unit and its env file configure them. */
    private static ArcfleetConfig configuration() throws IOException {
        Map<String, String> environment = new LinkedHashMap<>(environmentFile());
        environment.putAll(unitEnvironment());
        // Quarkus' converter, so defaults such as "30s" convert as they do in the daemon.
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(ArcfleetConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new EnvConfigSource(environment, 300)).build();
        return config.getConfigMapping(ArcfleetConfig.class);
    }

    /** Where systemd puts the service's credentials; the unit names it with the %d specifier. */
    private static final String CREDENTIALS_DIRECTORY = "/run/credentials/arcfleet.service";
    /** docs/install.md, "Bring-up": the commands that install arcfleet under systemd. */
    private static final Path INSTALL_GUIDE = Path.of("docs/install.md");

    /** The unit's Environment= assignments, %d resolved as systemd would. */
    private static Map<String, String> unitEnvironment() throws IOException {
        Map<String, String> environment = new LinkedHashMap<>();
        for (String line : Files.readAllLines(UNIT)) {
            if (line.startsWith("Environment=")) {
                String assignment = line.substring("Environment=".length()).replace("%d", CREDENTIALS_DIRECTORY);
                int equals = assignment.indexOf('=');
                environment.put(assignment.substring(0, equals), assignment.substring(equals + 1));
            }
        }
        return environment;
    }

    /** The mapping's property names: each method a kebab-case segment, nested interfaces groups. */
    static List<String> propertyNames(String prefix, Class<?> mapping) {
        List<String> names = new ArrayList<>();
        for (Method method : mapping.getDeclaredMethods()) {
            if (method.isDefault() || Modifier.isStatic(method.getModifiers()) || method.getParameterCount() > 0) {
                continue;
            }
            String name = prefix + "." + method.getName().replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
            Class<?> type = method.getReturnType();
            if (type.isInterface() && type.getDeclaringClass() == ArcfleetConfig.class) {
                names.addAll(propertyNames(name, type));
            } else {
                names.add(name);
            }
        }
        return names;
    }

    /**
     * The cache root is named in three places that must agree: where arcfleet writes (the env file),
     * what the sandbox lets it write (ReadWritePaths=), and what kind mounts into its node.
     */
    @Test
    void cacheRootIsTheOneKindMountsAndTheUnitMayWrite() throws IOException {
        String hostRoot = environmentFile().get("ARCFLEET_CACHE_HOST_ROOT");
        List<String> writable = Files.readString(UNIT).lines().filter(line -> line.startsWith("ReadWritePaths="))
                .flatMap(line -> Stream.of(line.substring("ReadWritePaths=".length()).trim().split("\\s+"))).toList();
        assertEquals(List.of(hostRoot), writable);

        JsonNode kind = new ObjectMapper(new YAMLFactory()).readTree(KIND_CONFIG.toFile());
        List<String> mountedFromHost = new ArrayList<>();
        for (JsonNode node : kind.path("nodes")) {
            for (JsonNode mount : node.path("extraMounts")) {
                if (mount.path("containerPath").asText().equals("/tmp/github-runner-cache")) {
                    mountedFromHost.add(mount.path("hostPath").asText());
                }
            }
        }
        assertEquals(List.of(hostRoot), mountedFromHost);
    }

    /**
     * The three capabilities the cache work needs (docs/caches.md, "Privileges"), ambient because the unit is
     * not root, and nothing more in the bounding set; and chown(2), which ~@privileged would deny, allowed
     * again after it, as systemd applies SystemCallFilter= lines in order.
     */
    @Test
    void capabilitiesAreExactlyWhatTheCacheWorkNeedsAndUsable() throws IOException {
        List<String> lines = Files.readString(UNIT).lines().toList();
        List<String> capabilities = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER");
        for (String key : List.of("AmbientCapabilities=", "CapabilityBoundingSet=")) {
            List<List<String>> values = lines.stream().filter(line -> line.startsWith(key))
                    .map(line -> Stream.of(line.substring(key.length()).trim().split("\\s+")).sorted().toList()).toList();
            assertEquals(List.of(capabilities), values, key);
        }
        List<String> filters = lines.stream().filter(line -> line.startsWith("SystemCallFilter=")).toList();
        assertTrue(filters.indexOf("SystemCallFilter=@chown") > filters.indexOf("SystemCallFilter=~@privileged"),
                () -> "chown(2) must be allowed after ~@privileged: " + filters);
    }

    /** KEY=VALUE lines as systemd reads them; the file uses neither quotes nor continuations. */
    private static Map<String, String> environmentFile() throws IOException {
        Map<String, String> environment = new LinkedHashMap<>();
        for (String line : Files.readAllLines(ENV_FILE)) {
            String trimmed = line.trim();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            int equals = trimmed.indexOf('=');
            assertTrue(equals > 0, () -> "not KEY=VALUE: " + line);
            environment.put(trimmed.substring(0, equals), trimmed.substring(equals + 1));
        }
        return environment;
    }

    private static String systemdAnalyze() throws IOException, InterruptedException {
        Optional<Path> found = onPath("systemd-analyze");
        if (found.isEmpty()) {
            // apt-get update and install, once per machine; generous but bounded.
            Result install = run(Duration.ofMinutes(15), "bash", INSTALL_SCRIPT.toString());
            assertEquals(0, install.exitCode(), () -> INSTALL_SCRIPT + " failed:\n" + install.output());
            found = onPath("systemd-analyze");
        }
        return found.orElseThrow(() -> new AssertionError("systemd-analyze not found after " + INSTALL_SCRIPT)).toString();
    }

    static Optional<Path> onPath(String command) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(directory -> Path.of(directory, command)).filter(Files::isExecutable).findFirst();
    }

    record Result(int exitCode, String output) {
    }

    static Result run(Duration timeout, String... command) throws IOException, InterruptedException {
        Path output = Files.createTempFile("arcfleet-systemd", ".out");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            fail(String.join(" ", command) + " did not finish within " + timeout + ":\n" + read(output));
        }
        return new Result(process.exitValue(), read(output));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
