package io.jumpgate.core.audit;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks a hash-chained audit log and names the first line where the chain breaks. */
public final class AuditVerifier {
    private AuditVerifier() {}

    /** @param lines how many lines were verified; {@code badLine} is 1-based, 0 when the log is intact */
    public record Result(long lines, long badLine, String problem) {
        public boolean ok() {
            return badLine == 0;
        }
    }

    public static Result verify(Path file) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String prev = null;
            long expectedSeq = -1;
            long n = 0;
            String text;
            while ((text = r.readLine()) != null) {
                n++;
                HashChain.Line line = HashChain.parse(text);
                if (line == null) {
                    return new Result(n, n, "line " + n + " is not a chained audit record (torn or edited)");
                }
                if (!HashChain.selfConsistent(line)) {
                    return new Result(n, n, "line " + n + " (seq " + line.seq() + ") was edited: its hash does not match its content");
                }
                if (prev == null) {
                    // The first line may start a fresh chain (seq 1, genesis) or follow a rotated file.
                    if (line.seq() == 1 && !line.prev().equals(HashChain.GENESIS)) {
                        return new Result(n, n, "line 1 has seq 1 but does not start from the genesis hash");
                    }
                } else {
                    if (line.seq() != expectedSeq) {
                        String what = line.seq() > expectedSeq ? "deleted before it" : "out of order";
                        return new Result(n, n, "line " + n + " has seq " + line.seq() + " where " + expectedSeq
                                + " was expected: a line was " + what);
                    }
                    if (!line.prev().equals(prev)) {
                        return new Result(n, n, "line " + n + " (seq " + line.seq()
                                + ") does not chain to the line before it: a line was edited, deleted or reordered");
                    }
                }
                prev = line.hash();
                expectedSeq = line.seq() + 1;
            }
            return new Result(n, 0, null);
        }
    }
}
