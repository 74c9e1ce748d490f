package dev.berth.daemon.containers;

import dev.berth.common.error.InvalidArgument;
import java.util.List;

/**
 * The user a spec starts with: numeric ids as given, names as root until the supervisor looks them
 * up in the container's own /etc/passwd and /etc/group (the spec's dev.berth.user annotation), once
 * its rootfs is mounted.
 */
final class Users {
  private Users() {}

  static SpecBuilder.User numeric(String user) {
    if (user.isEmpty() || user.equals("root") || user.equals("root:root")) return new SpecBuilder.User(0, 0, List.of());
    String[] parts = user.split(":", 2);
    try {
      long uid = parts[0].equals("root") ? 0 : Long.parseLong(parts[0]);
      long gid = parts.length == 2 ? (parts[1].equals("root") ? 0 : Long.parseLong(parts[1])) : 0;
      if (uid < 0 || gid < 0) throw new NumberFormatException();
      return new SpecBuilder.User(uid, gid, List.of());
    } catch (NumberFormatException e) {
      if (user.contains("\0") || user.contains("\n")) throw new InvalidArgument("invalid user: " + user);
      return new SpecBuilder.User(0, 0, List.of());
    }
  }
}
