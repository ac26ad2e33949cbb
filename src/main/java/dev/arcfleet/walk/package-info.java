/**
 * Walks of trees that runner jobs write to, done by GNU {@code find} and {@code rm} in child processes.
 * Their fts walk opens every directory {@code O_DIRECTORY|O_NOFOLLOW|O_NONBLOCK} relative to its parent, so a
 * FIFO, socket, device or link swapped in for a directory is never waited on or followed; it stays on one
 * filesystem ({@code -xdev}, {@code --one-file-system}) and descends to any depth with a bounded number of
 * open descriptors. {@link DiskUsage} counts allocated blocks and each hard-linked file once. The JDK's
 * {@code SecureDirectoryStream} can do none of the first three, and the FFM API that could needs Java 22;
 * a child process works the same in the JVM and in the native executable (docs/caches.md, "No walk can block").
 *
 * <p>May import: nothing of arcfleet.
 */
package dev.arcfleet.walk;
