package io.jumpgate.gateway.recording;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

/**
 * Drop-behind for files written once and rarely read back (recordings): tells Linux that a file's pages, already
 * written to disk, are not needed in memory ({@code posix_fadvise(POSIX_FADV_DONTNEED)}, through JNA). A long
 * recording then recycles a few megabytes of page cache instead of growing it by its whole size, pushing out what
 * other processes have cached. Only clean pages are dropped, so call it after a sync. Elsewhere than Linux, or when
 * the native call cannot be made, it does nothing.
 */
final class PageCache {
    private static final Logger LOG = LoggerFactory.getLogger(PageCache.class);
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final int POSIX_FADV_DONTNEED = 4;
    private static final LibC LIBC = load();

    /** The three libc calls used. */
    interface LibC extends Library {
        int open(String path, int flags);

        int posix_fadvise(int fd, long offset, long len, int advice);

        int close(int fd);
    }

    private PageCache() {}

    private static LibC load() {
        if (!Platform.isLinux()) return null;
        try {
            return Native.load("c", LibC.class);
        } catch (LinkageError | RuntimeException e) {
            LOG.info("recordings stay in the page cache after they are written (no native posix_fadvise: {})", e.toString());
            return null;
        }
    }

    /** Can pages be dropped here? */
    static boolean available() {
        return LIBC != null;
    }

    /**
     * Drops the cached pages of {@code file}'s first {@code length} bytes that are clean (written back).
     *
     * @return false when nothing could be asked of the kernel (not available, file gone, or the call failed)
     */
    static boolean dropWrittenBack(Path file, long length) {
        if (LIBC == null || length <= 0) return false;
        try {
            int fd = LIBC.open(file.toString(), O_RDONLY | O_CLOEXEC);
            if (fd < 0) return false;
            try {
                return LIBC.posix_fadvise(fd, 0, length, POSIX_FADV_DONTNEED) == 0;
            } finally {
                LIBC.close(fd);
            }
        } catch (LinkageError | RuntimeException e) {
            LOG.debug("cannot drop cached pages of {}", file, e);
            return false;
        }
    }
}
