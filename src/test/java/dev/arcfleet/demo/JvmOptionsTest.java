package dev.arcfleet.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The JVM options README gives (Run) are the ones the demo, DemoIT and the benchmarks launch with, and every
 * JVM command in README and in docs/ uses them, with at most the class archive added (docs/jvm.md, "The class
 * archive"): the figures in the docs are measured with what users run.
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

        assertTrue(commands(Path.of("README.md"), readme) > 1, "README shows how to run the JVM build");
        int count = 0;
        for (Path document : documents()) {
            String text = Files.readString(document);
            Matcher elsewhere = JAVA_OPTS.matcher(text);
            while (elsewhere.find()) {
                assertEquals(String.join(" ", Demo.JVM_OPTIONS), elsewhere.group(1), document + " sets other JAVA_OPTS");
            }
            count += commands(document, text);
            assertEquals(List.of(), List.of(text.lines().filter(line -> line.contains("java -XX")).toArray()),
                    "no JVM command in " + document + " spells out options of its own");
        }
        assertTrue(count > 1, "README and docs/ show how to run the JVM build");
    }

    /** Checks each JVM command of the document; returns how many there are. */
    private static int commands(Path document, String text) {
        Matcher commands = JAR_COMMAND.matcher(text);
        int count = 0;
        while (commands.find()) {
            count++;
            String archived = "$JAVA_OPTS " + Demo.useClassArchive(Path.of("target/quarkus-app", Demo.CLASS_ARCHIVE)) + " ";
            assertTrue(List.of("$JAVA_OPTS ", archived).contains(commands.group(1)),
                    document + " runs the JVM build with $JAVA_OPTS, and at most the class archive besides: " + commands.group());
        }
        return count;
    }

    /** README.md and every Markdown file under docs/. */
    private static List<Path> documents() throws IOException {
        List<Path> documents = new ArrayList<>(List.of(Path.of("README.md")));
        try (Stream<Path> files = Files.walk(Path.of("docs"))) {
            files.filter(path -> path.toString().endsWith(".md")).sorted().forEach(documents::add);
        }
        return documents;
    }
}
