package io.jumpgate.core.audit;

import io.jumpgate.core.util.LineReader;

import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a hash-chained audit log and names the first line where the chain breaks. The chain alone shows edits,
 * deletions and reordering inside the file, but not a cut tail, nor a file re-chained from some point on by someone
 * who can write it: for those, compare with anchors (a line's {@code seq} and hash) kept somewhere else, such as
 * the gateway's operator log, where it logs the chain's head (see {@link Anchor}).
 */
public final class AuditVerifier {
    private AuditVerifier() {}

    /**
     * @param lines    how many lines were verified
     * @param badLine  1-based, 0 when the log is intact
     * @param head     the last line's seq and hash (null for an empty log, or when the chain broke)
     */
    public record Result(long lines, long badLine, String problem, Anchor head) {
        public boolean ok() {
            return badLine == 0;
        }
    }

    /** A line of the chain as recorded elsewhere: its {@code seq} and hash. Written and parsed as {@code SEQ:HASH}. */
    public record Anchor(long seq, String hash) {
        public Anchor {
            if (seq < 1) throw new IllegalArgumentException("an anchor's seq starts at 1, not " + seq);
            if (hash == null || !hash.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("an anchor's hash is 64 lower-case hex digits (SHA-256)");
            }
        }

        /** {@code SEQ:HASH}, as {@link #toString} writes it. */
        public static Anchor parse(String text) {
            int colon = text == null ? -1 : text.indexOf(':');
            if (colon < 1) throw new IllegalArgumentException("an anchor is SEQ:HASH, e.g. 1042:3fa9…; got '" + text + "'");
            long seq;
            try {
                seq = Long.parseLong(text.substring(0, colon));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("an anchor's seq is a number; got '" + text.substring(0, colon) + "'");
            }
            return new Anchor(seq, text.substring(colon + 1));
        }

        @Override
        public String toString() {
            return seq + ":" + hash;
        }
    }

    public static Result verify(Path file) throws IOException {
        return verify(file, List.of());
    }

    /**
     * Also checks that every one of {@code anchors} is still in the log, unchanged: a log that no longer reaches an
     * anchor's seq was cut; one whose line at that seq has another hash was rewritten from there or before.
     */
    public static Result verify(Path file, List<Anchor> anchors) throws IOException {
        return verify(file, anchors, null);
    }

    /**
     * As {@link #verify(Path, List)}, for a log that must start at seq 1 from the genesis hash (the gateway starts
     * every log so): one that starts later lost its first lines. A file split off an earlier one by hand names that
     * file's last line as {@code after}, and must then start right after it, chained to it.
     */
    public static Result verify(Path file, List<Anchor> anchors, Anchor after) throws IOException {
        Map<Long, List<Anchor>> expected = new HashMap<>();
        for (Anchor a : anchors) expected.computeIfAbsent(a.seq(), k -> new ArrayList<>()).add(a);
        Set<Long> found = new HashSet<>();
        long firstSeq = -1;
        // Decoded strictly, as Files.newBufferedReader does; lines are read with a size limit (the gateway writes
        // short ones), so a damaged file is reported, not held in memory.
        try (LineReader r = new LineReader(new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8.newDecoder()),
                LineReader.DEFAULT_MAX_CHARS)) {
            String prev = null;
            long expectedSeq = -1;
            long n = 0;
            HashChain.Line last = null;
            String text;
            while ((text = r.readLine()) != null) {
                n++;
                HashChain.Line line = HashChain.parse(text);
                if (line == null) {
                    return new Result(n, n, "line " + n + " is not a chained audit record (torn or edited)", null);
                }
                if (line.seq() < 1) {
                    return new Result(n, n, "line " + n + " has seq " + line.seq() + ": a chain starts at seq 1", null);
                }
                if (!HashChain.selfConsistent(line)) {
                    return new Result(n, n, "line " + n + " (seq " + line.seq() + ") was edited: its hash does not match its content", null);
                }
                if (prev == null) {
                    if (after == null && line.seq() != 1) {
                        long missing = line.seq() - 1;
                        return new Result(n, n, "line 1 has seq " + line.seq() + ": " + missing
                                + (missing == 1 ? " line before it is" : " lines before it are") + " missing (cut from the front; a log starts at"
                                + " seq 1, and a file split off another is verified with --after SEQ:HASH of that file's head)", null);
                    }
                    if (after == null && !line.prev().equals(HashChain.GENESIS)) {
                        return new Result(n, n, "line 1 has seq 1 but does not start from the genesis hash", null);
                    }
                    if (after != null && (line.seq() != after.seq() + 1 || !line.prev().equals(after.hash()))) {
                        return new Result(n, n, "line 1 (seq " + line.seq() + ") does not follow " + after
                                + ": lines between them are missing, or the file before it was another", null);
                    }
                    firstSeq = line.seq();
                } else {
                    if (line.seq() != expectedSeq) {
                        String what = line.seq() > expectedSeq ? "deleted before it" : "out of order";
                        return new Result(n, n, "line " + n + " has seq " + line.seq() + " where " + expectedSeq
                                + " was expected: a line was " + what, null);
                    }
                    if (!line.prev().equals(prev)) {
                        return new Result(n, n, "line " + n + " (seq " + line.seq()
                                + ") does not chain to the line before it: a line was edited, deleted or reordered", null);
                    }
                }
                for (Anchor a : expected.getOrDefault(line.seq(), List.of())) { // two different anchors for a seq: one fails
                    if (!a.hash().equals(line.hash())) {
                        return new Result(n, n, "line " + n + " (seq " + line.seq() + ") is not the line anchored as "
                                + a + ": the log was rewritten from there or before", null);
                    }
                    found.add(line.seq());
                }
                prev = line.hash();
                expectedSeq = line.seq() + 1;
                last = line;
            }
            Anchor head = last == null ? null : new Anchor(last.seq(), last.hash());
            for (Anchor a : anchors) {
                if (found.contains(a.seq())) continue;
                if (last == null || a.seq() > last.seq()) {
                    return new Result(n, n + 1, "the log ends " + (last == null ? "empty" : "at seq " + last.seq())
                            + " but was anchored at seq " + a.seq() + ": its tail was cut", head);
                }
                return new Result(n, 1, "the log starts at seq " + firstSeq + ", after the anchor at seq " + a.seq()
                        + " (rotated, or cut from the front)", head);
            }
            return new Result(n, 0, null, head);
        } catch (LineReader.LineTooLongException e) {
            return new Result(e.line(), e.line(), e.getMessage() + ": not an audit record (damaged, or not an audit log)", null);
        }
    }
}
