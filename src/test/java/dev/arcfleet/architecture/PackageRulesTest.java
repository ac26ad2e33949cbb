package dev.arcfleet.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Each package says in its {@code package-info.java} which of arcfleet's packages it may import; this holds the
 * code to what they say, keeps the rules free of cycles, and keeps each package to one concern's size.
 */
class PackageRulesTest {

    private static final Path MAIN = Path.of("src/main/java/dev/arcfleet");
    private static final Pattern MAY_IMPORT = Pattern.compile("<p>May import: (.*?)\\.\\s*\\*/", Pattern.DOTALL);
    private static final Pattern ALLOWED = Pattern.compile("\\{@code dev\\.arcfleet\\.(\\w+)}");
    /** An import, or a name written out in full. */
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.arcfleet\\.(\\w+)\\.");
    private static final int MAX_FILES = 12;
    private static final int MAX_LINES = 1_500;

    @Test
    void everyPackageImportsOnlyWhatItsPackageInfoAllows() {
        Map<String, Set<String>> rules = rules();
        List<String> broken = new ArrayList<>();
        rules.forEach((pkg, allowed) -> sources(pkg).forEach(file -> {
            Matcher reference = REFERENCE.matcher(withoutComments(read(file)));
            while (reference.find()) {
                String used = reference.group(1);
                if (!used.equals(pkg) && !allowed.contains(used)) {
                    broken.add(MAIN.relativize(file) + " uses dev.arcfleet." + used);
                }
            }
        }));
        assertEquals(List.of(), broken.stream().distinct().toList());
    }

    @Test
    void theRulesHaveNoCycle() {
        Map<String, Set<String>> rules = rules();
        Set<String> done = new HashSet<>();
        for (String pkg : rules.keySet()) {
            List<String> path = new ArrayList<>();
            assertTrue(acyclic(pkg, rules, done, path), () -> "the rules allow a cycle: " + String.join(" -> ", path));
        }
    }

    @Test
    void noPackageOutgrowsOneConcern() {
        List<String> tooBig = new ArrayList<>();
        rules().keySet().forEach(pkg -> {
            List<Path> files = sources(pkg).toList();
            long lines = files.stream().mapToLong(file -> read(file).lines().count()).sum();
            if (files.size() > MAX_FILES || lines > MAX_LINES) {
                tooBig.add(pkg + ": " + files.size() + " files, " + lines + " lines");
            }
        });
        assertEquals(List.of(), tooBig);
    }

    private static boolean acyclic(String pkg, Map<String, Set<String>> rules, Set<String> done, List<String> path) {
        if (path.contains(pkg)) {
            path.add(pkg);
            return false;
        }
        if (done.contains(pkg)) {
            return true;
        }
        path.add(pkg);
        for (String next : rules.getOrDefault(pkg, Set.of())) {
            if (!acyclic(next, rules, done, path)) {
                return false;
            }
        }
        path.remove(path.size() - 1);
        done.add(pkg);
        return true;
    }

    /** Every main package and what its package-info allows; a package without the rule fails here. */
    private static Map<String, Set<String>> rules() {
        Map<String, Set<String>> rules = new TreeMap<>();
        try (Stream<Path> packages = Files.list(MAIN)) {
            packages.filter(Files::isDirectory).forEach(dir -> {
                String pkg = dir.getFileName().toString();
                Path info = dir.resolve("package-info.java");
                assertTrue(Files.exists(info), pkg + " has no package-info.java saying what lives there and what it may import");
                Matcher rule = MAY_IMPORT.matcher(read(info));
                assertTrue(rule.find(), pkg + "/package-info.java has no '<p>May import:' line");
                Set<String> allowed = new TreeSet<>();
                Matcher each = ALLOWED.matcher(rule.group(1));
                while (each.find()) {
                    allowed.add(each.group(1));
                }
                rules.put(pkg, allowed);
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertTrue(rules.size() > 10, "no packages found under " + MAIN.toAbsolutePath());
        return rules;
    }

    private static Stream<Path> sources(String pkg) {
        try (Stream<Path> files = Files.list(MAIN.resolve(pkg))) {
            return files.filter(file -> file.toString().endsWith(".java") && !file.endsWith("package-info.java"))
                    .sorted().toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String withoutComments(String source) {
        return source.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
