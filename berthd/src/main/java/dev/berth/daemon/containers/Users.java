package dev.berth.daemon.containers;

import dev.berth.common.error.InvalidArgument;
import java.util.List;

/** Docker's --user forms that need no look-up in the image: "", "root", "uid", "uid:gid". */
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
      throw new InvalidArgument("unable to find user " + user
          + ": user and group names are not looked up in the image yet; use numeric ids (uid[:gid])");
    }
  }
}
