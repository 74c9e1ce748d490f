package dev.berth.runtime.server;

import dev.berth.common.ffm.ErrnoException;
import dev.berth.runtime.cli.Main;
import dev.berth.runtime.sys.LinuxSyscalls;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The runtime server: a resident JVM that runs the commands engines run per container (the fast
 * path's create, start, run, kill, delete, exec) for the native {@code berth-runtime} client, which
 * starts it on first use (berth-native/client/README.md). A JVM per command costs more than runc's
 * whole command; a warm one costs less than the container.
 *
 * <p>It serves one --root, in the namespaces and as the user it was started in, from the build it was
 * started from (its key says which). Its files (socket, lock, log) are in a directory of their own
 * ({@code /run/berth-runtime-server}), never under the --root, which its owner may remove at any time.
 * It ends when idle for {@code BERTH_RUNTIME_SERVER_IDLE} seconds (default 120), once its --root is
 * removed or replaced, or once its socket is. The client's OFD lock on {@code <key>.lock}, inherited on
 * the fd named by its second argument, keeps a second one from starting and dies with it; the file
 * holds the server's pid.
 */
public final class RuntimeServer {
  private static final long DEFAULT_IDLE_SECONDS = 120;
  private static final int TICK_MS = 1000;

  private final Path socketPath;
  private final Path logPath;
  private final Path lockPath;
  private final Path root;
  private final long idleMillis;
  /** This process's privileges, which do not change: each caller's are compared with them. */
  private final List<String> ownPrivileges;
  private final AtomicInteger active = new AtomicInteger();
  private final AtomicLong lastActivity = new AtomicLong(System.currentTimeMillis());

  private RuntimeServer(Path socketPath, Path root, long idleMillis) {
    this.socketPath = socketPath;
    this.root = root;
    String name = socketPath.getFileName().toString();
    String base = name.replaceFirst("\\.sock$", "");
    this.logPath = socketPath.resolveSibling(base + ".log");
    this.lockPath = socketPath.resolveSibling(base + ".lock");
    this.idleMillis = idleMillis;
    try {
      this.ownPrivileges = privileges(Path.of("/proc/self"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read this process's privileges", e);
    }
  }

  /** {@code --serve SOCKET LOCK-FD ROOT} (bin/berth-runtime-jvm's arguments): serves until idle. */
  public static void main(String[] args) {
    Runtime.getRuntime().halt(run(args, System.err));
  }

  static int run(String[] args, PrintStream err) {
    if (args.length != 4 || !args[0].equals("--serve")) {
      err.println("berth-runtime: usage: --serve SOCKET LOCK-FD ROOT (the berth-runtime client starts the server)");
      return 2;
    }
    long idle = idleSeconds(System.getenv("BERTH_RUNTIME_SERVER_IDLE"));
    RuntimeServer server = new RuntimeServer(Path.of(args[1]), Path.of(args[3]), idle * 1000);
    server.logWarnings();
    return server.serve();
  }

  static long idleSeconds(String value) {
    if (value == null || value.isBlank()) {
      return DEFAULT_IDLE_SECONDS;
    }
    try {
      return Math.max(1, Long.parseLong(value.strip()));
    } catch (NumberFormatException e) {
      return DEFAULT_IDLE_SECONDS;
    }
  }

  private int serve() {
    int listener;
    Object socketKey;
    Object rootKey = key(root);
    if (rootKey == null) {
      cleanUp(null);
      return 0;
    }
    try {
      // The client's lock is ours: a socket left by a server that died is stale. The lock file names
      // the holder, as berthd's does.
      Files.writeString(lockPath, Long.toString(ProcessHandle.current().pid()), StandardCharsets.US_ASCII);
      Files.deleteIfExists(socketPath);
      listener = SeqpacketSocket.listen(socketPath);
      socketKey = key(socketPath);
    } catch (IOException e) {
      log("cannot listen on " + socketPath + ": " + e.getMessage());
      return 1;
    }
    var sys = LinuxSyscalls.get();
    try {
      while (true) {
        if (sys.pollIn(listener, TICK_MS)) {
          int connection = SeqpacketSocket.accept(listener);
          active.incrementAndGet();
          Thread.ofPlatform().daemon().name("caller-" + connection).start(() -> converse(connection));
          continue;
        }
        boolean replaced = !Objects.equals(socketKey, key(socketPath)) || !Objects.equals(rootKey, key(root));
        boolean idle = System.currentTimeMillis() - lastActivity.get() > idleMillis;
        if ((replaced || idle) && active.get() == 0) {
          break;
        }
      }
    } catch (ErrnoException e) {
      log("the listening socket failed: " + e.getMessage());
    } finally {
      sys.close(listener);
      cleanUp(socketKey);
    }
    return 0;
  }

  /**
   * Removes this server's files, but a socket another server has bound since; the log only when it is
   * empty (it tells of failures).
   */
  private void cleanUp(Object socketKey) {
    try {
      if (socketKey != null && Objects.equals(socketKey, key(socketPath))) {
        Files.deleteIfExists(socketPath);
      }
      if (socketKey != null || key(socketPath) == null) {
        Files.deleteIfExists(lockPath);
      }
      System.err.flush();
      if (Files.exists(logPath) && Files.size(logPath) == 0) {
        Files.delete(logPath);
      }
    } catch (IOException ignored) {
      // a next server finds them stale
    }
  }

  private void converse(int connection) {
    try {
      if (!samePrivileges(SeqpacketSocket.peerPid(connection))) {
        // Not ours to serve: the client, given no answer, runs the command itself, with what it may do.
        LinuxSyscalls.get().close(connection);
        return;
      }
      try (CallerSession session = CallerSession.open(connection)) {
        if (session == null) {
          return;
        }
        PrintStream out = session.out();
        PrintStream err = session.err();
        Integer code = Main.serve(session.args(), out, err, session);
        out.flush();
        err.flush();
        if (code == null) {
          session.fallback();
        } else {
          session.exit(code);
        }
      }
    } catch (ErrnoException | RuntimeException e) {
      log("a conversation failed: " + e);
    } finally {
      lastActivity.set(System.currentTimeMillis());
      active.decrementAndGet();
    }
  }

  /** What a process may do, as far as running a command for it goes. */
  private static final List<String> PRIVILEGES = List.of("Uid:", "Gid:", "Groups:", "CapInh:", "CapPrm:", "CapEff:",
      "CapBnd:", "CapAmb:", "NoNewPrivs:", "Seccomp:");

  /**
   * Whether the caller may do all that this server does: the same ids and capabilities, no
   * no_new_privs or seccomp filter the server lacks, the same security label. A root caller confined
   * more than the server (in a container, under a profile) must not borrow its privileges.
   */
  private boolean samePrivileges(int pid) {
    try {
      return privileges(Path.of("/proc/" + pid)).equals(ownPrivileges);
    } catch (IOException e) {
      return false;
    }
  }

  private static List<String> privileges(Path proc) throws IOException {
    List<String> lines = new ArrayList<>();
    for (String line : Files.readAllLines(proc.resolve("status"), StandardCharsets.UTF_8)) {
      if (PRIVILEGES.stream().anyMatch(line::startsWith)) {
        lines.add(line);
      }
    }
    try {
      lines.add(Files.readString(proc.resolve("attr/current"), StandardCharsets.UTF_8).strip());
    } catch (IOException e) {
      lines.add("no security label");
    }
    return lines;
  }

  /** A file's identity (the socket's, the root's), or null when it is gone. */
  private static Object key(Path path) {
    try {
      return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * What the library warns about through System.Logger (a poststop hook that failed) goes to the log,
   * not to /dev/null, the server's stderr. (A JVM of the caller's own prints it on the caller's stderr;
   * the server serves many callers from one System.err.)
   */
  private void logWarnings() {
    try {
      System.setErr(new PrintStream(Files.newOutputStream(logPath, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND), true, StandardCharsets.UTF_8));
    } catch (IOException ignored) {
      // nowhere else to say it: stdio is /dev/null
    }
  }

  /** The server's own failures, to the log (System.err once logWarnings has pointed it there). */
  private static void log(String message) {
    System.err.println(Instant.now() + " " + message);
  }
}
