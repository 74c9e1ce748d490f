package dev.berth.runtime.cgroups;

import dev.berth.runtime.spec.LinuxDeviceCgroup;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A v1 device cgroup's allow-list as the kernel keeps it for a cgroup that denies by default: one
 * entry per device ("c 1:3", "b 8:*") with its accesses merged, as devices.list shows them ("rwm").
 * Writing "a" to devices.deny (any access) resets a cgroup to deny everything with no entries; an
 * "a" written to devices.allow makes it allow everything.
 */
final class DeviceAllowList {
  private DeviceAllowList() {}

  /**
   * The entries {@code rules} leave, applied after a deny-all; null when they are not an allow-list
   * (an allow-all rule, or a deny after the last deny-all, whose effect on the entries would be the
   * kernel's to work out).
   */
  static Map<String, String> of(List<LinuxDeviceCgroup> rules) {
    int start = 0;
    for (int i = 0; i < rules.size(); i++) {
      if (!rules.get(i).allowed() && allDevices(rules.get(i))) {
        start = i + 1;
      }
    }
    Map<String, String> list = new TreeMap<>();
    for (LinuxDeviceCgroup rule : rules.subList(start, rules.size())) {
      if (!rule.allowed() || allDevices(rule)) {
        return null;
      }
      String[] parts = V1Resources.deviceRule(rule).split(" ");
      list.merge(parts[0] + " " + parts[1], normal(parts[2]), DeviceAllowList::union);
    }
    return list;
  }

  /** The entries of a devices.list; null when it allows everything ("a *:* rwm") or is unreadable. */
  static Map<String, String> parse(String devicesList) {
    if (devicesList == null) {
      return null;
    }
    Map<String, String> list = new TreeMap<>();
    for (String line : devicesList.split("\n")) {
      String[] parts = line.strip().split(" ");
      if (parts.length == 1 && parts[0].isEmpty()) {
        continue;
      }
      if (parts.length != 3 || parts[0].equals("a")) {
        return null;
      }
      list.merge(parts[0] + " " + parts[1], normal(parts[2]), DeviceAllowList::union);
    }
    return list;
  }

  private static boolean allDevices(LinuxDeviceCgroup rule) {
    return rule.type() == null || rule.type().isEmpty() || rule.type().equals("a");
  }

  private static String normal(String access) {
    StringBuilder out = new StringBuilder(3);
    for (char c : new char[] {'r', 'w', 'm'}) {
      if (access.indexOf(c) >= 0) {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** The accesses of {@code a} that {@code b} does not have, in "rwm" order. */
  static String minus(String a, String b) {
    StringBuilder out = new StringBuilder(3);
    for (char c : normal(a).toCharArray()) {
      if (b.indexOf(c) < 0) {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static String union(String a, String b) {
    return normal(a + b);
  }
}
