package dev.berth.runtime.sys;

import static dev.berth.common.ffm.NativeCall.C_INT;

import dev.berth.common.ffm.Errno;
import dev.berth.common.ffm.ErrnoException;
import dev.berth.common.ffm.NativeCall;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@link Syscalls} through the JDK's foreign function API. */
public final class LinuxSyscalls implements Syscalls {
  private static final int AF_UNIX = 1;
  private static final int SOCK_SEQPACKET = 5;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int O_CLOEXEC = 0x80000;
  private static final int F_DUPFD_CLOEXEC = 1030;
  private static final int WNOHANG = 1;
  private static final int PR_SET_CHILD_SUBREAPER = 36;
  private static final int POSIX_SPAWN_SETSIGMASK = 0x08;
  private static final int POSIX_SPAWN_SETSIGDEF = 0x04;
  private static final int POSIX_SPAWN_SETPGROUP = 0x02;
  /** glibc's opaque spawn structures are smaller than this; a little slack costs nothing. */
  private static final long SPAWN_STRUCT_SIZE = 1024;
  private static final long SIGSET_SIZE = 128;

  /**
   * The libc functions this class calls, through NativeCall.invoke: one downcall handle for all of
   * them, where a handle each cost a cold command milliseconds per shape (a run bound fourteen).
   */
  private static final class Libc {
    static final MemorySegment POSIX_SPAWN = NativeCall.symbol("posix_spawn");
    static final MemorySegment FA_INIT = NativeCall.symbol("posix_spawn_file_actions_init");
    static final MemorySegment FA_DESTROY = NativeCall.symbol("posix_spawn_file_actions_destroy");
    static final MemorySegment FA_ADDDUP2 = NativeCall.symbol("posix_spawn_file_actions_adddup2");
    static final MemorySegment FA_ADDCHDIR = NativeCall.symbol("posix_spawn_file_actions_addchdir_np");
    static final MemorySegment ATTR_INIT = NativeCall.symbol("posix_spawnattr_init");
    static final MemorySegment ATTR_DESTROY = NativeCall.symbol("posix_spawnattr_destroy");
    static final MemorySegment ATTR_SETFLAGS = NativeCall.symbol("posix_spawnattr_setflags");
    static final MemorySegment ATTR_SETPGROUP = NativeCall.symbol("posix_spawnattr_setpgroup");
    static final MemorySegment ATTR_SETSIGMASK = NativeCall.symbol("posix_spawnattr_setsigmask");
    static final MemorySegment ATTR_SETSIGDEFAULT = NativeCall.symbol("posix_spawnattr_setsigdefault");
    static final MemorySegment SIGEMPTYSET = NativeCall.symbol("sigemptyset");
    static final MemorySegment SIGFILLSET = NativeCall.symbol("sigfillset");
    static final MemorySegment TCGETATTR = NativeCall.symbol("tcgetattr");
    static final MemorySegment TCSETATTR = NativeCall.symbol("tcsetattr");
    static final MemorySegment CFMAKERAW = NativeCall.symbol("cfmakeraw");
  }


  private static final int MSG_CMSG_CLOEXEC = 0x40000000;
  private static final int SCM_RIGHTS = 1;
  private static final int SOL_SOCKET = 1;
  private static final long MSGHDR_SIZE = 56;
  private static final short POLLIN = 0x1;
  private static final int TCSANOW = 0;
  /** glibc's struct termios on Linux; c_oflag is its second int. */
  private static final long TERMIOS_SIZE = 60;
  private static final int OPOST = 0x1;
  private static final long TIOCGWINSZ = 0x5413;
  private static final long TIOCSWINSZ = 0x5414;

  // Everything goes through one downcall handle (NativeCall.invoke, NativeCall.syscall): creating a
  // handle costs milliseconds per shape in a cold JVM.

  private static final long AT_FDCWD = -100;
  private static final long S_IFIFO = 0010000;
  private static final long TCGETS = 0x5401;
  /** The kernel's struct termios (not glibc's): four flags, the line discipline and 19 control chars. */
  private static final long KERNEL_TERMIOS_SIZE = 36;

