package dev.arcfleet.walk;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What the entries of a directory take on its filesystem, by {@code find -xdev}: allocated blocks ({@code st_blocks * 512}, so
 * a sparse file counts what it occupies, not its length), each hard-linked file once, directories included, at
 * any depth and for any number of entries, without leaving the filesystem or following a link.
 *
 * <p>Not {@code du}: its fts walk checks for directory cycles by device and inode, and aborts (SIGABRT, no sum)
 * when a directory it entered is exchanged for another before it leaves, which a job can do at will.
 *
 * @param bytes allocated bytes of everything below the directory, {@code apart} included
 * @param apartBytes the part of {@code bytes} under the subdirectory counted apart; a file linked both there and
 *        elsewhere counts there
 * @param files regular files, each hard-linked one once
 * @param skipped entries the walk could not count: unreadable, gone while counted, or no longer a directory when
 *        opened (a FIFO, socket or device swapped in), which is then skipped, never opened
 * @param firstSkipped the tool's first messages about them
 * @param stopped whether the caller's {@link Watch} stopped the walk, so the figures are partial
 */
public record DiskUsage(long bytes, long apartBytes, long files, long skipped, List<String> firstSkipped, boolean stopped) {

    /**
     * Hard-linked inodes remembered to count them once. Past this many in one directory, further links count in full:
     * an upper bound, which may clear a cache early but never lets one outgrow its limit, in bounded memory.
     */
    static final int MAX_REMEMBERED_LINKS = 1_000_000;
    /**
     * Per entry, after a mark for whether it bears the name counted apart: depth, inode, link count, 512-byte blocks,
     * type (f, d, l, p, s, c, b), and the starting point it was found under. Nothing of the names a job chose.
     */
    private static final String ENTRY_FORMAT = " %d %i %n %b %y %H\\n";

    /**
     * Measures what is below each of {@code directories}, entries of {@code parent}, but their entries {@code leftOut},
     * with their subdirectory {@code apart} (where there is one) counted separately: all with one walk, each exactly as
     * if measured alone, hard links counted once per directory. {@code parent} is entered by path, so it must be out of
     * reach of those who write below the directories; a directory that is a link, FIFO or anything else by the time the
     * walk reaches it is neither followed nor opened.
     *
     * @return per directory the walk entered, its usage; one that was gone, not a directory or unreadable is left out,
     *         unless the walk was stopped, which every directory's usage then says
     * @throws IOException if {@code find} failed, or said something of no one directory, so that which one it was about
     *         is unknown: measured alone, each would say which
     */
    public static Map<String, DiskUsage> ofEach(Path parent, List<String> directories, List<String> leftOut,
            Optional<String> apart, Watch watch) throws IOException {
        if (directories.isEmpty()) {
            // find would walk its working directory, parent.
            return Map.of();
        }
        Walk walk = new Walk(directories);
        List<String> command = new ArrayList<>(List.of("find"));
        command.addAll(walk.byStart.keySet());
        command.add("-xdev");
        if (!leftOut.isEmpty()) {
            // By name first: only an entry so named pays for a path test per directory.
            command.add("(");
            command.addAll(either(leftOut.stream().map(name -> List.of("-name", glob(name)))));
            command.addAll(List.of(")", "("));
            command.addAll(either(walk.byStart.keySet().stream()
                    .flatMap(start -> leftOut.stream().map(name -> List.of("-path", glob(start) + "/" + glob(name))))));
            command.addAll(List.of(")", "-prune", "-o"));
        }
        // Only the mark of an entry right below a starting point counts: deeper ones are a job's names.
        apart.ifPresent(name -> command.addAll(List.of("-name", glob(name), "-printf", "a" + ENTRY_FORMAT, "-o")));
        command.addAll(List.of("-printf", "-" + ENTRY_FORMAT));
        Tool.Result result = Tool.run(parent, watch, walk::entry, walk::diagnostic, command.toArray(String[]::new));
        if (!result.stopped() && !walk.unattributed.isEmpty()) {
            throw new IOException("find said something of none of the " + walk.byStart.size() + " directories it walked: "
                    + walk.unattributed.get(0));
        }
        if (result.exitCode() != 0 && result.diagnostics() == 0 && !result.stopped()) {
            throw new IOException("find exited with " + result.exitCode() + " without saying why");
        }
        return walk.usages(result.stopped());
    }

    /** {@code name} as a pattern of {@code find -name} or {@code -path} that matches only itself. */
    private static String glob(String name) {
        return name.replaceAll("([\\\\*?\\[])", "\\\\$1");
    }

