package dev.berth.runtime.init;

import dev.berth.common.error.InvalidArgument;
import dev.berth.runtime.cgroups.Cgroup;
import dev.berth.runtime.cgroups.SelfPlacement;
import dev.berth.runtime.defaults.DefaultDevices;
import dev.berth.runtime.init.InitStream.Tag;
import dev.berth.runtime.seccomp.SeccompProgram;
import dev.berth.runtime.spec.Capability;
import dev.berth.runtime.spec.Hook;
import dev.berth.runtime.spec.Linux;
import dev.berth.runtime.spec.LinuxCapabilities;
import dev.berth.runtime.spec.LinuxDevice;
import dev.berth.runtime.spec.LinuxIdMapping;
import dev.berth.runtime.spec.LinuxNamespace;
import dev.berth.runtime.spec.LinuxTimeOffset;
import dev.berth.runtime.spec.Mount;
import dev.berth.runtime.spec.POSIXRlimit;
import dev.berth.runtime.spec.Process;
import dev.berth.runtime.spec.Rlimits;
import dev.berth.runtime.spec.Spec;
import dev.berth.runtime.spec.User;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a validated config into berth-init's instruction stream. Every decision is made here, in
 * Java; the C side only carries the instructions out in order.
 */
public final class InitPlan {
  static final Map<String, Long> CLONE_FLAGS = new LinkedHashMap<>();

  static {
    CLONE_FLAGS.put("user", 0x10000000L);
    CLONE_FLAGS.put("mount", 0x00020000L);
    CLONE_FLAGS.put("pid", 0x20000000L);
    CLONE_FLAGS.put("network", 0x40000000L);
    CLONE_FLAGS.put("ipc", 0x08000000L);
    CLONE_FLAGS.put("uts", 0x04000000L);
    CLONE_FLAGS.put("cgroup", 0x02000000L);
    CLONE_FLAGS.put("time", 0x00000080L);
  }

  private static final int KIND_NORMAL = 0;
  private static final int KIND_BIND = 1;
  private static final int KIND_SYMLINK = 2;

  private InitPlan() {}

  /**
   * What create needs besides the spec. {@code preservedFds}: how many extra fds the init was given
   * (from {@link InitLauncher#FIRST_EXTRA_FD} on) for the container process to keep as 3, 4, ….
   * {@code consoleFd}: the init's fd (an extra fd) that takes the pty master instead of a console
   * socket, when the runtime relays the terminal itself; -1 for none.
   */
  public record CreateOptions(
      Path rootfs,
      Path execFifo,
      Path consoleSocket,
      boolean noPivot,
      SeccompProgram seccomp,
      Cgroup cgroup,
      String stateJson,
      boolean pauseForHooks,
      int preservedFds,
      int consoleFd) {
    public CreateOptions(Path rootfs, Path execFifo, Path consoleSocket, boolean noPivot, SeccompProgram seccomp,
        Cgroup cgroup, String stateJson, boolean pauseForHooks) {
      this(rootfs, execFifo, consoleSocket, noPivot, seccomp, cgroup, stateJson, pauseForHooks, 0, -1);
    }
  }

