package dev.berth.runtime.seccomp;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.berth.common.error.Internal;
import dev.berth.common.error.Unavailable;
import dev.berth.common.ffm.ErrnoException;
import dev.berth.common.ffm.Errno;
import dev.berth.common.ffm.NativeCall;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/** FFM bindings to libseccomp.so.2, only what the compiler needs. Loaded once, on first use. */
final class Libseccomp {
  /** struct scmp_arg_cmp { unsigned int arg; enum scmp_compare op; scmp_datum_t datum_a, datum_b; } */
  static final MemoryLayout ARG_CMP = MemoryLayout.structLayout(
      JAVA_INT.withName("arg"), JAVA_INT.withName("op"), JAVA_LONG.withName("datum_a"), JAVA_LONG.withName("datum_b"));

  static final int ATTR_ACT_BADARCH = 2;
  static final int ATTR_CTL_NNP = 3;
  static final int NR_SCMP_ERROR = -1;

  final MethodHandle init;
  final MethodHandle release;
  final MethodHandle archAdd;
  final MethodHandle archResolveName;
  final MethodHandle attrSet;
  final MethodHandle resolveName;
  final MethodHandle ruleAddArray;
  final MethodHandle exportBpf;
  final MethodHandle exportPfc;
  final MethodHandle version;
  private final MethodHandle memfdCreate;
  private final MethodHandle close;

  private static volatile Libseccomp instance;

  private Libseccomp(SymbolLookup lib) {
    init = NativeCall.function(lib, "seccomp_init", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    release = NativeCall.function(lib, "seccomp_release", FunctionDescriptor.ofVoid(ADDRESS));
    archAdd = NativeCall.function(lib, "seccomp_arch_add", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    archResolveName = NativeCall.function(lib, "seccomp_arch_resolve_name", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    attrSet = NativeCall.function(lib, "seccomp_attr_set", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    resolveName = NativeCall.function(lib, "seccomp_syscall_resolve_name", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    ruleAddArray = NativeCall.function(lib, "seccomp_rule_add_array",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    exportBpf = NativeCall.function(lib, "seccomp_export_bpf", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    exportPfc = NativeCall.function(lib, "seccomp_export_pfc", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    version = NativeCall.function(lib, "seccomp_version", FunctionDescriptor.of(ADDRESS));
    memfdCreate = NativeCall.libc("memfd_create", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    close = NativeCall.libc("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  }

  static Libseccomp get() {
    Libseccomp l = instance;
    if (l == null) {
      synchronized (Libseccomp.class) {
        if (instance == null) {
          try {
            // The global arena: the library stays loaded for the life of the process.
            instance = new Libseccomp(SymbolLookup.libraryLookup("libseccomp.so.2", Arena.global()));
          } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
            throw new Unavailable("seccomp needs libseccomp.so.2 (Debian package libseccomp2): " + e.getMessage(), e);
          }
        }
        l = instance;
      }
    }
    return l;
  }

  /** Runs an export function into a memfd and returns what it wrote. */
  byte[] export(MethodHandle exporter, MemorySegment ctx, String what) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = NativeCall.errnoState(arena);
      int fd = (int) ErrnoException.check((int) memfdCreate.invokeExact(state,
          arena.allocateFrom("berth-seccomp"), 1 /* MFD_CLOEXEC */), state, "memfd_create", what);
      try {
        int rc = (int) exporter.invokeExact(ctx, fd);
        if (rc < 0) {
          throw new Internal("libseccomp could not export the " + what + ": " + Errno.describe(-rc));
        }
        return Files.readAllBytes(Path.of("/proc/self/fd/" + fd));
      } finally {
        int ignored = (int) close.invokeExact(state, fd);
      }
    } catch (ErrnoException e) {
      throw new Internal("cannot export the seccomp " + what + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new Internal("cannot read the exported seccomp " + what + ": " + e.getMessage(), e);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new Internal("libseccomp call failed: " + t, t);
    }
  }
}
