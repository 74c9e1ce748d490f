package dev.berth.daemon.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.common.error.InvalidArgument;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** A container's OCI mounts: Docker's defaults, the etc files, then binds, mounts and tmpfs. */
final class Mounts {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Mounts() {}

  static ArrayNode of(Container c, SpecBuilder.EtcFiles etc, boolean privileged) {
    List<ObjectNode> user = userMounts(c.hostConfig());
    Set<String> taken = new HashSet<>();
    user.forEach(m -> taken.add(m.get("destination").asText()));
    ArrayNode mounts = JSON.createArrayNode();
    add(mounts, taken, "/proc", "proc", "proc", "nosuid", "noexec", "nodev");
    add(mounts, taken, "/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k");
    add(mounts, taken, "/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666",
        "mode=0620", "gid=5");
    add(mounts, taken, "/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", privileged ? "rw" : "ro");
    add(mounts, taken, "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", privileged ? "rw" : "ro");
    add(mounts, taken, "/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev");
    long shm = c.hostConfig().path("ShmSize").asLong(0);
    add(mounts, taken, "/dev/shm", "shm", "tmpfs", "nosuid", "noexec", "nodev", "mode=1777",
        "size=" + (shm > 0 ? shm : 64L * 1024 * 1024));
    boolean hostNet = c.hostConfig().path("NetworkMode").asText("").equals("host");
    bind(mounts, taken, etc.resolvConf(), "/etc/resolv.conf", false);
    if (!hostNet) bind(mounts, taken, etc.hostname(), "/etc/hostname", false);
    bind(mounts, taken, etc.hosts(), "/etc/hosts", false);
    user.forEach(mounts::add);
    if (c.hostConfig().path("Init").asBoolean(false)) {
      ObjectNode init = mounts.addObject().put("destination", SpecBuilder.PID1_PATH).put("type", "bind")
          .put("source", Pid1.binary().toString());
      init.putArray("options").add("bind").add("ro");
    }
    return mounts;
  }

  /** -v/--mount binds and --tmpfs, in the order Docker applies them (parents before children). */
  static List<ObjectNode> userMounts(JsonNode hc) {
    List<ObjectNode> out = new ArrayList<>();
    for (JsonNode b : hc.path("Binds")) out.add(parseBind(b.asText()));
    for (JsonNode m : hc.path("Mounts")) out.add(parseMount(m));
    hc.path("Tmpfs").properties().forEach(e -> {
      ObjectNode t = tmpfs(e.getKey());
      String opts = e.getValue().asText("");
      if (!opts.isEmpty()) for (String o : opts.split(",")) ((ArrayNode) t.get("options")).add(o);
      out.add(t);
    });
    out.sort((a, b) -> Integer.compare(depth(a), depth(b)));
    return out;
  }

  private static ObjectNode parseBind(String spec) {
    String[] parts = spec.split(":");
    if (parts.length < 2 || parts.length > 3) {
      throw new InvalidArgument("invalid volume specification: '" + spec + "'");
    }
    String source = parts[0];
    if (!source.startsWith("/")) {
      throw new InvalidArgument("named volumes are not supported yet (" + spec + "); bind an absolute host path");
    }
    ObjectNode m = bindNode(Path.of(source), destination(parts[1], spec));
    if (parts.length == 3) {
      for (String o : parts[2].split(",")) {
        switch (o) {
          case "ro", "rw" -> ((ArrayNode) m.get("options")).add(o);
          case "z", "Z", "nocopy", "" -> { }
          case "shared", "rshared", "slave", "rslave", "private", "rprivate" ->
              ((ArrayNode) m.get("options")).add(o);
          default -> throw new InvalidArgument("invalid mode: " + o + " in volume specification '" + spec + "'");
        }
      }
    }
    if (!Files.exists(Path.of(source))) {
      try {
        Files.createDirectories(Path.of(source)); // Docker creates a missing -v source as a directory
      } catch (java.io.IOException e) {
        throw new InvalidArgument("cannot create bind source " + source + ": " + e.getMessage());
      }
    }
    return m;
  }

  private static ObjectNode parseMount(JsonNode m) {
    String type = m.path("Type").asText("volume");
    String target = destination(m.path("Target").asText(""), m.toString());
    return switch (type) {
      case "bind" -> {
        String source = m.path("Source").asText("");
        if (!source.startsWith("/") || !Files.exists(Path.of(source))) {
          throw new InvalidArgument("invalid mount config for type \"bind\": bind source path does not exist: " + source);
        }
        ObjectNode n = bindNode(Path.of(source), target);
        if (m.path("ReadOnly").asBoolean(false)) ((ArrayNode) n.get("options")).add("ro");
        yield n;
      }
      case "tmpfs" -> {
        ObjectNode n = tmpfs(target);
        long size = m.path("TmpfsOptions").path("SizeBytes").asLong(0);
        if (size > 0) ((ArrayNode) n.get("options")).add("size=" + size);
        if (m.path("ReadOnly").asBoolean(false)) ((ArrayNode) n.get("options")).add("ro");
        yield n;
      }
      default -> throw new InvalidArgument("mount type \"" + type + "\" is not supported yet (volumes come later)");
    };
  }

  private static String destination(String d, String spec) {
    if (!d.startsWith("/")) {
      throw new InvalidArgument("invalid mount config: mount path must be absolute: " + d + " (" + spec + ")");
    }
    return d;
  }

  private static ObjectNode bindNode(Path source, String destination) {
    ObjectNode m = JSON.createObjectNode();
    m.put("destination", destination).put("type", "bind").put("source", source.toString());
    m.putArray("options").add("rbind");
    return m;
  }

  private static ObjectNode tmpfs(String destination) {
    ObjectNode t = JSON.createObjectNode();
    t.put("destination", destination(destination, destination)).put("type", "tmpfs").put("source", "tmpfs");
    t.putArray("options").add("nosuid").add("nodev").add("noexec");
    return t;
  }

  private static int depth(JsonNode m) {
    return m.get("destination").asText().split("/").length;
  }

  private static void add(ArrayNode mounts, Set<String> taken, String dest, String source, String type,
      String... options) {
    if (taken.contains(dest)) return;
    ObjectNode m = mounts.addObject().put("destination", dest).put("type", type).put("source", source);
    ArrayNode o = m.putArray("options");
    for (String s : options) o.add(s);
  }

  private static void bind(ArrayNode mounts, Set<String> taken, Path source, String dest, boolean ro) {
    if (taken.contains(dest)) return;
    ObjectNode m = mounts.addObject().put("destination", dest).put("type", "bind").put("source", source.toString());
    m.putArray("options").add("rbind").add("rprivate").add(ro ? "ro" : "rw");
  }
}
