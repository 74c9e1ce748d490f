package dev.berth.runtime.cli;

import dev.berth.runtime.sys.LinuxSyscalls;
import dev.berth.runtime.sys.Syscalls;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;

/**
 * The process a command runs for. A command run by this JVM's own {@code main} serves this process
 * ({@link #LOCAL}); the runtime server runs commands for a client process, whose cwd, stdio and fds
 * are not this JVM's and which starts the command's processes itself, so that they are its children.
 */
public interface Caller {
  /** The system calls, with process creation and reaping in the caller's process. */
  Syscalls sys();

  /** {@code path} as the caller means it: relative paths are relative to the caller's cwd. */
  Path resolve(Path path);

  /** The caller's stdin, as this process reads it. */
  InputStream in();

  /** fds of this process that stand for the caller's stdin and stdout. */
  int stdinFd();

  int stdoutFd();

  /** fds of this process that stand for the caller's {@code fds} (runc's --preserve-fds), in order. */
  List<Integer> fds(List<Integer> fds);

  /** This process: paths as given, fds as numbered here. */
  Caller LOCAL = new Caller() {
    @Override
    public Syscalls sys() {
      return LinuxSyscalls.get();
    }

    @Override
    public Path resolve(Path path) {
      return path;
    }

    @Override
    public InputStream in() {
      return System.in;
    }

    @Override
    public int stdinFd() {
      return 0;
    }

    @Override
    public int stdoutFd() {
      return 1;
    }

    @Override
    public List<Integer> fds(List<Integer> fds) {
      return fds;
    }
  };
}
