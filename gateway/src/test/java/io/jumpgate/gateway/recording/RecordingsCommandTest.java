package io.jumpgate.gateway.recording;

import io.jumpgate.core.audit.AuditVerifier;
import io.jumpgate.core.audit.HashChain;
import io.jumpgate.core.audit.JsonLinesAuditLog;
import io.jumpgate.core.policy.RecordingMode;
import io.jumpgate.core.recording.LocalDirectoryArchive;
import io.jumpgate.core.target.Target;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordingsCommandTest {
    @TempDir
    Path tmp;
    Path config;
    Path recordings;
    static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");

    @BeforeEach
    void record() throws Exception {
        recordings = tmp.resolve("recordings");
        Path audit = tmp.resolve("audit.jsonl");
        config = Files.writeString(tmp.resolve("jumpgate.yaml"),
                "dataDir: " + tmp + "\nrecordings:\n  dir: " + recordings + "\naudit:\n  file: " + audit + "\n");
        try (JsonLinesAuditLog log = new JsonLinesAuditLog(audit, false)) {
            AtomicLong nanos = new AtomicLong();
            Recorder recorder = new Recorder(recordings, new LocalDirectoryArchive(recordings), true, nanos::get);
            Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
            Target web = Target.of("web_0", InetAddress.getByName("10.0.0.4"));
            SessionContext alice = new SessionContext("s1", "alice", "192.0.2.7:50000");
            SessionRecording r = recorder.start("s1-0", RecordingMode.REQUIRED, header(alice, web, T0),
                    new SessionAudit(log, clock, alice, web, 22));
            out(r, "$ ");
            nanos.addAndGet(2_500_000_000L);
            r.input("ls\r".getBytes(), 0, 3);
            out(r, "\u001b[1;32mhello\u001b[0m world\r\n");
            byte[] utf8 = "grüße\r\n".getBytes(StandardCharsets.UTF_8);
            r.output(utf8, 0, 3); // splits the ü
            r.output(utf8, 3, utf8.length - 3);
            r.resize(120, 40);
            r.finish();

            Target db = Target.of("db_1", InetAddress.getByName("10.0.0.5"));
            SessionContext bob = new SessionContext("s2", "bob", "192.0.2.8:50001");
            SessionRecording r2 = recorder.start("s2-0", RecordingMode.ON, header(bob, db, T0.plusSeconds(3600)),
                    new SessionAudit(log, clock, bob, db, 22));
            out(r2, "secret-token\r\n");
            r2.finish();
        }
    }

    static AsciicastHeader header(SessionContext c, Target t, Instant at) {
        return new AsciicastHeader(80, 24, at, Map.of("TERM", "xterm"), Map.of("user", c.user(), "target", t.name(),
                "session", c.sessionId()));
    }

    static void out(SessionRecording r, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        assertTrue(r.output(b, 0, b.length));
    }

    record Run(int exit, String out, String err) {}

    Run run(String... args) {
        return run(Thread::sleep, args);
    }

    /** Runs the command at 12:00 (T0 + 2 h); {@code play} calls {@code pause} instead of sleeping. */
    Run run(RecordingsCommand.Pause pause, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        RecordingsCommand cmd = new RecordingsCommand();
        cmd.clock = Clock.fixed(T0.plusSeconds(7200), ZoneOffset.UTC);
        cmd.pause = pause;
        var cl = RecordingsCommand.commandLine(cmd);
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        String[] full = new String[args.length + 2];
        full[0] = "--config";
        full[1] = config.toString();
        System.arraycopy(args, 0, full, 2, args.length);
        int exit = cl.execute(full);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void listFiltersByUserTargetAndTime() {
        Run all = run("list");
        assertEquals(0, all.exit(), all.err());
        assertTrue(all.out().contains("s1-0") && all.out().contains("s2-0"), all.out());
        assertTrue(all.out().contains("00:02.5"), "duration: " + all.out());
        Run bob = run("list", "--user", "bob");
        assertTrue(bob.out().contains("s2-0") && !bob.out().contains("s1-0"), bob.out());
        Run web = run("list", "--target", "web*");
        assertTrue(web.out().contains("s1-0") && !web.out().contains("s2-0"), web.out());
        Run recent = run("list", "--since", "90m");
        assertTrue(recent.out().contains("s2-0") && !recent.out().contains("s1-0"), recent.out());
        Run until = run("list", "--until", "2026-11-21T10:30:00Z");
        assertTrue(until.out().contains("s1-0") && !until.out().contains("s2-0"), until.out());
        Run bad = run("list", "--since", "yesterday-ish");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("not a time"), bad.err());
    }

    @Test
    void listSinceIncludesASessionStartedEarlierThatWasActiveInTheWindow() throws Exception {
        // Started 10:00, typed something at 11:30; listed at 12:00 --since 1h (11:00): it was active in that hour.
        recordOne("s7-0", Map.of("TERM", "xterm"), Map.of("user", "carol", "target", "web_0", "session", "s7"), T0,
                Duration.ofMinutes(90), "sudo cat /etc/shadow\r\n");
        Run hour = run("list", "--since", "1h");
        assertEquals(0, hour.exit(), hour.err());
        assertTrue(hour.out().contains("s7-0") && !hour.out().contains("s1-0"), "s1-0 ended at 10:00:02.5\n" + hour.out());
        Run later = run("list", "--since", "2026-11-21T11:31:00Z");
        assertFalse(later.out().contains("s7-0"), "its last event was at 11:30\n" + later.out());
        Run window = run("list", "--since", "2026-11-21T11:05:00Z", "--until", "2026-11-21T11:10:00Z");
        assertTrue(window.out().contains("s7-0") && !window.out().contains("s2-0"), "s2-0 was over by 11:05\n" + window.out());
    }

    @Test
    void grepStripsEscapesAndPrintsSessionOffsetAndLine() {
        Run r = run("grep", "hello world");
        assertEquals(0, r.exit(), r.err());
        assertEquals("s1-0 +00:00.0 alice@web_0: $ hello world\n", r.out());
        assertTrue(run("grep", "^grü").out().contains("s1-0 +00:02.5 "), "offset of the line's start");
        assertTrue(run("grep", "grüße").out().contains("s1-0"), "a character split between events is whole");
        assertEquals(1, run("grep", "no-such-text").exit());
        Run scoped = run("grep", "secret", "--user", "alice");
        assertEquals(1, scoped.exit(), scoped.out());
        assertEquals(2, run("grep", "(unclosed").exit());
    }

    @Test
    void showExportAndPlay() throws Exception {
        Run show = run("show", "s1-0");
        assertEquals(0, show.exit(), show.err());
        assertTrue(show.out().matches("(?s).*user:\\s+alice\n.*") && show.out().contains("recording.finished"), show.out());
        assertTrue(show.out().contains("recording.started"), show.out());

        Run txt = run("export", "s1-0", "--format", "txt");
        assertEquals("$ hello world\ngrüße\n", txt.out());
        Path copy = tmp.resolve("copy.cast");
        assertEquals(0, run("export", "s1-0", "--format", "cast", "-o", copy.toString()).exit());
        assertArrayEquals(Files.readAllBytes(recordings.resolve("s1-0.cast")), Files.readAllBytes(copy));
        assertEquals(2, run("export", "s1-0", "--format", "pdf").exit());

        Run play = run("play", "s1-0", "--speed", "1000", "--idle-limit", "0.5");
        assertEquals(0, play.exit(), play.err());
        assertTrue(play.out().contains("\u001b[1;32mhello\u001b[0m world"), play.out());
        assertFalse(play.out().contains("ls\r"), "input events are not played");
        assertEquals(2, run("play", "s1-0", "--speed", "0").exit());
    }

    @Test
    void playRefusesAMalformedEventTimeAndCapsPauses() throws Exception {
        List<Long> pauses = new ArrayList<>();
        Files.writeString(recordings.resolve("s9-0.cast"), "{\"version\": 2, \"width\": 80, \"height\": 24, \"timestamp\": 0}\n"
                + "[0.1, \"o\", \"a\"]\n[1e999, \"o\", \"b\"]\n");
        Run infinite = run(pauses::add, "play", "s9-0", "--speed", "1000");
        assertEquals(1, infinite.exit());
        assertEquals("jumpgate recordings: recording s9-0: line 3: event time Infinity is not a number at or after the "
                + "previous event's (0.1)\n", infinite.err());
        Files.delete(recordings.resolve("s9-0.cast"));
        Files.writeString(recordings.resolve("s10-0.cast"), "{\"version\": 2, \"width\": 80, \"height\": 24}\n"
                + "[2.0, \"o\", \"a\"]\n[1.0, \"o\", \"b\"]\n");
        Run back = run(pauses::add, "grep", "b");
        assertEquals(2, back.exit(), "every reader refuses it: " + back.out());
        assertTrue(back.err().contains("recording s10-0: line 3: event time 1.0 is not a number at or after"), back.err());

        // A long pause (an hour without output, or 1e300 s) waits 10 minutes at most, unless --idle-limit says otherwise.
        Files.writeString(recordings.resolve("s11-0.cast"), "{\"version\": 2, \"width\": 80, \"height\": 24}\n"
                + "[1.5, \"o\", \"a\"]\n[3601.5, \"o\", \"b\"]\n[1e300, \"o\", \"c\"]\n");
        pauses.clear();
        Run slow = run(pauses::add, "play", "s11-0");
        assertEquals(0, slow.exit(), slow.err());
        assertEquals("abc", slow.out());
        assertEquals(List.of(1500L, 600_000L, 600_000L), pauses);
        pauses.clear();
        assertEquals(0, run(pauses::add, "play", "s11-0", "--idle-limit", "7200", "--speed", "2").exit());
        assertEquals(List.of(750L, 1_800_000L, 3_600_000L), pauses, "what --idle-limit allows");
    }

    @Test
    void verifyMatchesTheAuditedHashAndCatchesTampering() throws Exception {
        Run ok = run("verify", "s1-0");
        assertEquals(0, ok.exit(), ok.out() + ok.err());
        assertTrue(ok.out().startsWith("OK s1-0 sha256 "), ok.out());

        Files.writeString(recordings.resolve("s1-0.cast"), "[9.0, \"o\", \"forged\"]\n", StandardOpenOption.APPEND);
        Run bad = run("verify", "s1-0");
        assertEquals(1, bad.exit());
        assertTrue(bad.out().contains("the recording was changed"), bad.out());

        Run missing = run("verify", "s9-0");
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("no recording 's9-0'"), missing.err());
        assertEquals(2, run("verify", "../etc/passwd").exit());
    }

    /**
     * Someone who can write both swaps a recording and re-chains the audit log from its recording.finished line on:
     * the log alone still verifies, an anchor taken before (the gateway logs its chain head) does not.
     */
    @Test
    void verifyTiesTheAuditLogToAnchors() throws Exception {
        Path audit = tmp.resolve("audit.jsonl");
        String anchor = AuditVerifier.verify(audit).head().toString();
        Run anchored = run("verify", "s1-0", "--anchor", anchor, "--anchor", "1:" + AuditVerifier.verify(audit).head().hash()
                .replaceAll(".", "0"));
        assertEquals(1, anchored.exit(), "a wrong anchor fails: " + anchored.out());
        assertTrue(anchored.out().contains("is not the line anchored as 1:000"), anchored.out());
        Run ok = run("verify", "s1-0", "--anchor", anchor);
        assertEquals(0, ok.exit(), ok.out() + ok.err());
        assertTrue(ok.out().startsWith("OK s1-0 ") && ok.out().endsWith("; the audit log holds 1 anchor\n"), ok.out());

        Path file = recordings.resolve("s1-0.cast");
        Files.writeString(file, Files.readString(file).replace("hello", "HELLO"));
        String sha = RecordingsCommand.sha256(Files.newInputStream(file));
        List<String> rechained = new ArrayList<>();
        String prev = HashChain.GENESIS;
        long seq = 0;
        for (String line : Files.readAllLines(audit)) {
            String body = line.substring(line.indexOf(",\"prev\":\"") + 9 + 64 + 2, line.lastIndexOf(",\"hash\":\""));
            if (body.contains("\"event\":\"recording.finished\"") && body.contains("\"recording\":\"s1-0\"")) {
                body = body.replaceAll("\"sha256\":\"[0-9a-f]{64}\"", "\"sha256\":\"" + sha + "\"");
            }
            HashChain.Line l = HashChain.link(++seq, prev, "{" + body + "}");
            rechained.add(l.text());
            prev = l.hash();
        }
        Files.write(audit, rechained);
        assertEquals(0, run("verify", "s1-0").exit(), "the swapped recording verifies against the log alone");
        Run caught = run("verify", "s1-0", "--anchor", anchor);
        assertEquals(1, caught.exit(), caught.out() + caught.err());
        assertTrue(caught.out().startsWith("FAIL s1-0: the audit log itself is damaged: ") && caught.out().contains("anchored as " + anchor),
                caught.out());
        Run bad = run("verify", "s1-0", "--after", "12");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().startsWith("jumpgate recordings: --after 12: an anchor is SEQ:HASH"), bad.err());
    }

    /** A finished recording made from this header and these output chunks. */
    void recordOne(String id, Map<String, String> env, Map<String, Object> meta, String... outputs) throws Exception {
        recordOne(id, env, meta, T0, Duration.ZERO, outputs);
    }

    /** A finished recording started at {@code start}, with {@code gap} of session time before each output chunk. */
    void recordOne(String id, Map<String, String> env, Map<String, Object> meta, Instant start, Duration gap,
                   String... outputs) throws Exception {
        try (JsonLinesAuditLog log = new JsonLinesAuditLog(tmp.resolve("audit.jsonl"), false)) {
            AtomicLong nanos = new AtomicLong();
            Recorder recorder = new Recorder(recordings, new LocalDirectoryArchive(recordings), true, nanos::get);
            Target web = Target.of("web_0", InetAddress.getByName("10.0.0.4"));
            SessionContext who = new SessionContext(id, "mallory", "192.0.2.9:50000");
            SessionRecording r = recorder.start(id, RecordingMode.REQUIRED, new AsciicastHeader(80, 24, start, env, meta),
                    new SessionAudit(log, Clock.fixed(start, ZoneOffset.UTC), who, web, 22));
            for (String o : outputs) {
                nanos.addAndGet(gap.toNanos());
                out(r, o);
            }
            r.finish();
        }
    }

    static boolean hasControls(String s) {
        return s.chars().anyMatch(c -> (c < 0x20 && c != '\n') || (c >= 0x7f && c <= 0x9f));
    }

    @Test
    void nothingTheSessionChoseReachesTheReviewersTerminalAsControlCodes() throws Exception {
        String osc = "\u001b]0;PWNED\u0007\u001b[2J";
        String c1 = "\u009b2J\u009d0;T\u009c";
        recordOne("s3-0", Map.of("TERM", "xterm" + osc), Map.of("user", "mallory" + c1, "target", "web_0",
                "session", "s3", "command", "id " + osc), "rm -rf /data " + c1 + "\r\n", "plain \u001b[31mred\u001b[0m\r\n");

        Run show = run("show", "s3-0");
        assertEquals(0, show.exit(), show.err());
        assertFalse(hasControls(show.out()), show.out());
        assertTrue(show.out().contains("xterm\\x1b]0;PWNED\\x07\\x1b[2J"), "shown, escaped: " + show.out());
        assertTrue(show.out().contains("\\u009b2J"), show.out());

        Run grep = run("grep", "rm -rf");
        assertEquals(0, grep.exit(), grep.err());
        assertFalse(hasControls(grep.out()), "C1 controls are stripped too: " + grep.out());
        assertTrue(grep.out().contains(": rm -rf /data \n"), "the whole C1 CSI and OSC sequences go: " + grep.out());

        Run list = run("list", "--user", "mallory" + c1);
        assertFalse(hasControls(list.out()), list.out());
        Run txt = run("export", "s3-0", "--format", "txt");
        assertFalse(hasControls(txt.out()), txt.out());
        assertTrue(txt.out().contains("plain red\n"), txt.out());
    }

    @Test
    void exportCopiesTheFileByteForByteToStandardOutputAndOnlyForItsOwner() throws Exception {
        StringWriter err = new StringWriter();
        var bytes = new java.io.ByteArrayOutputStream();
        RecordingsCommand cmd = new RecordingsCommand();
        cmd.rawOut = bytes;
        var cl = RecordingsCommand.commandLine(cmd);
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err));
        assertEquals(0, cl.execute("--config", config.toString(), "export", "s1-0"), err.toString());
        assertArrayEquals(Files.readAllBytes(recordings.resolve("s1-0.cast")), bytes.toByteArray(),
                "whatever the locale's charset: the audited hash still matches the copy");

        // C1 controls the session sent (8-bit CSI, an OSC 52 clipboard write) are escaped in the file, so the copy on
        // the reviewer's terminal carries none raw.
        recordOne("s8-0", Map.of("TERM", "xterm"), Map.of("user", "mallory", "target", "web_0", "session", "s8"),
                "innocent \u009b2J\u009d52;c;ZWNobyBwd25lZA==\u009c\r\n");
        bytes.reset();
        assertEquals(0, cl.execute("--config", config.toString(), "export", "s8-0"), err.toString());
        byte[] b = bytes.toByteArray();
        assertArrayEquals(Files.readAllBytes(recordings.resolve("s8-0.cast")), b);
        for (int i = 0; i + 1 < b.length; i++) {
            assertFalse((b[i] & 0xff) == 0xC2 && (b[i + 1] & 0xff) <= 0x9F, "raw C1 control at byte " + i + " of the export");
        }

        for (String format : List.of("cast", "txt")) {
            Path copy = tmp.resolve("copy." + format);
            assertEquals(0, run("export", "s1-0", "--format", format, "-o", copy.toString()).exit());
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(copy)));
            assertEquals(1, run("export", "s1-0", "--format", format, "-o", copy.toString()).exit(), "never overwrites");
        }
    }

    @Test
    void outputWithoutNewlinesIsSearchedInBoundedPieces() throws Exception {
        String screen = "x".repeat(40_000);
        String[] chunks = new String[8];
        Arrays.fill(chunks, screen);
        chunks[5] = screen.substring(10) + "NEEDLE" + "y".repeat(4);
        recordOne("s4-0", Map.of("TERM", "xterm"), Map.of("user", "mallory", "target", "web_0", "session", "s4"), chunks);
        Run grep = run("grep", "NEEDLE");
        assertEquals(0, grep.exit(), grep.err());
        String line = grep.out().strip();
        assertTrue(line.length() <= CastFile.MAX_LINE_CHARS + 100, "one bounded piece, not the whole screen: " + line.length());
        Run txt = run("export", "s4-0", "--format", "txt");
        assertTrue(txt.out().lines().allMatch(l -> l.length() <= CastFile.MAX_LINE_CHARS), "bounded lines");
        assertEquals(8 * 40_000, txt.out().replace("\n", "").length());
    }

    @Test
    void grepFindsACommandThatPaddingPushesAcrossAPieceBoundaryAndPrintsItOnce() throws Exception {
        Map<String, String> env = Map.of("TERM", "xterm");
        // 21,844 SGR resets (65,532 characters) display as nothing: the reviewer would see "rm -rf /srv/data".
        recordOne("s5-0", env, Map.of("user", "mallory", "target", "web_0", "session", "s5"),
                "\u001b[m".repeat(21_844) + "rm -rf /srv/data\r\n");
        // Visible padding that puts the command across a cut: found in the piece after it, printed once.
        recordOne("s6-0", env, Map.of("user", "mallory", "target", "web_0", "session", "s6"),
                "x".repeat(CastFile.MAX_LINE_CHARS - 3), "rm -rf /srv/www\r\n");
        Run grep = run("grep", "rm -rf /srv/");
        assertEquals(0, grep.exit(), grep.out() + grep.err());
        List<String> hits = grep.out().lines().toList();
        assertEquals(2, hits.size(), "one line per match");
        assertEquals("s5-0 +00:00.0 mallory@web_0: rm -rf /srv/data", hits.get(0));
        assertTrue(hits.get(1).startsWith("s6-0 ") && hits.get(1).endsWith("xxrm -rf /srv/www"), hits.get(1));
    }

    @Test
    void theInstalledCommandLineKeepsTheReviewersExitCodes() {
        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        int code = io.jumpgate.gateway.cli.Cli.execute(new String[] {"recordings", "--config", config.toString(), "grep", "(unclosed"},
                new java.io.PrintStream(out, true), new java.io.PrintStream(err, true));
        assertEquals(2, code, "a bad pattern is not \"no match\"");
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.startsWith("jumpgate recordings: bad pattern") && !e.contains("\tat "), "one line, no stack trace: " + e);
        assertEquals(2, io.jumpgate.gateway.cli.Cli.execute(new String[] {"recordings", "--config", config.toString(), "play", "s1-0",
                "--speed", "0"}, new java.io.PrintStream(out, true), new java.io.PrintStream(err, true)));
        assertEquals(1, io.jumpgate.gateway.cli.Cli.execute(new String[] {"recordings", "--config", config.toString(), "grep", "no-such-text"},
                new java.io.PrintStream(out, true), new java.io.PrintStream(err, true)));
    }
}
