package io.jumpgate.core.recording;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalDirectoryArchiveTest {
    @TempDir
    Path tmp;

    @Test
    void storesListsAndOpensPrivately() throws Exception {
        LocalDirectoryArchive a = new LocalDirectoryArchive(tmp.resolve("rec"));
        assertTrue(a.list().isEmpty(), "a missing directory lists nothing");
        Path spool = Files.writeString(tmp.resolve("live.cast"), "{\"version\":2}\n");
        a.store("gw1-0", spool);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(a.dir())));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(a.fileOf("gw1-0"))));
        a.store("gw1-0", a.fileOf("gw1-0")); // already in place: nothing to do
        var list = a.list();
        assertEquals(1, list.size());
        assertEquals("gw1-0", list.get(0).id());
        assertEquals(14, list.get(0).size());
        try (InputStream in = a.open("gw1-0")) {
            assertEquals("{\"version\":2}\n", new String(in.readAllBytes()));
        }
    }

    @Test
    void refusesIdsThatAreNotPlainFileNames() throws Exception {
        LocalDirectoryArchive a = new LocalDirectoryArchive(tmp);
        for (String bad : new String[] {"../x", "a/b", ".hidden", "", "a..b"}) {
            assertThrows(IllegalArgumentException.class, () -> a.fileOf(bad), bad);
        }
        assertThrows(NoSuchFileException.class, () -> a.open("missing"));
    }
}
