package dev.berth.runtime.init;

import dev.berth.common.error.InvalidArgument;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** config.json mount options as mount(2) flags, propagation flags and data, as runc reads them. */
public record MountFlags(long flags, long propagation, String data, boolean bind) {
  public static final long MS_RDONLY = 1;
  public static final long MS_NOSUID = 2;
  public static final long MS_NODEV = 4;
  public static final long MS_NOEXEC = 8;
  public static final long MS_SYNCHRONOUS = 16;
  public static final long MS_REMOUNT = 32;
  public static final long MS_MANDLOCK = 64;
  public static final long MS_DIRSYNC = 128;
  public static final long MS_NOATIME = 1024;
  public static final long MS_NODIRATIME = 2048;
  public static final long MS_BIND = 4096;
  public static final long MS_REC = 16384;
  public static final long MS_UNBINDABLE = 1L << 17;
  public static final long MS_PRIVATE = 1L << 18;
  public static final long MS_SLAVE = 1L << 19;
  public static final long MS_SHARED = 1L << 20;
  public static final long MS_RELATIME = 1L << 21;
  public static final long MS_STRICTATIME = 1L << 24;

  /** option → (set?, flag) */
  private static final Map<String, long[]> FLAGS = Map.ofEntries(
      Map.entry("ro", new long[] {1, MS_RDONLY}), Map.entry("rw", new long[] {0, MS_RDONLY}),
      Map.entry("nosuid", new long[] {1, MS_NOSUID}), Map.entry("suid", new long[] {0, MS_NOSUID}),
      Map.entry("nodev", new long[] {1, MS_NODEV}), Map.entry("dev", new long[] {0, MS_NODEV}),
      Map.entry("noexec", new long[] {1, MS_NOEXEC}), Map.entry("exec", new long[] {0, MS_NOEXEC}),
      Map.entry("sync", new long[] {1, MS_SYNCHRONOUS}), Map.entry("async", new long[] {0, MS_SYNCHRONOUS}),
      Map.entry("dirsync", new long[] {1, MS_DIRSYNC}), Map.entry("remount", new long[] {1, MS_REMOUNT}),
      Map.entry("mand", new long[] {1, MS_MANDLOCK}), Map.entry("nomand", new long[] {0, MS_MANDLOCK}),
      Map.entry("noatime", new long[] {1, MS_NOATIME}), Map.entry("atime", new long[] {0, MS_NOATIME}),
      Map.entry("nodiratime", new long[] {1, MS_NODIRATIME}), Map.entry("diratime", new long[] {0, MS_NODIRATIME}),
      Map.entry("relatime", new long[] {1, MS_RELATIME}), Map.entry("norelatime", new long[] {0, MS_RELATIME}),
      Map.entry("strictatime", new long[] {1, MS_STRICTATIME}),
      Map.entry("nostrictatime", new long[] {0, MS_STRICTATIME}),
      Map.entry("bind", new long[] {1, MS_BIND}), Map.entry("rbind", new long[] {1, MS_BIND | MS_REC}));

  private static final Map<String, Long> PROPAGATION = Map.of(
      "private", MS_PRIVATE, "rprivate", MS_PRIVATE | MS_REC, "shared", MS_SHARED,
      "rshared", MS_SHARED | MS_REC, "slave", MS_SLAVE, "rslave", MS_SLAVE | MS_REC,
      "unbindable", MS_UNBINDABLE, "runbindable", MS_UNBINDABLE | MS_REC);

  /** Options that tell the runtime something but are not for the kernel. */
  private static final List<String> IGNORED = List.of("tmpcopyup", "nocopyup", "x-systemd.automount");

  public static MountFlags parse(String type, List<String> options) {
    long flags = 0;
    long propagation = 0;
    List<String> data = new ArrayList<>();
    for (String o : options) {
      long[] f = FLAGS.get(o);
      if (f != null) {
        flags = f[0] == 1 ? flags | f[1] : flags & ~f[1];
      } else if (PROPAGATION.containsKey(o)) {
        propagation |= PROPAGATION.get(o);
      } else if (o.equals("idmap") || o.equals("ridmap")) {
        throw new InvalidArgument("mount option \"" + o + "\" (idmapped mounts) is not supported");
      } else if (!IGNORED.contains(o)) {
        data.add(o);
      }
    }
    boolean bind = "bind".equals(type) || (flags & MS_BIND) != 0;
    if (bind) {
      flags |= MS_BIND;
    }
    return new MountFlags(flags, propagation, String.join(",", data), bind);
  }

  public static long propagation(String name) {
    Long p = PROPAGATION.get(name);
    if (p == null) {
      throw new InvalidArgument("unknown rootfsPropagation \"" + name + "\"");
    }
    return p;
  }
}
