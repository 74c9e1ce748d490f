package dev.berth.common.ffm;

import static dev.berth.common.ffm.NativeCall.C_INT;
import static dev.berth.common.ffm.NativeCall.C_LONG;
import static dev.berth.common.ffm.NativeCall.C_POINTER;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A unix stream socket that can send file descriptors with its data (SCM_RIGHTS), which the JDK's
 * socket channels cannot. Used for one request and its reply line; layouts are Linux LP64's.
 * {@link #sendmsg} serves any unix socket (the runtime server's SOCK_SEQPACKET ones too).
 */
public final class FdPassingSocket implements AutoCloseable {
  private static final int AF_UNIX = 1;
  private static final int SOCK_STREAM = 1;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int SOL_SOCKET = 1;
  private static final int SCM_RIGHTS = 1;
  private static final int SO_RCVTIMEO = 20;
  private static final int SO_SNDTIMEO = 21;
  private static final int MSG_NOSIGNAL = 0x4000;
  private static final int SUN_PATH = 108;
  private static final long MSGHDR_SIZE = 56;
  private static final long CMSG_HEADER = 16;

  private static final MethodHandle SOCKET = NativeCall.libc("socket", FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT));
  private static final MethodHandle CONNECT = NativeCall.libc("connect", FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT));
  private static final MethodHandle SETSOCKOPT =
      NativeCall.libc("setsockopt", FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_POINTER, C_INT));
  private static final MethodHandle SENDMSG = NativeCall.libc("sendmsg", FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_INT));
  private static final MethodHandle READ = NativeCall.libc("read", FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_LONG));
  private static final MethodHandle CLOSE = NativeCall.libc("close", FunctionDescriptor.of(C_INT, C_INT));

  private final int fd;
  private final String path;

  private FdPassingSocket(int fd, String path) {
    this.fd = fd;
    this.path = path;
  }

  /** Connects to {@code path}; reads and writes fail with EAGAIN after {@code timeout}. */
  public static FdPassingSocket connect(Path path, Duration timeout) throws ErrnoException {
    String p = path.toAbsolutePath().toString();
    byte[] name = p.getBytes(StandardCharsets.UTF_8);
    if (name.length >= SUN_PATH) throw new ErrnoException("connect", p, Errno.ENAMETOOLONG);
    int fd = NativeCall.call((arena, st) -> (int) ErrnoException.check((int) SOCKET.invokeExact(st, AF_UNIX,
        SOCK_STREAM | SOCK_CLOEXEC, 0), st, "socket", p));
    try {
      NativeCall.check("connect", p, (arena, st) -> {
        MemorySegment addr = arena.allocate(2 + SUN_PATH);
        addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(name, 0, addr, ValueLayout.JAVA_BYTE, 2, name.length);
        return (int) CONNECT.invokeExact(st, fd, addr, (int) addr.byteSize());
      });
      for (int option : new int[] {SO_RCVTIMEO, SO_SNDTIMEO}) {
        NativeCall.check("setsockopt", p, (arena, st) -> {
          MemorySegment tv = arena.allocate(16);
          tv.set(ValueLayout.JAVA_LONG, 0, timeout.toSeconds());
          tv.set(ValueLayout.JAVA_LONG, 8, timeout.toMillisPart() * 1000L);
          return (int) SETSOCKOPT.invokeExact(st, fd, SOL_SOCKET, option, tv, 16);
        });
      }
      return new FdPassingSocket(fd, p);
    } catch (ErrnoException | RuntimeException e) {
      closeFd(fd);
      throw e;
    }
  }

  /** Sends all of {@code data}, the {@code fds} travelling with its first byte. */
  public void send(byte[] data, int... fds) throws ErrnoException {
    long sent = sendmsg(fd, data, fds, path);
    // A request line is far smaller than a socket buffer: a short send means the peer is gone.
    if (sent != data.length) throw new ErrnoException("sendmsg", path + " (short write)", Errno.EPIPE);
  }

  /**
   * One sendmsg(2) of {@code data} on the socket {@code socket}, with {@code fds} (SCM_RIGHTS), retried
   * on EINTR; returns the bytes sent. {@code subject} names the peer in errors.
   */
  public static long sendmsg(int socket, byte[] data, int[] fds, String subject) throws ErrnoException {
    return NativeCall.call((arena, st) -> {
      MemorySegment buf = arena.allocate(Math.max(1, data.length));
      MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, 0, data.length);
      MemorySegment iov = arena.allocate(16, 8);
      iov.set(ValueLayout.ADDRESS, 0, buf);
      iov.set(ValueLayout.JAVA_LONG, 8, data.length);
      MemorySegment msg = arena.allocate(MSGHDR_SIZE, 8);
      msg.set(ValueLayout.ADDRESS, 16, iov);
      msg.set(ValueLayout.JAVA_LONG, 24, 1);
      if (fds.length > 0) {
        long space = CMSG_HEADER + align8(4L * fds.length);
        MemorySegment control = arena.allocate(space, 8);
        control.set(ValueLayout.JAVA_LONG, 0, CMSG_HEADER + 4L * fds.length);
        control.set(ValueLayout.JAVA_INT, 8, SOL_SOCKET);
        control.set(ValueLayout.JAVA_INT, 12, SCM_RIGHTS);
        for (int i = 0; i < fds.length; i++) control.set(ValueLayout.JAVA_INT, CMSG_HEADER + 4L * i, fds[i]);
        msg.set(ValueLayout.ADDRESS, 32, control);
        msg.set(ValueLayout.JAVA_LONG, 40, space);
      }
      long n;
      do {
        n = (long) SENDMSG.invokeExact(st, socket, msg, MSG_NOSIGNAL);
      } while (n == -1 && NativeCall.errno(st) == Errno.EINTR);
      return ErrnoException.check(n, st, "sendmsg", subject);
    });
  }

  /** One line (without its newline), or null at end of stream before any byte. */
  public String readLine() throws ErrnoException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    byte[] one = new byte[1];
    while (true) {
      long n = NativeCall.call((arena, st) -> {
        MemorySegment b = arena.allocate(1);
        long r;
        do {
          r = (long) READ.invokeExact(st, fd, b, 1L);
        } while (r == -1 && NativeCall.errno(st) == Errno.EINTR);
        ErrnoException.check(r, st, "read", path);
        if (r == 1) one[0] = b.get(ValueLayout.JAVA_BYTE, 0);
        return r;
      });
      if (n == 0) return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
      if (one[0] == '\n') return line.toString(StandardCharsets.UTF_8);
      line.write(one[0]);
    }
  }

  @Override
  public void close() {
    closeFd(fd);
  }

  private static long align8(long n) {
    return (n + 7) & ~7L;
  }

  private static void closeFd(int fd) {
    try {
      NativeCall.call((arena, st) -> (int) CLOSE.invokeExact(st, fd));
    } catch (ErrnoException ignored) {
      // nothing left to release
    }
  }
}
