package dev.berth.runtime.defaults;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.runtime.seccomp.SeccompCompiler;
import dev.berth.runtime.seccomp.SeccompNames;
import dev.berth.runtime.spec.Capability;
import dev.berth.runtime.spec.Spec;
import dev.berth.runtime.spec.SpecLoader;
import dev.berth.runtime.spec.Validator;
import java.util.List;

/**
 * What `berth-runtime features` prints (runtime spec features.md): only what Berth implements, so an
 * engine that reads it is not promised systemd cgroups, AppArmor, SELinux or idmapped mounts.
 */
public final class Features {
  private Features() {}

  public static final String OCI_VERSION_MIN = "1.0.0";

  public static final List<String> HOOKS = List.of("prestart", "createRuntime", "createContainer", "startContainer",
      "poststart", "poststop");

  /** Must match what the init's mount code accepts (dev.berth.runtime.init.MountFlags). */
  public static final List<String> MOUNT_OPTIONS = List.of("async", "atime", "bind", "dev", "diratime", "dirsync",
      "exec", "mand", "noatime", "nodev", "nodiratime", "noexec", "nomand", "norelatime", "nostrictatime", "nosuid",
      "private", "rbind", "relatime", "remount", "ro", "rprivate", "rshared", "rslave", "runbindable", "rw",
      "shared", "slave", "strictatime", "suid", "sync", "unbindable");

  public static String json() {
    ObjectNode root = SpecLoader.mapper().createObjectNode();
    root.put("ociVersionMin", OCI_VERSION_MIN);
    root.put("ociVersionMax", Spec.OCI_VERSION);
    strings(root.putArray("hooks"), HOOKS);
    strings(root.putArray("mountOptions"), MOUNT_OPTIONS);
    ObjectNode linux = root.putObject("linux");
    strings(linux.putArray("namespaces"), Validator.NAMESPACE_TYPES.stream().sorted().toList());
    strings(linux.putArray("capabilities"), Capability.NAMES);
    ObjectNode cgroup = linux.putObject("cgroup");
    cgroup.put("v1", true);
    cgroup.put("v2", true);
    cgroup.put("systemd", false);
    cgroup.put("systemdUser", false);
    cgroup.put("rdma", false);
    ObjectNode annotations = root.putObject("annotations");
    seccomp(linux.putObject("seccomp"), annotations);
    linux.putObject("apparmor").put("enabled", false);
    linux.putObject("selinux").put("enabled", false);
    linux.putObject("intelRdt").put("enabled", false);
    linux.putObject("mountExtensions").putObject("idmap").put("enabled", false);
    linux.putObject("netDevices").put("enabled", false);
    root.putArray("potentiallyUnsafeConfigAnnotations");
    return new String(SpecLoader.toJson(root), java.nio.charset.StandardCharsets.UTF_8);
  }

  private static void seccomp(ObjectNode seccomp, ObjectNode annotations) {
    boolean enabled = SeccompCompiler.available();
    seccomp.put("enabled", enabled);
    if (!enabled) {
      return;
    }
    strings(seccomp.putArray("actions"),
        SeccompNames.ACTIONS.stream().filter(a -> !a.equals("SCMP_ACT_NOTIFY")).sorted().toList());
    strings(seccomp.putArray("operators"), SeccompNames.OPERATORS.stream().sorted().toList());
    strings(seccomp.putArray("archs"), SeccompCompiler.supportedArchitectures().stream().sorted().toList());
    strings(seccomp.putArray("knownFlags"), SeccompNames.FLAGS.keySet().stream().sorted().toList());
    strings(seccomp.putArray("supportedFlags"), SeccompNames.supportedFlags(System.getProperty("os.version")));
    annotations.put("io.github.seccomp.libseccomp.version", SeccompCompiler.libseccompVersion());
  }

  private static void strings(ArrayNode array, List<String> values) {
    values.forEach(array::add);
  }
}
