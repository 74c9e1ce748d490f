package dev.berth.images.fs;

import static dev.berth.common.ffm.NativeCall.C_INT;
import static dev.berth.common.ffm.NativeCall.C_LONG;
import static dev.berth.common.ffm.NativeCall.C_POINTER;

import dev.berth.common.ffm.Errno;
import dev.berth.common.ffm.ErrnoException;
import dev.berth.common.ffm.NativeCall;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@link FileSystemOps} through the JDK's foreign function API. */
public final class LinuxFileSystemOps implements FileSystemOps {
  private static final int AT_FDCWD = -100;
  private static final int AT_SYMLINK_NOFOLLOW = 0x100;
  private static final MethodHandle MKNOD =
      NativeCall.libc("mknod", FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_LONG));
  private static final MethodHandle LCHOWN =
      NativeCall.libc("lchown", FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT));
  private static final MethodHandle LSETXATTR = NativeCall.libc("lsetxattr",
      FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_POINTER, C_LONG, C_INT));
  private static final MethodHandle LGETXATTR = NativeCall.libc("lgetxattr",
      FunctionDescriptor.of(C_LONG, C_POINTER, C_POINTER, C_POINTER, C_LONG));
  private static final MethodHandle LLISTXATTR =
      NativeCall.libc("llistxattr", FunctionDescriptor.of(C_LONG, C_POINTER, C_POINTER, C_LONG));
  private static final MethodHandle UTIMENSAT = NativeCall.libc("utimensat",
      FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_POINTER, C_INT));
  private static final MethodHandle FCHMODAT = NativeCall.libc("fchmodat",
      FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_INT));
  /** XATTR_SIZE_MAX: no attribute value or name list is longer. */
  private static final long XATTR_MAX = 65536;

  @Override
  public void mknod(Path path, char type, int mode, long major, long minor) throws ErrnoException {
    int kind = switch (type) {
      case 'c' -> FileStat.S_IFCHR;
      case 'b' -> FileStat.S_IFBLK;
      case 'p' -> FileStat.S_IFIFO;
      default -> throw new IllegalArgumentException("device type " + type);
    };
    long dev = FileStat.makedev(major, minor);
    call("mknod", path, (a, st) -> (int) MKNOD.invokeExact(st, cPath(a, path), kind | (mode & 07777), dev));
  }

  @Override
  public void lchown(Path path, long uid, long gid) throws ErrnoException {
    call("lchown", path, (a, st) -> (int) LCHOWN.invokeExact(st, cPath(a, path), (int) uid, (int) gid));
  }

  @Override
  public void lsetxattr(Path path, String name, byte[] value) throws ErrnoException {
    call("lsetxattr " + name, path, (a, st) -> (int) LSETXATTR.invokeExact(st, cPath(a, path),
        a.allocateFrom(name), a.allocateFrom(ValueLayout.JAVA_BYTE, value), (long) value.length, 0));
  }

  @Override
  public byte[] lgetxattr(Path path, String name) throws ErrnoException {
    return NativeCall.call((a, st) -> {
      MemorySegment buf = a.allocate(XATTR_MAX);
      long n = (long) LGETXATTR.invokeExact(st, cPath(a, path), a.allocateFrom(name), buf, XATTR_MAX);
      if (n < 0 && NativeCall.errno(st) == Errno.ENODATA) {
        return null;
      }
      ErrnoException.check(n, st, "lgetxattr " + name, path.toString());
      return buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
    });
  }

  @Override
  public List<String> llistxattr(Path path) throws ErrnoException {
    return NativeCall.call((a, st) -> {
      MemorySegment buf = a.allocate(XATTR_MAX);
      long n = (long) LLISTXATTR.invokeExact(st, cPath(a, path), buf, XATTR_MAX);
      ErrnoException.check(n, st, "llistxattr", path.toString());
      byte[] names = buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
      List<String> out = new ArrayList<>();
      int start = 0;
      for (int i = 0; i < names.length; i++) {
        if (names[i] == 0) {
          out.add(new String(names, start, i - start, StandardCharsets.UTF_8));
          start = i + 1;
        }
      }
      return out;
    });
  }

  @Override
  public void utimensat(Path path, long atimeSeconds, long atimeNanos, long mtimeSeconds, long mtimeNanos)
      throws ErrnoException {
    call("utimensat", path, (a, st) -> {
      MemorySegment times = a.allocate(C_LONG, 4);
      times.setAtIndex(C_LONG, 0, atimeSeconds);
      times.setAtIndex(C_LONG, 1, atimeNanos);
      times.setAtIndex(C_LONG, 2, mtimeSeconds);
      times.setAtIndex(C_LONG, 3, mtimeNanos);
      return (int) UTIMENSAT.invokeExact(st, AT_FDCWD, cPath(a, path), times, AT_SYMLINK_NOFOLLOW);
    });
  }

  @Override
  public void chmod(Path path, int mode) throws ErrnoException {
    call("chmod", path, (a, st) -> (int) FCHMODAT.invokeExact(st, AT_FDCWD, cPath(a, path), mode & 07777, 0));
  }

  @Override
  public FileStat lstat(Path path) throws IOException {
    Map<String, Object> a = Files.readAttributes(path, "unix:mode,uid,gid,size,rdev,dev,ino,nlink,lastModifiedTime",
        LinkOption.NOFOLLOW_LINKS);
    FileTime mtime = (FileTime) a.get("lastModifiedTime");
    return new FileStat((int) a.get("mode"), Integer.toUnsignedLong((int) a.get("uid")),
        Integer.toUnsignedLong((int) a.get("gid")), (long) a.get("size"), (long) a.get("rdev"), (long) a.get("dev"),
        (long) a.get("ino"), (int) a.get("nlink"), mtime.toInstant().getEpochSecond(),
        mtime.toInstant().getNano());
  }

  /** The path as the kernel should see it: the bytes Java holds, NUL-terminated. */
  private static MemorySegment cPath(Arena a, Path path) {
    return a.allocateFrom(path.toString());
  }

  private static void call(String what, Path path, NativeCall.Body<Integer> body) throws ErrnoException {
    NativeCall.check(what, path.toString(), body);
  }
}
