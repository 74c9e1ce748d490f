package dev.berth.runtime.seccomp;

import dev.berth.common.error.BerthException;
import dev.berth.common.error.Internal;
import dev.berth.common.error.InvalidArgument;
import dev.berth.common.ffm.Errno;
import dev.berth.runtime.spec.LinuxSeccomp;
import dev.berth.runtime.spec.LinuxSeccompArg;
import dev.berth.runtime.spec.LinuxSyscall;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Compiles {@code linux.seccomp} into a BPF program with libseccomp, in Java, so the C init only has to
 * install the bytes. Unknown syscall names are skipped, as runc does (profiles list syscalls of newer
 * kernels and other architectures).
 */
public final class SeccompCompiler {
  /** Flip when the init forwards the SECCOMP_FILTER_FLAG_NEW_LISTENER fd to listenerPath. */
  static final boolean NOTIFY_SUPPORTED = false;

  private SeccompCompiler() {}

  public static SeccompProgram compile(LinuxSeccomp seccomp) {
    Libseccomp lib = Libseccomp.get();
    int flags = flags(seccomp);
    byte[] bpf = withFilter(seccomp, ctx -> lib.export(lib.exportBpf, ctx, "BPF program"));
    return new SeccompProgram(bpf, flags);
  }

  /** libseccomp's pseudo-filter-code text of the filter: readable, for tests and debugging. */
  public static String pfc(LinuxSeccomp seccomp) {
    Libseccomp lib = Libseccomp.get();
    return new String(withFilter(seccomp, ctx -> lib.export(lib.exportPfc, ctx, "filter text")),
        StandardCharsets.UTF_8);
  }

  /** Whether libseccomp.so.2 can be loaded here: without it no seccomp filter can be compiled. */
  public static boolean available() {
    try {
      Libseccomp.get();
      return true;
    } catch (dev.berth.common.error.Unavailable e) {
      return false;
    }
  }

  /** "major.minor.micro" of the loaded libseccomp. */
  public static String libseccompVersion() {
    Libseccomp lib = Libseccomp.get();
    MemorySegment v = call(() -> (MemorySegment) lib.version.invokeExact()).reinterpret(12);
    return v.get(java.lang.foreign.ValueLayout.JAVA_INT, 0) + "." + v.get(java.lang.foreign.ValueLayout.JAVA_INT, 4)
        + "." + v.get(java.lang.foreign.ValueLayout.JAVA_INT, 8);
  }

  /** The SCMP_ARCH_* names this libseccomp knows. */
  public static List<String> supportedArchitectures() {
    Libseccomp lib = Libseccomp.get();
    List<String> out = new ArrayList<>();
    try (Arena arena = Arena.ofConfined()) {
      for (String arch : SeccompNames.ARCHITECTURES) {
        MemorySegment name = arena.allocateFrom(SeccompNames.libseccompArch(arch));
        if (call(() -> (int) lib.archResolveName.invokeExact(name)) != 0) {
          out.add(arch);
        }
      }
    }
    return out;
  }

  static int flags(LinuxSeccomp seccomp) {
    int flags = 0;
    if (seccomp.flags() != null) {
      for (String f : seccomp.flags()) {
        flags |= SeccompNames.flag(f);
      }
    }
    if (usesNotify(seccomp)) {
      flags |= SeccompProgram.FLAG_NEW_LISTENER;
    }
    return flags;
  }

  private static boolean usesNotify(LinuxSeccomp seccomp) {
    return seccomp.syscalls() != null
        && seccomp.syscalls().stream().anyMatch(s -> "SCMP_ACT_NOTIFY".equals(s.action()));
  }

  private interface Exporter {
    byte[] export(MemorySegment ctx);
  }

  private static byte[] withFilter(LinuxSeccomp seccomp, Exporter exporter) {
    check(seccomp);
    Libseccomp lib = Libseccomp.get();
    int defaultAction = SeccompNames.action(seccomp.defaultAction(), seccomp.defaultErrnoRet(), "linux.seccomp.defaultAction");
    MemorySegment ctx = call(() -> (MemorySegment) lib.init.invokeExact(defaultAction));
    if (ctx.equals(MemorySegment.NULL)) {
      throw new InvalidArgument("libseccomp refused the default action " + seccomp.defaultAction());
    }
    try {
      // The init sets no_new_privs itself, after dropping capabilities, as the spec asks.
      expectZero(call(() -> (int) lib.attrSet.invokeExact(ctx, Libseccomp.ATTR_CTL_NNP, 0)), "disable NNP");
      addArchitectures(lib, ctx, seccomp.architectures());
      addRules(lib, ctx, seccomp, defaultAction);
      return exporter.export(ctx);
    } finally {
      call(() -> {
        lib.release.invokeExact(ctx);
        return null;
      });
    }
  }

  private static void check(LinuxSeccomp seccomp) {
    if (seccomp.defaultAction() == null) {
      throw new InvalidArgument("linux.seccomp.defaultAction is missing");
    }
    if ("SCMP_ACT_NOTIFY".equals(seccomp.defaultAction())) {
      throw new InvalidArgument("linux.seccomp.defaultAction cannot be SCMP_ACT_NOTIFY");
    }
    if (usesNotify(seccomp) && (seccomp.listenerPath() == null || seccomp.listenerPath().isEmpty())) {
      throw new InvalidArgument("linux.seccomp uses SCMP_ACT_NOTIFY but has no listenerPath to send the notify fd to");
    }
    if (usesNotify(seccomp) && !NOTIFY_SUPPORTED) {
      // A notify filter without an agent holding its fd would hang the container on the first such syscall.
      throw new InvalidArgument("linux.seccomp: SCMP_ACT_NOTIFY is not supported by berth-runtime yet "
          + "(the init does not hand the listener fd to " + seccomp.listenerPath() + ")");
    }
  }