  public static byte[] forCreate(Spec spec, CreateOptions o) {
    Linux linux = spec.linuxOrEmpty();
    InitStream s = new InitStream().u64(Tag.MODE, InitStream.MODE_CREATE);
    long flags = 0;
    for (LinuxNamespace ns : linux.namespacesOrEmpty()) {
      long flag = cloneFlag(ns.type());
      if (ns.path() != null && !ns.path().isEmpty()) {
        s.compound(Tag.NS_PATH, new long[] {flag}, ns.path());
      } else {
        flags |= flag;
      }
    }
    if (!linux.hasNamespace("mount")) {
      throw new InvalidArgument("config.json: the container needs a mount namespace");
    }
    s.u64(Tag.CLONE_FLAGS, flags);
    if ((flags & CLONE_FLAGS.get("time")) != 0 && linux.timeOffsets() != null && !linux.timeOffsets().isEmpty()) {
      s.string(Tag.TIME_OFFSETS, timeOffsets(linux.timeOffsets()));
    }
    if ((flags & CLONE_FLAGS.get("user")) != 0) {
      s.string(Tag.UID_MAP, idMap(linux.uidMappingsOrEmpty()));
      s.string(Tag.GID_MAP, idMap(linux.gidMappingsOrEmpty()));
    }
    boolean userNs = linux.hasNamespace("user");
    if (spec.hostname() != null && linux.hasNamespace("uts")) {
      s.string(Tag.HOSTNAME, spec.hostname());
    }
    if (spec.domainname() != null && linux.hasNamespace("uts")) {
      s.string(Tag.DOMAINNAME, spec.domainname());
    }
    s.string(Tag.ROOTFS, o.rootfs().toString());
    if (linux.rootfsPropagation() != null && !linux.rootfsPropagation().isEmpty()) {
      s.u64(Tag.ROOT_PROPAGATION, MountFlags.propagation(linux.rootfsPropagation()));
    }
    if (spec.root() != null && spec.root().readonlyOrFalse()) {
      s.flag(Tag.READONLY_ROOT);
    }
    if (o.noPivot()) {
      s.flag(Tag.NO_PIVOT);
    }
    if (o.cgroup() != null) {
      cgroupPlacement(s, o.cgroup().selfPlacement());
    }
    mounts(s, spec, o.cgroup(), linux);
    devices(s, linux, userNs);
    linux.maskedPathsOrEmpty().forEach(p -> s.string(Tag.MASKED_PATH, p));
    linux.readonlyPathsOrEmpty().forEach(p -> s.string(Tag.READONLY_PATH, p));
    linux.sysctlOrEmpty().forEach((k, v) -> s.compound(Tag.SYSCTL, new long[0], k, v));
    process(s, spec.process(), o.consoleSocket(), o.consoleFd(), o.seccomp());
    if (o.execFifo() != null) {
      s.string(Tag.EXEC_FIFO, o.execFifo().toString());
    }
    if (o.stateJson() != null) {
      s.string(Tag.STATE, o.stateJson());
    }
    if (spec.hooks() != null) {
      hooks(s, spec.hooks().createContainer(), 1);
      hooks(s, spec.hooks().startContainer(), 2);
    }
    if (o.pauseForHooks()) {
      s.flag(Tag.PAUSE_FOR_HOOKS);
    }
    preservedFds(s, o.preservedFds());
    return s.finish();
  }

  /** exec: join the namespaces of {@code pid} and run {@code process} there. */
  public static byte[] forExec(Spec spec, Process process, int pid, Path consoleSocket, SeccompProgram seccomp) {
    return forExec(spec, process, pid, null, consoleSocket, seccomp, 0, -1);
  }

  /**
   * exec into the container's {@code cgroup} (nullable: the init's own), the process keeping {@code
   * preservedFds} extra fds given to the init, its pty master going to {@code consoleFd} when not -1
   * (both as in {@link CreateOptions}).
   */
  public static byte[] forExec(Spec spec, Process process, int pid, Cgroup cgroup, Path consoleSocket,
      SeccompProgram seccomp, int preservedFds, int consoleFd) {
    InitStream s = new InitStream().u64(Tag.MODE, InitStream.MODE_JOIN);
    if (cgroup != null) {
      cgroupPlacement(s, cgroup.selfPlacement());
    }
    Set<String> joined = new HashSet<>();
    for (LinuxNamespace ns : spec.linuxOrEmpty().namespacesOrEmpty()) {
      if (joined.add(ns.type())) {
        String procName = procNamespaceName(ns.type());
        s.compound(Tag.NS_PATH, new long[] {cloneFlag(ns.type())}, "/proc/" + pid + "/ns/" + procName);
      }
    }
    process(s, process, consoleSocket, consoleFd, seccomp);
    preservedFds(s, preservedFds);
    return s.finish();
  }

  private static void cgroupPlacement(InitStream s, SelfPlacement placement) {
    placement.threadFiles().forEach(f -> s.string(Tag.CGROUP_TASKS, f.toString()));
    if (placement.unifiedDir() != null) {
      s.string(Tag.CGROUP_UNIFIED, placement.unifiedDir().toString());
    }
  }

  private static void preservedFds(InitStream s, int count) {
    if (count > 0) {
      s.u64(Tag.PRESERVED_FDS, InitLauncher.FIRST_EXTRA_FD, count);
    }
  }

