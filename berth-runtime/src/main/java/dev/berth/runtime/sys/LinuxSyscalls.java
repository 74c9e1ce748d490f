package dev.berth.runtime.sys;

import static dev.berth.common.ffm.NativeCall.C_INT;
import static dev.berth.common.ffm.NativeCall.C_LONG;
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
  private static final class SOCKETPAIR_ {
    static final MethodHandle H = NativeCall.libc("socketpair",
      FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_POINTER));
  }
  private static final class PIPE2_ {
    static final MethodHandle H = NativeCall.libc("pipe2", FunctionDescriptor.of(C_INT, C_POINTER, C_INT));
  }
  private static final class WRITE_ {
    static final MethodHandle H = NativeCall.libc("write", FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_LONG));
  }
  private static final class READ_ {
    static final MethodHandle H = NativeCall.libc("read", FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_LONG));
  }
  private static final class CLOSE_ {
    static final MethodHandle H = NativeCall.libc("close", FunctionDescriptor.of(C_INT, C_INT));
  }
  private static final class FCNTL_ {
    static final MethodHandle H = NativeCall.libc("fcntl", FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT));
  }
  private static final class MKFIFO_ {
    static final MethodHandle H = NativeCall.libc("mkfifo", FunctionDescriptor.of(C_INT, C_POINTER, C_INT));
  }
  private static final class KILL_ {
    static final MethodHandle H = NativeCall.libc("kill", FunctionDescriptor.of(C_INT, C_INT, C_INT));
  }
  private static final class WAITPID_ {
    static final MethodHandle H = NativeCall.libc("waitpid", FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT));
  }
  private static final class PRCTL_ {
    static final MethodHandle H = NativeCall.libc("prctl",
      FunctionDescriptor.of(C_INT, C_INT, C_LONG, C_LONG, C_LONG, C_LONG));
  }

  private static final class RECVMSG_ {
    static final MethodHandle H = NativeCall.libc("recvmsg", FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_INT));
  }
  private static final class POLL_ {
    static final MethodHandle H = NativeCall.libc("poll", FunctionDescriptor.of(C_INT, C_POINTER, C_LONG, C_INT));
  }
  private static final class ISATTY_ {
    static final MethodHandle H = NativeCall.libc("isatty", FunctionDescriptor.of(C_INT, C_INT));
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
  // ioctl is variadic; its third argument is a pointer here, passed as on any x86-64/aarch64 call.
  private static final class IOCTL_ {
    static final MethodHandle H = NativeCall.libc("ioctl", FunctionDescriptor.of(C_INT, C_INT, C_LONG, C_POINTER));
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

  // Each binding sits in its own holder class so that a command builds only the stubs it calls:
  // creating a downcall handle costs milliseconds in a cold JVM.

  private static final LinuxSyscalls INSTANCE = new LinuxSyscalls();

  public static LinuxSyscalls get() {
    return INSTANCE;
  }

  private LinuxSyscalls() {}

  @Override
  public int spawn(String path, List<String> argv, List<String> envp, Map<Integer, Integer> fdMap)
      throws ErrnoException {
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
          int high = (int) FCNTL_.H.invokeExact(st, (int) e.getValue(), F_DUPFD_CLOEXEC, above);
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
        check((int) ATTR_SETFLAGS_.H.invokeExact(st, attr, (short) (POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)),
            "posix_spawnattr_setflags");
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
      int rc = (int) SOCKETPAIR_.H.invokeExact(st, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds);
      ErrnoException.check(rc, st, "socketpair", null);
      return new int[] {fds.getAtIndex(C_INT, 0), fds.getAtIndex(C_INT, 1)};
    });
  }

  @Override
  public int[] pipe() throws ErrnoException {
    return NativeCall.call((arena, st) -> {
      MemorySegment fds = arena.allocate(C_INT, 2);
      ErrnoException.check((int) PIPE2_.H.invokeExact(st, fds, O_CLOEXEC), st, "pipe2", null);
      return new int[] {fds.getAtIndex(C_INT, 0), fds.getAtIndex(C_INT, 1)};
    });
  }

  @Override
  public void writeFully(int fd, byte[] data) throws ErrnoException {
    NativeCall.<Void>call((arena, st) -> {
      MemorySegment buf = arena.allocateFrom(ValueLayout.JAVA_BYTE, data);
      long off = 0;
      while (off < data.length) {
        long n = (long) WRITE_.H.invokeExact(st, fd, buf.asSlice(off), (long) data.length - off);
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
        long n = (long) READ_.H.invokeExact(st, fd, buf, (long) max);
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
      NativeCall.call((arena, st) -> (int) CLOSE_.H.invokeExact(st, fd));
    } catch (ErrnoException e) {
      throw new IllegalStateException(e); // not thrown: close's result is ignored
    }
  }

  @Override
  public void mkfifo(String path, int mode) throws ErrnoException {
    NativeCall.check("mkfifo", path, (arena, st) -> (int) MKFIFO_.H.invokeExact(st, arena.allocateFrom(path), mode));
  }

  @Override
  public boolean kill(int pid, int signal) throws ErrnoException {
    return NativeCall.call((arena, st) -> {
      int rc = (int) KILL_.H.invokeExact(st, pid, signal);
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
        int rc = (int) WAITPID_.H.invokeExact(st, pid, status, noHang ? WNOHANG : 0);
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
        n = (long) RECVMSG_.H.invokeExact(st, socket, msg, MSG_CMSG_CLOEXEC);
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
      int rc;
      do {
        rc = (int) POLL_.H.invokeExact(st, pfd, 1L, timeoutMs);
      } while (rc < 0 && NativeCall.errno(st) == Errno.EINTR);
      ErrnoException.check(rc, st, "poll", "fd " + fd);
      return rc > 0;
    });
  }

  @Override
  public boolean isTerminal(int fd) {
    try {
      return NativeCall.call((arena, st) -> (int) ISATTY_.H.invokeExact(st, fd)) == 1;
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
      ErrnoException.check((int) IOCTL_.H.invokeExact(st, fd, TIOCGWINSZ, ws), st, "ioctl TIOCGWINSZ", "fd " + fd);
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
      return (int) IOCTL_.H.invokeExact(st, fd, TIOCSWINSZ, ws);
    });
  }

  @Override
  public void becomeChildSubreaper() throws ErrnoException {
    NativeCall.check("prctl PR_SET_CHILD_SUBREAPER", null,
        (arena, st) -> (int) PRCTL_.H.invokeExact(st, PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L));
  }
}
