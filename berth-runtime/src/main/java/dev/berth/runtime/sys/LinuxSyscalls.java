package dev.berth.runtime.sys;

import static dev.berth.common.ffm.NativeCall.C_INT;
import static dev.berth.common.ffm.NativeCall.C_POINTER;

import dev.berth.common.ffm.Errno;
import dev.berth.common.ffm.ErrnoException;
import dev.berth.common.ffm.NativeCall;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
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

  private static final class POSIX_SPAWN_ {
    static final MethodHandle H = NativeCall.libc("posix_spawn",
      FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_POINTER));
  }
  private static final class FA_INIT_ {
    static final MethodHandle H = NativeCall.libc("posix_spawn_file_actions_init",
      FunctionDescriptor.of(C_INT, C_POINTER));
  }
  private static final class FA_DESTROY_ {
    static final MethodHandle H = NativeCall.libc("posix_spawn_file_actions_destroy",
      FunctionDescriptor.of(C_INT, C_POINTER));
  }
  private static final class FA_DUP2_ {
    static final MethodHandle H = NativeCall.libc("posix_spawn_file_actions_adddup2",
      FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT));
  }
  private static final class FA_CHDIR_ {
    static final MethodHandle H = NativeCall.libc("posix_spawn_file_actions_addchdir_np",
      FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER));
  }
  private static final class ATTR_SETPGROUP_ {
    static final MethodHandle H = NativeCall.libc("posix_spawnattr_setpgroup",
      FunctionDescriptor.of(C_INT, C_POINTER, C_INT));
  }
  private static final class ATTR_INIT_ {
    static final MethodHandle H = NativeCall.libc("posix_spawnattr_init",
      FunctionDescriptor.of(C_INT, C_POINTER));
  }
  private static final class ATTR_DESTROY_ {
    static final MethodHandle H = NativeCall.libc("posix_spawnattr_destroy",
      FunctionDescriptor.of(C_INT, C_POINTER));
  }
  private static final class ATTR_SETFLAGS_ {
    static final MethodHandle H = NativeCall.libc("posix_spawnattr_setflags",
      FunctionDescriptor.of(C_INT, C_POINTER, ValueLayout.JAVA_SHORT));
  }
  private static final class ATTR_SETSIGMASK_ {
    static final MethodHandle H = NativeCall.libc("posix_spawnattr_setsigmask",
      FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER));
  }
  private static final class ATTR_SETSIGDEFAULT_ {
    static final MethodHandle H = NativeCall.libc("posix_spawnattr_setsigdefault",
      FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER));
  }
  private static final class SIGEMPTYSET_ {
    static final MethodHandle H = NativeCall.libc("sigemptyset", FunctionDescriptor.of(C_INT, C_POINTER));
  }
  private static final class SIGFILLSET_ {
    static final MethodHandle H = NativeCall.libc("sigfillset", FunctionDescriptor.of(C_INT, C_POINTER));
  }

  private static final class TCGETATTR_ {
    static final MethodHandle H = NativeCall.libc("tcgetattr", FunctionDescriptor.of(C_INT, C_INT, C_POINTER));
  }
  private static final class TCSETATTR_ {
    static final MethodHandle H = NativeCall.libc("tcsetattr", FunctionDescriptor.of(C_INT, C_INT, C_INT, C_POINTER));
  }
  private static final class CFMAKERAW_ {
    static final MethodHandle H = NativeCall.libc("cfmakeraw", FunctionDescriptor.ofVoid(C_POINTER));
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

  // Each libc binding sits in its own holder class so that a command builds only the stubs it calls:
  // creating a downcall handle costs milliseconds in a cold JVM. Everything that is a system call of
  // its own goes through NativeCall.syscall instead, one handle for all of them.

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
      check((int) FA_INIT_.H.invokeExact(st, actions), "posix_spawn_file_actions_init");
      check((int) ATTR_INIT_.H.invokeExact(st, attr), "posix_spawnattr_init");
      try {
        // Sources are first copied above every target so one dup2 can never clobber another's source.
        int above = Math.max(64, fdMap.keySet().stream().mapToInt(Integer::intValue).max().orElse(0) + 1);
        for (var e : fdMap.entrySet()) {
          int high = (int) NativeCall.syscall(st, Nr.FCNTL, e.getValue(), F_DUPFD_CLOEXEC, above);
          ErrnoException.check(high, st, "fcntl F_DUPFD_CLOEXEC", "fd " + e.getValue());
          temporaries.add(high);
          check((int) FA_DUP2_.H.invokeExact(st, actions, high, (int) e.getKey()), "posix_spawn_file_actions_adddup2");
        }
        MemorySegment empty = arena.allocate(SIGSET_SIZE);
        MemorySegment all = arena.allocate(SIGSET_SIZE);
        int ignored = (int) SIGEMPTYSET_.H.invokeExact(st, empty);
        ignored = (int) SIGFILLSET_.H.invokeExact(st, all);
        check((int) ATTR_SETSIGMASK_.H.invokeExact(st, attr, empty), "posix_spawnattr_setsigmask");
        check((int) ATTR_SETSIGDEFAULT_.H.invokeExact(st, attr, all), "posix_spawnattr_setsigdefault");
        if (cwd != null) {
          check((int) FA_CHDIR_.H.invokeExact(st, actions, arena.allocateFrom(cwd)),
              "posix_spawn_file_actions_addchdir_np");
        }
        short flags = (short) (POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        if (newProcessGroup) {
          check((int) ATTR_SETPGROUP_.H.invokeExact(st, attr, 0), "posix_spawnattr_setpgroup");
          flags |= POSIX_SPAWN_SETPGROUP;
        }
        check((int) ATTR_SETFLAGS_.H.invokeExact(st, attr, flags), "posix_spawnattr_setflags");
        MemorySegment pid = arena.allocate(C_INT);
        int rc = (int) POSIX_SPAWN_.H.invokeExact(st, pid, arena.allocateFrom(path), actions, attr,
            stringArray(arena, argv), stringArray(arena, envp));
        if (rc != 0) {
          throw new ErrnoException("posix_spawn", path, rc);
        }
        return pid.get(C_INT, 0);
      } finally {
        for (int fd : temporaries) {
          close(fd);
        }
        int ignored1 = (int) FA_DESTROY_.H.invokeExact(st, actions);
        int ignored2 = (int) ATTR_DESTROY_.H.invokeExact(st, attr);
      }
    });
  }

  /** posix_spawn's helpers return the error number instead of setting errno. */
  private static void check(int rc, String call) throws ErrnoException {
    if (rc != 0) {
      throw new ErrnoException(call, null, rc);
    }
  }

  private static MemorySegment stringArray(Arena arena, List<String> strings) {
    MemorySegment array = arena.allocate(C_POINTER, strings.size() + 1L);
    for (int i = 0; i < strings.size(); i++) {
      array.setAtIndex(C_POINTER, i, arena.allocateFrom(strings.get(i)));
    }
    array.setAtIndex(C_POINTER, strings.size(), MemorySegment.NULL);
    return array;
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
    NativeCall.check("mkfifo", path,
        (arena, st) -> NativeCall.syscall(st, Nr.MKNODAT, AT_FDCWD, arena.allocateFrom(path).address(), S_IFIFO | mode, 0));
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
      ErrnoException.check((int) TCGETATTR_.H.invokeExact(st, fd, t), st, "tcgetattr", "fd " + fd);
      byte[] saved = t.toArray(ValueLayout.JAVA_BYTE);
      CFMAKERAW_.H.invokeExact(st, t);
      t.set(ValueLayout.JAVA_INT, 4, t.get(ValueLayout.JAVA_INT, 4) | OPOST);
      ErrnoException.check((int) TCSETATTR_.H.invokeExact(st, fd, TCSANOW, t), st, "tcsetattr", "fd " + fd);
      return saved;
    });
  }

  @Override
  public void restoreTerminal(int fd, byte[] settings) throws ErrnoException {
    NativeCall.check("tcsetattr", "fd " + fd, (arena, st) ->
        (int) TCSETATTR_.H.invokeExact(st, fd, TCSANOW, arena.allocateFrom(ValueLayout.JAVA_BYTE, settings)));
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
