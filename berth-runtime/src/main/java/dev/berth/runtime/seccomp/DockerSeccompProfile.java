package dev.berth.runtime.seccomp;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.berth.common.error.InvalidArgument;
import dev.berth.runtime.spec.LinuxSeccomp;
import dev.berth.runtime.spec.LinuxSeccompArg;
import dev.berth.runtime.spec.LinuxSyscall;
import dev.berth.runtime.spec.SpecLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Docker's seccomp profile format (names plus includes/excludes by capability, architecture and kernel)
 * converted to the OCI {@link LinuxSeccomp} a runtime takes, as dockerd does before creating a container.
 */
public final class DockerSeccompProfile {
  private DockerSeccompProfile() {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Profile(String defaultAction, Integer defaultErrnoRet, List<String> architectures,
      List<ArchMap> archMap, List<Rule> syscalls, List<String> flags, String listenerPath,
      String listenerMetadata) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record ArchMap(@JsonProperty("architecture") String architecture, List<String> subArchitectures) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Rule(String name, List<String> names, String action, Integer errnoRet, List<LinuxSeccompArg> args,
      Filter includes, Filter excludes) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Filter(List<String> caps, List<String> arches, String minKernel) {}

  /** Go's GOARCH names (what profiles use in includes/excludes) for uname machine names. */
  private static final Map<String, String> GO_ARCH = Map.of("x86_64", "amd64", "aarch64", "arm64",
      "i386", "386", "i686", "386", "armv7l", "arm", "ppc64le", "ppc64le", "s390x", "s390x", "riscv64", "riscv64");

  /** Libseccomp's native architecture per GOARCH: the archMap entry to pick. */
  private static final Map<String, String> SECCOMP_ARCH = Map.of("amd64", "SCMP_ARCH_X86_64", "arm64",
      "SCMP_ARCH_AARCH64", "386", "SCMP_ARCH_X86", "arm", "SCMP_ARCH_ARM", "ppc64le", "SCMP_ARCH_PPC64LE",
      "s390x", "SCMP_ARCH_S390X", "riscv64", "SCMP_ARCH_RISCV64", "mips64", "SCMP_ARCH_MIPS64",
      "mips64le", "SCMP_ARCH_MIPSEL64", "loong64", "SCMP_ARCH_LOONGARCH64");

  /**
   * Docker's default profile, as moby ships it (profiles/seccomp/default.json, Apache-2.0), kept as a
   * resource so that engines built on this library apply the same default without a file on disk.
   */
  public static byte[] dockerDefault() {
    try (java.io.InputStream in = DockerSeccompProfile.class.getResourceAsStream("docker-default.json")) {
      if (in == null) throw new IllegalStateException("docker-default.json is missing from berth-runtime's jar");
      return in.readAllBytes();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** For this host: the running kernel's version and architecture. */
  public static LinuxSeccomp toOci(byte[] profileJson, Set<String> capabilities, String arch) {
    return toOci(profileJson, capabilities, arch, System.getProperty("os.version"));
  }

  /**
   * @param capabilities the container's bounding set (CAP_* names)
   * @param arch GOARCH ("amd64") or uname machine ("x86_64")
   * @param kernelVersion e.g. "6.1.0-13-amd64"; rules with a minKernel compare against it
   */
  public static LinuxSeccomp toOci(byte[] profileJson, Set<String> capabilities, String arch, String kernelVersion) {
    Profile p = parse(profileJson);
    String goArch = GO_ARCH.getOrDefault(arch, arch);
    if (p.architectures() != null && !p.architectures().isEmpty() && p.archMap() != null && !p.archMap().isEmpty()) {
      throw new InvalidArgument("seccomp profile: use either 'architectures' or 'archMap', not both");
    }
    List<String> arches = new ArrayList<>(p.architectures() == null ? List.of() : p.architectures());
    String native_ = SECCOMP_ARCH.get(goArch);
    for (ArchMap m : p.archMap() == null ? List.<ArchMap>of() : p.archMap()) {
      if (m.architecture() != null && m.architecture().equals(native_)) {
        arches.add(m.architecture());
        if (m.subArchitectures() != null) {
          arches.addAll(m.subArchitectures());
        }
      }
    }
    List<LinuxSyscall> syscalls = new ArrayList<>();
    List<Rule> rules = p.syscalls() == null ? List.of() : p.syscalls();
    for (int i = 0; i < rules.size(); i++) {
      Rule r = rules.get(i);
      List<String> names = names(r, i);
      if (applies(r, capabilities, goArch, kernelVersion)) {
        syscalls.add(new LinuxSyscall(names, r.action(), r.errnoRet(), r.args() == null || r.args().isEmpty() ? null : r.args()));
      }
    }
    return new LinuxSeccomp(p.defaultAction(), p.defaultErrnoRet(), arches.isEmpty() ? null : arches,
        p.flags(), p.listenerPath(), p.listenerMetadata(), syscalls);
  }

  private static Profile parse(byte[] json) {
    try {
      Profile p = SpecLoader.mapper().readValue(json, Profile.class);
      if (p == null || p.defaultAction() == null) {
        throw new InvalidArgument("seccomp profile: defaultAction is missing");
      }
      return p;
    } catch (java.io.IOException e) {
      throw new InvalidArgument("seccomp profile: invalid JSON: " + e.getMessage(), e);
    }
  }

  private static List<String> names(Rule r, int i) {
    if (r.name() != null && !r.name().isEmpty()) {
      if (r.names() != null && !r.names().isEmpty()) {
        throw new InvalidArgument("seccomp profile: syscalls[" + i + "] has both 'name' and 'names'");
      }
      return List.of(r.name());
    }
    return r.names() == null ? List.of() : r.names();
  }

  private static boolean applies(Rule r, Set<String> caps, String arch, String kernel) {
    Filter ex = r.excludes();
    if (ex != null) {
      if (ex.arches() != null && ex.arches().contains(arch)) {
        return false;
      }
      if (ex.caps() != null && ex.caps().stream().anyMatch(caps::contains)) {
        return false;
      }
      if (ex.minKernel() != null && !ex.minKernel().isEmpty() && atLeast(kernel, ex.minKernel())) {
        return false;
      }
    }
    Filter in = r.includes();
    if (in != null) {
      if (in.arches() != null && !in.arches().isEmpty() && !in.arches().contains(arch)) {
        return false;
      }
      if (in.caps() != null && !caps.containsAll(in.caps())) {
        return false;
      }
      if (in.minKernel() != null && !in.minKernel().isEmpty() && !atLeast(kernel, in.minKernel())) {
        return false;
      }
    }
    return true;
  }

  /** Compares "major.minor" prefixes of kernel versions. */
  static boolean atLeast(String running, String wanted) {
    int[] have = majorMinor(running);
    int[] want = majorMinor(wanted);
    return have[0] != want[0] ? have[0] > want[0] : have[1] >= want[1];
  }

  private static int[] majorMinor(String v) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)").matcher(v == null ? "" : v);
    if (!m.find()) {
      throw new InvalidArgument("cannot read a kernel version from \"" + v + "\"");
    }
    return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
  }
}
