package io.jumpgate.core.audit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuditChainTest {
    @TempDir
    Path dir;

    private Path writeLog(int events) throws Exception {
        Path f = dir.resolve("audit").resolve("audit.jsonl");
        try (JsonLinesAuditLog log = new JsonLinesAuditLog(f, false)) {
            for (int i = 0; i < events; i++) {
                log.emit(AuditEvent.builder(AuditType.FORWARD_DENIED, Instant.parse("2026-11-21T10:00:00Z").plusSeconds(i))
                        .outcome(Outcome.DENIED, "unknown_target").session("s" + i).user("alice")
                        .source("127.0.0.9:5000" + i).target("web_" + i, null, 22).field("detail", "line \"" + i + "\"\n")
                        .build());
            }
        }
        return f;
    }

    private static List<String> lines(Path f) throws Exception {
        return new ArrayList<>(Files.readAllLines(f, StandardCharsets.UTF_8));
    }

    private static void write(Path f, List<String> lines) throws Exception {
        Files.write(f, lines, StandardCharsets.UTF_8);
    }

    @Test
    void anInterruptedCallerDoesNotCloseTheLogForEveryoneElse() throws Exception {
        Path f = dir.resolve("audit").resolve("audit.jsonl");
        try (JsonLinesAuditLog log = new JsonLinesAuditLog(f, true)) {
            Thread.currentThread().interrupt(); // e.g. a session thread being stopped while it audits its end
            try {
                log.emit(event(1));
            } finally {
                assertTrue(Thread.interrupted(), "the caller's interrupt is left for it to handle");
            }
            Thread other = new Thread(() -> log.emit(event(2)));
            other.start();
            other.join(10_000);
            log.emit(event(3));
        }
        assertEquals(3, lines(f).size());
        assertTrue(AuditVerifier.verify(f).ok());
    }

    private static AuditEvent event(int i) {
        return AuditEvent.builder(AuditType.SESSION_CLOSED, Instant.parse("2026-11-21T10:00:00Z").plusSeconds(i))
                .outcome(Outcome.SUCCESS, "ok").session("s" + i).user("alice").build();
    }

    @Test
    void untouchedLogVerifies() throws Exception {
        Path f = writeLog(5);
        AuditVerifier.Result r = AuditVerifier.verify(f);
        assertTrue(r.ok(), r.problem());
        assertEquals(5, r.lines());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    }

    @Test
    void eventsCarrySharedMetadata() throws Exception {
        Path f = writeLog(1);
        String line = lines(f).get(0);
        for (String key : List.of("\"seq\":1", "\"prev\":\"", "\"id\":", "\"time\":\"2026-11-21T10:00:00Z\"",
                "\"event\":\"forward.denied\"", "\"outcome\":\"denied\"", "\"code\":\"unknown_target\"", "\"session\":\"s0\"",
                "\"user\":\"alice\"", "\"source\":\"127.0.0.9:50000\"", "\"target\":{\"name\":\"web_0\",\"address\":null,\"port\":22}",
                "\"hash\":\"")) {
            assertTrue(line.contains(key), key + " missing from " + line);
        }
    }

    @Test
    void editedLineIsNamed() throws Exception {
        Path f = writeLog(5);
        List<String> l = lines(f);
        l.set(2, l.get(2).replace("\"user\":\"alice\"", "\"user\":\"mallory\""));
        write(f, l);
        AuditVerifier.Result r = AuditVerifier.verify(f);
        assertFalse(r.ok());
        assertEquals(3, r.badLine());
        assertTrue(r.problem().contains("line 3"), r.problem());
    }

    @Test
    void editedLineWithRecomputedHashIsCaughtByTheNextLine() throws Exception {
        Path f = writeLog(5);
        List<String> l = lines(f);
        HashChain.Line orig = HashChain.parse(l.get(1));
        String body = l.get(1).substring(l.get(1).indexOf(",\"id\""), l.get(1).lastIndexOf(",\"hash\""))
                .replace("alice", "mallory");
        l.set(1, HashChain.link(orig.seq(), orig.prev(), "{" + body.substring(1) + "}").text());
        write(f, l);
        AuditVerifier.Result r = AuditVerifier.verify(f);
        assertEquals(3, r.badLine(), r.problem());
    }

    @Test
    void deletedLineIsNamed() throws Exception {
        Path f = writeLog(5);
        List<String> l = lines(f);
        l.remove(1);
        write(f, l);
        AuditVerifier.Result r = AuditVerifier.verify(f);
        assertEquals(2, r.badLine());
        assertTrue(r.problem().contains("deleted"), r.problem());
    }

    @Test
    void reorderedLinesAreNamed() throws Exception {
        Path f = writeLog(5);
        List<String> l = lines(f);
        String a = l.get(2);
        l.set(2, l.get(3));
        l.set(3, a);
        write(f, l);
        AuditVerifier.Result r = AuditVerifier.verify(f);
        assertEquals(3, r.badLine());
    }

    @Test
    void restartContinuesTheChain() throws Exception {
        Path f = writeLog(3);
        try (JsonLinesAuditLog log = new JsonLinesAuditLog(f, true)) {
            log.emit(AuditEvent.builder(AuditType.GATEWAY_STARTED, Instant.now()).outcome(Outcome.INFO, "ok").build());
        }
        AuditVerifier.Result r = AuditVerifier.verify(f);
        assertTrue(r.ok(), r.problem());
        assertEquals(4, r.lines());
        assertTrue(lines(f).get(3).startsWith("{\"seq\":4,"));
    }

    @Test
    void aTornLastLineIsSetAsideAndTheChainGoesOnVerifiably() throws Exception {
        Path f = writeLog(2);
        long before = Files.size(f);
        // A crash mid-write, inside a multi-byte character: the torn bytes are kept exactly as they were.
        byte[] torn = "{\"seq\":3,\"prev\":\"abc ü".getBytes(StandardCharsets.UTF_8);
        Files.write(f, java.util.Arrays.copyOf(torn, torn.length - 1), java.nio.file.StandardOpenOption.APPEND);
        try (JsonLinesAuditLog log = new JsonLinesAuditLog(f, false)) {
            assertEquals(2, log.head().seq());
            log.emit(AuditEvent.builder(AuditType.GATEWAY_STARTED, Instant.now()).outcome(Outcome.INFO, "ok").build());
        }
        List<String> l = lines(f);
        assertEquals(3, l.size());
        assertTrue(l.get(2).startsWith("{\"seq\":3,"), "chain continues from the last complete line");
        AuditVerifier.Result r = AuditVerifier.verify(f);
        assertTrue(r.ok(), "what was written after the crash verifies: " + r.problem());
        Path aside = f.resolveSibling("audit.jsonl.torn-" + before);
        assertTrue(java.util.Arrays.equals(java.util.Arrays.copyOf(torn, torn.length - 1), Files.readAllBytes(aside)),
                "the torn bytes are kept beside the log");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(aside)));
    }

    @Test
    void c1ControlsLineSeparatorsAndLoneSurrogatesKeepALineOneVerifiableRecord() throws Exception {
        // U+0085 (NEL) is a line break to regex '.', and anyone can send it as an SSH user name before logging in.
        Path f = dir.resolve("nel.jsonl");
        String[] nasty = {"mallory\u0085x", "a\u2028b\u2029c", "del\u007f c1\u009b[2J", "lone \ud800 surrogate", "pair 😀"};
        try (JsonLinesAuditLog log = new JsonLinesAuditLog(f, false)) {
            for (String n : nasty) {
                log.emit(AuditEvent.builder(AuditType.AUTH_FAILED, Instant.now()).outcome(Outcome.DENIED, "no_such_user").user(n).build());
            }
        }
        String text = Files.readString(f, StandardCharsets.UTF_8);
        for (char c : new char[] {0x85, 0x2028, 0x2029, 0x7f, 0x9b}) assertEquals(-1, text.indexOf(c), "escaped: " + (int) c);
        assertTrue(text.contains("pair 😀"), "valid pairs are written as they are");
        AuditVerifier.Result r = AuditVerifier.verify(f);
        assertTrue(r.ok(), r.problem());
        try (JsonLinesAuditLog log = new JsonLinesAuditLog(f, false)) {
            assertEquals(5, log.head().seq(), "a restart continues after the last record, not before it");
        }
    }

    @Test
    void recordsWrittenWithARawNextLineBeforeItWasEscapedStillVerifyAndChain() throws Exception {
        Path f = dir.resolve("old.jsonl");
        HashChain.Line one = HashChain.link(1, HashChain.GENESIS, "{\"type\":\"auth.failed\",\"user\":\"m\u0085x\"}");
        Files.writeString(f, one.text() + "\n", StandardCharsets.UTF_8);
        assertTrue(AuditVerifier.verify(f).ok(), AuditVerifier.verify(f).problem());
        try (JsonLinesAuditLog log = new JsonLinesAuditLog(f, false)) {
            assertEquals(1, log.head().seq());
        }
    }

    @Test
    void oneWriterPerFile() throws Exception {
        Path f = writeLog(1);
        try (JsonLinesAuditLog a = new JsonLinesAuditLog(f, false)) {
            java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                    () -> new JsonLinesAuditLog(f, false));
            assertTrue(e.getMessage().contains("being written by another process"), e.getMessage());
            a.emit(AuditEvent.builder(AuditType.GATEWAY_STARTED, Instant.now()).outcome(Outcome.INFO, "ok").build());
        }
        // A waiting writer gets the file once the first closes, and continues the chain.
        JsonLinesAuditLog first = new JsonLinesAuditLog(f, false);
        Thread closer = new Thread(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException ignored) {
                // close now
            }
            first.close();
        });
        closer.start();
        try (JsonLinesAuditLog second = new JsonLinesAuditLog(f, false, java.time.Duration.ofSeconds(20))) {
            second.emit(AuditEvent.builder(AuditType.GATEWAY_STARTED, Instant.now()).outcome(Outcome.INFO, "ok").build());
        }
        closer.join(10_000);
        AuditVerifier.Result r = AuditVerifier.verify(f);
        assertTrue(r.ok(), r.problem());
        assertEquals(3, r.lines());
    }

    @Test
    void closedLogRefusesToWrite() throws Exception {
        Path f = dir.resolve("a.jsonl");
        JsonLinesAuditLog log = new JsonLinesAuditLog(f, false);
        log.close();
        try {
            log.emit(AuditEvent.builder(AuditType.GATEWAY_STARTED, Instant.now()).build());
            throw new AssertionError("expected AuditWriteException");
        } catch (AuditWriteException expected) {
            assertTrue(expected.getMessage().contains("closed"));
        }
    }

    // ---- anchors: what the chain alone cannot show

    private static AuditVerifier.Anchor anchorOf(String line) {
        HashChain.Line l = HashChain.parse(line);
        return new AuditVerifier.Anchor(l.seq(), l.hash());
    }

    /** Line {@code text} moved to {@code seq} after {@code prev}, re-hashed: what someone who can write the file can do. */
    private static HashChain.Line relink(String text, long seq, String prev) {
        int body = text.indexOf("\",", text.indexOf("\"prev\":\"")) + 2;
        int end = text.lastIndexOf(HashChain.HASH_MARK);
        return HashChain.link(seq, prev, "{" + text.substring(body, end) + "}");
    }

    @Test
    void anIntactLogHoldsItsAnchorsAndNamesItsHead() throws Exception {
        Path f = writeLog(6);
        List<String> l = lines(f);
        AuditVerifier.Result r = AuditVerifier.verify(f, List.of(anchorOf(l.get(1)), anchorOf(l.get(5))));
        assertTrue(r.ok(), r.problem());
        assertEquals(anchorOf(l.get(5)), r.head());
        try (JsonLinesAuditLog log = new JsonLinesAuditLog(f, false)) {
            assertEquals(r.head(), log.head(), "the gateway's head is the verifier's: what it logs is what verify takes");
        }
    }

    @Test
    void aCutTailVerifiesAloneButNotAgainstAnAnchorPastIt() throws Exception {
        Path f = writeLog(6);
        List<String> l = lines(f);
        AuditVerifier.Anchor last = anchorOf(l.get(5));
        write(f, l.subList(0, 4));
        assertTrue(AuditVerifier.verify(f).ok(), "the chain alone cannot tell");
        AuditVerifier.Result r = AuditVerifier.verify(f, List.of(last));
        assertFalse(r.ok());
        assertEquals(5, r.badLine());
        assertTrue(r.problem().contains("ends at seq 4 but was anchored at seq 6: its tail was cut"), r.problem());
    }

    @Test
    void aLogRechainedAfterADeletionVerifiesAloneButNotAgainstAnAnchor() throws Exception {
        Path f = writeLog(5);
        List<String> l = lines(f);
        AuditVerifier.Anchor fourth = anchorOf(l.get(3));
        // Delete line 3, then renumber and re-hash the lines after it so the chain is whole again.
        HashChain.Line three = relink(l.get(3), 3, anchorOf(l.get(1)).hash());
        HashChain.Line four = relink(l.get(4), 4, three.hash());
        write(f, List.of(l.get(0), l.get(1), three.text(), four.text()));
        assertTrue(AuditVerifier.verify(f).ok(), "the chain alone cannot tell");
        AuditVerifier.Result r = AuditVerifier.verify(f, List.of(fourth));
        assertFalse(r.ok());
        assertEquals(4, r.badLine());
        assertTrue(r.problem().contains("is not the line anchored as " + fourth + ": the log was rewritten"), r.problem());
    }

    @Test
    void twoDifferentAnchorsForOneLineCannotBothPass() throws Exception {
        Path f = writeLog(5);
        List<String> l = lines(f);
        AuditVerifier.Anchor real = anchorOf(l.get(4));
        AuditVerifier.Anchor other = new AuditVerifier.Anchor(5, "0".repeat(64)); // e.g. from an earlier chain's journal
        for (List<AuditVerifier.Anchor> given : List.of(List.of(other, real), List.of(real, other))) {
            AuditVerifier.Result r = AuditVerifier.verify(f, given);
            assertFalse(r.ok(), given.toString());
            assertTrue(r.problem().contains("anchored as " + other), r.problem());
        }
    }

    @Test
    void aLineAtSeqZeroIsABadLineNotACrash() throws Exception {
        Path f = dir.resolve("zero.jsonl");
        write(f, List.of(HashChain.link(0, HashChain.GENESIS, "{\"event\":\"x\"}").text()));
        AuditVerifier.Result r = AuditVerifier.verify(f, List.of());
        assertFalse(r.ok());
        assertEquals(1, r.badLine());
        assertTrue(r.problem().contains("has seq 0: a chain starts at seq 1"), r.problem());
    }

    @Test
    void aLogCutFromTheFrontIsFoundWithoutAnyAnchor() throws Exception {
        Path f = writeLog(5);
        List<String> l = lines(f);
        write(f, l.subList(2, 5)); // the first two lines deleted: starts at seq 3
        AuditVerifier.Result r = AuditVerifier.verify(f);
        assertFalse(r.ok());
        assertEquals(1, r.badLine());
        assertTrue(r.problem().contains("line 1 has seq 3: 2 lines before it are missing"), r.problem());
    }

    @Test
    void aFileSplitOffAnotherVerifiesAfterThatFilesHead() throws Exception {
        Path f = writeLog(5);
        List<String> l = lines(f);
        write(f, l.subList(2, 5));
        assertTrue(AuditVerifier.verify(f, List.of(), anchorOf(l.get(1))).ok(), "right after seq 2");
        AuditVerifier.Result gap = AuditVerifier.verify(f, List.of(), anchorOf(l.get(0)));
        assertFalse(gap.ok());
        assertTrue(gap.problem().contains("does not follow 1:"), gap.problem());
        AuditVerifier.Result r = AuditVerifier.verify(f, List.of(anchorOf(l.get(0))), anchorOf(l.get(1)));
        assertFalse(r.ok(), "an anchor before the file is not in it");
        assertTrue(r.problem().contains("starts at seq 3, after the anchor at seq 1"), r.problem());
    }

    @Test
    void anchorsAreParsedStrictly() {
        String h = "ab".repeat(32);
        assertEquals(new AuditVerifier.Anchor(42, h), AuditVerifier.Anchor.parse("42:" + h));
        assertEquals("42:" + h, new AuditVerifier.Anchor(42, h).toString());
        for (String bad : List.of("", "42", ":" + h, "x:" + h, "0:" + h, "-1:" + h, "42:" + h.toUpperCase(), "42:" + h + "0", "42:abc")) {
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> AuditVerifier.Anchor.parse(bad), bad);
        }
    }
}
