package dev.berth.runtime.container;

import dev.berth.common.io.FileTrees;
import dev.berth.runtime.seccomp.SeccompCache;
import dev.berth.common.error.Conflict;
import dev.berth.common.error.Internal;
import dev.berth.common.error.InvalidArgument;
import dev.berth.common.error.NotFound;
import dev.berth.common.io.AtomicFiles;
import dev.berth.runtime.spec.RecordJson;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * The runtime's state directory: one directory per container holding state.json (written
 * atomically), the exec fifo and a lock file. mkdir's atomicity is what makes ids unique.
 */
public final class StateStore {
  static final String STATE_FILE = "state.json";
  static final String FIFO = "exec.fifo";

  private final Path root;

  public StateStore(Path root) {
    this.root = root;
  }

  public Path root() {
    return root;
  }

  public static void validateId(String id) {
    if (id == null || id.isEmpty()) {
      throw new InvalidArgument("container id cannot be empty");
    }
    if (!validChars(id) || id.startsWith(".") || id.length() > 1024) {
      // Names starting with "." under --root belong to the runtime itself (locks, the seccomp cache).
      throw new InvalidArgument("invalid container id \"" + id + "\": use letters, digits, _ + - and ., not first");
    }
  }

  /** Letters, digits, _ + - and . only (a loop, not a regex: every command checks an id in a cold JVM). */
  private static boolean validChars(String id) {
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '+' || c == '-'
          || c == '.')) {
        return false;
      }
    }
    return true;
  }

  public Path dir(String id) {
    validateId(id);
    return root.resolve(id);
  }

  /** Claims the id: creates its directory or fails if it exists. */
  public Path claim(String id) {
    Path dir = dir(id);
    try {
      Files.createDirectories(root);
      Files.createDirectory(dir);
      return dir;
    } catch (FileAlreadyExistsException e) {
      throw new Conflict("container with id " + id + " already exists");
    } catch (IOException e) {
      throw new Internal("cannot create the state directory " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Atomic but not fsynced: the state describes processes, none of which outlive the machine (runc
   * does not sync its state either). A crash of the machine may leave the file empty; load() then
   * treats the container as one whose create died, which delete --force removes.
   */
  public void save(ContainerState state) {
    try {
      AtomicFiles.replace(dir(state.id()).resolve(STATE_FILE), RecordJson.write(state, false));
    } catch (IOException e) {
      throw new Internal("cannot write the state of " + state.id() + ": " + e.getMessage(), e);
    }
  }

  public ContainerState load(String id) {
    Path file = dir(id).resolve(STATE_FILE);
    try {
      byte[] json = Files.readAllBytes(file);
      return json.length == 0 ? died(id) : RecordJson.read(json, ContainerState.class);
    } catch (RecordJson.JsonException e) {
      throw new Internal("cannot read the state of " + id + ": " + file + ": " + e.getMessage(), e);
    } catch (NoSuchFileException e) {
      if (Files.isDirectory(dir(id))) {
        return died(id);
      }
      throw new NotFound("container " + id + " does not exist");
    } catch (IOException e) {
      throw new Internal("cannot read the state of " + id + ": " + e.getMessage(), e);
    }
  }

  /** A create that died before its first write: only delete --force can clean it. */
  private static ContainerState died(String id) {
    return new ContainerState(id, null, null, 0, 0, null, null, "", null, true);
  }

  public boolean exists(String id) {
    return Files.isDirectory(dir(id));
  }

  public List<String> ids() {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(root)) {
      return new ArrayList<>(s.filter(Files::isDirectory).map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith(".")).sorted().toList());
    } catch (IOException e) {
      throw new Internal("cannot list " + root + ": " + e.getMessage(), e);
    }
  }

  /** Compiled seccomp filters, kept under --root so they are exactly as trusted as the state. */
  public SeccompCache seccompCache() {
    return new SeccompCache(root.resolve(".seccomp"));
  }

  public Path fifo(String id) {
    return dir(id).resolve(FIFO);
  }

  /** Removes the container's directory and everything in it. */
  public void remove(String id) {
    try {
      FileTrees.delete(dir(id));
    } catch (IOException e) {
      throw new Internal("cannot remove the state of " + id + ": " + e.getMessage(), e);
    }
  }


  /**
   * Threads of one JVM that lock the same file: a file lock is the whole JVM's (a second FileChannel.lock
   * on it throws), so commands run side by side in one process (the runtime server, the supervisor)
   * first take one of these, chosen by the lock file's name.
   */
  private static final ReentrantLock[] IN_PROCESS = new ReentrantLock[64];

  static {
    for (int i = 0; i < IN_PROCESS.length; i++) {
      IN_PROCESS[i] = new ReentrantLock();
    }
  }

  /** An exclusive lock on the container, so concurrent commands on one id cannot tear its state. */
  public Lock lock(String id) {
    Path dir = dir(id);
    Path file = root.resolve("." + id + ".lock");
    ReentrantLock inProcess = IN_PROCESS[Math.floorMod(file.toAbsolutePath().hashCode(), IN_PROCESS.length)];
    inProcess.lock();
    try {
      FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      return new Lock(ch, ch.lock(), file, dir, inProcess);
    } catch (IOException e) {
      inProcess.unlock();
      throw new Internal("cannot lock container " + id + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      inProcess.unlock();
      throw e;
    }
  }

  /** Held while a command changes a container. */
  public record Lock(FileChannel channel, FileLock lock, Path file, Path dir, ReentrantLock inProcess)
      implements AutoCloseable {
    @Override
    public void close() {
      try {
        if (!Files.exists(dir)) {
          Files.deleteIfExists(file);
        }
        lock.release();
        channel.close();
      } catch (IOException ignored) {
        // the lock dies with the channel
      } finally {
        inProcess.unlock();
      }
    }
  }
}