  /** Linux system call numbers: x86-64's own table, or the asm-generic one of aarch64 and riscv64. */
  private static final class Nr {
    static final boolean X86_64 = switch (System.getProperty("os.arch")) {
      case "amd64", "x86_64" -> true;
      case "aarch64", "riscv64" -> false;
      default -> throw new UnsupportedOperationException("berth-runtime knows the system call numbers of x86-64,"
          + " aarch64 and riscv64, not of " + System.getProperty("os.arch"));
    };
    static final long READ = X86_64 ? 0 : 63;
    static final long WRITE = X86_64 ? 1 : 64;
    static final long CLOSE = X86_64 ? 3 : 57;
    static final long IOCTL = X86_64 ? 16 : 29;
    static final long RECVMSG = X86_64 ? 47 : 212;
    static final long SOCKETPAIR = X86_64 ? 53 : 199;
    static final long WAIT4 = X86_64 ? 61 : 260;
    static final long KILL = X86_64 ? 62 : 129;
    static final long FCNTL = X86_64 ? 72 : 25;
    static final long PRCTL = X86_64 ? 157 : 167;
    static final long MKNODAT = X86_64 ? 259 : 33;
    static final long PPOLL = X86_64 ? 271 : 73;
    static final long PIPE2 = X86_64 ? 293 : 59;
  }

  private static final LinuxSyscalls INSTANCE = new LinuxSyscalls();

  public static LinuxSyscalls get() {
    return INSTANCE;
  }

  private LinuxSyscalls() {}

