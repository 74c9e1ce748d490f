package dev.berth.daemon.containers;

import dev.berth.common.error.InvalidArgument;
import dev.berth.common.error.NotFound;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Resolves a path as the container sees it, under a host directory that stands for its root: ".."
 * stops at the root and symlinks are followed inside it (an absolute target starts again at the
 * root), so no container-made link leads out to the host's files.
 */
final class InRoot {
  private static final int MAX_LINKS = 40;

  private InRoot() {}

  /** @param followLast whether a symlink as the last component is followed (else the link itself) */
  static Path resolve(Path root, String path, boolean followLast) {
    Deque<String> todo = new ArrayDeque<>();
    push(todo, path);
    Deque<String> done = new ArrayDeque<>();
    int links = 0;
    while (!todo.isEmpty()) {
      String part = todo.pop();
      if (part.isEmpty() || part.equals(".")) continue;
      if (part.equals("..")) {
        if (!done.isEmpty()) done.removeLast();
        continue;
      }
      Path here = join(root, done).resolve(part);
      if ((!todo.isEmpty() || followLast) && Files.isSymbolicLink(here)) {
        if (++links > MAX_LINKS) throw new InvalidArgument("too many levels of symbolic links in " + path);
        String target;
        try {
          target = Files.readSymbolicLink(here).toString();
        } catch (IOException e) {
          throw new NotFound("cannot read the link " + path + ": " + e.getMessage());
        }
        if (target.startsWith("/")) done.clear();
        push(todo, target);
        continue;
      }
      done.addLast(part);
    }
    return join(root, done);
  }

  private static void push(Deque<String> todo, String path) {
    String[] parts = path.split("/");
    for (int i = parts.length - 1; i >= 0; i--) todo.push(parts[i]);
  }

  private static Path join(Path root, Deque<String> parts) {
    Path p = root;
    for (String s : parts) p = p.resolve(s);
    return p;
  }

  static boolean exists(Path p) {
    return Files.exists(p, LinkOption.NOFOLLOW_LINKS);
  }
}
