package dev.berth.runtime.spec;

import dev.berth.common.error.InvalidArgument;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a parsed config.json before anything is created, so a bad bundle fails with a message naming
 * the problem and leaves nothing behind.
 */
public final class Validator {
  public static final List<String> NAMESPACE_TYPES =
      List.of("pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time");

  public static final List<String> PROPAGATIONS =
      List.of("private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable", "runbindable");

  private Validator() {}

  /** Validates {@code spec} of the bundle in {@code bundleDir}; returns the absolute rootfs path. */
  public static Path validate(Spec spec, Path bundleDir) {
    if (spec.ociVersion() == null || spec.ociVersion().isBlank()) {
      throw new InvalidArgument("config.json: ociVersion is missing");
    }
    Path rootfs = validateRoot(spec, bundleDir);
    if (spec.process() == null) {
      throw new InvalidArgument("config.json: process is missing");
    }
    validateProcess(spec.process(), "process");
    validateMounts(spec);
    Linux linux = spec.linuxOrEmpty();
    validateNamespaces(linux);
    validateDevices(linux);
    validateSysctls(linux);
    if (linux.rootfsPropagation() != null && !linux.rootfsPropagation().isEmpty()
        && !PROPAGATIONS.contains(linux.rootfsPropagation())) {
      throw new InvalidArgument("linux.rootfsPropagation \"" + linux.rootfsPropagation() + "\" is not one of "
          + String.join(", ", PROPAGATIONS));
    }
    validateHooks(spec.hooks());
    validateCgroupsPath(linux.cgroupsPath());
    if (spec.hostname() != null && !spec.hostname().isEmpty() && !linux.hasNamespace("uts")) {
      throw new InvalidArgument("config.json: hostname is set but the container has no uts namespace");
    }
    if (spec.domainname() != null && !spec.domainname().isEmpty() && !linux.hasNamespace("uts")) {
      throw new InvalidArgument("config.json: domainname is set but the container has no uts namespace");
    }
    return rootfs;
  }

  private static Path validateRoot(Spec spec, Path bundleDir) {
    if (spec.root() == null) {
      throw new InvalidArgument("config.json: root is missing");
    }
    if (spec.root().path() == null || spec.root().path().isEmpty()) {
      throw new InvalidArgument("config.json: root.path is missing");
    }
    Path rootfs = bundleDir.toAbsolutePath().resolve(spec.root().path()).normalize();
    if (!Files.exists(rootfs)) {
      throw new InvalidArgument("rootfs " + rootfs + " does not exist");
    }
    if (!Files.isDirectory(rootfs)) {
      throw new InvalidArgument("rootfs " + rootfs + " is not a directory");
    }
    return rootfs;
  }

  /** Checks a process, of config.json ({@code where} = "process") or of an exec. */
  public static void validateProcess(Process process, String where) {
    if (process.args() == null || process.args().isEmpty() || process.args().get(0).isEmpty()) {
      throw new InvalidArgument(where + ".args must not be empty");
    }
    if (process.cwd() != null && !process.cwd().startsWith("/")) {
      throw new InvalidArgument(where + ".cwd must be an absolute path, got \"" + process.cwd() + "\"");
    }
    for (String env : process.envOrEmpty()) {
      if (env == null || !env.contains("=")) {
        throw new InvalidArgument(where + ".env entry \"" + env + "\" is not of the form KEY=value");
      }
    }
    if (process.capabilities() != null) {
      LinuxCapabilities c = process.capabilities();
      checkCapabilities(where + ".capabilities.bounding", c.bounding());
      checkCapabilities(where + ".capabilities.effective", c.effective());
      checkCapabilities(where + ".capabilities.inheritable", c.inheritable());
      checkCapabilities(where + ".capabilities.permitted", c.permitted());
      checkCapabilities(where + ".capabilities.ambient", c.ambient());
    }
    validateRlimits(process.rlimitsOrEmpty(), where);
    if (process.user() != null && process.user().umask() != null
        && (process.user().umask() < 0 || process.user().umask() > 0777)) {
      throw new InvalidArgument(where + ".user.umask " + process.user().umask() + " is out of range (0-0777)");
    }
  }