  static long cloneFlag(String type) {
    Long f = CLONE_FLAGS.get(type);
    if (f == null) {
      throw new InvalidArgument("unknown namespace type \"" + type + "\"");
    }
    return f;
  }

  private static String procNamespaceName(String type) {
    return switch (type) {
      case "mount" -> "mnt";
      case "network" -> "net";
      default -> type;
    };
  }

  /** What /proc/self/timens_offsets takes: one "clock secs nanosecs" line per clock. */
  private static String timeOffsets(Map<String, LinuxTimeOffset> offsets) {
    StringBuilder sb = new StringBuilder();
    offsets.forEach((clock, o) -> sb.append(clock).append(' ').append(o == null || o.secs() == null ? 0 : o.secs())
        .append(' ').append(o == null || o.nanosecs() == null ? 0 : o.nanosecs()).append('\n'));
    return sb.toString();
  }

  private static String idMap(List<LinuxIdMapping> mappings) {
    StringBuilder sb = new StringBuilder();
    for (LinuxIdMapping m : mappings) {
      sb.append(m.containerID()).append(' ').append(m.hostID()).append(' ').append(m.size()).append('\n');
    }
    return sb.toString();
  }

  private static void mounts(InitStream s, Spec spec, Cgroup cgroup, Linux linux) {
    boolean devpts = false;
    for (Mount m : spec.mountsOrEmpty()) {
      if ("cgroup".equals(m.type()) || "cgroup2".equals(m.type())) {
        cgroupMount(s, m, cgroup);
        continue;
      }
      MountFlags f = MountFlags.parse(m.type(), m.optionsOrEmpty());
      String type = m.type() == null ? "" : m.type();
      String source = m.source() == null ? type : m.source();
      s.compound(Tag.MOUNT, new long[] {f.flags(), f.propagation(), f.bind() ? KIND_BIND : KIND_NORMAL},
          source, m.destination(), f.bind() ? "" : type, f.data());
      devpts |= "/dev/pts".equals(m.destination()) && "devpts".equals(type);
    }
    symlink(s, "/proc/self/fd", "/dev/fd");
    symlink(s, "/proc/self/fd/0", "/dev/stdin");
    symlink(s, "/proc/self/fd/1", "/dev/stdout");
    symlink(s, "/proc/self/fd/2", "/dev/stderr");
    if (Files.exists(Path.of("/proc/kcore"))) {
      symlink(s, "/proc/kcore", "/dev/core");
    }
    if (devpts) {
      symlink(s, "pts/ptmx", "/dev/ptmx");
    }
  }

  private static void symlink(InitStream s, String target, String link) {
    s.compound(Tag.MOUNT, new long[] {0, 0, KIND_SYMLINK}, target, link, "", "");
  }

  /**
   * The container's view of its own cgroup: a tmpfs with each hierarchy's directory of this cgroup
   * bind-mounted under its host name, as runc does for cgroup v1 without a cgroup namespace.
   */
  private static void cgroupMount(InitStream s, Mount m, Cgroup cgroup) {
    MountFlags f = MountFlags.parse("tmpfs", m.optionsOrEmpty());
    long common = f.flags() & (MountFlags.MS_NOSUID | MountFlags.MS_NODEV | MountFlags.MS_NOEXEC);
    String dest = m.destination();
    s.compound(Tag.MOUNT, new long[] {common, 0, KIND_NORMAL}, "tmpfs", dest, "tmpfs", "mode=755");
    if (cgroup != null) {
      Map<String, Path> dirs = new LinkedHashMap<>(cgroup.hostDirs());
      // As runc: on the hybrid layout the container sees the v1 hierarchies only.
      if (dirs.size() > 1) {
        dirs.remove("unified");
      }
      for (var e : dirs.entrySet()) {
        long bindFlags = MountFlags.MS_BIND | MountFlags.MS_REC | common | (f.flags() & MountFlags.MS_RDONLY);
        s.compound(Tag.MOUNT, new long[] {bindFlags, 0, KIND_BIND}, e.getValue().toString(),
            dest + "/" + e.getKey(), "", "");
      }
      for (var e : cgroup.comountLinks().entrySet()) {
        symlink(s, e.getValue(), dest + "/" + e.getKey());
      }
    }
    // runc leaves the tmpfs itself writable (the hierarchies in it are read-only): so do we.
  }

