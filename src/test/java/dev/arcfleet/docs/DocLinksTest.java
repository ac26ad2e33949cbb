package dev.arcfleet.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Every relative link in README.md and docs/**.md leads somewhere: to a file or directory that exists and, with a
 * {@code #anchor}, to a heading of that file, slugged as GitHub slugs headings. Links to http(s) and mailto are
 * not followed. Links in fenced code blocks and code spans are not links.
 */
class DocLinksTest {

    private static final Pattern FENCE = Pattern.compile("^\\s*(```|~~~)");
    private static final Pattern CODE_SPAN = Pattern.compile("(`+)(?:(?!\\1)(?!\n\n).)+?\\1", Pattern.DOTALL);
    private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    private static final Pattern HEADING = Pattern.compile("^ {0,3}(#{1,6})\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern HTML_ANCHOR = Pattern.compile("<a\\s+(?:name|id)=\"([^\"]+)\"");

    @Test
    void everyRelativeLinkResolves() throws IOException {
        List<Path> documents = documents();
        assertTrue(documents.contains(Path.of("README.md")) && documents.size() > 1, "no documents found: " + documents);
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path document : documents) {
            for (String target : links(Files.readString(document))) {
                if (target.matches("(?i)(https?|mailto):.*")) {
                    continue;
                }
                checked++;
                broken.addAll(problem(document, target));
            }
        }
        assertTrue(checked > 20, "hardly any relative links found (" + checked + "): is the link pattern right?");
        assertEquals(List.of(), broken, "broken links");
    }

    @Test
    void slugsFollowGitHub() {
        assertEquals(List.of("arcfleet-status", "the-0347-run", "where-a-starts-time-goes", "status-metrics-events-and-logs",
                "end-to-end-the-evenings-runs", "build-and-test", "build-and-test-1"),
                slugs("## `arcfleet status`\n## The 03:47 run\n### Where a start's time goes\n"
                        + "## Status, metrics, events and logs\n## End to end: the evening's runs\n"
                        + "## Build and test\n```\n# not a heading\n```\n## Build and test\n"));
        assertEquals(List.of("docs/x.md#nope", "docs/caches.md#privileges", "https://example.com"),
                links("See [a](docs/x.md#nope) and `[b](not/a/link.md)` and [c,\nd](docs/caches.md#privileges).\n"
                        + "```\n[e](in/a/fence.md)\n```\n[f](https://example.com)\n"));
    }

    private static List<String> problem(Path document, String target) {
        String decoded = URLDecoder.decode(target.replace("+", "%2B"), StandardCharsets.UTF_8);
        int hash = decoded.indexOf('#');
        String file = hash < 0 ? decoded : decoded.substring(0, hash);
        String anchor = hash < 0 ? null : decoded.substring(hash + 1);
        Path resolved = file.isEmpty() ? document : document.resolveSibling(file).normalize();
        if (!Files.exists(resolved)) {
            return List.of(document + ": " + target + " (no such file: " + resolved + ")");
        }
        if (anchor == null) {
            return List.of();
        }
        if (Files.isDirectory(resolved)) {
            return List.of(document + ": " + target + " (an anchor into a directory)");
        }
        try {
            String text = Files.readString(resolved);
            Set<String> anchors = new LinkedHashSet<>(slugs(text));
            Matcher html = HTML_ANCHOR.matcher(text);
            while (html.find()) {
                anchors.add(html.group(1));
            }
            return anchors.contains(anchor) ? List.of()
                    : List.of(document + ": " + target + " (no heading #" + anchor + " in " + resolved + ")");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** README.md and every Markdown file under docs/, in a stable order. */
    private static List<Path> documents() throws IOException {
        List<Path> documents = new ArrayList<>(List.of(Path.of("README.md")));
        try (Stream<Path> files = Files.walk(Path.of("docs"))) {
            files.filter(path -> path.toString().endsWith(".md")).sorted().forEach(documents::add);
        }
        return documents;
    }

    /** The targets of the inline links outside code. */
    static List<String> links(String markdown) {
        String prose = CODE_SPAN.matcher(withoutFences(markdown)).replaceAll("");
        List<String> targets = new ArrayList<>();
        Matcher link = LINK.matcher(prose);
        while (link.find()) {
            targets.add(link.group(1));
        }
        return targets;
    }

    /** The anchors GitHub gives the headings outside code, duplicates numbered -1, -2, ... */
    static List<String> slugs(String markdown) {
        List<String> slugs = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String line : withoutFences(markdown).split("\n", -1)) {
            Matcher heading = HEADING.matcher(line);
            if (heading.matches()) {
                String slug = slug(heading.group(2));
                int count = seen.merge(slug, 1, Integer::sum);
                slugs.add(count == 1 ? slug : slug + "-" + (count - 1));
            }
        }
        return slugs;
    }

    /**
     * GitHub's rule: the heading's text (a link counts by its text), lower-cased, without punctuation but
     * {@code -} and {@code _}, each space a {@code -}.
     */
    static String slug(String heading) {
        String text = heading.replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1");
        return text.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}\\p{M} _-]", "").replace(' ', '-');
    }

    /** The text with every fenced code block blanked, line count kept. */
    private static String withoutFences(String markdown) {
        StringBuilder out = new StringBuilder();
        boolean inFence = false;
        for (String line : markdown.split("\n", -1)) {
            boolean fence = FENCE.matcher(line).find();
            out.append(inFence || fence ? "" : line).append('\n');
            if (fence) {
                inFence = !inFence;
            }
        }
        return out.toString();
    }
}
