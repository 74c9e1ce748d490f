package dev.berth.runtime.defaults;

import dev.berth.runtime.spec.LinuxDevice;
import dev.berth.runtime.spec.LinuxDeviceCgroup;
import dev.berth.runtime.spec.LinuxResources;
import java.util.ArrayList;
import java.util.List;

/**
 * The devices every container gets and the device cgroup rules that let it use them: runc's defaults
 * (libcontainer/specconv AllowedDevices). The lifecycle side creates {@link #list()} in /dev in addition to
 * linux.devices, and appends {@link #cgroupRules()} after the config's own linux.resources.devices.
 */
public final class DefaultDevices {
  private DefaultDevices() {}

  private static final int MODE_0666 = 0666;

  /** /dev/null, zero, full, random, urandom and tty: character devices, mode 0666, owned by root. */
  public static List<LinuxDevice> list() {
    return List.of(
        device("/dev/null", 1, 3),
        device("/dev/zero", 1, 5),
        device("/dev/full", 1, 7),
        device("/dev/random", 1, 8),
        device("/dev/urandom", 1, 9),
        device("/dev/tty", 5, 0));
  }

  private static LinuxDevice device(String path, long major, long minor) {
    return new LinuxDevice(path, "c", major, minor, MODE_0666, 0L, 0L);
  }

  /**
   * Allow rules, in runc's order: mknod of any char or block device (creating a node grants no access),
   * read/write/mknod of the default devices, of /dev/pts/* (136:*) and of /dev/ptmx (5:2).
   */
  public static List<LinuxDeviceCgroup> cgroupRules() {
    List<LinuxDeviceCgroup> rules = new ArrayList<>();
    rules.add(new LinuxDeviceCgroup(true, "c", null, null, "m"));
    rules.add(new LinuxDeviceCgroup(true, "b", null, null, "m"));
    for (LinuxDevice d : list()) {
      rules.add(new LinuxDeviceCgroup(true, "c", d.major(), d.minor(), "rwm"));
    }
    rules.add(new LinuxDeviceCgroup(true, "c", 136L, null, "rwm"));
    rules.add(new LinuxDeviceCgroup(true, "c", 5L, 2L, "rwm"));
    return List.copyOf(rules);
  }

  /**
   * {@code resources} (nullable) with the default rules appended after its own device rules, as runc builds
   * a container's device cgroup: the config's rules (usually "deny all" first), then these allows.
   */
  public static LinuxResources withDefaultRules(LinuxResources resources) {
    LinuxResources r = resources == null
        ? new LinuxResources(null, null, null, null, null, null, null, null) : resources;
    List<LinuxDeviceCgroup> rules = new ArrayList<>();
    if (r.devices() == null || r.devices().isEmpty()) {
      rules.add(new LinuxDeviceCgroup(false, null, null, null, "rwm"));
    } else {
      rules.addAll(r.devices());
    }
    rules.addAll(cgroupRules());
    return new LinuxResources(rules, r.memory(), r.cpu(), r.pids(), r.blockIO(), r.hugepageLimits(), r.network(),
        r.unified());
  }
}
