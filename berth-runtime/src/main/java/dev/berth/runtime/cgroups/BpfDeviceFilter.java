package dev.berth.runtime.cgroups;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.berth.common.error.Internal;
import dev.berth.common.error.PermissionDenied;
import dev.berth.common.ffm.Errno;
import dev.berth.common.ffm.NativeCall;
import dev.berth.runtime.spec.LinuxDeviceCgroup;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.List;

/** Loads a {@link DeviceFilter} program and attaches it to a cgroup v2 directory through bpf(2). */
public final class BpfDeviceFilter {
  private static final long SYS_BPF = 321; // x86_64
  private static final int BPF_PROG_LOAD = 5;
  private static final int BPF_PROG_ATTACH = 8;
  private static final int BPF_PROG_TYPE_CGROUP_DEVICE = 15;
  private static final int BPF_CGROUP_DEVICE = 6;
  private static final int ATTR_SIZE = 128;
  private static final int O_RDONLY_DIRECTORY_CLOEXEC = 0x10000 | 0x80000;

  /** long syscall(long number, ...): variadic, so bound by hand rather than through NativeCall.libc. */
  private static final MethodHandle SYSCALL = java.lang.foreign.Linker.nativeLinker().downcallHandle(
      java.lang.foreign.Linker.nativeLinker().defaultLookup().find("syscall").orElseThrow(),
      FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT),
      java.lang.foreign.Linker.Option.firstVariadicArg(1), java.lang.foreign.Linker.Option.captureCallState("errno"));
  private static final MethodHandle OPEN = NativeCall.libc("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle CLOSE = NativeCall.libc("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

  private BpfDeviceFilter() {}

  /**
   * Replaces the device program of {@code cgroupDir} with one for {@code rules}. Attached without
   * BPF_F_ALLOW_MULTI, so a later attach (an update) replaces it in one step, never leaving a gap.
   */
  public static void attach(Path cgroupDir, List<LinuxDeviceCgroup> rules) {
    if (!"amd64".equals(System.getProperty("os.arch")) && !"x86_64".equals(System.getProperty("os.arch"))) {
      throw new dev.berth.common.error.Unavailable("cgroup v2 device filters are only wired for x86_64 so far");
    }
    byte[] program = DeviceFilter.program(rules);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = NativeCall.errnoState(arena);
      int progFd = load(arena, state, program);
      try {
        int cgFd = (int) OPEN.invokeExact(state, arena.allocateFrom(cgroupDir.toString()), O_RDONLY_DIRECTORY_CLOEXEC);
        if (cgFd < 0) {
          throw new Internal("cannot open cgroup " + cgroupDir + ": " + Errno.describe(NativeCall.errno(state)));
        }
        try {
          MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
          attr.set(JAVA_INT, 0, cgFd);
          attr.set(JAVA_INT, 4, progFd);
          attr.set(JAVA_INT, 8, BPF_CGROUP_DEVICE);
          long rc = (long) SYSCALL.invokeExact(state, SYS_BPF, BPF_PROG_ATTACH, attr, ATTR_SIZE);
          if (rc < 0) {
            throw failure("attach the device filter to " + cgroupDir, NativeCall.errno(state));
          }
        } finally {
          int ignored = (int) CLOSE.invokeExact(state, cgFd);
        }
      } finally {
        int ignored = (int) CLOSE.invokeExact(state, progFd);
      }
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new Internal("bpf call failed: " + t, t);
    }
  }

  private static int load(Arena arena, MemorySegment state, byte[] program) throws Throwable {
    MemorySegment insns = arena.allocate(program.length, 8);
    insns.copyFrom(MemorySegment.ofArray(program));
    MemorySegment license = arena.allocateFrom("Apache");
    MemorySegment log = arena.allocate(4096);
    MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
    attr.set(JAVA_INT, 0, BPF_PROG_TYPE_CGROUP_DEVICE);
    attr.set(JAVA_INT, 4, program.length / 8);
    attr.set(JAVA_LONG, 8, insns.address());
    attr.set(JAVA_LONG, 16, license.address());
    attr.set(JAVA_INT, 24, 1); // log_level: the verifier explains a refusal
    attr.set(JAVA_INT, 28, (int) log.byteSize());
    attr.set(JAVA_LONG, 32, log.address());
    long fd = (long) SYSCALL.invokeExact(state, SYS_BPF, BPF_PROG_LOAD, attr, ATTR_SIZE);
    if (fd < 0) {
      int errno = NativeCall.errno(state);
      throw failure("load the device filter (verifier: " + log.getString(0).strip() + ")", errno);
    }
    return (int) fd;
  }

  private static RuntimeException failure(String what, int errno) {
    String msg = "cannot " + what + ": " + Errno.describe(errno);
    return errno == Errno.EPERM ? new PermissionDenied(msg) : new Internal(msg);
  }
}
