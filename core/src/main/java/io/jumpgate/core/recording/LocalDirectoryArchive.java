package io.jumpgate.core.recording;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Keeps recordings as {@code ID.cast} files in one local directory (0700, files 0600). When the gateway
 * writes live recordings into the same directory, {@link #store} has nothing to move.
 */
public final class LocalDirectoryArchive implements RecordingArchive {
    /** Recording ids are file names: no separators, no leading dot. */
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]{0,127}");
    public static final String SUFFIX = ".cast";

    private final Path dir;

    public LocalDirectoryArchive(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    public Path dir() {
        return dir;
    }

    public static String checkId(String id) {
        if (id == null || !ID.matcher(id).matches() || id.contains("..")) {
            throw new IllegalArgumentException("not a recording id: '" + id + "'");
        }
        return id;
    }

    /** The file of recording {@code id} (which may not exist yet). */
    public Path fileOf(String id) {
        return dir.resolve(checkId(id) + SUFFIX);
    }

    /** Creates the directory 0700 if missing; refuses a directory that is not one. */
    public Path ensureDirectory() throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            setPermissions(dir, "rwx------");
        }
        return dir;
    }

    @Override
    public void store(String id, Path finishedFile) throws IOException {
        Path dest = fileOf(id);
        if (Files.exists(dest) && Files.isSameFile(dest, finishedFile)) {
            return;
        }
        ensureDirectory();
        Path tmp = dir.resolve("." + id + ".part");
        Files.copy(finishedFile, tmp, StandardCopyOption.REPLACE_EXISTING);
        setPermissions(tmp, "rw-------");
        Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public List<Entry> list() throws IOException {
        List<Entry> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                String id = name.substring(0, name.length() - SUFFIX.length());
                if (!ID.matcher(id).matches()) continue;
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                out.add(new Entry(id, a.size(), a.lastModifiedTime().toInstant()));
            }
        }
        out.sort(Comparator.comparing(Entry::lastModified).thenComparing(Entry::id));
        return out;
    }

    @Override
    public InputStream open(String id) throws IOException {
        Path p = fileOf(id);
        if (!Files.isRegularFile(p)) throw new NoSuchFileException(p.toString(), null, "no recording '" + id + "'");
        return Files.newInputStream(p);
    }

    public static void setPermissions(Path p, String perms) throws IOException {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
    }
}
