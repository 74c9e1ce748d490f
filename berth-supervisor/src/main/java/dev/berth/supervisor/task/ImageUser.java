package dev.berth.supervisor.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.common.error.InvalidArgument;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Resolves Docker's `--user` (name or id, with an optional group) against the container's own
 * /etc/passwd and /etc/group, as containerd's WithUser does once the rootfs is mounted: the uid and
 * gid, the groups that list the user, and HOME. The daemon asks for it with the
 * {@link #ANNOTATION} annotation; without one the spec is left as sent.
 */
public final class ImageUser {
  public static final String ANNOTATION = "dev.berth.user";
  private static final ObjectMapper JSON = new ObjectMapper();

  private record Entry(String name, long id, long gid, String home, List<String> members) {}

  private ImageUser() {}

  /** The spec with its process user resolved, or the same bytes if it asks for nothing. */
  static byte[] apply(byte[] spec, Path rootfs) {
    try {
      JsonNode tree = JSON.readTree(spec);
      JsonNode wanted = tree.path("annotations").path(ANNOTATION);
      if (!wanted.isTextual()) return spec;
      ObjectNode process = (ObjectNode) tree.path("process");
      resolve(wanted.asText(), rootfs, process);
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(tree);
    } catch (IOException | ClassCastException e) {
      throw new InvalidArgument("cannot read the container's spec: " + e.getMessage());
    }
  }

  /** An exec's process with {@code user} resolved in the container's files. */
  static byte[] applyToProcess(byte[] process, String user, Path rootfs) {
    try {
      ObjectNode p = (ObjectNode) JSON.readTree(process);
      resolve(user, rootfs, p);
      return JSON.writeValueAsBytes(p);
    } catch (IOException | ClassCastException e) {
      throw new InvalidArgument("cannot read the exec's process: " + e.getMessage());
    }
  }

  static void resolve(String user, Path rootfs, ObjectNode process) {
    String[] parts = user.isEmpty() ? new String[] {"root"} : user.split(":", 2);
    List<Entry> passwd = read(rootfs.resolve("etc/passwd"));
    List<Entry> groups = read(rootfs.resolve("etc/group"));
    Entry who = find(passwd, parts[0]);
    long uid;
    long gid;
    String name;
    String home;
    if (who != null) {
      uid = who.id();
      gid = who.gid();
      name = who.name();
      home = who.home();
    } else if (isNumber(parts[0]) || user.isEmpty()) {
      // No user asked for runs as root even in an image without /etc/passwd (hello-world, scratch).
      uid = user.isEmpty() ? 0 : Long.parseLong(parts[0]);
      gid = 0;
      name = null;
      home = "/";
    } else {
      throw new InvalidArgument("unable to find user " + parts[0] + ": no matching entries in passwd file");
    }
    if (parts.length == 2) {
      Entry group = find(groups, parts[1]);
      if (group != null) gid = group.id();
      else if (isNumber(parts[1])) gid = Long.parseLong(parts[1]);
      else throw new InvalidArgument("unable to find group " + parts[1] + ": no matching entries in group file");
    }
    Set<Long> additional = new LinkedHashSet<>();
    if (name != null && parts.length == 1) {
      additional.add(gid);
      for (Entry g : groups) if (g.members().contains(name)) additional.add(g.id());
    }
    JsonNode extra = process.path("user").path("additionalGids");
    extra.forEach(n -> additional.add(n.asLong()));
    ObjectNode u = process.putObject("user").put("uid", uid).put("gid", gid);
    if (!additional.isEmpty()) u.set("additionalGids", JSON.valueToTree(additional));
    if (uid != 0 && process.path("capabilities").isObject()) {
      // As with Docker: a non-root user keeps the bounding set but starts with no capabilities.
      ObjectNode caps = (ObjectNode) process.get("capabilities");
      caps.putArray("effective");
      caps.putArray("permitted");
    }
    ArrayNode env = process.withArray("env");
    boolean hasHome = false;
    for (JsonNode e : env) hasHome |= e.asText().startsWith("HOME=");
    if (!hasHome) env.add("HOME=" + home);
  }

  private static Entry find(List<Entry> entries, String nameOrId) {
    for (Entry e : entries) if (e.name().equals(nameOrId)) return e;
    if (isNumber(nameOrId)) {
      long id = Long.parseLong(nameOrId);
      for (Entry e : entries) if (e.id() == id) return e;
    }
    return null;
  }

  /** passwd (name:x:uid:gid:gecos:home:shell) or group (name:x:gid:members) lines; a link is not followed. */
  private static List<Entry> read(Path file) {
    List<Entry> out = new ArrayList<>();
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(file.getParent())) return out;
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        String[] f = line.split(":", -1);
        if (f.length < 4 || line.startsWith("#") || !isNumber(f[2])) continue;
        boolean passwd = f.length >= 7;
        long gid = passwd && isNumber(f[3]) ? Long.parseLong(f[3]) : Long.parseLong(f[2]);
        List<String> members = passwd || f[3].isEmpty() ? List.of() : List.of(f[3].split(","));
        out.add(new Entry(f[0], Long.parseLong(f[2]), gid, passwd ? f[5] : "", members));
      }
    } catch (IOException | RuntimeException e) {
      return out; // unreadable: as if absent
    }
    return out;
  }

  private static boolean isNumber(String s) {
    return !s.isEmpty() && s.length() < 11 && s.chars().allMatch(Character::isDigit);
  }
}