  private static void checkCapabilities(String where, List<String> names) {
    if (names == null) {
      return;
    }
    for (String cap : names) {
      if (!Capability.NAMES.contains(cap)) {
        throw new InvalidArgument(where + ": unknown capability \"" + cap + "\"");
      }
    }
  }

  private static void validateRlimits(List<POSIXRlimit> rlimits, String where) {
    Set<String> seen = new HashSet<>();
    for (POSIXRlimit r : rlimits) {
      if (!Rlimits.NAMES.contains(r.type())) {
        throw new InvalidArgument(where + ".rlimits: unknown rlimit type \"" + r.type() + "\"");
      }
      if (!seen.add(r.type())) {
        throw new InvalidArgument(where + ".rlimits: " + r.type() + " is listed twice");
      }
      if (r.hard() == null || r.soft() == null) {
        throw new InvalidArgument(where + ".rlimits: " + r.type() + " needs both soft and hard");
      }
      if (Long.compareUnsigned(r.soft(), r.hard()) > 0) {
        throw new InvalidArgument(where + ".rlimits: " + r.type() + " soft limit exceeds the hard limit");
      }
    }
  }

  private static void validateMounts(Spec spec) {
    for (Mount m : spec.mountsOrEmpty()) {
      if (m.destination() == null || !m.destination().startsWith("/")) {
        throw new InvalidArgument("mount destination \"" + m.destination() + "\" must be an absolute path");
      }
      boolean bind = m.optionsOrEmpty().contains("bind") || m.optionsOrEmpty().contains("rbind")
          || "bind".equals(m.type());
      if (bind && (m.source() == null || m.source().isEmpty())) {
        throw new InvalidArgument("bind mount to " + m.destination() + " has no source");
      }
    }
  }

  private static void validateNamespaces(Linux linux) {
    Set<String> seen = new HashSet<>();
    for (LinuxNamespace ns : linux.namespacesOrEmpty()) {
      if (!NAMESPACE_TYPES.contains(ns.type())) {
        throw new InvalidArgument("unknown namespace type \"" + ns.type() + "\" (valid: "
            + String.join(", ", NAMESPACE_TYPES) + ")");
      }
      if (!seen.add(ns.type())) {
        throw new InvalidArgument("namespace type \"" + ns.type() + "\" is listed twice");
      }
      if (ns.joinsExisting() && !Files.exists(Path.of(ns.path()))) {
        throw new InvalidArgument("namespace " + ns.type() + " path " + ns.path() + " does not exist");
      }
    }
    boolean userNs = seen.contains("user");
    boolean mappings = !linux.uidMappingsOrEmpty().isEmpty() || !linux.gidMappingsOrEmpty().isEmpty();
    boolean joinsUserNs = linux.namespace("user").map(LinuxNamespace::joinsExisting).orElse(false);
    if (userNs && !joinsUserNs
        && (linux.uidMappingsOrEmpty().isEmpty() || linux.gidMappingsOrEmpty().isEmpty())) {
      throw new InvalidArgument("a new user namespace needs both linux.uidMappings and linux.gidMappings");
    }
    if (!userNs && mappings) {
      throw new InvalidArgument("linux.uidMappings/gidMappings are set but the container has no user namespace");
    }
    if (linux.timeOffsets() != null && !linux.timeOffsets().isEmpty()) {
      validateTimeOffsets(linux, seen.contains("time"));
    }
  }

