package io.jumpgate.config.azure;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import io.jumpgate.core.audit.AuditEvent;
import io.jumpgate.core.audit.AuditSink;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.AuditWriteException;
import io.jumpgate.core.audit.MemoryAuditSink;
import io.jumpgate.core.recording.RecordingArchive;
import io.jumpgate.testkit.Poll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BlobRecordingArchiveTest {
    @TempDir
    Path tmp;
    private Azurite azurite;
    private BlobContainerClient container;
    private final MemoryAuditSink audit = new MemoryAuditSink();

    @BeforeEach
    void start() throws IOException {
        azurite = Azurite.start(tmp.resolve("azurite"));
        RequestRetryOptions fast = new RequestRetryOptions(RetryPolicyType.FIXED, 1, Duration.ofSeconds(10),
                Duration.ofMillis(50), Duration.ofMillis(50), null);
        container = BlobRecordingArchive.containerClient(azurite.connectionString(), "recordings",
                AzureClients.httpClient(HttpClient.newBuilder()), fast);
    }

    @AfterEach
    void stop() {
        if (azurite != null) azurite.close();
    }

    private BlobRecordingArchive archive() throws IOException {
        return new BlobRecordingArchive(container, tmp.resolve("spool"), audit, Clock.systemUTC(),
                Duration.ofMillis(100), Duration.ofMillis(800));
    }

    /** An asciicast-like file of {@code size} bytes (bigger than one 4 MiB block means a multi-block upload). */
    private Path recording(String name, int size) throws IOException {
        Path p = tmp.resolve(name + ".cast");
        Random r = new Random(size);
        try (OutputStream out = Files.newOutputStream(p)) {
            out.write("{\"version\": 2, \"width\": 80, \"height\": 24}\n".getBytes(StandardCharsets.UTF_8));
            byte[] line = new byte[1000];
            for (int written = 0; written < size; written += line.length) {
                for (int i = 0; i < line.length; i++) line[i] = (byte) ('a' + r.nextInt(26));
                line[line.length - 1] = '\n';
                out.write(line);
            }
        }
        return p;
    }

    private static byte[] read(RecordingArchive a, String id) throws IOException {
        try (InputStream in = a.open(id)) {
            return in.readAllBytes();
        }
    }

    @Test
    void uploadsWhenTheSessionEndsThenListsAndOpensFromBlob() throws Exception {
        Path file = recording("s1", 9 * 1024 * 1024);
        try (BlobRecordingArchive a = archive()) {
            a.store("2026-11-21T12-00-00Z_alice_web_0_s1", file);
            Poll.until(Duration.ofSeconds(60), "upload", () -> a.spooled().isEmpty());

            List<RecordingArchive.Entry> entries = a.list();
            assertEquals(1, entries.size());
            assertEquals("2026-11-21T12-00-00Z_alice_web_0_s1", entries.get(0).id());
            assertEquals(Files.size(file), entries.get(0).size());
            assertTrue(java.util.Arrays.equals(Files.readAllBytes(file), read(a, entries.get(0).id())), "same bytes back");
            assertEquals(BlobRecordingArchive.sha256(file), container.getBlobClient(entries.get(0).id()).getProperties()
                    .getMetadata().get(BlobRecordingArchive.SHA256));
            assertTrue(Files.exists(file), "the gateway's own file is left to the gateway");
            assertTrue(audit.matching(e -> e.type() == AuditType.RECORDING_FAILED).isEmpty());
        }
    }

    @Test
    void spoolsWhileBlobIsDownAndUploadsWhenItIsBack() throws Exception {
        Path file = recording("s2", 200_000);
        try (BlobRecordingArchive a = archive()) {
            azurite.stop();
            a.store("s2", file);
            Poll.until(Duration.ofSeconds(30), "a failed attempt",
                    () -> !audit.matching(e -> e.type() == AuditType.RECORDING_FAILED).isEmpty());
            assertEquals(List.of("s2"), a.spooled());
            assertEquals("upload_deferred", audit.events().get(0).code());
            assertThrows(IOException.class, a::list, "listing says Blob is unreachable rather than showing a partial list");
            assertEquals(Files.size(file), read(a, "s2").length, "still readable from the spool");

            azurite.restart();
            Poll.until(Duration.ofSeconds(60), "upload after Blob came back", () -> a.spooled().isEmpty());
            assertEquals(List.of("s2"), a.list().stream().map(RecordingArchive.Entry::id).toList());
            assertEquals(Files.size(file), read(a, "s2").length);
        }
    }

    @Test
    void aRestartedArchiveUploadsWhatWasLeftInTheSpool() throws Exception {
        Path file = recording("s3", 50_000);
        azurite.stop();
        try (BlobRecordingArchive a = archive()) {
            a.store("s3", file);
        }
        azurite.restart();
        try (BlobRecordingArchive b = archive()) {
            assertEquals(List.of("s3"), b.spooled());
            b.start();
            Poll.until(Duration.ofSeconds(60), "upload of the leftover", () -> b.spooled().isEmpty());
            assertEquals(Files.size(file), read(b, "s3").length);
        }
    }

    @Test
    void badIdsAndMissingRecordingsAreClearErrors() throws Exception {
        Path file = recording("s4", 1000);
        try (BlobRecordingArchive a = archive()) {
            assertThrows(IllegalArgumentException.class, () -> a.store("../etc/passwd", file));
            assertThrows(IllegalArgumentException.class, () -> a.store("", file));
            assertThrows(IllegalArgumentException.class, () -> a.open("a/b"));
            assertThrows(NoSuchFileException.class, () -> a.store("s4", tmp.resolve("missing.cast")));
            assertTrue(a.spooled().isEmpty(), "nothing half-stored");
            a.store("s4", file);
            Poll.until(Duration.ofSeconds(30), "upload", () -> a.spooled().isEmpty());
            assertThrows(NoSuchFileException.class, () -> a.open("never-recorded"));
        }
    }

    /**
     * The audit log cannot take the first deferred upload's event (disk full, or being closed): the upload is still
     * retried, and stored once Blob Storage is back.
     */
    @Test
    void aFailedUploadIsRetriedEvenIfItsAuditEventCannotBeWritten() throws Exception {
        AtomicInteger refused = new AtomicInteger();
        AuditSink failing = new AuditSink() {
            @Override
            public void emit(AuditEvent event) {
                if (refused.getAndIncrement() == 0) throw new AuditWriteException("cannot write audit log: No space left on device", null);
            }
        };
        Path file = recording("s1", 100);
        try (BlobRecordingArchive a = new BlobRecordingArchive(container, tmp.resolve("spool"), failing, Clock.systemUTC(),
                Duration.ofMillis(100), Duration.ofMillis(400))) {
            azurite.stop();
            a.store("s1", file);
            Poll.until(Duration.ofSeconds(30), "the first failed attempt", () -> refused.get() > 0);
            azurite.restart();
            Poll.until(Duration.ofSeconds(20), "the upload once Blob is back", () -> a.spooled().isEmpty());
            assertArrayEquals(Files.readAllBytes(file), read(a, "s1"));
        }
    }

    /** A container deleted after the first upload is created again ("created if missing"), not retried forever. */
    @Test
    void aDeletedContainerIsCreatedAgain() throws Exception {
        try (BlobRecordingArchive a = archive()) {
            a.store("s1", recording("s1", 100));
            Poll.until(Duration.ofSeconds(30), "first upload", () -> a.spooled().isEmpty());
            container.delete();
            Poll.until(Duration.ofSeconds(30), "container gone", () -> !container.exists());
            a.store("s2", recording("s2", 100));
            Poll.until(Duration.ofSeconds(20), "upload of s2 into a recreated container", () -> a.spooled().isEmpty());
            assertTrue(container.getBlobClient("s2").exists());
        }
    }
}