  private static void devices(InitStream s, Linux linux, boolean userNs) {
    Map<String, LinuxDevice> devices = new LinkedHashMap<>();
    for (LinuxDevice d : DefaultDevices.list()) {
      devices.put(d.path(), d);
    }
    for (LinuxDevice d : linux.devicesOrEmpty()) {
      devices.put(d.path(), d);
    }
    for (LinuxDevice d : devices.values()) {
      char type = d.type() == null || d.type().isEmpty() ? 'c' : d.type().charAt(0);
      if (type == 'u') {
        type = 'c';
      }
      long mode = d.fileMode() == null ? 0666 : d.fileMode();
      s.compound(Tag.DEVICE, new long[] {type, nz(d.major()), nz(d.minor()), mode, nz(d.uid()), nz(d.gid()),
          userNs ? 1 : 0}, d.path());
    }
  }

  private static long nz(Long v) {
    return v == null ? 0 : v;
  }

  private static void process(InitStream s, Process p, Path consoleSocket, int consoleFd, SeccompProgram seccomp) {
    for (String arg : p.args()) {
      s.string(Tag.ARG, arg);
    }
    for (String env : p.envOrEmpty()) {
      s.string(Tag.ENV, env);
    }
    s.string(Tag.CWD, p.cwd() == null || p.cwd().isEmpty() ? "/" : p.cwd());
    User u = p.user();
    if (u != null) {
      s.u64(Tag.UID, u.uidOrRoot());
      s.u64(Tag.GID, u.gidOrRoot());
      if (u.additionalGids() != null) {
        u.additionalGids().forEach(g -> s.u64(Tag.ADDITIONAL_GID, g));
      }
      if (u.umask() != null) {
        s.u64(Tag.UMASK, u.umask());
      }
    }
    for (POSIXRlimit r : p.rlimitsOrEmpty()) {
      s.u64(Tag.RLIMIT, Rlimits.number(r.type()), r.soft() == null ? 0 : r.soft(), r.hard() == null ? 0 : r.hard());
    }
    LinuxCapabilities c = p.capabilities();
    if (c != null) {
      s.u64(Tag.CAPS, Capability.mask(c.bounding()), Capability.mask(c.effective()),
          Capability.mask(c.inheritable()), Capability.mask(c.permitted()), Capability.mask(c.ambient()));
    }
    if (p.noNewPrivilegesOrFalse()) {
      s.flag(Tag.NO_NEW_PRIVS);
    }
    if (p.oomScoreAdj() != null) {
      s.string(Tag.OOM_SCORE_ADJ, Integer.toString(p.oomScoreAdj()));
    }
    if (p.terminalOrFalse()) {
      if (consoleSocket == null && consoleFd < 0) {
        throw new InvalidArgument("process.terminal is true but no console socket was given (use --console-socket)");
      }
      s.flag(Tag.TERMINAL);
      if (consoleFd >= 0) {
        s.u64(Tag.CONSOLE_FD, consoleFd);
      } else {
        s.string(Tag.CONSOLE_SOCKET, consoleSocket.toString());
      }
      if (p.consoleSize() != null && p.consoleSize().height() != null && p.consoleSize().width() != null) {
        s.u64(Tag.CONSOLE_SIZE, p.consoleSize().height(), p.consoleSize().width());
      }
    }
    if (seccomp != null) {
      s.bytes(Tag.SECCOMP, seccomp.flags(), seccomp.filter());
    }
  }

  private static void hooks(InitStream s, List<Hook> hooks, long kind) {
    if (hooks == null) {
      return;
    }
    for (Hook h : hooks) {
      List<String> args = h.args() == null ? List.of() : h.args();
      List<String> env = h.env() == null ? List.of() : h.env();
      String[] strings = new String[1 + args.size() + env.size()];
      strings[0] = h.path();
      for (int i = 0; i < args.size(); i++) {
        strings[1 + i] = args.get(i);
      }
      for (int i = 0; i < env.size(); i++) {
        strings[1 + args.size() + i] = env.get(i);
      }
      s.compound(Tag.HOOK, new long[] {kind, h.timeout() == null ? 0 : h.timeout(), args.size(), env.size()}, strings);
    }
  }
}
