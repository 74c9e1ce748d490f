package dev.berth.runtime.sys;

import dev.berth.common.ffm.ErrnoException;
import java.util.List;
import java.util.Map;

/**
 * The system calls the runtime's Java side needs, and no more. Production code uses {@link
 * LinuxSyscalls} (FFM); unit tests use a recording fake. The kernel behaviour itself is covered by
 * integration tests.
 */
public interface Syscalls {
  /**
   * Starts {@code path} with posix_spawn: fds in {@code fdMap} (target fd → source fd) are dup2'ed
   * into the child; every other fd of this process is close-on-exec or inherited as the JVM left it
   * (the init closes all it does not need). Signal dispositions and mask are reset.
   */
  default int spawn(String path, List<String> argv, List<String> envp, Map<Integer, Integer> fdMap)
      throws ErrnoException {
    return spawn(path, argv, envp, fdMap, null, false);
  }

  /**
   * {@link #spawn(String, List, List, Map)} in the directory {@code cwd} (null: this process's), and,
   * with {@code newProcessGroup}, as the leader of a process group of its own (so that it can be killed
   * with whatever it started).
   */
  int spawn(String path, List<String> argv, List<String> envp, Map<Integer, Integer> fdMap, String cwd,
      boolean newProcessGroup) throws ErrnoException;

  /** A connected SOCK_SEQPACKET pair, both ends close-on-exec. */
  int[] seqpacketPair() throws ErrnoException;

  /** A pipe, both ends close-on-exec: [read, write]. */
  int[] pipe() throws ErrnoException;

  void writeFully(int fd, byte[] data) throws ErrnoException;

  /** One datagram (or up to max bytes); an empty array at end of stream. */
  byte[] recv(int fd, int max) throws ErrnoException;

  void close(int fd);

  void mkfifo(String path, int mode) throws ErrnoException;

  /** kill(2); returns false when the process does not exist (ESRCH). */
  boolean kill(int pid, int signal) throws ErrnoException;

  /** waitpid(2) on one pid: the raw status, or -1 with WNOHANG when it has not exited. */
  int waitpid(int pid, boolean noHang) throws ErrnoException;

  void becomeChildSubreaper() throws ErrnoException;

  /**
   * From now on, sends the signals this process gets (those that ask a foreground program to stop,
   * hang up or do something: TERM, INT, HUP, USR1, ...) on to {@code pid}, as runc's run and exec do for
   * their container's process.
   */
  void forwardSignals(int pid) throws ErrnoException;

  /** recvmsg(2): the fd that came with the next message (SCM_RIGHTS), close-on-exec here. */
  int receiveFd(int socket) throws ErrnoException;

  /** poll(2) for input on one fd: true when a read would not block (data, end of file or hang-up). */
  boolean pollIn(int fd, int timeoutMs) throws ErrnoException;

  /** isatty(3). */
  boolean isTerminal(int fd);

  /**
   * Puts the terminal on {@code fd} in raw mode (cfmakeraw) but keeps output processing (OPOST), as
   * runc's console library does; returns its settings for {@link #restoreTerminal}.
   */
  byte[] makeRaw(int fd) throws ErrnoException;

  void restoreTerminal(int fd, byte[] settings) throws ErrnoException;

  /** TIOCGWINSZ: {rows, columns}. */
  int[] windowSize(int fd) throws ErrnoException;

  /** TIOCSWINSZ. */
  void setWindowSize(int fd, int rows, int cols) throws ErrnoException;
}
