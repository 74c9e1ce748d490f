package dev.berth.images.snapshot;

import static dev.berth.common.ffm.NativeCall.C_INT;
import static dev.berth.common.ffm.NativeCall.C_POINTER;

import dev.berth.common.ffm.Errno;
import dev.berth.common.ffm.ErrnoException;
import dev.berth.common.ffm.NativeCall;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Mounts overlayfs through the new mount API with one {@code lowerdir+} per layer (kernel 6.8+), so a
 * stack of any depth mounts where mount(2)'s option string stops at one page. fsconfig copies at most
 * 256 bytes of a value, so a layer path longer than that is passed as {@code /proc/self/fd/N} of an
 * O_PATH descriptor instead. Overlay's redirect_dir, metacopy and index features stay off: a
 * container's upper dir then holds whole files and plain whiteouts, which is what the layer diff reads.
 */
final class OverlayMount {
  private static final int AT_FDCWD = -100;
  private static final int O_PATH = 010000000;
  private static final int O_DIRECTORY = 0200000;
  private static final int O_CLOEXEC = 02000000;
  private static final int FSOPEN_CLOEXEC = 1;
  private static final int FSCONFIG_SET_STRING = 1;
  private static final int FSCONFIG_CMD_CREATE = 6;
  private static final int FSMOUNT_CLOEXEC = 1;
  private static final int MOVE_MOUNT_F_EMPTY_PATH = 4;
  private static final int FSCONFIG_VALUE_MAX = 255;

  private static final MethodHandle FSOPEN =
      NativeCall.libc("fsopen", FunctionDescriptor.of(C_INT, C_POINTER, C_INT));
  private static final MethodHandle FSCONFIG = NativeCall.libc("fsconfig",
      FunctionDescriptor.of(C_INT, C_INT, C_INT, C_POINTER, C_POINTER, C_INT));
  private static final MethodHandle FSMOUNT =
      NativeCall.libc("fsmount", FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT));
  private static final MethodHandle MOVE_MOUNT = NativeCall.libc("move_mount",
      FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_POINTER, C_INT));
  private static final MethodHandle UMOUNT2 =
      NativeCall.libc("umount2", FunctionDescriptor.of(C_INT, C_POINTER, C_INT));
  private static final MethodHandle OPEN =
      NativeCall.libc("open", FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT));
  private static final MethodHandle CLOSE = NativeCall.libc("close", FunctionDescriptor.of(C_INT, C_INT));

  private OverlayMount() {}

  /**
   * Mounts {@code lowerTopFirst} under {@code upper} (with its {@code work} dir) on {@code target};
   * with a null {@code upper}, a read-only overlay of the lower dirs alone (at least two).
   */
  static void mount(List<Path> lowerTopFirst, Path upper, Path work, Path target) throws ErrnoException {
    List<Integer> fds = new ArrayList<>();
    try {
      NativeCall.<Void>call((a, st) -> {
        int fs = (int) FSOPEN.invokeExact(st, a.allocateFrom("overlay"), FSOPEN_CLOEXEC);
        ErrnoException.check(fs, st, "fsopen", "overlay");
        fds.add(fs);
        for (Path lower : lowerTopFirst) {
          set(a, st, fs, "lowerdir+", shortPath(a, st, lower, fds));
        }
        if (upper != null) {
          set(a, st, fs, "upperdir", shortPath(a, st, upper, fds));
          set(a, st, fs, "workdir", shortPath(a, st, work, fds));
        }
        for (String off : List.of("redirect_dir", "metacopy", "index")) {
          optional(a, st, fs, off, "off");
        }
        int rc = (int) FSCONFIG.invokeExact(st, fs, FSCONFIG_CMD_CREATE, MemorySegment.NULL, MemorySegment.NULL, 0);
        ErrnoException.check(rc, st, "fsconfig create", "overlay on " + target);
        int mnt = (int) FSMOUNT.invokeExact(st, fs, FSMOUNT_CLOEXEC, 0);
        ErrnoException.check(mnt, st, "fsmount", target.toString());
        fds.add(mnt);
        rc = (int) MOVE_MOUNT.invokeExact(st, mnt, a.allocateFrom(""), AT_FDCWD, a.allocateFrom(target.toString()),
            MOVE_MOUNT_F_EMPTY_PATH);
        ErrnoException.check(rc, st, "move_mount", target.toString());
        return null;
      });
    } finally {
      closeAll(fds);
    }
  }

  /** The path itself when fsconfig can take it, else /proc/self/fd/N of an O_PATH descriptor on it. */
  private static String shortPath(Arena a, MemorySegment st, Path dir, List<Integer> fds) throws Throwable {
    String p = dir.toString();
    if (p.getBytes(StandardCharsets.UTF_8).length <= FSCONFIG_VALUE_MAX) {
      return p;
    }
    int fd = (int) OPEN.invokeExact(st, a.allocateFrom(p), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    ErrnoException.check(fd, st, "open", p);
    fds.add(fd);
    return "/proc/self/fd/" + fd;
  }

  private static void set(Arena a, MemorySegment st, int fs, String key, String value) throws Throwable {
    int rc = (int) FSCONFIG.invokeExact(st, fs, FSCONFIG_SET_STRING, a.allocateFrom(key), a.allocateFrom(value), 0);
    ErrnoException.check(rc, st, "fsconfig " + key, value);
  }

  /** An option older kernels may not know: EINVAL means "not there", which is as good as off. */
  private static void optional(Arena a, MemorySegment st, int fs, String key, String value) throws Throwable {
    int rc = (int) FSCONFIG.invokeExact(st, fs, FSCONFIG_SET_STRING, a.allocateFrom(key), a.allocateFrom(value), 0);
    if (rc == -1 && NativeCall.errno(st) != Errno.EINVAL) {
      throw new ErrnoException("fsconfig " + key, value, NativeCall.errno(st));
    }
  }

  private static void closeAll(List<Integer> fds) throws ErrnoException {
    for (int fd : fds) {
      NativeCall.call((a, st) -> (int) CLOSE.invokeExact(st, fd)); // close's result is ignored
    }
  }

  static void unmount(Path target) throws ErrnoException {
    NativeCall.check("umount", target.toString(),
        (a, st) -> (int) UMOUNT2.invokeExact(st, a.allocateFrom(target.toString()), 0));
  }
}