  /** The kernel takes offsets for monotonic and boottime only, and only for a time namespace not yet entered. */
  private static void validateTimeOffsets(Linux linux, boolean timeNs) {
    if (!timeNs) {
      throw new InvalidArgument("linux.timeOffsets are set but the container has no time namespace");
    }
    if (linux.namespace("time").map(LinuxNamespace::joinsExisting).orElse(false)) {
      throw new InvalidArgument("linux.timeOffsets are set but the time namespace is joined by path: "
          + "only a new time namespace can get offsets");
    }
    for (var e : linux.timeOffsets().entrySet()) {
      if (!e.getKey().equals("monotonic") && !e.getKey().equals("boottime")) {
        throw new InvalidArgument("linux.timeOffsets: unknown clock \"" + e.getKey() + "\" (valid: monotonic, boottime)");
      }
      Long nanos = e.getValue() == null ? null : e.getValue().nanosecs();
      if (nanos != null && (nanos < 0 || nanos >= 1_000_000_000L)) {
        throw new InvalidArgument("linux.timeOffsets." + e.getKey() + ".nanosecs must be below 1000000000, got " + nanos);
      }
    }
  }

  private static void validateDevices(Linux linux) {
    for (LinuxDevice d : linux.devicesOrEmpty()) {
      if (d.path() == null || !d.path().startsWith("/")) {
        throw new InvalidArgument("linux.devices: path \"" + d.path() + "\" must be absolute");
      }
      if (!List.of("c", "b", "u", "p").contains(String.valueOf(d.type()))) {
        throw new InvalidArgument("linux.devices: " + d.path() + " has type \"" + d.type() + "\", expected c, b, u or p");
      }
      if (!"p".equals(d.type()) && (d.major() == null || d.minor() == null)) {
        throw new InvalidArgument("linux.devices: " + d.path() + " needs major and minor numbers");
      }
    }
  }

  /** runc's rules: a sysctl may only be set for a namespace the container owns. */
  private static void validateSysctls(Linux linux) {
    for (String key : linux.sysctlOrEmpty().keySet()) {
      String need = sysctlNamespace(key);
      if (need == null) {
        throw new InvalidArgument("sysctl \"" + key + "\" is not namespaced and cannot be set in a container");
      }
      if (!linux.hasNamespace(need)) {
        throw new InvalidArgument("sysctl \"" + key + "\" needs the container to have its own " + need + " namespace");
      }
      if ("network".equals(need) && linux.namespace("network").map(LinuxNamespace::joinsExisting).orElse(false)
          && linux.namespace("network").get().path().equals("/proc/1/ns/net")) {
        throw new InvalidArgument("sysctl \"" + key + "\" would change the host's network namespace");
      }
    }
  }

  /** The namespace a sysctl belongs to, or null when it is global (runc's list). */
  static String sysctlNamespace(String key) {
    if (key.startsWith("net.")) {
      return "network";
    }
    if (key.startsWith("fs.mqueue.") || key.startsWith("kernel.msg") || key.startsWith("kernel.shm")
        || key.equals("kernel.sem")) {
      return "ipc";
    }
    if (key.equals("kernel.hostname") || key.equals("kernel.domainname")) {
      return "uts";
    }
    return null;
  }

  private static void validateHooks(Hooks hooks) {
    if (hooks == null) {
      return;
    }
    for (Hook h : hooks.all()) {
      if (h.path() == null || !h.path().startsWith("/")) {
        throw new InvalidArgument("hook path \"" + h.path() + "\" must be absolute");
      }
      if (h.timeout() != null && h.timeout() <= 0) {
        throw new InvalidArgument("hook " + h.path() + ": timeout must be positive, got " + h.timeout());
      }
    }
  }

  /** Also used by `update` and by the cgroup manager: cgroupfs paths only, never outside the hierarchy. */
  public static void validateCgroupsPath(String path) {
    if (path == null || path.isEmpty()) {
      return;
    }
    if (!path.startsWith("/") && path.split(":", -1).length == 3) {
      throw new InvalidArgument("systemd cgroup paths are not supported (\"" + path
          + "\"): berth-runtime manages cgroups through cgroupfs");
    }
    List<String> parts = new ArrayList<>(List.of(path.split("/")));
    if (parts.contains("..")) {
      throw new InvalidArgument("cgroupsPath \"" + path + "\" must not contain \"..\"");
    }
  }
}
