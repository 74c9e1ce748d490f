package dev.berth.runtime.container;

import dev.berth.common.error.InvalidArgument;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Checks the fds a caller asks the container to keep (runc's --preserve-fds): each must be open, and
 * must not be one of this JVM's own. A JVM started without fd 3 open puts its own files there (its
 * modules image, the jars of its class path), and a container handed such an fd could reopen the
 * host file through /proc/self/fd, for writing, as the root it runs as.
 */
final class PreservedFds {
  /** O_CLOEXEC as /proc/self/fdinfo reports it: set on fds this process made, never on inherited ones. */
  private static final int O_CLOEXEC = 02000000;

  private PreservedFds() {}

  static void check(List<Integer> fds) {
    for (int i = 0; i < fds.size(); i++) {
      int fd = fds.get(i);
      String which = "cannot preserve fd " + fd + " (" + (i + 1) + " of " + fds.size() + "): ";
      Path link = Path.of("/proc/self/fd/" + fd);
      String target;
      String info;
      try {
        target = fd < 0 ? null : Files.readSymbolicLink(link).toString();
        info = Files.readString(Path.of("/proc/self/fdinfo/" + fd));
      } catch (IOException e) {
        target = null;
        info = "";
      }
      if (target == null) {
        throw new InvalidArgument(which + "it is not open in the runtime");
      }
      if ((fdFlags(info) & O_CLOEXEC) != 0 || ownFile(Path.of(target))) {
        throw new InvalidArgument(which + "it is the runtime's own (" + target
            + "), not one its caller passed; open the fds to preserve before starting the runtime");
      }
    }
  }

  private static int fdFlags(String fdinfo) {
    for (String line : fdinfo.split("\n")) {
      if (line.startsWith("flags:")) {
        return Integer.parseInt(line.substring(6).trim(), 8);
      }
    }
    return 0;
  }

  /** This JVM's modules image and class path, which it keeps open from its start. */
  private static boolean ownFile(Path target) {
    if (target.startsWith(Path.of(System.getProperty("java.home")))) {
      return true;
    }
    for (String entry : System.getProperty("java.class.path", "").split(":")) {
      if (!entry.isEmpty() && Path.of(entry).toAbsolutePath().normalize().equals(target)) {
        return true;
      }
    }
    return false;
  }
}
