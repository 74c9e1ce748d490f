package dev.berth.daemon.containers;

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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The daemon's containers: one directory each under {@code <data-root>/containers} with
 * {@code container.json} written atomically, held in memory and found by id, id prefix or name.
 */
public final class ContainerStore {
  static final String FILE = "container.json";
  private static final Pattern NAME = Pattern.compile("/?[a-zA-Z0-9][a-zA-Z0-9_.-]+");
  static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  private final Path root;
  private final Map<String, Container> byId = new ConcurrentHashMap<>();

  public ContainerStore(Path root) {
    this.root = root;
    load();
  }

  public Path dir(String id) {
    return root.resolve(id);
  }

  /** Docker's rule for names; the leading slash is added. */
  public static String checkName(String name) {
    if (!NAME.matcher(name).matches()) {
      throw new InvalidArgument("Invalid container name (" + name + "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
    }
    return name.startsWith("/") ? name : "/" + name;
  }

  /** Adds a new container, refusing a name in use (Docker's message). */
  public synchronized void add(Container c) {
    checkFree(c.name());
    write(c);
    byId.put(c.id(), c);
  }

  public synchronized void rename(String id, String name) {
    Container c = get(id);
    if (c.name().equals(name)) {
      throw new dev.berth.common.error.InvalidArgument("Renaming a container with the same name as its current name");
    }
    checkFree(name);
    save(c.withName(name));
  }

  private void checkFree(String name) {
    for (Container other : byId.values()) {
      if (other.name().equals(name)) {
        throw new Conflict("Conflict. The container name \"" + name + "\" is already in use by container \""
            + other.id() + "\". You have to remove (or rename) that container to be able to reuse that name.");
      }
    }
  }

  public void save(Container c) {
    write(c);
    byId.put(c.id(), c);
  }

  /**
   * Updates the container in memory only, for a state it leaves within moments anyway: a --rm
   * container's exit, which its removal follows. A daemon that dies in between finds the container
   * recorded running and learns its exit from its task again (LiveRestore), then removes it.
   */
  public void hold(Container c) {
    byId.put(c.id(), c);
  }

  /** By full id, unique id prefix, or name (with or without the slash), as Docker resolves them. */
  public Container get(String ref) {
    Container exact = byId.get(ref);
    if (exact != null) return exact;
    String name = ref.startsWith("/") ? ref : "/" + ref;
    for (Container c : byId.values()) {
      if (c.name().equals(name)) return c;
    }
    List<Container> prefixed = byId.values().stream().filter(c -> c.id().startsWith(ref)).toList();
    if (prefixed.size() == 1 && !ref.isEmpty()) return prefixed.get(0);
    if (prefixed.size() > 1) throw new InvalidArgument("multiple IDs found with provided prefix: " + ref);
    throw new NotFound("No such container: " + ref);
  }

  public Collection<Container> all() {
    return List.copyOf(byId.values());
  }

  public synchronized void remove(String id) {
    byId.remove(id);
    try {
      Files.deleteIfExists(dir(id).resolve(FILE));
      FileTrees.delete(dir(id));
    } catch (IOException e) {
      throw new Internal("cannot remove the files of container " + id + ": " + e.getMessage(), e);
    }
  }

  private static void discard(Path dir) {
    try {
      FileTrees.delete(dir);
      System.err.println("berthd: removed " + dir + ", left without a container record");
    } catch (IOException e) {
      System.err.println("berthd: cannot remove " + dir + ": " + e.getMessage());
    }
  }

  private void write(Container c) {
    try {
      Files.createDirectories(dir(c.id()));
      AtomicFiles.write(dir(c.id()).resolve(FILE), JSON.writeValueAsBytes(c));
    } catch (IOException e) {
      throw new Internal("cannot save container " + c.id() + ": " + e.getMessage(), e);
    }
  }

  private void load() {
    if (!Files.isDirectory(root)) return;
    List<Path> dirs = new ArrayList<>();
    try (Stream<Path> s = Files.list(root)) {
      s.forEach(dirs::add);
    } catch (IOException e) {
      throw new Internal("cannot list " + root + ": " + e.getMessage(), e);
    }
    for (Path d : dirs) {
      Path file = d.resolve(FILE);
      if (!Files.isRegularFile(file)) {
        // A remove deletes the record first and a create writes it first: without one, the directory
        // is what a kill -9 in either left, and nobody else owns it.
        discard(d);
        continue;
      }
      try {
        Container c = JSON.readValue(file.toFile(), Container.class);
        byId.put(c.id(), c);
      } catch (IOException e) {
        System.err.println("berthd: skipping unreadable container record " + file + ": " + e.getMessage());
      }
    }
  }
}
