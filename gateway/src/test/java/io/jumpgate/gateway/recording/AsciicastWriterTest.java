package io.jumpgate.gateway.recording;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.MemoryAuditSink;
import io.jumpgate.core.policy.RecordingMode;
import io.jumpgate.core.target.Target;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AsciicastWriterTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A disk with {@code capacity} bytes: writes past it fail like a full file system (after a partial write). */
    static final class FullDisk extends ByteArrayOutputStream {
        final int capacity;
        int flushes;

        FullDisk(int capacity) {
            this.capacity = capacity;
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            int room = capacity - size();
            if (len > room) {
                throw new java.io.UncheckedIOException(new IOException("No space left on device"));
            }
            super.write(b, off, len);
        }

        @Override
        public void flush() {
            flushes++;
        }
    }

    /** Adapts FullDisk's unchecked failure to the IOException a file system throws. */
    static java.io.OutputStream checked(FullDisk disk) {
        return new java.io.OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                try {
                    disk.write(b, off, len);
                } catch (java.io.UncheckedIOException e) {
                    throw e.getCause();
                }
            }

            @Override
            public void flush() {
                disk.flush();
            }
        };
    }

    static AsciicastHeader header() {
        return new AsciicastHeader(80, 24, Instant.parse("2026-11-21T10:00:00Z"), Map.of("TERM", "xterm"),
                Map.of("user", "alice", "target", "web_0"));
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void writesAsciicastV2FlushedPerEvent() throws Exception {
        FullDisk disk = new FullDisk(1 << 20);
        AtomicLong nanos = new AtomicLong(5_000_000_000L);
        AsciicastWriter w = new AsciicastWriter(checked(disk), nanos::get);
        w.header(header());
        nanos.addAndGet(1_234_567_000L);
        byte[] text = "\u001b[31mrot\u001b[0m \"q\" grüße\r\n".getBytes(StandardCharsets.UTF_8);
        int split = 13; // inside the ü
        w.output(text, 0, split);
        w.output(text, split, text.length - split);
        w.resize(100, 30);
        w.input("x".getBytes(), 0, 1);
        w.close();

        String[] lines = disk.toString(StandardCharsets.UTF_8).split("\n");
        JsonNode h = JSON.readTree(lines[0]);
        assertEquals(2, h.get("version").asInt());
        assertEquals(80, h.get("width").asInt());
        assertEquals(Instant.parse("2026-11-21T10:00:00Z").getEpochSecond(), h.get("timestamp").asLong());
        assertEquals("alice", h.get("jumpgate").get("user").asText());
        StringBuilder out = new StringBuilder();
        for (int i = 1; i < 3; i++) {
            JsonNode e = JSON.readTree(lines[i]);
            assertEquals("o", e.get(1).asText());
            out.append(e.get(2).asText());
        }
        assertEquals(new String(text, StandardCharsets.UTF_8), out.toString(), "no character mangled across the split");
        assertTrue(lines[1].startsWith("[1.234567, \"o\", "), lines[1]);
        assertEquals("[1.234567, \"r\", \"100x30\"]", lines[3]);
        assertEquals("i", JSON.readTree(lines[4]).get(1).asText());
        assertEquals(5, disk.flushes, "one flush per line");
        assertEquals(sha256(disk.toByteArray()), w.sha256());
        assertEquals(disk.size(), w.bytes());
    }

    @Test
    void queuedChunksAreWrittenTogetherAsOneEventEach() throws Exception {
        FullDisk disk = new FullDisk(1 << 20);
        AsciicastWriter w = new AsciicastWriter(checked(disk), System::nanoTime);
        w.header(header());
        byte[] text = "first grüße\r\nsecond".getBytes(StandardCharsets.UTF_8);
        int split = 9; // inside the ü: carried to the next chunk of the same batch
        w.outputs(java.util.List.of(java.util.Arrays.copyOfRange(text, 0, split), new byte[0],
                java.util.Arrays.copyOfRange(text, split, text.length)));
        w.outputs(java.util.List.of(new byte[] {(byte) 0xC3}));   // only a carried lead byte: no line at all
        w.outputs(java.util.List.of(new byte[] {(byte) 0xA4, '!'}));
        w.close();

        String[] lines = disk.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(4, lines.length, disk.toString(StandardCharsets.UTF_8));
        StringBuilder out = new StringBuilder();
        for (int i = 1; i < lines.length; i++) {
            JsonNode e = JSON.readTree(lines[i]);
            assertEquals("o", e.get(1).asText());
            out.append(e.get(2).asText());
        }
        assertEquals("first grüße\r\nsecondä!", out.toString());
        assertEquals(3, disk.flushes, "header, then one write per batch that had a complete character");
        assertEquals(sha256(disk.toByteArray()), w.sha256());
    }

    @Test
    void outputThatEndsInTheMiddleOfACharacterIsRecordedAtClose() throws Exception {
        // The user was shown those bytes (chunks are passed on whole): the recording must not drop them.
        FullDisk disk = new FullDisk(1 << 16);
        AsciicastWriter w = new AsciicastWriter(checked(disk), System::nanoTime);
        byte[] out = {'o', 'k', (byte) 0xE2, (byte) 0x82}; // the first two bytes of U+20AC
        w.output(out, 0, out.length);
        w.close();
        String[] lines = disk.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(2, lines.length, disk.toString(StandardCharsets.UTF_8));
        assertEquals("ok", JSON.readTree(lines[0]).get(2).asText());
        assertEquals("\uFFFD", JSON.readTree(lines[1]).get(2).asText());
        assertEquals(sha256(disk.toByteArray()), w.sha256());
    }

    @Test
    void invalidUtf8AndControlsStayValidJson() throws Exception {
        FullDisk disk = new FullDisk(1 << 16);
        AsciicastWriter w = new AsciicastWriter(checked(disk), System::nanoTime);
        byte[] junk = {'a', (byte) 0xFF, 'b', (byte) 0xC3, 'c', 0x01, 0x1B, '\\', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, 0x7F,
                (byte) 0xF0, (byte) 0x9F};
        w.output(junk, 0, junk.length); // ends inside a 4-byte sequence: carried
        w.output(new byte[] {(byte) 0x98, (byte) 0x80, 'z'}, 0, 3);
        String[] lines = disk.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals("a\uFFFDb\uFFFDc\u0001\u001b\\\"\uFFFD\uFFFD\uFFFD\u007f", JSON.readTree(lines[0]).get(2).asText());
        assertEquals("\uD83D\uDE00z", JSON.readTree(lines[1]).get(2).asText(), "U+1F600 whole across the split");
    }

    @Test
    void c1ControlsAreEscapedSoTheFileCarriesNoneRaw() throws Exception {
        FullDisk disk = new FullDisk(1 << 16);
        AsciicastWriter w = new AsciicastWriter(checked(disk), System::nanoTime);
        byte[] text = "a\u0080b\u009b2J\u009d52;c;eA==\u009c\u00a0é\u009f".getBytes(StandardCharsets.UTF_8);
        int split = 9; // between the two bytes of U+009D: carried to the next chunk
        assertEquals((byte) 0xC2, text[split - 1]);
        w.output(text, 0, split);
        w.output(text, split, text.length - split);
        byte[] file = disk.toByteArray();
        for (int i = 0; i + 1 < file.length; i++) {
            assertFalse((file[i] & 0xff) == 0xC2 && (file[i + 1] & 0xff) <= 0x9F, "raw C1 control at byte " + i);
        }
        String f = disk.toString(StandardCharsets.UTF_8);
        assertTrue(f.contains("\\u009b2J") && f.contains("\\u0080") && f.contains("\u00a0é"), f);
        StringBuilder back = new StringBuilder();
        for (String line : f.split("\n")) back.append(JSON.readTree(line).get(2).asText());
        assertEquals(new String(text, StandardCharsets.UTF_8), back.toString());
    }

    @Test
    void aFullDiskKeepsEveryCompleteEventAndRefusesMore() throws Exception {
        FullDisk disk = new FullDisk(400);
        AsciicastWriter w = new AsciicastWriter(checked(disk), System::nanoTime);
        w.header(header());
        byte[] chunk = "0123456789".repeat(5).getBytes();
        IOException full = null;
        int written = 0;
        for (int i = 0; i < 100 && full == null; i++) {
            try {
                w.output(chunk, 0, chunk.length);
                written++;
            } catch (IOException e) {
                full = e;
            }
        }
        assertTrue(full != null && full.getMessage().contains("No space left"), "the disk filled up");
        assertTrue(w.failed());
        String kept = disk.toString(StandardCharsets.UTF_8);
        assertTrue(kept.endsWith("\n"));
        assertEquals(written + 1, kept.split("\n").length, "header plus every event that was acknowledged");
        for (String line : kept.split("\n")) JSON.readTree(line);
        assertEquals(sha256(disk.toByteArray()), w.sha256(), "the hash covers exactly what is on disk");
        assertThrows(IOException.class, () -> w.output(chunk, 0, 1));
    }

    @Test
    void aBatchThatDoesNotFitKeepsAsManyOfItsEventsAsFit() throws Exception {
        FullDisk disk = new FullDisk(700);
        AsciicastWriter w = new AsciicastWriter(checked(disk), System::nanoTime);
        w.header(header());
        byte[] chunk = "0123456789".repeat(10).getBytes();
        java.util.List<byte[]> batch = java.util.Collections.nCopies(8, chunk);
        IOException full = assertThrows(IOException.class, () -> w.outputs(batch));
        assertTrue(full.getMessage().contains("No space left"), full.getMessage());
        String kept = disk.toString(StandardCharsets.UTF_8);
        String[] lines = kept.split("\n");
        int events = lines.length - 1;
        assertTrue(kept.endsWith("\n") && events >= 1 && events < batch.size(), kept);
        assertTrue(disk.capacity - disk.size() < lines[1].length() + 1, "no further whole event would have fit");
        for (String line : lines) JSON.readTree(line);
        assertEquals(sha256(disk.toByteArray()), w.sha256(), "the hash covers exactly what is on disk");
        assertThrows(IOException.class, () -> w.outputs(java.util.List.of(chunk)));
    }

    @Test
    void requiredSessionMustEndWhenRecordingFailsOptionalGoesOn() throws Exception {
        for (RecordingMode mode : new RecordingMode[] {RecordingMode.REQUIRED, RecordingMode.ON}) {
            FullDisk disk = new FullDisk(300);
            AsciicastWriter w = new AsciicastWriter(checked(disk), System::nanoTime);
            w.header(header());
            MemoryAuditSink audit = new MemoryAuditSink();
            SessionAudit sa = new SessionAudit(audit, Clock.systemUTC(), new SessionContext("s1", "alice", "192.0.2.1:5"),
                    Target.of("web_0", InetAddress.getByName("10.0.0.4")), 22);
            SessionRecording r = new SessionRecording("s1-0", mode, java.nio.file.Path.of("/nonexistent/s1-0.cast"), w,
                    null, sa, false);
            byte[] chunk = "x".repeat(100).getBytes();
            boolean goOn = true;
            for (int i = 0; i < 10; i++) goOn &= r.output(chunk, 0, chunk.length);
            assertEquals(mode == RecordingMode.ON, goOn, mode.name());
            assertFalse(r.active());
            assertTrue(r.failure().contains("No space left on device"));
            assertEquals(1, audit.matching(e -> e.type() == AuditType.RECORDING_FAILED).size(), "audited once");
        }
    }

    @Test
    void eightBytesAtATimeAgreesWithTheByteRuleForEveryByteAtEveryPosition() {
        for (int b = 0; b < 256; b++) {
            boolean plain = b >= 0x20 && b < 0x80 && b != '"' && b != '\\';
            for (int pos = 0; pos < 8; pos++) {
                for (long fill : new long[] {0x4141414141414141L, 0x2020202020202020L, 0x7F7F7F7F7F7F7F7FL}) {
                    long v = fill & ~(0xFFL << (8 * pos)) | ((long) b << (8 * pos));
                    assertEquals(plain, AsciicastWriter.plain(v), "byte " + b + " at " + pos + " in " + Long.toHexString(fill));
                }
            }
        }
    }

    @Test
    void theFirstMarkedByteIsExactWhateverFollowsIt() {
        // The encoder keeps the bytes below the lowest mark: a mark below the first byte needing care would drop
        // plain bytes, a missing one would copy a byte unescaped.
        java.util.Random r = new java.util.Random(7);
        for (int b = 0; b < 256; b++) {
            boolean plain = b >= 0x20 && b < 0x80 && b != '"' && b != '\\';
            if (plain) continue;
            for (int pos = 0; pos < 8; pos++) {
                for (int trial = 0; trial < 200; trial++) {
                    long v = 0;
                    for (int k = 0; k < 8; k++) {
                        long byteK = k < pos ? 0x20 + r.nextInt(0x60) : k == pos ? b : r.nextInt(256);
                        if (k < pos && (byteK == '"' || byteK == '\\' || byteK == 0x7F + 1)) byteK = 'a';
                        v |= byteK << (8 * k);
                    }
                    assertEquals(pos, Long.numberOfTrailingZeros(AsciicastWriter.special(v)) >>> 3,
                            "byte " + b + " at " + pos + " in " + Long.toHexString(v));
                }
            }
        }
    }

    @Test
    void randomTextInRandomChunksRoundTrips() throws Exception {
        java.util.Random r = new java.util.Random(42);
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 ~\"\\\n\r\t\u0001\u001b\u007fäß€\u009b\u0085\uD83D\uDE00";
        for (int round = 0; round < 200; round++) {
            StringBuilder sb = new StringBuilder();
            int n = r.nextInt(300);
            for (int i = 0; i < n; i++) {
                // mostly long printable runs, like real terminal output
                char c = r.nextInt(10) < 8 ? alphabet.charAt(r.nextInt(38)) : alphabet.charAt(r.nextInt(alphabet.length()));
                if (Character.isHighSurrogate(c)) sb.append("\uD83D\uDE00");
                else if (!Character.isLowSurrogate(c)) sb.append(c);
            }
            byte[] text = sb.toString().getBytes(StandardCharsets.UTF_8);
            FullDisk disk = new FullDisk(1 << 20);
            AsciicastWriter w = new AsciicastWriter(checked(disk), System::nanoTime);
            for (int off = 0; off < text.length; ) {
                int len = Math.min(text.length - off, 1 + r.nextInt(40));
                w.output(text, off, len);
                off += len;
            }
            StringBuilder back = new StringBuilder();
            for (String line : disk.toString(StandardCharsets.UTF_8).split("\n")) {
                if (!line.isEmpty()) back.append(JSON.readTree(line).get(2).asText());
            }
            assertEquals(sb.toString(), back.toString());
        }
    }
}
