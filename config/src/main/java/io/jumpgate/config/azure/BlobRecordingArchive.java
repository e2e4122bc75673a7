package io.jumpgate.config.azure;

import com.azure.core.http.HttpClient;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import com.azure.storage.blob.BlobServiceVersion;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobHttpHeaders;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.ParallelTransferOptions;
import com.azure.storage.blob.options.BlobUploadFromFileOptions;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import io.jumpgate.core.audit.AuditEvent;
import io.jumpgate.core.audit.AuditSink;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.Outcome;
import io.jumpgate.core.recording.RecordingArchive;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Archives finished recordings in an Azure Blob Storage container. {@link #store} first puts the file in a
 * local spool directory (a hard link when possible, else a copy), then uploads it in the background, streamed
 * from the file in blocks; while Blob Storage is unreachable the file stays spooled and the upload is retried
 * with exponential backoff, also after a restart ({@link #start()} picks up what is left). A blob is never
 * overwritten: each recording is written once ({@code If-None-Match: *}) with its SHA-256 in the metadata.
 * {@link #list()} and {@link #open} read the container, plus what is still spooled.
 */
public final class BlobRecordingArchive implements RecordingArchive, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BlobRecordingArchive.class);
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]{0,199}");
    static final String SHA256 = "sha256";
    private static final long BLOCK = 4L * 1024 * 1024;

    private final BlobContainerClient container;
    private final Path spool;
    private final AuditSink audit;
    private final Clock clock;
    private final Duration firstRetry, maxRetry;
    private final Map<String, Integer> attempts = new ConcurrentHashMap<>();
    private final Set<String> scheduled = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService uploader;
    private volatile boolean containerReady;

    /**
     * @param spool      local directory for recordings not yet uploaded (created 0700)
     * @param firstRetry delay before the first retry; doubles up to {@code maxRetry}
     */
    public BlobRecordingArchive(BlobContainerClient container, Path spool, AuditSink audit, Clock clock,
                                Duration firstRetry, Duration maxRetry) throws IOException {
        this.container = Objects.requireNonNull(container, "container");
        this.spool = Objects.requireNonNull(spool, "spool");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.firstRetry = firstRetry;
        this.maxRetry = maxRetry;
        Files.createDirectories(spool);
        try {
            Files.setPosixFilePermissions(spool, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
        this.uploader = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jumpgate-recording-upload");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * A container client for {@code settings}: managed identity (or another Azure credential) with an endpoint,
     * or a connection string from the environment. Pinned to service version 2025-11-05 (Azurite 3.35 and Azure).
     */
    public static BlobContainerClient containerClient(BlobArchiveSettings settings, HttpClient http, RequestRetryOptions retry) {
        if (settings.connectionStringEnv() != null) {
            String cs = System.getenv(settings.connectionStringEnv());
            if (cs == null || cs.isBlank()) {
                throw new IllegalArgumentException("environment variable " + settings.connectionStringEnv() + " is not set");
            }
            return builder(settings.container(), http, retry).connectionString(cs).buildClient();
        }
        return builder(settings.container(), http, retry).endpoint(settings.endpoint())
                .credential(AzureClients.credential(settings.credential(), settings.tenantId(), AzureSettings.Endpoints.AZURE_PUBLIC, http))
                .buildClient();
    }

    /** A container client from a connection string (Azurite, or an account key kept in a secret store). */
    public static BlobContainerClient containerClient(String connectionString, String container, HttpClient http,
                                                      RequestRetryOptions retry) {
        return builder(container, http, retry).connectionString(connectionString).buildClient();
    }

    private static BlobContainerClientBuilder builder(String container, HttpClient http, RequestRetryOptions retry) {
        return new BlobContainerClientBuilder().containerName(container).serviceVersion(BlobServiceVersion.V2025_11_05)
                .httpClient(http).retryOptions(retry);
    }

    /** Two tries per call, 60 s each: longer outages are bridged by the spool and its own backoff. */
    public static RequestRetryOptions defaultRetry() {
        return new RequestRetryOptions(RetryPolicyType.EXPONENTIAL, 2, Duration.ofSeconds(60), Duration.ofSeconds(1),
                Duration.ofSeconds(5), null);
    }

    /** Uploads what an earlier run left in the spool. */
    public void start() {
        for (String id : spooled()) schedule(id, Duration.ZERO);
    }

    @Override
    public void store(String id, Path finishedFile) throws IOException {
        checkId(id);
        Path target = spool.resolve(id);
        try {
            Files.createLink(target, finishedFile);
        } catch (FileAlreadyExistsException e) {
            throw new FileAlreadyExistsException(id, null, "a recording with this id is already waiting for upload");
        } catch (IOException | UnsupportedOperationException e) {
            Path tmp = spool.resolve(id + ".part");
            Files.copy(finishedFile, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        }
        schedule(id, Duration.ZERO);
    }

    /** Ids spooled locally and not yet uploaded. */
    public List<String> spooled() {
        List<String> ids = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(spool)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (ID.matcher(n).matches() && !n.endsWith(".part") && !n.endsWith(".conflict")) ids.add(n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the recording spool " + spool, e);
        }
        ids.sort(null);
        return ids;
    }

    private void schedule(String id, Duration delay) {
        if (!scheduled.add(id)) return;
        uploader.schedule(() -> {
            scheduled.remove(id);
            upload(id);
        }, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void upload(String id) {
        Path file = spool.resolve(id);
        if (!Files.exists(file)) return;
        try {
            String sha = sha256(file);
            ensureContainer();
            BlobClient blob = container.getBlobClient(id);
            try {
                blob.uploadFromFileWithResponse(new BlobUploadFromFileOptions(file.toString())
                        .setParallelTransferOptions(new ParallelTransferOptions().setBlockSizeLong(BLOCK).setMaxConcurrency(2)
                                .setMaxSingleUploadSizeLong(BLOCK))
                        .setHeaders(new BlobHttpHeaders().setContentType("application/x-asciicast"))
                        .setMetadata(Map.of(SHA256, sha))
                        .setRequestConditions(new BlobRequestConditions().setIfNoneMatch("*")), null, Context.NONE);
            } catch (BlobStorageException e) {
                if (e.getErrorCode() != BlobErrorCode.BLOB_ALREADY_EXISTS && e.getStatusCode() != 409 && e.getStatusCode() != 412) throw e;
                String existing = blob.getProperties().getMetadata().get(SHA256);
                if (!sha.equals(existing)) {
                    Path kept = spool.resolve(id + ".conflict");
                    Files.move(file, kept, StandardCopyOption.REPLACE_EXISTING);
                    log.error("Recording {}: a different blob with this name already exists; kept locally as {}", id, kept);
                    emit(id, AuditEvent.builder(AuditType.RECORDING_FAILED, clock.instant()).outcome(Outcome.FAILURE, "blob_conflict")
                            .field("recording", id).field("kept", kept.toString()).build());
                    return;
                }
            }
            Files.delete(file);
            Integer tries = attempts.remove(id);
            log.info("Recording {} archived to Blob Storage{}", id, tries == null ? "" : " after " + (tries + 1) + " attempts");
        } catch (Exception e) {
            int n = attempts.merge(id, 1, Integer::sum);
            Duration delay = backoff(n);
            String error = AzureErrors.describe(e, "it needs Storage Blob Data Contributor on the container");
            log.warn("Recording {}: upload attempt {} failed ({}); kept in {}, retrying in {}", id, n, error, spool, delay);
            // The container was deleted after it was checked: the next attempt creates it again.
            if (containerNotFound(e)) containerReady = false;
            // Scheduled before the audit event: a recording whose deferral cannot be audited is still retried.
            schedule(id, delay);
            if (n == 1) {
                emit(id, AuditEvent.builder(AuditType.RECORDING_FAILED, clock.instant()).outcome(Outcome.FAILURE, "upload_deferred")
                        .field("recording", id).field("error", error).field("spool", spool.toString()).build());
            }
        }
    }

    /**
     * Audits from the upload thread. The session that made the recording has ended, so there is nothing to refuse when
     * the audit log cannot be written: the failure is logged, and the upload goes on (the recording stays spooled
     * until it is stored, and its hash is already in the audit log's {@code recording.finished}).
     */
    private void emit(String id, AuditEvent event) {
        try {
            audit.emit(event);
        } catch (RuntimeException e) {
            log.error("Recording {}: cannot audit {} {}: {}", id, event.type().eventName(), event.code(), e.getMessage());
        }
    }

    private static boolean containerNotFound(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BlobStorageException b && b.getErrorCode() == BlobErrorCode.CONTAINER_NOT_FOUND) return true;
        }
        return false;
    }

    Duration backoff(int attempt) {
        long ms = firstRetry.toMillis() << Math.min(attempt - 1, 20);
        return Duration.ofMillis(Math.min(ms, maxRetry.toMillis()));
    }

    private void ensureContainer() {
        if (containerReady) return;
        try {
            if (!container.exists()) container.create();
        } catch (BlobStorageException e) {
            if (e.getErrorCode() != BlobErrorCode.CONTAINER_ALREADY_EXISTS) throw e; // created meanwhile: fine
        }
        containerReady = true;
    }

    @Override
    public List<Entry> list() throws IOException {
        Map<String, Entry> entries = new LinkedHashMap<>();
        try {
            if (container.exists()) {
                for (BlobItem b : container.listBlobs()) {
                    entries.put(b.getName(), new Entry(b.getName(), b.getProperties().getContentLength(),
                            b.getProperties().getLastModified().toInstant()));
                }
            }
        } catch (RuntimeException e) {
            throw new IOException("cannot list recordings in Blob Storage: "
                    + AzureErrors.describe(e, "it needs Storage Blob Data Reader on the container"), e);
        }
        for (String id : spooled()) {
            Path p = spool.resolve(id);
            entries.putIfAbsent(id, new Entry(id, Files.size(p), Files.getLastModifiedTime(p).toInstant()));
        }
        return List.copyOf(entries.values());
    }

    @Override
    public InputStream open(String id) throws IOException {
        checkId(id);
        Path local = spool.resolve(id);
        try {
            return Files.newInputStream(local);
        } catch (NoSuchFileException notSpooled) {
            // uploaded: read it from the container
        }
        try {
            return container.getBlobClient(id).openInputStream();
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 404) throw new NoSuchFileException(id, null, "no such recording");
            throw new IOException("cannot read recording " + id + ": " + AzureErrors.describe(e, "it needs Storage Blob Data Reader"), e);
        } catch (RuntimeException e) {
            throw new IOException("cannot read recording " + id + ": " + AzureErrors.describe(e, "Blob Storage"), e);
        }
    }

    private static void checkId(String id) {
        if (id == null || !ID.matcher(id).matches() || id.endsWith(".part") || id.endsWith(".conflict")) {
            throw new IllegalArgumentException("recording id must be 1-200 of letters, digits, _ . - (found '" + id + "')");
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Stops uploading; what is still spooled is uploaded by the next {@link #start()}. */
    @Override
    public void close() {
        uploader.shutdownNow();
        try {
            uploader.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