  @Override
  public int spawn(String path, List<String> argv, List<String> envp, Map<Integer, Integer> fdMap, String cwd,
      boolean newProcessGroup) throws ErrnoException {
    return NativeCall.call((arena, st) -> {
      MemorySegment actions = arena.allocate(SPAWN_STRUCT_SIZE, 16);
      MemorySegment attr = arena.allocate(SPAWN_STRUCT_SIZE, 16);
      List<Integer> temporaries = new ArrayList<>();
      check((int) NativeCall.invoke(st, Libc.FA_INIT, actions.address()), "posix_spawn_file_actions_init");
      check((int) NativeCall.invoke(st, Libc.ATTR_INIT, attr.address()), "posix_spawnattr_init");
      try {
        // Sources are first copied above every target so one dup2 can never clobber another's source.
        int above = Math.max(64, fdMap.keySet().stream().mapToInt(Integer::intValue).max().orElse(0) + 1);
        for (var e : fdMap.entrySet()) {
          int high = (int) NativeCall.syscall(st, Nr.FCNTL, e.getValue(), F_DUPFD_CLOEXEC, above);
          ErrnoException.check(high, st, "fcntl F_DUPFD_CLOEXEC", "fd " + e.getValue());
          temporaries.add(high);
          check((int) NativeCall.invoke(st, Libc.FA_ADDDUP2, actions.address(), high, e.getKey()),
              "posix_spawn_file_actions_adddup2");
        }
        MemorySegment empty = arena.allocate(SIGSET_SIZE);
        MemorySegment all = arena.allocate(SIGSET_SIZE);
        NativeCall.invoke(st, Libc.SIGEMPTYSET, empty.address());
        NativeCall.invoke(st, Libc.SIGFILLSET, all.address());
        check((int) NativeCall.invoke(st, Libc.ATTR_SETSIGMASK, attr.address(), empty.address()),
            "posix_spawnattr_setsigmask");
        check((int) NativeCall.invoke(st, Libc.ATTR_SETSIGDEFAULT, attr.address(), all.address()),
            "posix_spawnattr_setsigdefault");
        if (cwd != null) {
          check((int) NativeCall.invoke(st, Libc.FA_ADDCHDIR, actions.address(), arena.allocateFrom(cwd).address()),
              "posix_spawn_file_actions_addchdir_np");
        }
        short flags = (short) (POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        if (newProcessGroup) {
          check((int) NativeCall.invoke(st, Libc.ATTR_SETPGROUP, attr.address(), 0), "posix_spawnattr_setpgroup");
          flags |= POSIX_SPAWN_SETPGROUP;
        }
        check((int) NativeCall.invoke(st, Libc.ATTR_SETFLAGS, attr.address(), flags), "posix_spawnattr_setflags");
        MemorySegment pid = arena.allocate(C_INT);
        int rc = (int) NativeCall.invoke(st, Libc.POSIX_SPAWN, pid.address(), arena.allocateFrom(path).address(),
            actions.address(), attr.address(), stringArray(arena, argv).address(), stringArray(arena, envp).address());
        if (rc != 0) {
          throw new ErrnoException("posix_spawn", path, rc);
        }
        return pid.get(C_INT, 0);
      } finally {
        for (int fd : temporaries) {
          close(fd);
        }
        NativeCall.invoke(st, Libc.FA_DESTROY, actions.address());
        NativeCall.invoke(st, Libc.ATTR_DESTROY, attr.address());
      }
    });
  }

  /** posix_spawn's helpers return the error number instead of setting errno. */
  private static void check(int rc, String call) throws ErrnoException {
    if (rc != 0) {
      throw new ErrnoException(call, null, rc);
    }
  }

  /** A NULL-terminated char*[], the pointers written as 64-bit addresses (no ADDRESS var handle to spin). */
  private static MemorySegment stringArray(Arena arena, List<String> strings) {
    MemorySegment array = arena.allocate(ValueLayout.JAVA_LONG, strings.size() + 1L);
    for (int i = 0; i < strings.size(); i++) {
      array.setAtIndex(ValueLayout.JAVA_LONG, i, arena.allocateFrom(strings.get(i)).address());
    }
    return array; // allocate() zeroes memory: the last entry is NULL
  }

  @Override
  public int[] seqpacketPair() throws ErrnoException {
    return NativeCall.call((arena, st) -> {
      MemorySegment fds = arena.allocate(C_INT, 2);
      long rc = NativeCall.syscall(st, Nr.SOCKETPAIR, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds.address());
      ErrnoException.check(rc, st, "socketpair", null);
      return new int[] {fds.getAtIndex(C_INT, 0), fds.getAtIndex(C_INT, 1)};
    });
  }

  @Override
  public int[] pipe() throws ErrnoException {
    return NativeCall.call((arena, st) -> {
      MemorySegment fds = arena.allocate(C_INT, 2);
      ErrnoException.check(NativeCall.syscall(st, Nr.PIPE2, fds.address(), O_CLOEXEC), st, "pipe2", null);
      return new int[] {fds.getAtIndex(C_INT, 0), fds.getAtIndex(C_INT, 1)};
    });
  }

  @Override
  public void writeFully(int fd, byte[] data) throws ErrnoException {
    NativeCall.<Void>call((arena, st) -> {
      MemorySegment buf = arena.allocateFrom(ValueLayout.JAVA_BYTE, data);
      long off = 0;
      while (off < data.length) {
        long n = NativeCall.syscall(st, Nr.WRITE, fd, buf.address() + off, data.length - off);
        if (n < 0 && NativeCall.errno(st) == Errno.EINTR) {
          continue;
        }
        ErrnoException.check(n, st, "write", "fd " + fd);
        off += n;
      }
      return null;
    });
  }

  @Override
  public byte[] recv(int fd, int max) throws ErrnoException {
    return NativeCall.call((arena, st) -> {
      MemorySegment buf = arena.allocate(max);
      for (;;) {
        long n = NativeCall.syscall(st, Nr.READ, fd, buf.address(), max);
        if (n < 0 && NativeCall.errno(st) == Errno.EINTR) {
          continue;
        }
        ErrnoException.check(n, st, "read", "fd " + fd);
        return buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
      }
    });
  }

  @Override
  public void close(int fd) {
    try {
      NativeCall.call((arena, st) -> NativeCall.syscall(st, Nr.CLOSE, fd));
    } catch (ErrnoException e) {
      throw new IllegalStateException(e); // not thrown: close's result is ignored
    }
  }

  @Override
  public void mkfifo(String path, int mode) throws ErrnoException {
    NativeCall.check("mkfifo", path, (arena, st) ->
        NativeCall.syscall(st, Nr.MKNODAT, AT_FDCWD, arena.allocateFrom(path).address(), S_IFIFO | mode, 0));
  }

  @Override
  public boolean kill(int pid, int signal) throws ErrnoException {
    return NativeCall.call((arena, st) -> {
      long rc = NativeCall.syscall(st, Nr.KILL, pid, signal);
      if (rc == -1 && NativeCall.errno(st) == Errno.ESRCH) {
        return false;
      }
      ErrnoException.check(rc, st, "kill", "pid " + pid);
      return true;
    });
  }

  @Override
  public int waitpid(int pid, boolean noHang) throws ErrnoException {
    return NativeCall.call((arena, st) -> {
      MemorySegment status = arena.allocate(C_INT);
      for (;;) {
        int rc = (int) NativeCall.syscall(st, Nr.WAIT4, pid, status.address(), noHang ? WNOHANG : 0, 0);
        if (rc == -1 && NativeCall.errno(st) == Errno.EINTR) {
          continue;
        }
        ErrnoException.check(rc, st, "waitpid", "pid " + pid);
        return rc == 0 ? -1 : status.get(C_INT, 0);
      }
    });
  }

  /** The signals a JVM lets a program handle that a caller sends to a foreground runtime. */
  private static final List<String> FORWARDED = List.of("HUP", "INT", "TERM", "USR1", "USR2", "ALRM", "CONT", "TSTP",
      "TTIN", "TTOU", "PWR", "PROF", "VTALRM", "XCPU", "XFSZ");

  @Override
  public void forwardSignals(int pid) {
    for (String name : FORWARDED) {
      try {
        sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
          try {
            kill(pid, signal.getNumber());
          } catch (ErrnoException ignored) {
            // the process has exited: the caller's wait reports it
          }
        });
      } catch (IllegalArgumentException ignored) {
        // one the JVM keeps for itself (its own use, or -Xrs)
      }
    }
  }

  @Override
  public int receiveFd(int socket) throws ErrnoException {
    return NativeCall.call((arena, st) -> {
      MemorySegment data = arena.allocate(4096);
      MemorySegment iov = arena.allocate(16, 8);
      iov.set(ValueLayout.ADDRESS, 0, data);
      iov.set(ValueLayout.JAVA_LONG, 8, data.byteSize());
      MemorySegment control = arena.allocate(64, 8);
      MemorySegment msg = arena.allocate(MSGHDR_SIZE, 8);
      msg.set(ValueLayout.ADDRESS, 16, iov);
      msg.set(ValueLayout.JAVA_LONG, 24, 1);
      msg.set(ValueLayout.ADDRESS, 32, control);
      msg.set(ValueLayout.JAVA_LONG, 40, control.byteSize());
      long n;
      do {
        n = NativeCall.syscall(st, Nr.RECVMSG, socket, msg.address(), MSG_CMSG_CLOEXEC);
      } while (n < 0 && NativeCall.errno(st) == Errno.EINTR);
      ErrnoException.check(n, st, "recvmsg", "fd " + socket);
      // One cmsghdr: u64 length, i32 level, i32 type, then the fds.
      if (msg.get(ValueLayout.JAVA_LONG, 40) < 20 || control.get(ValueLayout.JAVA_INT, 8) != SOL_SOCKET
          || control.get(ValueLayout.JAVA_INT, 12) != SCM_RIGHTS) {
        throw new ErrnoException("recvmsg", "fd " + socket + " (no fd came with the message)", Errno.EINVAL);
      }
      return control.get(ValueLayout.JAVA_INT, 16);
    });
  }

  @Override
  public boolean pollIn(int fd, int timeoutMs) throws ErrnoException {
    return NativeCall.call((arena, st) -> {
      MemorySegment pfd = arena.allocate(8, 4);
      pfd.set(ValueLayout.JAVA_INT, 0, fd);
      pfd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
      // ppoll, as poll(2) is not a system call on every architecture: a NULL timeout waits forever.
      MemorySegment timeout = MemorySegment.NULL;
      if (timeoutMs >= 0) {
        timeout = arena.allocate(16, 8);
        timeout.set(ValueLayout.JAVA_LONG, 0, timeoutMs / 1000);
        timeout.set(ValueLayout.JAVA_LONG, 8, (timeoutMs % 1000) * 1_000_000L);
      }
      long rc;
      do {
        rc = NativeCall.syscall(st, Nr.PPOLL, pfd.address(), 1, timeout.address(), 0, 0);
      } while (rc < 0 && NativeCall.errno(st) == Errno.EINTR);
      ErrnoException.check(rc, st, "poll", "fd " + fd);
      return rc > 0;
    });
  }

  @Override
  public boolean isTerminal(int fd) {
    try {
      // isatty(3) is this ioctl.
      return NativeCall.call((arena, st) ->
          NativeCall.syscall(st, Nr.IOCTL, fd, TCGETS, arena.allocate(KERNEL_TERMIOS_SIZE, 4).address())) == 0;
    } catch (ErrnoException e) {
      return false;
    }
  }

  @Override
  public byte[] makeRaw(int fd) throws ErrnoException {
    return NativeCall.call((arena, st) -> {
      MemorySegment t = arena.allocate(TERMIOS_SIZE, 4);
      ErrnoException.check((int) NativeCall.invoke(st, Libc.TCGETATTR, fd, t.address()), st, "tcgetattr", "fd " + fd);
      byte[] saved = t.toArray(ValueLayout.JAVA_BYTE);
      NativeCall.invoke(st, Libc.CFMAKERAW, t.address());
      t.set(ValueLayout.JAVA_INT, 4, t.get(ValueLayout.JAVA_INT, 4) | OPOST);
      ErrnoException.check((int) NativeCall.invoke(st, Libc.TCSETATTR, fd, TCSANOW, t.address()), st, "tcsetattr",
          "fd " + fd);
      return saved;
    });
  }

  @Override
  public void restoreTerminal(int fd, byte[] settings) throws ErrnoException {
    NativeCall.check("tcsetattr", "fd " + fd, (arena, st) -> (int) NativeCall.invoke(st, Libc.TCSETATTR, fd, TCSANOW,
        arena.allocateFrom(ValueLayout.JAVA_BYTE, settings).address()));
  }

  @Override
  public int[] windowSize(int fd) throws ErrnoException {
    return NativeCall.call((arena, st) -> {
      MemorySegment ws = arena.allocate(8, 2);
      ErrnoException.check(NativeCall.syscall(st, Nr.IOCTL, fd, TIOCGWINSZ, ws.address()), st, "ioctl TIOCGWINSZ",
          "fd " + fd);
      return new int[] {Short.toUnsignedInt(ws.get(ValueLayout.JAVA_SHORT, 0)),
          Short.toUnsignedInt(ws.get(ValueLayout.JAVA_SHORT, 2))};
    });
  }

  @Override
  public void setWindowSize(int fd, int rows, int cols) throws ErrnoException {
    NativeCall.check("ioctl TIOCSWINSZ", "fd " + fd, (arena, st) -> {
      MemorySegment ws = arena.allocate(8, 2);
      ws.set(ValueLayout.JAVA_SHORT, 0, (short) rows);
      ws.set(ValueLayout.JAVA_SHORT, 2, (short) cols);
      return NativeCall.syscall(st, Nr.IOCTL, fd, TIOCSWINSZ, ws.address());
    });
  }

  @Override
  public void becomeChildSubreaper() throws ErrnoException {
    NativeCall.check("prctl PR_SET_CHILD_SUBREAPER", null,
        (arena, st) -> NativeCall.syscall(st, Nr.PRCTL, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
  }
}