  private static void addArchitectures(Libseccomp lib, MemorySegment ctx, List<String> architectures) {
    if (architectures == null) {
      return;
    }
    try (Arena arena = Arena.ofConfined()) {
      for (String arch : architectures) {
        MemorySegment name = arena.allocateFrom(SeccompNames.libseccompArch(arch));
        int token = call(() -> (int) lib.archResolveName.invokeExact(name));
        if (token == 0) {
          throw new InvalidArgument("seccomp architecture " + arch + " is not supported by this libseccomp");
        }
        int rc = call(() -> (int) lib.archAdd.invokeExact(ctx, token));
        if (rc < 0 && rc != -Errno.EEXIST) {
          throw new InvalidArgument("cannot add seccomp architecture " + arch + ": " + Errno.describe(-rc));
        }
      }
    }
  }

  private static void addRules(Libseccomp lib, MemorySegment ctx, LinuxSeccomp seccomp, int defaultAction) {
    if (seccomp.syscalls() == null) {
      return;
    }
    for (int i = 0; i < seccomp.syscalls().size(); i++) {
      LinuxSyscall rule = seccomp.syscalls().get(i);
      String where = "linux.seccomp.syscalls[" + i + "]";
      int action = SeccompNames.action(rule.action(), rule.errnoRet(), where);
      List<List<LinuxSeccompArg>> conditions = conditions(rule.args(), where);
      if (action == defaultAction) {
        continue; // libseccomp refuses rules that repeat the default; runc skips them too.
      }
      if (rule.names() == null || rule.names().isEmpty()) {
        throw new InvalidArgument(where + ": names is empty");
      }
      for (String name : rule.names()) {
        int nr = resolve(lib, name);
        if (nr == Libseccomp.NR_SCMP_ERROR) {
          continue;
        }
        for (List<LinuxSeccompArg> args : conditions) {
          addRule(lib, ctx, action, nr, args, where + " (" + name + ")");
        }
      }
    }
  }

  /**
   * libseccomp cannot AND two comparisons of the same argument; runc then adds one rule per comparison,
   * which ORs them. Each inner list is the comparisons of one rule.
   */
  static List<List<LinuxSeccompArg>> conditions(List<LinuxSeccompArg> args, String where) {
    if (args == null || args.isEmpty()) {
      return List.of(List.of());
    }
    Set<Integer> indexes = new HashSet<>();
    boolean repeated = false;
    for (int j = 0; j < args.size(); j++) {
      LinuxSeccompArg a = args.get(j);
      String at = where + ".args[" + j + "]";
      SeccompNames.operator(a.op(), at);
      if (a.index() == null || a.index() < 0 || a.index() > 5) {
        throw new InvalidArgument(at + ": index must be between 0 and 5, got " + a.index());
      }
      if (a.value() == null) {
        throw new InvalidArgument(at + ": value is missing");
      }
      repeated |= !indexes.add(a.index());
    }
    if (!repeated) {
      return List.of(args);
    }
    List<List<LinuxSeccompArg>> out = new ArrayList<>();
    for (LinuxSeccompArg a : args) {
      out.add(List.of(a));
    }
    return out;
  }

  private static int resolve(Libseccomp lib, String name) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cName = arena.allocateFrom(name);
      return call(() -> (int) lib.resolveName.invokeExact(cName));
    }
  }

  private static void addRule(Libseccomp lib, MemorySegment ctx, int action, int nr, List<LinuxSeccompArg> args,
      String where) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment array = args.isEmpty() ? MemorySegment.NULL : arena.allocate(Libseccomp.ARG_CMP, args.size());
      for (int i = 0; i < args.size(); i++) {
        LinuxSeccompArg a = args.get(i);
        long base = i * Libseccomp.ARG_CMP.byteSize();
        array.set(java.lang.foreign.ValueLayout.JAVA_INT, base, a.index());
        array.set(java.lang.foreign.ValueLayout.JAVA_INT, base + 4, SeccompNames.operator(a.op(), where));
        array.set(java.lang.foreign.ValueLayout.JAVA_LONG, base + 8, a.value());
        array.set(java.lang.foreign.ValueLayout.JAVA_LONG, base + 16, a.valueTwo() == null ? 0 : a.valueTwo());
      }
      int rc = call(() -> (int) lib.ruleAddArray.invokeExact(ctx, action, nr, args.size(), array));
      if (rc < 0) {
        throw new InvalidArgument(where + ": libseccomp refused the rule: " + Errno.describe(-rc));
      }
    }
  }

  private static void expectZero(int rc, String what) {
    if (rc != 0) {
      throw new Internal("libseccomp: cannot " + what + ": " + Errno.describe(-rc));
    }
  }

  private interface NativeAction<T> {
    T run() throws Throwable;
  }

  private static <T> T call(NativeAction<T> action) {
    try {
      return action.run();
    } catch (BerthException | IllegalStateException e) {
      throw e;
    } catch (Throwable t) {
      throw new Internal("libseccomp call failed: " + t, t);
    }
  }
}
