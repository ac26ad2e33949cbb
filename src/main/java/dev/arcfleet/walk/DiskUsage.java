package dev.arcfleet.walk;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

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
     * Hard-linked inodes remembered to count them once. Past this many, further links count in full: an upper
     * bound, which may clear a cache early but never lets one outgrow its limit, in bounded memory.
     */
    static final int MAX_REMEMBERED_LINKS = 1_000_000;
    /** Per entry: inode, link count, 512-byte blocks, type (f, d, l, p, s, c, b). Nothing of the name. */
    private static final String ENTRY_FORMAT = "%i %n %b %y\\n";

    /**
     * Measures what is below {@code directory} but its entries {@code leftOut}, with its subdirectory {@code apart}
     * (when there is one) counted separately. {@code directory} is entered by path, so it must be out of reach of
     * those who write below it.
     */
    public static DiskUsage of(Path directory, List<String> leftOut, Optional<String> apart, Watch watch) throws IOException {
        Tally tally = new Tally();
        List<String> firstSkipped = new ArrayList<>();
        long skipped = 0;
        long apartBytes = 0;
        if (apart.isPresent()) {
            Tool.Result result = Tool.run(directory, watch, tally::add, "find", "./" + apart.get(), "-xdev", "-printf", ENTRY_FORMAT);
            if (result.stopped()) {
                return new DiskUsage(tally.bytes, tally.bytes, tally.files, result.diagnostics(), result.firstDiagnostics(), true);
            }
            skipped += result.diagnostics();
            firstSkipped.addAll(result.firstDiagnostics());
            apartBytes = tally.bytes;
        }
        List<String> walk = new ArrayList<>(List.of("find", ".", "-xdev", "-mindepth", "1"));
        List<String> pruned = new ArrayList<>(leftOut);
        apart.ifPresent(pruned::add);
        for (String name : pruned) {
            walk.addAll(List.of("-path", "./" + name, "-prune", "-o"));
        }
        walk.addAll(List.of("-printf", ENTRY_FORMAT));
        Tool.Result result = Tool.run(directory, watch, tally::add, walk.toArray(String[]::new));
        skipped += result.diagnostics();
        firstSkipped.addAll(result.firstDiagnostics());
        if (result.exitCode() != 0 && result.diagnostics() == 0 && !result.stopped()) {
            throw new IOException("find exited with " + result.exitCode() + " without saying why");
        }
        return new DiskUsage(tally.bytes, apartBytes, tally.files, skipped, List.copyOf(firstSkipped), result.stopped());
    }

    /** Running totals; fed by one thread at a time, the tool's output reader. */
    private static final class Tally {

        private final Set<Long> linked = new HashSet<>();
        long bytes;
        long files;

        void add(String line) {
            String[] fields = line.split(" ");
            if (fields.length != 4) {
                return;
            }
            long inode = Long.parseLong(fields[0]);
            long links = Long.parseLong(fields[1]);
            boolean file = fields[3].equals("f");
            if (links > 1 && !fields[3].equals("d")) {
                if (linked.contains(inode)) {
                    return;
                }
                if (linked.size() < MAX_REMEMBERED_LINKS) {
                    linked.add(inode);
                }
            }
            bytes += Long.parseLong(fields[2]) * 512;
            if (file) {
                files++;
            }
        }
    }
}
