package dev.arcfleet.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The kubectl commands README and docs/ tell people to run, run as written against the test API server. */
public final class Kubectl {

    private Kubectl() {
    }

    /**
     * The machine's kubectl if there is one, else the one installed beside the test API server
     * (v1.20, whose older kustomize is why the kustomization uses `resources` only).
     */
    public static String path() throws IOException {
        Optional<Path> onPath = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(directory -> Path.of(directory, "kubectl")).filter(Files::isExecutable).findFirst();
        if (onPath.isPresent()) {
            return onPath.get().toString();
        }
        Path installed = Path.of(System.getProperty("user.home"), ".kubeapitest", "k8s");
        try (Stream<Path> versions = Files.list(installed)) {
            return versions.map(version -> version.resolve("kubectl")).filter(Files::isExecutable).sorted().findFirst()
                    .orElseThrow(() -> new AssertionError("no kubectl on PATH nor under " + installed)).toString();
        }
    }

    /** Runs {@code kubectl ARGS} against the test API server; fails unless it exits 0. Returns its output. */
    public static String run(String... args) {
        try {
            List<String> command = new ArrayList<>(List.of(path(), "--kubeconfig", TestApiServer.kubeconfig().toString()));
            command.addAll(List.of(args));
            Path output = Files.createTempFile("kubectl", ".out");
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (!process.waitFor(1, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish within a minute");
            }
            String text = Files.readString(output);
            if (process.exitValue() != 0) {
                throw new AssertionError("kubectl " + String.join(" ", args) + " failed: " + text);
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
