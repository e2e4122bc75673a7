package io.jumpgate.gateway.recording;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jumpgate.config.ConfigException;
import io.jumpgate.config.ConfigLoader;
import io.jumpgate.config.JumpgateConfig;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.AuditVerifier;
import io.jumpgate.core.recording.LocalDirectoryArchive;
import io.jumpgate.core.recording.RecordingArchive;
import io.jumpgate.core.util.Durations;
import io.jumpgate.core.util.LineReader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code jumpgate recordings …}: the reviewer's view of recorded sessions. Reads the recordings directory and
 * the audit log named by {@code --config}. Exit codes: 0 ok, 1 not found / mismatch, 2 bad usage.
 */
@Command(name = "recordings", mixinStandardHelpOptions = true, description = "Review recorded SSH sessions.",
        subcommands = {RecordingsCommand.ListCmd.class, RecordingsCommand.Show.class, RecordingsCommand.Play.class,
                RecordingsCommand.Grep.class, RecordingsCommand.Export.class, RecordingsCommand.Verify.class})
public final class RecordingsCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "FILE", description = "the gateway's configuration file")
    Path config;

    @Spec
    CommandLine.Model.CommandSpec spec;

    Clock clock = Clock.systemUTC();

    /** How {@code play} waits between events (tests record the waits instead). */
    interface Pause {
        void sleep(long millis) throws InterruptedException;
    }

    Pause pause = Thread::sleep;
    private JumpgateConfig loaded;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 2;
    }

    /** A command line with this command's error handling: problems print one line and exit 1 or 2. */
    public static CommandLine commandLine(RecordingsCommand cmd) {
        CommandLine cl = new CommandLine(cmd);
        cl.setExecutionExceptionHandler(RecordingsCommand::failed);
        return cl;
    }

    /**
     * One line on standard error, then the exit code: 2 for bad usage or config, and for any trouble in {@code grep}
     * (whose 1 means "no match", as grep's does); 1 otherwise (a recording that cannot be read).
     */
    public static int failed(Exception ex, CommandLine line, CommandLine.ParseResult parsed) {
        line.getErr().println("jumpgate recordings: " + ex.getMessage());
        line.getErr().flush();
        boolean usage = ex instanceof IllegalArgumentException || ex instanceof ConfigException;
        return usage || line.getCommand() instanceof Grep ? 2 : 1;
    }

    /** Where {@code export --format cast} copies the file's bytes when no {@code -o} is given (unchanged, not re-encoded). */
    public OutputStream rawOut = System.out;

    public static void main(String[] args) {
        System.exit(commandLine(new RecordingsCommand()).execute(args));
    }

    JumpgateConfig config() {
        if (loaded == null) loaded = ConfigLoader.load(config);
        return loaded;
    }

    LocalDirectoryArchive archive() {
        return new LocalDirectoryArchive(config().recordings().dir());
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** A recording listed with what its header says. */
    record Summary(RecordingArchive.Entry entry, CastFile.Header header) {
        String user() {
            return header.meta("user");
        }

        String target() {
            return header.meta("target");
        }
    }

    List<Summary> select(String user, String target, Instant since, Instant until) throws IOException {
        LocalDirectoryArchive a = archive();
        List<Summary> out = new ArrayList<>();
        for (RecordingArchive.Entry e : a.list()) {
            CastFile.Header h;
            try (InputStream in = a.open(e.id())) {
                h = CastFile.header(in);
            } catch (IOException bad) {
                spec.commandLine().getErr().println("jumpgate recordings: skipping " + e.id() + ": " + bad.getMessage());
                continue;
            }
            Summary s = new Summary(e, h);
            if (user != null && !user.equals(s.user())) continue;
            if (target != null && (s.target() == null || !glob(target).matcher(s.target().toLowerCase(Locale.ROOT)).matches())) continue;
            // Sessions active in the window: started by its end, still going (last event) at its start.
            if (until != null && h.timestamp().isAfter(until)) continue;
            if (since != null && ended(h.timestamp(), duration(a.fileOf(e.id()))).isBefore(since)) continue;
            out.add(s);
        }
        return out;
    }

    private static Pattern glob(String g) {
        StringBuilder b = new StringBuilder();
        for (char c : g.toLowerCase(Locale.ROOT).toCharArray()) {
            b.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
        }
        return Pattern.compile(b.toString());
    }

    /** {@code 2026-11-21T10:00:00Z}, {@code 2026-11-21} (UTC midnight), or a duration ago ({@code 2h}, {@code 7d}). */
    Instant time(String text) {
        if (text == null) return null;
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException ignored) {
            // next form
        }
        try {
            return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (DateTimeParseException ignored) {
            // next form
        }
        try {
            return clock.instant().minus(Durations.parse(text));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a time: '" + text + "' (use 2026-11-21T10:00:00Z, 2026-11-21 or 2h ago as 2h)");
        }
    }

    /** When a session that started at {@code start} had its last event, {@code seconds} later. */
    static Instant ended(Instant start, double seconds) {
        return start.plusMillis(Math.round(Math.min(seconds, 1e12) * 1000));
    }

    /** Seconds of the last complete event (read from the file's tail); 0 if none has a time that is a number >= 0. */
    static double duration(Path file) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long len = f.length();
            int tail = (int) Math.min(len, 64 * 1024);
            byte[] b = new byte[tail];
            f.seek(len - tail);
            f.readFully(b);
            String[] lines = new String(b, StandardCharsets.UTF_8).split("\n");
            for (int i = lines.length - 1; i >= 0; i--) {
                String l = lines[i];
                if (l.startsWith("[") && l.endsWith("]")) {
                    int comma = l.indexOf(',');
                    if (comma > 1) {
                        try {
                            double t = Double.parseDouble(l.substring(1, comma));
                            if (Double.isFinite(t) && t >= 0) return t;
                        } catch (NumberFormatException ignored) {
                            // keep looking
                        }
                    }
                }
            }
        }
        return 0;
    }

    static String sha256(InputStream in) throws IOException {
        try (DigestInputStream d = new DigestInputStream(in, MessageDigest.getInstance("SHA-256"))) {
            d.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(d.getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String clockTime(double seconds) {
        long tenths = Math.round(seconds * 10);
        return String.format(Locale.ROOT, "%02d:%02d.%d", tenths / 600, (tenths / 10) % 60, tenths % 10);
    }

    /** Audit events that mention {@code id} (by recording field), oldest first. */
    List<JsonNode> auditEvents(String id) throws IOException {
        Path log = config().audit().file();
        List<JsonNode> out = new ArrayList<>();
        if (!Files.exists(log)) return out;
        ObjectMapper json = new ObjectMapper();
        try (LineReader r = new LineReader(new InputStreamReader(Files.newInputStream(log), StandardCharsets.UTF_8.newDecoder()),
                LineReader.DEFAULT_MAX_CHARS)) {
            String line;
            while ((line = r.readLine()) != null) {
                JsonNode e;
                try {
                    e = json.readTree(line);
                } catch (IOException torn) {
                    continue;
                }
                if (id.equals(e.path("fields").path("recording").asText(null))) out.add(e);
            }
        } catch (LineReader.LineTooLongException e) {
            throw new IOException("audit log " + log + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** {@link CastFile#events} of recording {@code id}, whose errors name it. */
    CastFile.Header events(String id, Consumer<CastFile.Event> each) throws IOException {
        try (InputStream in = archive().open(LocalDirectoryArchive.checkId(id))) {
            return CastFile.events(in, each);
        } catch (java.nio.file.NoSuchFileException e) {
            throw e;
        } catch (IOException e) {
            throw new IOException("recording " + id + ": " + e.getMessage(), e);
        }
    }

    abstract static class Sub {
        @ParentCommand
        RecordingsCommand parent;
    }

    @Command(name = "list", description = "List recordings, oldest first.")
    static final class ListCmd extends Sub implements Callable<Integer> {
        @Option(names = "--user") String user;
        @Option(names = "--target", description = "target name or glob") String target;
        @Option(names = "--since", description = "active since: ISO time, date, or duration ago (2h); "
                + "a session that started earlier and was still going then is listed") String since;
        @Option(names = "--until", description = "started by: ISO time, date, or duration ago") String until;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = parent.out();
            out.printf("%-28s %-20s %9s %-12s %-16s %10s%n", "ID", "START (UTC)", "DURATION", "USER", "TARGET", "BYTES");
            for (Summary s : parent.select(user, target, parent.time(since), parent.time(until))) {
                double d = duration(parent.archive().fileOf(s.entry().id()));
                out.printf("%-28s %-20s %9s %-12s %-16s %10d%n", s.entry().id(), s.header().timestamp(), clockTime(d),
                        CastFile.visible(s.user()), CastFile.visible(s.target()), s.entry().size());
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "show", description = "Show a recording's metadata and its audit trail.")
    static final class Show extends Sub implements Callable<Integer> {
        @Parameters(paramLabel = "ID") String id;

        @Override
        public Integer call() throws IOException {
            LocalDirectoryArchive a = parent.archive();
            CastFile.Header h;
            try (InputStream in = a.open(LocalDirectoryArchive.checkId(id))) {
                h = CastFile.header(in);
            }
            PrintWriter out = parent.out();
            out.println("recording: " + id);
            out.println("file:      " + a.fileOf(id));
            out.println("started:   " + h.timestamp());
            out.println("duration:  " + clockTime(duration(a.fileOf(id))));
            // Header fields come from the session (TERM and the command are the user's choice): printed visibly escaped.
            out.println("terminal:  " + h.width() + "x" + h.height() + " " + CastFile.visible(h.json().path("env").path("TERM").asText("")));
            h.json().path("jumpgate").fields().forEachRemaining(f -> {
                if (!f.getValue().isNull()) out.printf("%-10s %s%n", CastFile.visible(f.getKey()) + ":", CastFile.visible(f.getValue().asText()));
            });
            try (InputStream in = a.open(id)) {
                out.println("sha256:    " + sha256(in));
            }
            out.println("audit:");
            for (JsonNode e : parent.auditEvents(id)) {
                out.println(CastFile.visible("  " + e.path("time").asText() + " " + e.path("event").asText() + " "
                        + e.path("outcome").asText() + " " + e.path("code").asText() + " " + e.path("fields")));
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "play", description = "Replay a recording in this terminal.")
    static final class Play extends Sub implements Callable<Integer> {
        @Parameters(paramLabel = "ID") String id;
        @Option(names = "--speed", defaultValue = "1", description = "playback speed factor (default 1)") double speed;
        @Option(names = "--idle-limit", paramLabel = "S", description = "cap pauses at S seconds (default: "
                + "no pause is longer than 10 minutes)") Double idleLimit;

        /** Without {@code --idle-limit}, the longest wait between two events (a reviewer is watching). */
        static final double MAX_PAUSE_SECONDS = 600;

        @Override
        public Integer call() throws IOException {
            if (!(speed > 0) || speed > 1_000_000) throw new IllegalArgumentException("--speed must be > 0");
            if (idleLimit != null && !(idleLimit > 0)) throw new IllegalArgumentException("--idle-limit must be > 0");
            PrintWriter out = parent.out();
            double[] last = {0};
            parent.events(id, e -> {
                if (!e.code().equals("o")) return;
                double pause = Math.max(0, e.time() - last[0]);
                if (idleLimit != null) pause = Math.min(pause, idleLimit);
                last[0] = e.time();
                double seconds = pause / speed;
                if (idleLimit == null) seconds = Math.min(seconds, MAX_PAUSE_SECONDS);
                long millis = Math.round(seconds * 1000);
                out.flush();
                if (millis > 0) {
                    try {
                        parent.pause.sleep(millis);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted");
                    }
                }
                out.print(e.data());
            });
            out.flush();
            return 0;
        }
    }

    @Command(name = "grep", description = "Search recorded terminal text (escape sequences stripped).")
    static final class Grep extends Sub implements Callable<Integer> {
        @Parameters(paramLabel = "PATTERN", description = "a Java regular expression") String pattern;
        @Option(names = "--user") String user;
        @Option(names = "--target") String target;
        @Option(names = {"-i", "--ignore-case"}) boolean ignoreCase;

        @Override
        public Integer call() throws IOException {
            Pattern p;
            try {
                p = Pattern.compile(pattern, ignoreCase ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("bad pattern: " + e.getDescription());
            }
            PrintWriter out = parent.out();
            int[] hits = {0};
            for (Summary s : parent.select(user, target, null, null)) {
                String id = s.entry().id();
                // Pieces of long lines overlap, so that a match across a cut is found (and printed once).
                CastFile.Lines lines = new CastFile.Lines(l -> {
                    if (l.finds(p)) {
                        hits[0]++;
                        out.println(id + " +" + clockTime(l.time()) + " " + CastFile.visible(s.user()) + "@"
                                + CastFile.visible(s.target()) + ": " + l.text());
                    }
                }, CastFile.SEARCH_OVERLAP_CHARS);
                parent.events(id, lines);
                lines.end();
            }
            out.flush();
            return hits[0] > 0 ? 0 : 1;
        }
    }

    @Command(name = "export", description = "Write a recording as asciicast (cast) or plain text (txt).")
    static final class Export extends Sub implements Callable<Integer> {
        @Parameters(paramLabel = "ID") String id;
        @Option(names = "--format", defaultValue = "cast", description = "cast or txt") String format;
        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "default: standard output") Path output;

        @Override
        public Integer call() throws IOException {
            if (!format.equals("cast") && !format.equals("txt")) throw new IllegalArgumentException("--format is cast or txt");
            LocalDirectoryArchive a = parent.archive();
            try (InputStream in = a.open(LocalDirectoryArchive.checkId(id))) {
                // A new file only readable by its owner, as the recordings are; never one that exists.
                try (OutputStream to = output != null ? Files.newOutputStream(Files.createFile(output,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) : null) {
                    if (format.equals("cast")) {
                        // The file's bytes, unchanged (the audited hash still matches), streamed.
                        parent.out().flush();
                        OutputStream dest = to != null ? to : parent.rawOut;
                        in.transferTo(dest);
                        dest.flush();
                    } else {
                        PrintWriter text = to != null
                                ? new PrintWriter(new java.io.OutputStreamWriter(to, StandardCharsets.UTF_8)) : parent.out();
                        CastFile.Lines lines = new CastFile.Lines(l -> text.append(l.text()).append('\n'));
                        CastFile.events(in, lines);
                        lines.end();
                        text.flush();
                    }
                }
            }
            parent.out().flush();
            return 0;
        }
    }

    @Command(name = "verify", description = "Check that a recording's SHA-256 matches the audit log (and that the log's chain is intact).")
    static final class Verify extends Sub implements Callable<Integer> {
        @Parameters(paramLabel = "ID") String id;

        @Option(names = "--anchor", paramLabel = "SEQ:HASH", description = "an audit log line recorded elsewhere (the "
                + "gateway's 'audit chain head SEQ:HASH' operator log lines) that the log must still hold, unchanged (repeatable)")
        List<String> anchors = new ArrayList<>();

        @Option(names = "--after", paramLabel = "SEQ:HASH",
                description = "for an audit log split off an earlier one by hand: that file's head, which this one must follow")
        String after;

        @Override
        public Integer call() throws IOException {
            // As `audit verify` takes them: a log re-chained by someone who can write it (to match a swapped recording)
            // only fails against anchors kept elsewhere.
            List<AuditVerifier.Anchor> held = new ArrayList<>();
            for (String a : anchors) held.add(anchor("--anchor", a));
            AuditVerifier.Anchor follows = after == null ? null : anchor("--after", after);
            PrintWriter out = parent.out();
            String actual;
            try (InputStream in = parent.archive().open(LocalDirectoryArchive.checkId(id))) {
                actual = sha256(in);
            }
            String finished = AuditType.RECORDING_FINISHED.eventName();
            JsonNode event = parent.auditEvents(id).stream().filter(e -> finished.equals(e.path("event").asText()))
                    .reduce((first, second) -> second).orElse(null);
            if (event == null) {
                out.println("FAIL " + id + ": no " + finished + " event for it in " + parent.config().audit().file());
                out.flush();
                return 1;
            }
            String expected = event.path("fields").path("sha256").asText();
            AuditVerifier.Result chain = AuditVerifier.verify(parent.config().audit().file(), held, follows);
            if (!chain.ok()) {
                out.println("FAIL " + id + ": the audit log itself is damaged: " + chain.problem());
                out.flush();
                return 1;
            }
            if (!expected.equals(actual)) {
                out.println("FAIL " + id + ": file sha256 " + actual + " differs from audit event seq "
                        + event.path("seq").asText() + " (" + expected + "): the recording was changed");
                out.flush();
                return 1;
            }
            out.println("OK " + id + " sha256 " + actual + " matches audit event seq " + event.path("seq").asText() + " at "
                    + event.path("time").asText() + (event.path("fields").path("complete").asBoolean(true) ? "" : " (recording cut short)")
                    + (held.isEmpty() ? "" : "; the audit log holds " + held.size() + (held.size() == 1 ? " anchor" : " anchors")));
            out.flush();
            return 0;
        }

        private static AuditVerifier.Anchor anchor(String option, String text) {
            try {
                return AuditVerifier.Anchor.parse(text.strip());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(option + " " + text + ": " + e.getMessage());
            }
        }
    }
}
