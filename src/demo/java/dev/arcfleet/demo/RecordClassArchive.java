package dev.arcfleet.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * native/record-class-archive.sh: records target/quarkus-app/arcfleet.jsa, the class archive of a whole
 * start (README, Run), against the demo's embedded API server, so no cluster is touched.
 */
public final class RecordClassArchive {

    private static final Duration READY_WITHIN = Duration.ofMinutes(3);

    private RecordClassArchive() {
    }

    public static void main(String[] args) throws IOException {
        Path jar = Path.of(args[0]);
        Path archive = jar.resolveSibling(Demo.CLASS_ARCHIVE);
        System.out.println("arcfleet: recording a start of " + jar + " against an embedded API server ...");
        Demo.start().recordClassArchive(jar, archive, READY_WITHIN);
        System.out.printf("""

                arcfleet: wrote %s (%d MiB). Start with it (README, Run):
                  java $JAVA_OPTS %s -jar %s
                It holds this build's classes for this JDK: record it again after a rebuild or a JDK update.
                A stale archive is ignored with a warning.

                """, archive, Files.size(archive) >> 20, Demo.useClassArchive(archive), jar);
        System.exit(0);
    }
}
