package dev.berth.runtime.server;

import dev.berth.common.error.InvalidArgument;
import dev.berth.common.ffm.Errno;
import dev.berth.common.ffm.ErrnoException;
import dev.berth.common.io.BulkInputStream;
import dev.berth.runtime.cli.Caller;
import dev.berth.runtime.sys.LinuxSyscalls;
import dev.berth.runtime.sys.Syscalls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One client's command: its request (cwd, arguments, stdio), and the server's side of the
 * conversation in which the client starts and reaps processes for it (berth-native/client/README.md).
 */
final class CallerSession implements Caller, AutoCloseable {
  private final int socket;
  private final Path cwd;
  private final List<String> args;
  private final int[] stdio;
  private final List<Integer> imported = new ArrayList<>();
  private final Syscalls own = LinuxSyscalls.get();
  private final CallerSyscalls sys = new CallerSyscalls(this, own);

  private CallerSession(int socket, Path cwd, List<String> args, int[] stdio) {
    this.socket = socket;
    this.cwd = cwd;
    this.args = args;
    this.stdio = stdio;
  }

  /** Reads the client's request from {@code socket}, which the session then owns; null if it sent none. */
  static CallerSession open(int socket) throws ErrnoException {
    SeqpacketSocket.Received first = SeqpacketSocket.receive(socket, false);
    if (first == null) {
      return null;
    }
    Message request = Message.decode(first.data());
    if (!request.verb().equals("request") || first.fds().length != 3 || !request.field(1).startsWith("/")) {
      for (int fd : first.fds()) {
        LinuxSyscalls.get().close(fd);
      }
      throw new InvalidArgument("malformed request from the runtime client: " + request.fields());
    }
    List<String> fields = request.fields();
    return new CallerSession(socket, Path.of(fields.get(1)), List.copyOf(fields.subList(2, fields.size())),
        first.fds());
  }

  String[] args() {
    return args.toArray(String[]::new);
  }

  PrintStream out() {
    return new PrintStream(new FdOutput(stdio[1]), false, StandardCharsets.UTF_8);
  }

  PrintStream err() {
    return new PrintStream(new FdOutput(stdio[2]), false, StandardCharsets.UTF_8);
  }

  /** The command is done: the client exits with {@code code}. */
  void exit(int code) throws ErrnoException {
    send(Message.of("exit", Integer.toString(code)), new int[0]);
  }

  /** The server does not run this command: the client runs it in a JVM of its own. */
  void fallback() throws ErrnoException {
    send(Message.of("fallback"), new int[0]);
  }

  @Override
  public Syscalls sys() {
    return sys;
  }

  @Override
  public Path resolve(Path path) {
    return cwd.resolve(path);
  }

  @Override
  public InputStream in() {
    return new BulkInputStream() {
      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        byte[] got = own.recv(stdio[0], Math.min(len, 64 * 1024));
        if (got.length == 0) {
          return len == 0 ? 0 : -1;
        }
        System.arraycopy(got, 0, b, off, got.length);
        return got.length;
      }
    };
  }

  @Override
  public int stdinFd() {
    return stdio[0];
  }

  @Override
  public int stdoutFd() {
    return stdio[1];
  }

  /**
   * The client's fds, received here without close-on-exec: they are the caller's to hand to the
   * container, which the runtime checks by that flag (PreservedFds).
   */
  @Override
  public List<Integer> fds(List<Integer> callerFds) {
    List<String> fields = new ArrayList<>(List.of("fds", Integer.toString(callerFds.size())));
    callerFds.forEach(fd -> fields.add(Integer.toString(fd)));
    try {
      Reply reply = ask(new Message(fields), new int[0], true);
      imported.addAll(java.util.Arrays.stream(reply.fds()).boxed().toList());
      if (!reply.message().verb().equals("fds") || reply.fds().length != callerFds.size()) {
        throw new InvalidArgument("cannot preserve fds " + callerFds + ": " + reply.describe());
      }
      return java.util.Arrays.stream(reply.fds()).boxed().toList();
    } catch (ErrnoException e) {
      throw new InvalidArgument("cannot preserve fds " + callerFds + ": " + e.getMessage(), e);
    }
  }

  int spawn(String path, List<String> argv, List<String> envp, Map<Integer, Integer> fdMap, String dir,
      boolean newProcessGroup) throws ErrnoException {
    List<String> fields = new ArrayList<>(List.of("spawn", path, dir == null ? "" : dir, newProcessGroup ? "1" : "0"));
    fields.add(Integer.toString(argv.size()));
    fields.addAll(argv);
    fields.add(Integer.toString(envp.size()));
    fields.addAll(envp);
    TreeMap<Integer, Integer> ordered = new TreeMap<>(fdMap);
    fields.add(Integer.toString(ordered.size()));
    ordered.keySet().forEach(target -> fields.add(Integer.toString(target)));
    int[] fds = ordered.values().stream().mapToInt(Integer::intValue).toArray();
    return answer(ask(new Message(fields), fds, false), "pid", "spawn", path);
  }

  int waitpid(int pid, boolean noHang) throws ErrnoException {
    return answer(ask(Message.of("wait", Integer.toString(pid), noHang ? "1" : "0"), new int[0], false), "status",
        "waitpid", Integer.toString(pid));
  }

  void becomeChildSubreaper() throws ErrnoException {
    expectOk(ask(Message.of("subreaper"), new int[0], false), "prctl", "PR_SET_CHILD_SUBREAPER");
  }

  void forwardSignals(int pid) throws ErrnoException {
    expectOk(ask(Message.of("forward", Integer.toString(pid)), new int[0], false), "sigaction",
        "forwarding signals to " + pid);
  }

  private static void expectOk(Reply reply, String call, String subject) throws ErrnoException {
    if (!reply.message().verb().equals("ok")) {
      throw reply.error(call, subject);
    }
  }

  private record Reply(Message message, int[] fds) {
    String describe() {
      return message.verb().equals("error") && message.fields().size() > 2 ? message.field(2)
          : "unexpected answer " + message.fields();
    }

    ErrnoException error(String call, String subject) {
      int errno = message.verb().equals("error") ? message.number(1) : Errno.EINVAL;
      return new ErrnoException(call, subject + " (in the runtime client: " + describe() + ")", errno);
    }
  }

  private static int answer(Reply reply, String verb, String call, String subject) throws ErrnoException {
    if (!reply.message().verb().equals(verb)) {
      throw reply.error(call, subject);
    }
    return reply.message().number(1);
  }

  /** One question and its answer; a conversation carries one at a time. */
  private synchronized Reply ask(Message question, int[] fds, boolean inheritableFds) throws ErrnoException {
    send(question, fds);
    SeqpacketSocket.Received answer = SeqpacketSocket.receive(socket, inheritableFds);
    if (answer == null) {
      throw new ErrnoException("recvmsg", "the runtime client (it ended the conversation)", Errno.EPIPE);
    }
    return new Reply(Message.decode(answer.data()), answer.fds());
  }

  private void send(Message message, int[] fds) throws ErrnoException {
    SeqpacketSocket.send(socket, message.encode(), fds);
  }

  @Override
  public void close() {
    for (int fd : stdio) {
      own.close(fd);
    }
    imported.forEach(own::close);
    own.close(socket);
  }

  /** Output to one of the client's fds, written as it is flushed. */
  private final class FdOutput extends OutputStream {
    private final int fd;

    FdOutput(int fd) {
      this.fd = fd;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      own.writeFully(fd, java.util.Arrays.copyOfRange(b, off, off + len));
    }
  }
}
