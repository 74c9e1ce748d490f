package dev.berth.runtime.server;

import dev.berth.common.ffm.ErrnoException;
import dev.berth.runtime.sys.Syscalls;
import java.util.List;
import java.util.Map;

/**
 * The runtime's system calls for a command the server runs for a client: processes are started,
 * reaped and adopted (subreaper) by the client, so that they are the caller's children as with a
 * runtime run in the caller's own process; every other call is this process's, the server sharing
 * the client's namespaces.
 */
final class CallerSyscalls implements Syscalls {
  private final CallerSession caller;
  private final Syscalls own;

  CallerSyscalls(CallerSession caller, Syscalls own) {
    this.caller = caller;
    this.own = own;
  }

  @Override
  public int spawn(String path, List<String> argv, List<String> envp, Map<Integer, Integer> fdMap, String cwd,
      boolean newProcessGroup) throws ErrnoException {
    return caller.spawn(path, argv, envp, fdMap, cwd, newProcessGroup);
  }

  @Override
  public int waitpid(int pid, boolean noHang) throws ErrnoException {
    return caller.waitpid(pid, noHang);
  }

  @Override
  public void becomeChildSubreaper() throws ErrnoException {
    caller.becomeChildSubreaper();
  }

  @Override
  public void forwardSignals(int pid) throws ErrnoException {
    caller.forwardSignals(pid);
  }

  @Override
  public int[] seqpacketPair() throws ErrnoException {
    return own.seqpacketPair();
  }

  @Override
  public int[] pipe() throws ErrnoException {
    return own.pipe();
  }

  @Override
  public void writeFully(int fd, byte[] data) throws ErrnoException {
    own.writeFully(fd, data);
  }

  @Override
  public byte[] recv(int fd, int max) throws ErrnoException {
    return own.recv(fd, max);
  }

  @Override
  public void close(int fd) {
    own.close(fd);
  }

  @Override
  public void mkfifo(String path, int mode) throws ErrnoException {
    own.mkfifo(path, mode);
  }

  @Override
  public boolean kill(int pid, int signal) throws ErrnoException {
    return own.kill(pid, signal);
  }

  @Override
  public int receiveFd(int socket) throws ErrnoException {
    return own.receiveFd(socket);
  }

  @Override
  public boolean pollIn(int fd, int timeoutMs) throws ErrnoException {
    return own.pollIn(fd, timeoutMs);
  }

  @Override
  public boolean isTerminal(int fd) {
    return own.isTerminal(fd);
  }

  @Override
  public byte[] makeRaw(int fd) throws ErrnoException {
    return own.makeRaw(fd);
  }

  @Override
  public void restoreTerminal(int fd, byte[] settings) throws ErrnoException {
    own.restoreTerminal(fd, settings);
  }

  @Override
  public int[] windowSize(int fd) throws ErrnoException {
    return own.windowSize(fd);
  }

  @Override
  public void setWindowSize(int fd, int rows, int cols) throws ErrnoException {
    own.setWindowSize(fd, rows, cols);
  }
}
