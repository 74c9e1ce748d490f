package dev.berth.supervisor.shim;

import dev.berth.common.error.BerthException;
import dev.berth.common.error.Conflict;
import dev.berth.common.error.Internal;
import dev.berth.common.error.NotFound;
import dev.berth.common.error.Unavailable;
import dev.berth.common.ffm.ErrnoException;
import dev.berth.common.ffm.FdPassingSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * Talks to one shim over {@code <state-dir>/shim.sock}: one request line per connection, one reply
 * line (see berth-native/shim/README.md). A client is about the container's init, or, from
 * {@link #exec(String)}, about one exec process.
 */
public final class ShimClient {
  public static final String SOCKET_NAME = "shim.sock";
  /** Where a process's pty master comes from, in the shim's state dir. */
  public static final String CONSOLE_SOCKET_NAME = "console.sock";
  /** sun_path is 108 bytes with its NUL. */
  static final int MAX_SOCKET_PATH = 107;
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
  /** start and exec run the runtime, which may be a JVM starting cold. */
  static final Duration RUNTIME_TIMEOUT = Duration.ofMinutes(2);
  private static final Pattern EXEC_ID = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}");

  private final Path stateDir;
  private final String execId;

  public ShimClient(Path stateDir) {
    this(stateDir, null);
  }

  private ShimClient(Path stateDir, String execId) {
    this.stateDir = stateDir.toAbsolutePath();
    this.execId = execId;
  }

  /** A client for the exec process with this id. */
  public ShimClient exec(String id) {
    return new ShimClient(stateDir, checkExecId(id));
  }

  /**
   * The control socket's address. A state dir too deep for a unix socket path is reached through
   * the shim's cwd, which is its state dir: {@code /proc/<shim pid>/cwd/shim.sock} is always short.
   */
  public Path socket() {
    Path direct = stateDir.resolve(SOCKET_NAME);
    if (direct.toString().getBytes(StandardCharsets.UTF_8).length <= MAX_SOCKET_PATH) return direct;
    try {
      long pid = Long.parseLong(Files.readString(stateDir.resolve(Shim.SHIM_PID_FILE)).strip());
      return Path.of("/proc/" + pid + "/cwd/" + SOCKET_NAME);
    } catch (IOException | NumberFormatException e) {
      return direct; // no shim: connecting fails as it would anyway
    }
  }

  /** The console socket of the shim with this pid, as a runtime or berth-init connects to it. */
  public static Path consoleAddress(long shimPid) {
    return Path.of("/proc/" + shimPid + "/cwd/" + CONSOLE_SOCKET_NAME);
  }

  /** Where the shim records this process's exit. */
  public Path exitFile() {
    return stateDir.resolve(execId == null ? Shim.EXIT_FILE : "exec-" + execId + ".exit.json");
  }

  /** Starts the created container (runs {@code runtime start}). */
  public void start() {
    expectOk("start", request("start", RUNTIME_TIMEOUT));
  }

  /** Tells the shim its container was started by the caller (through the runtime library). */
  public void markStarted() {
    expectOk("started", request("started", REQUEST_TIMEOUT));
  }

  public ShimState state() {
    String reply = request("state", REQUEST_TIMEOUT);
    if (reply.startsWith("error ")) throw failure("state", reply);
    return ShimState.parse(reply);
  }

  /**
   * Blocks until the process has exited and returns its status. A shim that has already exited (it
   * does so shortly after its container) left the status in the exit file, which is read instead.
   */
  public ExitStatus waitExit() {
    String reply;
    try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket()))) {
      send(channel, target("wait"));
      reply = readLine(channel);
    } catch (IOException e) {
      // Not running any more (or dying): the exit file, if any, has the answer.
      reply = null;
    }
    if (reply != null && reply.startsWith("error ")) throw failure("wait", reply);
    Optional<ExitStatus> recorded = ExitStatus.read(exitFile());
    if (recorded.isPresent()) return recorded.get();
    if (reply != null) return ExitStatus.fromWaitReply(reply);
    throw new Unavailable("the shim of " + what() + " is gone and recorded no exit status in " + exitFile());
  }

  /** {@link #waitExit()} on a virtual thread. */
  public CompletableFuture<ExitStatus> onExit() {
    CompletableFuture<ExitStatus> future = new CompletableFuture<>();
    Thread.ofVirtual().name("shim-wait-" + stateDir.getFileName()).start(() -> {
      try {
        future.complete(waitExit());
      } catch (Throwable t) {
        future.completeExceptionally(t);
      }
    });
    return future;
  }

  public void resize(int rows, int cols) {
    expectOk("resize", request("resize " + rows + " " + cols, REQUEST_TIMEOUT));
  }

  /**
   * Attaches to the process's stdio. With {@code stdinOnce}, this client's end of input closes the
   * process's stdin (Docker's StdinOnce); otherwise the process's stdin stays open for others.
   */
  public Attachment attach(boolean stdin, boolean stdout, boolean stderr, boolean stdinOnce, boolean terminal) {
    StringBuilder line = new StringBuilder("attach");
    if (stdin) line.append(" stdin");
    if (stdout) line.append(" stdout");
    if (stderr) line.append(" stderr");
    if (stdinOnce) line.append(" stdin-once");
    SocketChannel channel = connect();
    try {
      send(channel, target(line.toString()));
      String reply = readLine(channel);
      if (reply == null) throw new Unavailable("the shim of " + what() + " closed the attach connection");
      if (!reply.equals("ok")) throw failure("attach", reply);
      return new Attachment(channel, terminal);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new Unavailable("cannot attach to " + what() + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  /** Closes the process's stdin once what attached clients sent has reached it. */
  public void closeStdin() {
    expectOk("close-stdin", request("close-stdin", REQUEST_TIMEOUT));
  }

  /** Signals the process directly: the shim is its parent, so the pid cannot have been reused. */
  public void kill(int signal) {
    expectOk("kill", request("kill " + signal, REQUEST_TIMEOUT));
  }

  /** Lets the shim exit as soon as the container is gone (call after collecting the exit status). */
  public void shutdown() {
    expectOk("shutdown", request("shutdown", REQUEST_TIMEOUT));
  }

  /**
   * Runs an exec process ({@code runtime exec --detach}) described by an OCI process.json. Its output
   * waits in the pipe for the first attach, unless {@code detach}: then it is discarded.
   *
   * @return the exec process's pid
   */
  public long startExec(String id, Path processJson, boolean terminal, boolean stdin, boolean detach) {
    checkExecId(id);
    String path = processJson.toAbsolutePath().toString();
    if (path.contains(" ") || path.contains("\n")) throw new Internal("process.json path must not contain spaces: " + path);
    String line = "exec " + id + " " + path + (terminal ? " terminal" : "") + (stdin ? " stdin" : "")
        + (detach ? " detach" : "");
    String reply = new ShimClient(stateDir).request(line, RUNTIME_TIMEOUT);
    if (!reply.startsWith("ok ")) throw failure("exec", reply);
    return Long.parseLong(reply.substring(3).strip());
  }

  /**
   * Has the shim start berth-init for a process this client creates through the runtime library
   * (the shim must run with {@code --create-by-client} for the container's init). The shim holds
   * the process's stdio: a pty with {@code terminal}, pipes otherwise.
   *
   * @return berth-init's pid
   */
  public int spawn(Path initBinary, int streamFd, int syncFd, boolean terminal, boolean stdin) {
    String binary = initBinary.toAbsolutePath().toString();
    if (binary.contains(" ") || binary.contains("\n")) throw new Internal("berth-init's path must not contain spaces: " + binary);
    String line = target("spawn " + binary + (terminal ? " terminal" : "") + (stdin ? " stdin" : ""));
    String reply;
    try (FdPassingSocket socket = FdPassingSocket.connect(socket(), REQUEST_TIMEOUT)) {
      socket.send((line + "\n").getBytes(StandardCharsets.UTF_8), streamFd, syncFd);
      reply = socket.readLine();
    } catch (ErrnoException e) {
      throw new Unavailable("cannot reach the shim of " + what() + ": " + e.getMessage(), e);
    }
    if (reply == null) throw new Unavailable("the shim of " + what() + " closed the connection without a reply");
    if (!reply.startsWith("ok ")) throw failure("spawn", reply);
    return Integer.parseInt(reply.substring(3).strip());
  }

  /** Tells the shim the process it spawned berth-init for exists now, with this pid. */
  public void created(long pid) {
    expectOk("created", request("created " + pid, REQUEST_TIMEOUT));
  }

  /** Tells the shim a spawned process could not be created; for the init, the shim then exits. */
  public void abandon() {
    expectOk("abandon", request("abandon", REQUEST_TIMEOUT));
  }

  private String request(String verb, Duration timeout) {
    SocketChannel channel = connect();
    Thread watchdog = Thread.ofVirtual().start(() -> {
      try {
        Thread.sleep(timeout);
        channel.close();
      } catch (InterruptedException | IOException e) {
        // done in time, or already closed
      }
    });
    try (channel) {
      send(channel, verb.startsWith("exec ") ? verb : target(verb));
      String reply = readLine(channel);
      if (reply == null) throw new Unavailable("the shim of " + what() + " closed the connection without a reply");
      return reply;
    } catch (AsynchronousCloseException e) {
      throw new Unavailable("the shim of " + what() + " did not answer " + verb + " within " + timeout, e);
    } catch (IOException e) {
      throw new Unavailable("lost the shim of " + what() + ": " + e.getMessage(), e);
    } finally {
      watchdog.interrupt();
    }
  }

  private SocketChannel connect() {
    try {
      return SocketChannel.open(UnixDomainSocketAddress.of(socket()));
    } catch (IOException e) {
      throw new Unavailable("the shim of " + what() + " is not running (" + socket() + ": " + e.getMessage() + ")", e);
    }
  }

  private String target(String line) {
    return execId == null ? line : line + " exec=" + execId;
  }

  private String what() {
    return execId == null ? "container in " + stateDir : "exec " + execId + " in " + stateDir;
  }

  private void expectOk(String verb, String reply) {
    if (!reply.equals("ok")) throw failure(verb, reply);
  }

  private BerthException failure(String verb, String reply) {
    String message = reply.startsWith("error ") ? reply.substring("error ".length()) : "unexpected reply " + reply;
    if (message.startsWith("no such exec")) return new NotFound(message);
    if (message.contains(" already ") || message.contains(" is not running") || message.contains(" is stopped")) {
      return new Conflict(message);
    }
    return new Internal(verb + ": " + message);
  }

  private static String checkExecId(String id) {
    if (!EXEC_ID.matcher(id).matches()) throw new dev.berth.common.error.InvalidArgument("invalid exec id: " + id);
    return id;
  }

  private static void send(SocketChannel channel, String line) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
    while (buf.hasRemaining()) channel.write(buf);
  }

  /** One reply line, read a byte at a time so that nothing after it (an attach stream) is consumed. */
  static String readLine(SocketChannel channel) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    ByteBuffer one = ByteBuffer.allocate(1);
    while (true) {
      one.clear();
      if (channel.read(one) < 0) return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
      byte b = one.get(0);
      if (b == '\n') return line.toString(StandardCharsets.UTF_8);
      line.write(b);
    }
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // nothing to do
    }
  }
}
