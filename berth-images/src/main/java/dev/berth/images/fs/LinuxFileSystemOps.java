package dev.berth.images.fs;

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
import java.nio.file.Path;

/** {@link FileSystemOps} through the JDK's foreign function API. */
public final class LinuxFileSystemOps implements FileSystemOps {
  private static final int AT_FDCWD = -100;
  private static final int AT_SYMLINK_NOFOLLOW = 0x100;
  private static final MethodHandle MKNOD = NativeCall.libc("mknod", FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_LONG));
  private static final MethodHandle LCHOWN = NativeCall.libc("lchown", FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT));
  private static final MethodHandle LSETXATTR = NativeCall.libc("lsetxattr",
      FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_POINTER, C_LONG, C_INT));
  private static final MethodHandle LGETXATTR = NativeCall.libc("lgetxattr",
      FunctionDescriptor.of(C_LONG, C_POINTER, C_POINTER, C_POINTER, C_LONG));
  private static final MethodHandle UTIMENSAT = NativeCall.libc("utimensat",
      FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_POINTER, C_INT));
  private static final MethodHandle FCHMODAT = NativeCall.libc("fchmodat",
      FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_INT));

  @Override
  public void mknod(Path path, char type, int mode, long major, long minor) throws ErrnoException {
    int kind = switch (type) {
      case 'c' -> 0020000;
      case 'b' -> 0060000;
      case 'p' -> 0010000;
      default -> throw new IllegalArgumentException("device type " + type);
    };
    // makedev() as glibc encodes it.
    long dev = ((major & 0xfffL) << 8) | ((major & ~0xfffL) << 32) | (minor & 0xffL) | ((minor & ~0xffL) << 12);
    call("mknod", path, (a, st) -> (int) MKNOD.invokeExact(st, a.allocateFrom(path.toString()), kind | (mode & 07777), dev));
  }

  @Override
  public void lchown(Path path, long uid, long gid) throws ErrnoException {
    call("lchown", path, (a, st) -> (int) LCHOWN.invokeExact(st, a.allocateFrom(path.toString()), (int) uid, (int) gid));
  }

  @Override
  public void lsetxattr(Path path, String name, byte[] value) throws ErrnoException {
    call("lsetxattr " + name, path, (a, st) -> (int) LSETXATTR.invokeExact(st, a.allocateFrom(path.toString()),
        a.allocateFrom(name), a.allocateFrom(ValueLayout.JAVA_BYTE, value), (long) value.length, 0));
  }

  @Override
  public byte[] lgetxattr(Path path, String name) throws ErrnoException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = NativeCall.errnoState(a);
      MemorySegment buf = a.allocate(65536);
      long n = (long) LGETXATTR.invokeExact(st, a.allocateFrom(path.toString()), a.allocateFrom(name), buf, 65536L);
      if (n < 0 && NativeCall.errno(st) == Errno.ENODATA) {
        return null;
      }
      ErrnoException.check(n, st, "lgetxattr " + name, path.toString());
      return buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  @Override
  public void lutimes(Path path, long seconds, long nanos) throws ErrnoException {
    call("utimensat", path, (a, st) -> {
      MemorySegment times = a.allocate(C_LONG, 4);
      times.setAtIndex(C_LONG, 0, seconds);
      times.setAtIndex(C_LONG, 1, nanos);
      times.setAtIndex(C_LONG, 2, seconds);
      times.setAtIndex(C_LONG, 3, nanos);
      return (int) UTIMENSAT.invokeExact(st, AT_FDCWD, a.allocateFrom(path.toString()), times, AT_SYMLINK_NOFOLLOW);
    });
  }

  @Override
  public void chmod(Path path, int mode) throws ErrnoException {
    call("chmod", path, (a, st) -> (int) FCHMODAT.invokeExact(st, AT_FDCWD, a.allocateFrom(path.toString()), mode & 07777, 0));
  }

  private interface Call {
    int invoke(Arena arena, MemorySegment state) throws Throwable;
  }

  private static void call(String what, Path path, Call call) throws ErrnoException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = NativeCall.errnoState(a);
      ErrnoException.check(call.invoke(a, st), st, what, path.toString());
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }
}
