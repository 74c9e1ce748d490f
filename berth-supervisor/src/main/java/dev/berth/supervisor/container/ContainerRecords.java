package dev.berth.supervisor.container;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.berth.common.error.Conflict;
import dev.berth.common.error.Internal;
import dev.berth.common.error.InvalidArgument;
import dev.berth.common.error.NotFound;
import dev.berth.common.io.AtomicFiles;
import dev.berth.common.io.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Container records on disk, one directory per container: {@code container.json} and {@code spec.json}.
 * A directory without its record is a create that died half-way; {@link #list} skips it and
 * {@link #delete} removes it.
 */
public final class ContainerRecords {
  static final String RECORD = "container.json";
  static final String SPEC = "spec.json";
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
  private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  private final Path root;

  public ContainerRecords(Path root) {
    this.root = root;
  }

  public static String checkId(String id) {
    if (id == null || !ID.matcher(id).matches()) {
      throw new InvalidArgument("invalid container id \"" + id + "\": use letters, digits, '_', '.' and '-' (at most 128)");
    }
    return id;
  }

  /** Writes the spec, then the record: a record on disk always has its spec. */
  public synchronized void create(ContainerRecord record, byte[] spec) {
    Path dir = root.resolve(checkId(record.id()));
    if (Files.exists(dir.resolve(RECORD))) throw new Conflict("container " + record.id() + " already exists");
    try {
      Files.createDirectories(dir);
      AtomicFiles.write(dir.resolve(SPEC), spec);
      AtomicFiles.write(dir.resolve(RECORD), JSON.writeValueAsBytes(record));
    } catch (IOException e) {
      throw new Internal("cannot record container " + record.id() + ": " + e.getMessage(), e);
    }
  }

  /** Replaces a container's spec (new resource limits for its next start). */
  public synchronized void replaceSpec(String id, byte[] spec) {
    get(id);
    try {
      AtomicFiles.write(root.resolve(checkId(id)).resolve(SPEC), spec);
    } catch (IOException e) {
      throw new Internal("cannot save the spec of container " + id + ": " + e.getMessage(), e);
    }
  }

  public ContainerRecord get(String id) {
    try {
      return JSON.readValue(root.resolve(checkId(id)).resolve(RECORD).toFile(), ContainerRecord.class);
    } catch (NoSuchFileException | java.io.FileNotFoundException e) {
      throw new NotFound("no such container: " + id);
    } catch (IOException e) {
      throw new Internal("cannot read the record of container " + id + ": " + e.getMessage(), e);
    }
  }

  public byte[] spec(String id) {
    try {
      return Files.readAllBytes(root.resolve(checkId(id)).resolve(SPEC));
    } catch (NoSuchFileException e) {
      throw new NotFound("no such container: " + id);
    } catch (IOException e) {
      throw new Internal("cannot read the spec of container " + id + ": " + e.getMessage(), e);
    }
  }

  public List<ContainerRecord> list() {
    List<ContainerRecord> all = new ArrayList<>();
    if (!Files.isDirectory(root)) return all;
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path dir : dirs.sorted().toList()) {
        if (Files.isRegularFile(dir.resolve(RECORD))) all.add(get(dir.getFileName().toString()));
      }
    } catch (IOException e) {
      throw new Internal("cannot list containers in " + root + ": " + e.getMessage(), e);
    }
    return all;
  }

  /** Removes the record first, so that a delete cut short leaves a directory {@link #list} ignores. */
  /**
   * Removes record dirs without a record: a create writes the record last and a delete removes it
   * first, so such a dir is what a kill -9 in either left. Returns their names.
   */
  public synchronized List<String> removeIncomplete() {
    List<String> removed = new ArrayList<>();
    if (!Files.isDirectory(root)) return removed;
    try (var dirs = Files.list(root)) {
      for (Path dir : dirs.filter(Files::isDirectory).toList()) {
        if (Files.isRegularFile(dir.resolve(RECORD))) continue;
        FileTrees.delete(dir);
        removed.add(dir.getFileName().toString());
      }
    } catch (IOException e) {
      throw new Internal("cannot tidy the container records in " + root + ": " + e.getMessage(), e);
    }
    return removed;
  }

  public synchronized void delete(String id) {
    Path dir = root.resolve(checkId(id));
    try {
      Files.deleteIfExists(dir.resolve(RECORD));
      FileTrees.delete(dir);
    } catch (IOException e) {
      throw new Internal("cannot remove the record of container " + id + ": " + e.getMessage(), e);
    }
  }
}
