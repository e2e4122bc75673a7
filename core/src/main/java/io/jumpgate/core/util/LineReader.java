package io.jumpgate.core.util;

import java.io.Closeable;
import java.io.IOException;
import java.io.Reader;

/**
 * Reads lines as {@link java.io.BufferedReader#readLine()} does (ended by {@code \n}, {@code \r} or {@code \r\n}), but
 * refuses a line longer than a limit instead of holding all of it in memory: a file whose lines the gateway wrote
 * (recordings, the audit log) that holds a longer one was damaged or written by someone else.
 */
public final class LineReader implements Closeable {
    /** Generous for any line the gateway writes: one asciicast event holds at most one SSH data chunk, escaped. */
    public static final int DEFAULT_MAX_CHARS = 64 << 20;

    /** A line over the limit, named by its 1-based number. */
    public static final class LineTooLongException extends IOException {
        private final long line;

        LineTooLongException(long line, int max) {
            super("line " + line + " is too long (over " + describe(max) + ")");
            this.line = line;
        }

        public long line() {
            return line;
        }
    }

    private final Reader in;
    private final int maxChars;
    private final char[] buf = new char[1 << 16];
    private int pos, limit;
    /** The last line ended in {@code \r}: a {@code \n} right after it belongs to it. */
    private boolean skipLf;
    private long lines;

    public LineReader(Reader in, int maxChars) {
        if (maxChars < 1) throw new IllegalArgumentException("maxChars must be positive");
        this.in = in;
        this.maxChars = maxChars;
    }

    /** The next line without its end, or null at the end of the input. */
    public String readLine() throws IOException {
        StringBuilder partial = null;
        while (true) {
            if (pos >= limit && !fill()) {
                if (partial == null) return null;
                lines++;
                return partial.toString();
            }
            if (skipLf) {
                skipLf = false;
                if (buf[pos] == '\n') {
                    pos++;
                    continue;
                }
            }
            int start = pos;
            while (pos < limit && buf[pos] != '\n' && buf[pos] != '\r') pos++;
            int n = pos - start;
            if ((long) (partial == null ? 0 : partial.length()) + n > maxChars) throw new LineTooLongException(lines + 1, maxChars);
            if (pos < limit) {
                skipLf = buf[pos++] == '\r';
                lines++;
                return partial == null ? new String(buf, start, n) : partial.append(buf, start, n).toString();
            }
            if (partial == null) partial = new StringBuilder(Math.max(16, 2 * n));
            partial.append(buf, start, n);
        }
    }

    /** How many lines {@link #readLine} has returned. */
    public long lineNumber() {
        return lines;
    }

    private boolean fill() throws IOException {
        int n;
        do {
            n = in.read(buf, 0, buf.length);
        } while (n == 0);
        if (n < 0) return false;
        pos = 0;
        limit = n;
        return true;
    }

    private static String describe(int chars) {
        return chars % (1 << 20) == 0 ? (chars >> 20) + " Mi characters" : chars + " characters";
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
