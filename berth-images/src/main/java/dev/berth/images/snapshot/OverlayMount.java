package dev.berth.images.snapshot;

import static dev.berth.common.ffm.NativeCall.C_INT;
import static dev.berth.common.ffm.NativeCall.C_POINTER;

import dev.berth.common.ffm.ErrnoException;
import dev.berth.common.ffm.NativeCall;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.List;

/**
 * Mounts overlayfs through the new mount API: one {@code lowerdir+} per layer (kernel 6.8+), so a
 * stack of any depth mounts, where the old mount(2) option string is limited to one page.
 */
final class OverlayMount {
  private static final int AT_FDCWD = -100;
  private static final int FSOPEN_CLOEXEC = 1;
  private static final int FSCONFIG_SET_STRING = 1;
  private static final int FSCONFIG_CMD_CREATE = 6;
  private static final int FSMOUNT_CLOEXEC = 1;
  private static final int MOVE_MOUNT_F_EMPTY_PATH = 4;

  private static final MethodHandle FSOPEN = NativeCall.libc("fsopen", FunctionDescriptor.of(C_INT, C_POINTER, C_INT));
  private static final MethodHandle FSCONFIG = NativeCall.libc("fsconfig",
      FunctionDescriptor.of(C_INT, C_INT, C_INT, C_POINTER, C_POINTER, C_INT));
  private static final MethodHandle FSMOUNT = NativeCall.libc("fsmount", FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT));
  private static final MethodHandle MOVE_MOUNT = NativeCall.libc("move_mount",
      FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_POINTER, C_INT));
  private static final MethodHandle UMOUNT2 = NativeCall.libc("umount2", FunctionDescriptor.of(C_INT, C_POINTER, C_INT));
  private static final MethodHandle CLOSE = NativeCall.libc("close", FunctionDescriptor.of(C_INT, C_INT));

  private OverlayMount() {}

  /** Mounts {@code lowerTopFirst} under {@code upper} (with its {@code work} dir) on {@code target}. */
  static void mount(List<Path> lowerTopFirst, Path upper, Path work, Path target) throws ErrnoException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = NativeCall.errnoState(a);
      int fs = (int) FSOPEN.invokeExact(st, a.allocateFrom("overlay"), FSOPEN_CLOEXEC);
      ErrnoException.check(fs, st, "fsopen", "overlay");
      int mnt = -1;
      try {
        for (Path lower : lowerTopFirst) {
          set(a, st, fs, "lowerdir+", lower.toString());
        }
        set(a, st, fs, "upperdir", upper.toString());
        set(a, st, fs, "workdir", work.toString());
        int rc = (int) FSCONFIG.invokeExact(st, fs, FSCONFIG_CMD_CREATE, MemorySegment.NULL, MemorySegment.NULL, 0);
        ErrnoException.check(rc, st, "fsconfig create", "overlay on " + target);
        mnt = (int) FSMOUNT.invokeExact(st, fs, FSMOUNT_CLOEXEC, 0);
        ErrnoException.check(mnt, st, "fsmount", target.toString());
        rc = (int) MOVE_MOUNT.invokeExact(st, mnt, a.allocateFrom(""), AT_FDCWD, a.allocateFrom(target.toString()),
            MOVE_MOUNT_F_EMPTY_PATH);
        ErrnoException.check(rc, st, "move_mount", target.toString());
      } finally {
        int ignored = (int) CLOSE.invokeExact(st, fs);
        if (mnt >= 0) {
          ignored = (int) CLOSE.invokeExact(st, mnt);
        }
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  private static void set(Arena a, MemorySegment st, int fs, String key, String value) throws Throwable {
    int rc = (int) FSCONFIG.invokeExact(st, fs, FSCONFIG_SET_STRING, a.allocateFrom(key), a.allocateFrom(value), 0);
    ErrnoException.check(rc, st, "fsconfig " + key, value);
  }

  static void unmount(Path target) throws ErrnoException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = NativeCall.errnoState(a);
      int rc = (int) UMOUNT2.invokeExact(st, a.allocateFrom(target.toString()), 0);
      ErrnoException.check(rc, st, "umount", target.toString());
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }
}
