package dev.arcfleet.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The JVM options README gives are the ones the demo, DemoIT and the benchmarks launch with, and every
 * JVM command in README uses them, with at most the class archive added (Run): the figures in README are
 * measured with what users run.
 */
class JvmOptionsTest {

    private static final Pattern JAVA_OPTS = Pattern.compile("^JAVA_OPTS=\"([^\"]*)\"$", Pattern.MULTILINE);
    private static final Pattern JAR_COMMAND = Pattern.compile("java ([^`\\n]*)-jar target/quarkus-app/quarkus-run\\.jar");

    @Test
    void readmeGivesTheOptionsTheDemoLaunchesWith() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        Matcher options = JAVA_OPTS.matcher(readme);
        assertTrue(options.find(), "README's Run section sets JAVA_OPTS");
        assertEquals(String.join(" ", Demo.JVM_OPTIONS), options.group(1));

        Matcher commands = JAR_COMMAND.matcher(readme);
        int count = 0;
        while (commands.find()) {
            count++;
            String archived = "$JAVA_OPTS " + Demo.useClassArchive(Path.of("target/quarkus-app", Demo.CLASS_ARCHIVE)) + " ";
            assertTrue(List.of("$JAVA_OPTS ", archived).contains(commands.group(1)),
                    "README runs the JVM build with $JAVA_OPTS, and at most the class archive besides: " + commands.group());
        }
        assertTrue(count > 1, "README shows how to run the JVM build");
        assertEquals(List.of(), List.of(readme.lines().filter(line -> line.contains("java -XX")).toArray()),
                "no JVM command in README spells out options of its own");
    }
}
