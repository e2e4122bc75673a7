package io.jumpgate.config;

import io.jumpgate.config.azure.BlobArchiveSettings;

import java.nio.file.Path;

/**
 * @param dir         directory for asciicast files (0700; files 0600)
 * @param recordInput also record what the user types ("i" events); off by default since it captures passwords
 * @param azureBlob   archive finished recordings in Azure Blob Storage ({@code recordings.azureBlob}), or null
 */
public record RecordingSettings(Path dir, boolean recordInput, BlobArchiveSettings azureBlob) {
    public RecordingSettings(Path dir, boolean recordInput) {
        this(dir, recordInput, null);
    }
}
