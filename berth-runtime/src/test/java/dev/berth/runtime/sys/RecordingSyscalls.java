package dev.berth.runtime.sys;

import dev.berth.common.ffm.Errno;
import dev.berth.common.ffm.ErrnoException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A fake kernel for unit tests of the runtime's Java side: every call is recorded, fds are numbers
 * handed out in order (and must all be closed again), what is written is kept per fd, and what
 * {@link #recv} returns is scripted. Nothing touches the real system.
 */
public final class RecordingSyscalls implements Syscalls {
  public final List<String> calls = new ArrayList<>();
  public final Map<Integer, ByteArrayOutputStream> written = new HashMap<>();
  public final Set<Integer> open = new HashSet<>();
  public final List<Integer> killed = new ArrayList<>();
  /** The fds isTerminal says are terminals. */
  public final Set<Integer> terminals = new HashSet<>();
  private final Deque<String> replies = new ArrayDeque<>();
  private int nextFd = 10;
  private int nextPid = 1000;
  /** spawn's fd map, directory and process group choice, as the last spawn got them. */
  public Map<Integer, Integer> lastSpawnFds;
  public String lastSpawnCwd;
  public boolean lastSpawnNewGroup;

  /** Messages the next recv calls return, in order; after them, end of stream. */
  public RecordingSyscalls replies(String... messages) {
    replies.addAll(List.of(messages));
    return this;
  }

  public String writtenTo(int fd) {
    ByteArrayOutputStream b = written.get(fd);
    return b == null ? "" : b.toString(StandardCharsets.UTF_8);
  }

  private int fd() {
    int fd = nextFd++;
    open.add(fd);
    return fd;
  }

  @Override
  public int spawn(String path, List<String> argv, List<String> envp, Map<Integer, Integer> fdMap, String cwd,
      boolean newProcessGroup) {
    calls.add("spawn " + path + " " + argv);
    lastSpawnFds = Map.copyOf(fdMap);
    lastSpawnCwd = cwd;
    lastSpawnNewGroup = newProcessGroup;
    return nextPid++;
  }

  @Override
  public int[] seqpacketPair() {
    calls.add("seqpacketPair");
    return new int[] {fd(), fd()};
  }

  @Override
  public int[] pipe() {
    calls.add("pipe");
    return new int[] {fd(), fd()};
  }

  @Override
  public void writeFully(int fd, byte[] data) {
    written.computeIfAbsent(fd, k -> new ByteArrayOutputStream()).writeBytes(data);
  }

  @Override
  public byte[] recv(int fd, int max) {
    String next = replies.poll();
    return next == null ? new byte[0] : next.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void close(int fd) {
    calls.add("close " + fd);
    if (!open.remove(fd)) throw new AssertionError("fd " + fd + " closed twice or never opened");
  }

  @Override
  public void mkfifo(String path, int mode) {
    calls.add("mkfifo " + path);
  }

  @Override
  public boolean kill(int pid, int signal) {
    calls.add("kill " + pid + " " + signal);
    killed.add(pid);
    return true;
  }

  @Override
  public int waitpid(int pid, boolean noHang) throws ErrnoException {
    calls.add("waitpid " + pid);
    // Like the real call for a process that is not our child (a shim started it).
    if (pid < 1000) throw new ErrnoException("waitpid", null, Errno.ECHILD);
    return 0;
  }

  @Override
  public void becomeChildSubreaper() {
    calls.add("subreaper");
  }

  @Override
  public void forwardSignals(int pid) {
    calls.add("forward " + pid);
  }

  @Override
  public int receiveFd(int socket) {
    calls.add("receiveFd " + socket);
    return fd();
  }

  @Override
  public boolean pollIn(int fd, int timeoutMs) {
    return !replies.isEmpty();
  }

  @Override
  public boolean isTerminal(int fd) {
    return terminals.contains(fd);
  }

  @Override
  public byte[] makeRaw(int fd) {
    calls.add("makeRaw " + fd);
    return new byte[60];
  }

  @Override
  public void restoreTerminal(int fd, byte[] settings) {
    calls.add("restoreTerminal " + fd);
  }

  @Override
  public int[] windowSize(int fd) {
    return new int[] {24, 80};
  }

  @Override
  public void setWindowSize(int fd, int rows, int cols) {
    calls.add("setWindowSize " + fd + " " + rows + "x" + cols);
  }
}
