package dev.berth.images.snapshot;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.error.Internal;
import dev.berth.common.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The small JSON files that hold snapshot metadata, each written with one atomic rename. */
final class SnapshotRecords {
  static final String LAYER_FILE = "snapshot.json";
  static final String CONTAINER_FILE = "container.json";
  private static final ObjectMapper JSON = new ObjectMapper()
      .setSerializationInclusion(JsonInclude.Include.NON_NULL)
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /**
   * A published layer: its chain id, its parent's (null at the bottom), the diff_id it unpacked from
   * when known, and its size in bytes (apparent size of its files and links, each inode once).
   */
  record Layer(String chainId, String parent, String diffId, long size) {}

  /** A container snapshot and the layer stack it stands on (null: none). */
  record Container(String key, String top) {}

  private SnapshotRecords() {}

  static void write(Path file, Object record) {
    try {
      AtomicFiles.write(file, JSON.writeValueAsBytes(record));
    } catch (IOException e) {
      throw new Internal("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  static <T> T read(Path file, Class<T> type) throws IOException {
    return JSON.readValue(Files.readAllBytes(file), type);
  }
}
