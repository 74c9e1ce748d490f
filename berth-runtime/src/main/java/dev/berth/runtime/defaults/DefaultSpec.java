package dev.berth.runtime.defaults;

import dev.berth.runtime.spec.Linux;
import dev.berth.runtime.spec.LinuxCapabilities;
import dev.berth.runtime.spec.LinuxDeviceCgroup;
import dev.berth.runtime.spec.LinuxIdMapping;
import dev.berth.runtime.spec.LinuxNamespace;
import dev.berth.runtime.spec.LinuxResources;
import dev.berth.runtime.spec.Mount;
import dev.berth.runtime.spec.POSIXRlimit;
import dev.berth.runtime.spec.Process;
import dev.berth.runtime.spec.Root;
import dev.berth.runtime.spec.Spec;
import dev.berth.runtime.spec.SpecLoader;
import dev.berth.runtime.spec.User;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The config.json `berth-runtime spec` writes: the same content `runc spec` writes, with Berth's version and name. */
public final class DefaultSpec {
  private DefaultSpec() {}

  public static final List<String> DEFAULT_CAPABILITIES = List.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");

  public static final List<String> MASKED_PATHS = List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
      "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
      "/proc/scsi");

  public static final List<String> READONLY_PATHS = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
      "/proc/sysrq-trigger");

  /** For the calling user: a rootless spec maps container root to the caller's uid and gid. */
  public static byte[] bytes(boolean rootless) {
    long[] ids = rootless ? callerIds() : new long[] {0, 0};
    return SpecLoader.toJson(spec(rootless, ids[0], ids[1]));
  }

  public static Spec spec(boolean rootless, long hostUid, long hostGid) {
    List<LinuxNamespace> namespaces = new ArrayList<>();
    namespaces.add(new LinuxNamespace("pid", null));
    if (!rootless) {
      namespaces.add(new LinuxNamespace("network", null));
    }
    namespaces.add(new LinuxNamespace("ipc", null));
    namespaces.add(new LinuxNamespace("uts", null));
    namespaces.add(new LinuxNamespace("mount", null));
    if (rootless) {
      namespaces.add(new LinuxNamespace("user", null));
    }
    List<LinuxIdMapping> uid = rootless ? List.of(new LinuxIdMapping(0L, hostUid, 1L)) : null;
    List<LinuxIdMapping> gid = rootless ? List.of(new LinuxIdMapping(0L, hostGid, 1L)) : null;
    // Rootless: no device cgroup (an unprivileged user cannot write one).
    LinuxResources resources = rootless ? null : new LinuxResources(
        List.of(new LinuxDeviceCgroup(false, null, null, null, "rwm")), null, null, null, null, null, null, null);
    Linux linux = new Linux(namespaces, uid, gid, null, null, null, resources, null, null, null,
        MASKED_PATHS, READONLY_PATHS, null, null);
    return new Spec(Spec.OCI_VERSION, process(), new Root("rootfs", true), "berth", null, mounts(rootless), null,
        null, linux);
  }

  private static Process process() {
    LinuxCapabilities caps = new LinuxCapabilities(DEFAULT_CAPABILITIES, DEFAULT_CAPABILITIES, null,
        DEFAULT_CAPABILITIES, DEFAULT_CAPABILITIES);
    return new Process(true, null, new User(0L, 0L, null, null, null), List.of("sh"), null,
        List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"), "/", caps,
        List.of(new POSIXRlimit("RLIMIT_NOFILE", 1024L, 1024L)), true, null, null, null, null, null, null);
  }

  private static List<Mount> mounts(boolean rootless) {
    List<Mount> m = new ArrayList<>();
    m.add(mount("/proc", "proc", "proc"));
    m.add(mount("/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k"));
    m.add(rootless
        ? mount("/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620")
        : mount("/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"));
    m.add(mount("/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k"));
    m.add(mount("/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev"));
    // A new sysfs needs a network namespace of one's own; rootless has none, so it binds the host's.
    m.add(rootless
        ? mount("/sys", "none", "/sys", "rbind", "nosuid", "noexec", "nodev", "ro")
        : mount("/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro"));
    m.add(mount("/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "relatime", "ro"));
    return m;
  }

  private static Mount mount(String destination, String type, String source, String... options) {
    return new Mount(destination, type, source, options.length == 0 ? null : List.of(options), null, null);
  }

  /** Effective uid and gid of this process, from /proc/self/status. */
  static long[] callerIds() {
    try {
      long uid = 0;
      long gid = 0;
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          uid = Long.parseLong(line.split("\\s+")[2]);
        } else if (line.startsWith("Gid:")) {
          gid = Long.parseLong(line.split("\\s+")[2]);
        }
      }
      return new long[] {uid, gid};
    } catch (IOException e) {
      throw new dev.berth.common.error.Internal("cannot read /proc/self/status: " + e.getMessage(), e);
    }
  }

}
