package dev.berth.runtime.server;

import dev.berth.common.ffm.Errno;
import dev.berth.common.ffm.ErrnoException;
import dev.berth.common.ffm.FdPassingSocket;
import dev.berth.common.ffm.NativeCall;
import dev.berth.runtime.sys.LinuxSyscalls;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Unix SOCK_SEQPACKET sockets with fd passing (SCM_RIGHTS), which the JDK's channels cannot do: the
 * runtime server's listening socket and its conversations with clients. Layouts are Linux LP64's.
 */
final class SeqpacketSocket {
  private static final int AF_UNIX = 1;
  private static final int SOCK_SEQPACKET = 5;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int SOL_SOCKET = 1;
  private static final int SO_PEERCRED = 17;
  private static final int SCM_RIGHTS = 1;
  private static final int MSG_CMSG_CLOEXEC = 0x40000000;
  private static final int SUN_PATH = 108;
  private static final long MSGHDR_SIZE = 56;
  private static final long CMSG_HEADER = 16;
  /** The kernel's SCM_MAX_FD: no message carries more. */
  static final int MAX_FDS = 253;
  static final int MAX_MESSAGE = 64 * 1024;

  private static final MemorySegment SOCKET = NativeCall.symbol("socket");
  private static final MemorySegment BIND = NativeCall.symbol("bind");
  private static final MemorySegment LISTEN = NativeCall.symbol("listen");
  private static final MemorySegment ACCEPT4 = NativeCall.symbol("accept4");
  private static final MemorySegment RECVMSG = NativeCall.symbol("recvmsg");
  private static final MemorySegment GETSOCKOPT = NativeCall.symbol("getsockopt");

  private SeqpacketSocket() {}

  /** A listening socket bound at {@code path}, close-on-exec. */
  static int listen(Path path) throws ErrnoException {
    String p = path.toString();
    byte[] name = p.getBytes(StandardCharsets.UTF_8);
    if (name.length >= SUN_PATH) {
      throw new ErrnoException("bind", p, Errno.ENAMETOOLONG);
    }
    int fd = NativeCall.call((arena, st) -> (int) ErrnoException.check(
        (int) NativeCall.invoke(st, SOCKET, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0), st, "socket", p));
    try {
      NativeCall.check("bind", p, (arena, st) -> {
        MemorySegment addr = arena.allocate(2 + SUN_PATH);
        addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(name, 0, addr, ValueLayout.JAVA_BYTE, 2, name.length);
        return (int) NativeCall.invoke(st, BIND, fd, addr.address(), addr.byteSize());
      });
      NativeCall.check("listen", p, (arena, st) -> (int) NativeCall.invoke(st, LISTEN, fd, 128));
      return fd;
    } catch (ErrnoException | RuntimeException e) {
      LinuxSyscalls.get().close(fd);
      throw e;
    }
  }

  /** The next connection, close-on-exec. */
  static int accept(int listener) throws ErrnoException {
    return NativeCall.call((arena, st) -> {
      long fd;
      do {
        fd = (int) NativeCall.invoke(st, ACCEPT4, listener, 0, 0, SOCK_CLOEXEC);
      } while (fd == -1 && NativeCall.errno(st) == Errno.EINTR);
      return (int) ErrnoException.check(fd, st, "accept4", "the runtime server's socket");
    });
  }

  /** The peer's pid (SO_PEERCRED: the process that connected). */
  static int peerPid(int fd) throws ErrnoException {
    return NativeCall.call((arena, st) -> {
      MemorySegment cred = arena.allocate(12, 4);
      MemorySegment len = arena.allocate(4, 4);
      len.set(ValueLayout.JAVA_INT, 0, 12);
      ErrnoException.check((int) NativeCall.invoke(st, GETSOCKOPT, fd, SOL_SOCKET, SO_PEERCRED, cred.address(),
          len.address()), st, "getsockopt", "SO_PEERCRED");
      return cred.get(ValueLayout.JAVA_INT, 0);
    });
  }

  /** Sends {@code data} as one message, {@code fds} with it. */
  static void send(int fd, byte[] data, int[] fds) throws ErrnoException {
    if (fds.length > MAX_FDS) {
      throw new ErrnoException("sendmsg", fds.length + " fds in one message", Errno.EINVAL);
    }
    FdPassingSocket.sendmsg(fd, data, fds, "the runtime client");
  }

  /** One received message and the fds that came with it. */
  record Received(byte[] data, int[] fds) {}

  /**
   * The next message, or null at the end of the conversation. Its fds are close-on-exec unless
   * {@code inheritable}.
   */
  static Received receive(int fd, boolean inheritable) throws ErrnoException {
    return NativeCall.call((arena, st) -> {
      MemorySegment buf = arena.allocate(MAX_MESSAGE);
      MemorySegment msg = message(arena, buf, MAX_MESSAGE);
      long space = CMSG_HEADER + align8(4L * MAX_FDS);
      MemorySegment control = arena.allocate(space, 8);
      msg.set(ValueLayout.ADDRESS, 32, control);
      msg.set(ValueLayout.JAVA_LONG, 40, space);
      long n;
      do {
        n = NativeCall.invoke(st, RECVMSG, fd, msg.address(), inheritable ? 0 : MSG_CMSG_CLOEXEC);
      } while (n == -1 && NativeCall.errno(st) == Errno.EINTR);
      ErrnoException.check(n, st, "recvmsg", "the runtime client");
      int[] fds = fds(control, msg.get(ValueLayout.JAVA_LONG, 40));
      if (n == 0 && fds.length == 0) {
        return null;
      }
      return new Received(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), fds);
    });
  }

  private static int[] fds(MemorySegment control, long controlLength) {
    if (controlLength < CMSG_HEADER || control.get(ValueLayout.JAVA_INT, 8) != SOL_SOCKET
        || control.get(ValueLayout.JAVA_INT, 12) != SCM_RIGHTS) {
      return new int[0];
    }
    int count = (int) ((control.get(ValueLayout.JAVA_LONG, 0) - CMSG_HEADER) / 4);
    int[] fds = new int[count];
    for (int i = 0; i < count; i++) {
      fds[i] = control.get(ValueLayout.JAVA_INT, CMSG_HEADER + 4L * i);
    }
    return fds;
  }

  private static MemorySegment message(java.lang.foreign.Arena arena, MemorySegment buf, long length) {
    MemorySegment iov = arena.allocate(16, 8);
    iov.set(ValueLayout.ADDRESS, 0, buf);
    iov.set(ValueLayout.JAVA_LONG, 8, length);
    MemorySegment msg = arena.allocate(MSGHDR_SIZE, 8);
    msg.set(ValueLayout.ADDRESS, 16, iov);
    msg.set(ValueLayout.JAVA_LONG, 24, 1);
    return msg;
  }

  private static long align8(long n) {
    return (n + 7) & ~7L;
  }
}
