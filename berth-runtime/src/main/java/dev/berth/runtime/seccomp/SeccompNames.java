package dev.berth.runtime.seccomp;

import dev.berth.common.error.InvalidArgument;
import java.util.List;
import java.util.Map;

/** The OCI names of seccomp actions, operators, architectures and flags, and libseccomp's values for them. */
public final class SeccompNames {
  private SeccompNames() {}

  public static final int EPERM = 1;

  public static final List<String> ACTIONS = List.of("SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
      "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW",
      "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY");

  /** enum scmp_compare: _SCMP_CMP_MIN is 0, the operators follow in this order. */
  public static final List<String> OPERATORS = List.of("SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",
      "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ");

  public static final List<String> ARCHITECTURES = List.of("SCMP_ARCH_X86", "SCMP_ARCH_X86_64",
      "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64",
      "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32",
      "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X",
      "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64");

  public static final Map<String, Integer> FLAGS = Map.of(
      "SECCOMP_FILTER_FLAG_TSYNC", SeccompProgram.FLAG_TSYNC,
      "SECCOMP_FILTER_FLAG_LOG", SeccompProgram.FLAG_LOG,
      "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SeccompProgram.FLAG_SPEC_ALLOW,
      "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SeccompProgram.FLAG_WAIT_KILLABLE_RECV);

  /** libseccomp's action value (SCMP_ACT_*) for an OCI action name. */
  public static int action(String name, Integer errnoRet, String where) {
    if (name == null) {
      throw new InvalidArgument(where + ": seccomp action is missing");
    }
    if (errnoRet != null && !name.equals("SCMP_ACT_ERRNO") && !name.equals("SCMP_ACT_TRACE")) {
      throw new InvalidArgument(where + ": errnoRet is only meaningful with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not " + name);
    }
    return switch (name) {
      case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD" -> 0x00000000;
      case "SCMP_ACT_KILL_PROCESS" -> 0x80000000;
      case "SCMP_ACT_TRAP" -> 0x00030000;
      case "SCMP_ACT_ERRNO" -> 0x00050000 | ((errnoRet == null ? EPERM : errnoRet) & 0xffff);
      case "SCMP_ACT_TRACE" -> 0x7ff00000 | ((errnoRet == null ? EPERM : errnoRet) & 0xffff);
      case "SCMP_ACT_LOG" -> 0x7ffc0000;
      case "SCMP_ACT_ALLOW" -> 0x7fff0000;
      case "SCMP_ACT_NOTIFY" -> 0x7fc00000;
      default -> throw new InvalidArgument(where + ": unknown seccomp action \"" + name + "\" (known: "
          + String.join(", ", ACTIONS) + ")");
    };
  }

  public static int operator(String name, String where) {
    int i = OPERATORS.indexOf(name);
    if (i < 0) {
      throw new InvalidArgument(where + ": unknown seccomp operator \"" + name + "\" (known: "
          + String.join(", ", OPERATORS) + ")");
    }
    return i + 1;
  }

  /** libseccomp's own name for an architecture, as seccomp_arch_resolve_name takes it. */
  public static String libseccompArch(String name) {
    if (!ARCHITECTURES.contains(name)) {
      throw new InvalidArgument("unknown seccomp architecture \"" + name + "\"");
    }
    return name.substring("SCMP_ARCH_".length()).toLowerCase(java.util.Locale.ROOT);
  }

  public static int flag(String name) {
    Integer f = FLAGS.get(name);
    if (f == null) {
      throw new InvalidArgument("unknown seccomp flag \"" + name + "\" (known: "
          + String.join(", ", FLAGS.keySet().stream().sorted().toList()) + ")");
    }
    return f;
  }

  /** The flags the running kernel accepts, by the version that introduced each. */
  public static List<String> supportedFlags(String kernelVersion) {
    Map<String, String> since = Map.of("SECCOMP_FILTER_FLAG_TSYNC", "3.17", "SECCOMP_FILTER_FLAG_LOG", "4.14",
        "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "4.17", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", "5.19");
    return since.entrySet().stream().filter(e -> DockerSeccompProfile.atLeast(kernelVersion, e.getValue()))
        .map(Map.Entry::getKey).sorted().toList();
  }
}