    /** The tests, each a list of arguments, joined by {@code -o}. */
    private static List<String> either(Stream<List<String>> tests) {
        List<String> joined = new ArrayList<>();
        tests.forEach(test -> {
            if (!joined.isEmpty()) {
                joined.add("-o");
            }
            joined.addAll(test);
        });
        return joined;
    }

    /** One walk's figures, per starting point; fed by the tool's output reader and its diagnostics reader. */
    private static final class Walk {

        /** Per starting point, {@code ./} and the directory's name (so that no name reads as an option), its figures. */
        final Map<String, Tally> byStart = new LinkedHashMap<>();
        /** Diagnostics that name no starting point; read by the diagnostics reader only until the tool ends. */
        final List<String> unattributed = new ArrayList<>();
        /**
         * Output reader only: the hard-linked inodes seen in the directory being walked, and whether each was counted
         * apart. The tool walks one starting point after the other, so these are dropped at the next: memory for one
         * directory's links at a time.
         */
        private final Map<Long, Boolean> linked = new HashMap<>();
        private Tally current;

        Walk(List<String> directories) {
            for (String directory : directories) {
                if (directory.isEmpty() || directory.contains("/") || directory.contains("\n") || directory.equals(".")
                        || directory.equals("..")) {
                    throw new IllegalArgumentException("not a single entry name: " + directory);
                }
                byStart.put("./" + directory, new Tally());
            }
        }

        void entry(String line) {
            String[] fields = line.split(" ", 7);
            Tally tally = fields.length == 7 ? byStart.get(fields[6]) : null;
            if (tally == null) {
                return;
            }
            if (tally != current) {
                linked.clear();
                current = tally;
            }
            int depth = Integer.parseInt(fields[1]);
            boolean directory = fields[5].equals("d");
            if (depth == 0) {
                tally.entered = directory;
                return;
            }
            if (depth == 1) {
                tally.inApart = fields[0].equals("a");
            }
            long inode = Long.parseLong(fields[2]);
            long links = Long.parseLong(fields[3]);
            long bytes = Long.parseLong(fields[4]) * 512;
            if (links > 1 && !directory) {
                Boolean countedApart = linked.get(inode);
                if (countedApart != null) {
                    if (tally.inApart && !countedApart) {
                        // Met before the subdirectory counted apart, which the walk reaches in no set order.
                        tally.apartBytes += bytes;
                        linked.put(inode, true);
                    }
                    return;
                }
                if (linked.size() < MAX_REMEMBERED_LINKS) {
                    linked.put(inode, tally.inApart);
                }
            }
            tally.bytes += bytes;
            if (tally.inApart) {
                tally.apartBytes += bytes;
            }
            if (fields[5].equals("f")) {
                tally.files++;
            }
        }

        /**
         * Counts {@code line} for the starting point whose path it quotes first ({@code find: './name/...': why}), or for
         * the only one; one about the starting point itself means it was not entered.
         */
        void diagnostic(String line) {
            int quote = line.indexOf("'./");
            Tally tally = null;
            boolean aboutStart = false;
            if (quote >= 0) {
                int end = quote + 3;
                while (end < line.length() && line.charAt(end) != '/' && line.charAt(end) != '\'') {
                    end++;
                }
                tally = byStart.get(line.substring(quote + 1, end));
                aboutStart = end < line.length() && line.charAt(end) == '\'';
            }
            if (tally == null && byStart.size() == 1) {
                tally = byStart.values().iterator().next();
            }
            if (tally == null) {
                Tool.keep(unattributed, line);
                return;
            }
            tally.unentered |= aboutStart;
            tally.skipped++;
            Tool.keep(tally.firstSkipped, line);
        }

        Map<String, DiskUsage> usages(boolean stopped) {
            Map<String, DiskUsage> usages = new HashMap<>();
            byStart.forEach((start, tally) -> {
                if (stopped || tally.entered && !tally.unentered) {
                    usages.put(start.substring(2), new DiskUsage(tally.bytes, tally.apartBytes, tally.files, tally.skipped,
                            List.copyOf(tally.firstSkipped), stopped));
                }
            });
            return usages;
        }
    }

    /** One directory's figures: those of entries written by the output reader, those of diagnostics by the other. */
    private static final class Tally {

        long bytes;
        long apartBytes;
        long files;
        boolean entered;
        /** Whether the entry being counted is in the subdirectory counted apart. */
        boolean inApart;
        long skipped;
        final List<String> firstSkipped = new ArrayList<>();
        boolean unentered;
    }
}
