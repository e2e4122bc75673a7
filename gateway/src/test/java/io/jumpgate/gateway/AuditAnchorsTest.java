package io.jumpgate.gateway;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.jumpgate.core.audit.AuditEvent;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.JsonLinesAuditLog;
import io.jumpgate.gateway.cli.Cli;
import io.jumpgate.gateway.testing.GatewayFixture;
import io.jumpgate.testkit.Poll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gateway logs its audit chain's head to the operator log; `jumpgate audit verify --anchor` checks the file against it. */
class AuditAnchorsTest {
    private static final Pattern HEAD = Pattern.compile("audit chain head (\\d+:[0-9a-f]{64}) \\((.+)\\)");
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(AuditAnchors.LOGGER);

    private ch.qos.logback.classic.Level before;

    @BeforeEach
    void capture() {
        logged.start();
        logger.addAppender(logged);
        before = logger.getLevel();
        logger.setLevel(ch.qos.logback.classic.Level.INFO); // as the shipped logback.xml sets it (tests log WARN)
    }

    @AfterEach
    void release() {
        logger.detachAppender(logged);
        logger.setLevel(before);
    }

    private List<String> anchors() {
        synchronized (logged.list) {
            return logged.list.stream().map(ILoggingEvent::getFormattedMessage).map(HEAD::matcher).filter(Matcher::matches)
                    .map(m -> m.group(1)).toList();
        }
    }

    record Run(int exit, String out, String err) {}

    private static Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Cli.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theLastAnchorAGatewayLogsIsItsStopAndACutTailIsFoundWithIt(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("gw");
        GatewayFixture gw = GatewayFixture.start(data, "ssh:\n  listen: 127.0.0.1:0\n");
        gw.close();
        Path file = data.resolve("audit/audit.jsonl");
        List<String> lines = Files.readAllLines(file);
        assertTrue(lines.get(lines.size() - 1).contains("\"event\":\"gateway.stopped\""), lines.toString());
        List<String> heads = anchors();
        assertTrue(!heads.isEmpty(), "an anchor is logged at close");
        String last = heads.get(heads.size() - 1);
        assertTrue(last.startsWith(lines.size() + ":"), "the head after gateway.stopped: " + last);

        Run ok = cli("audit", "verify", file.toString(), "--anchor", last);
        assertEquals(0, ok.exit(), ok.err());
        assertEquals("ok: " + lines.size() + " lines, head " + last + ", 1 anchor found", ok.out().trim());

        Files.write(file, lines.subList(0, lines.size() - 1)); // someone removes the stop
        assertEquals(0, cli("audit", "verify", file.toString()).exit(), "the chain alone cannot tell");
        Run cut = cli("audit", "verify", file.toString(), "--anchor", last);
        assertEquals(1, cut.exit(), cut.out());
        assertTrue(cut.err().contains("its tail was cut"), cut.err());

        Run bad = cli("audit", "verify", file.toString(), "--anchor", "12:nothex");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("--anchor 12:nothex: an anchor's hash is 64 lower-case hex digits"), bad.err());
    }

    @Test
    void aMovedHeadIsLoggedOnTimeAndAnUnmovedOneIsNotRepeated(@TempDir Path dir) throws Exception {
        try (JsonLinesAuditLog log = new JsonLinesAuditLog(dir.resolve("audit.jsonl"), false);
             AuditAnchors anchors = new AuditAnchors(log).start(Duration.ofMillis(50))) {
            log.emit(AuditEvent.builder(AuditType.SESSION_OPENED, Instant.parse("2026-11-22T00:00:00Z")).session("s1").build());
            Poll.until(Duration.ofSeconds(10), "the first head logged", () -> anchors().size() == 1);
            anchors.logIfMoved();
            assertEquals(1, anchors().size(), "unmoved: not logged again");
            log.emit(AuditEvent.builder(AuditType.SESSION_OPENED, Instant.parse("2026-11-22T00:00:01Z")).session("s2").build());
            Poll.until(Duration.ofSeconds(10), "the moved head logged", () -> anchors().size() == 2);
            assertTrue(anchors().get(1).startsWith("2:"), anchors().toString());
            assertEquals(log.head().toString(), anchors().get(1));
        }
    }
}
