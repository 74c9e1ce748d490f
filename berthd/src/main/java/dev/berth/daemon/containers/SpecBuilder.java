package dev.berth.daemon.containers;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.common.error.InvalidArgument;
import dev.berth.runtime.seccomp.DockerSeccompProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Docker's create options turned into an OCI runtime spec, as dockerd's oci_linux does: its default
 * mounts, capabilities, masked paths, device rules and seccomp profile, then what the HostConfig asks.
 */
public final class SpecBuilder {
  static final List<String> DEFAULT_CAPS = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
      "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
      "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");
  static final List<String> MASKED = List.of("/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore",
      "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
      "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap");
  static final List<String> READONLY = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
      "/proc/sysrq-trigger");
  /** The cgroup every container's own sits under, as dockerd's /docker. */
  public static final String CGROUP_PARENT = "/berth";
  /** Where `--init` puts berth-pid1 in the container: Docker's path for its docker-init. */
  static final String PID1_PATH = "/sbin/docker-init";
  private static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  private static final ObjectMapper JSON = new ObjectMapper().setSerializationInclusion(JsonInclude.Include.NON_NULL);
  private static final byte[] SECCOMP_PROFILE = DockerSeccompProfile.dockerDefault();

  /** The files every container gets bind-mounted over its own: hostname, hosts, resolv.conf. */
  public record EtcFiles(Path hostname, Path hosts, Path resolvConf) {}

  /** The user the process runs as, resolved from the image's /etc/passwd and /etc/group. */
  public record User(long uid, long gid, List<Long> additionalGids) {}

  private SpecBuilder() {}

  public static byte[] build(Container c, User user, EtcFiles etc, String networkNamespacePath) {
    ObjectNode spec = JSON.createObjectNode();
    spec.put("ociVersion", "1.0.2");
    ObjectNode hc = c.hostConfig();
    boolean privileged = hc.path("Privileged").asBoolean(false);
    Set<String> caps = capabilities(hc, privileged);
    spec.set("process", process(c, user, caps, hc));
    spec.putObject("root").put("path", "rootfs").put("readonly", hc.path("ReadonlyRootfs").asBoolean(false));
    spec.put("hostname", c.config().path("Hostname").asText(c.shortId()));
    String domain = c.config().path("Domainname").asText("");
    if (!domain.isEmpty()) spec.put("domainname", domain);
    spec.set("mounts", Mounts.of(c, etc, privileged));
    spec.putObject("annotations").put("dev.berth.user", c.config().path("User").asText(""));
    ObjectNode linux = spec.putObject("linux");
    linux.set("namespaces", namespaces(hc, networkNamespacePath));
    linux.put("cgroupsPath", CGROUP_PARENT + "/" + c.id());
    linux.set("resources", Resources.of(hc, privileged));
    if (!privileged) {
      linux.set("maskedPaths", JSON.valueToTree(MASKED));
      linux.set("readonlyPaths", JSON.valueToTree(READONLY));
    }
    if (hc.path("Sysctls").isObject() && !hc.path("Sysctls").isEmpty()) linux.set("sysctl", hc.get("Sysctls"));
    if (!privileged && !securityOpt(hc, "seccomp").equals("unconfined")) {
      linux.set("seccomp", JSON.valueToTree(DockerSeccompProfile.toOci(SECCOMP_PROFILE, caps,
          System.getProperty("os.arch").equals("amd64") ? "amd64" : System.getProperty("os.arch"))));
    }
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(spec);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ObjectNode process(Container c, User user, Set<String> caps, ObjectNode hc) {
    ObjectNode p = JSON.createObjectNode();
    p.put("terminal", c.tty());
    // Clients since API 1.42 send their terminal's size with the create, so the pty never starts at 0x0.
    JsonNode size = hc.path("ConsoleSize");
    if (c.tty() && size.isArray() && size.size() == 2 && size.get(0).asInt() > 0 && size.get(1).asInt() > 0) {
      p.putObject("consoleSize").put("height", size.get(0).asInt()).put("width", size.get(1).asInt());
    }
    ObjectNode u = p.putObject("user").put("uid", user.uid()).put("gid", user.gid());
    Set<Long> groups = new LinkedHashSet<>(user.additionalGids());
    hc.path("GroupAdd").forEach(g -> groups.add(numericGroup(g.asText())));
    if (!groups.isEmpty()) u.set("additionalGids", JSON.valueToTree(groups));
    List<String> argv = new ArrayList<>(c.command());
    if (argv.isEmpty()) throw new InvalidArgument("No command specified");
    if (c.hostConfig().path("Init").asBoolean(false)) {
      argv.addAll(0, List.of(PID1_PATH, "--"));
    }
    p.set("args", JSON.valueToTree(argv));
    p.set("env", JSON.valueToTree(environment(c)));
    String cwd = c.config().path("WorkingDir").asText("");
    p.put("cwd", cwd.isEmpty() ? "/" : cwd);
    ObjectNode capabilities = p.putObject("capabilities");
    JsonNode set = JSON.valueToTree(caps);
    capabilities.set("bounding", set);
    // A non-root process starts with no effective capabilities, as with Docker.
    JsonNode effective = user.uid() == 0 ? set : JSON.createArrayNode();
    capabilities.set("effective", effective);
    capabilities.set("permitted", effective);
    if (securityOpt(hc, "no-new-privileges").equals("true")) p.put("noNewPrivileges", true);
    if (hc.has("OomScoreAdj") && hc.get("OomScoreAdj").asInt() != 0) p.put("oomScoreAdj", hc.get("OomScoreAdj").asInt());
    ArrayNode rlimits = JSON.createArrayNode();
    hc.path("Ulimits").forEach(l -> rlimits.addObject()
        .put("type", "RLIMIT_" + l.path("Name").asText().toUpperCase(Locale.ROOT))
        .put("hard", l.path("Hard").asLong()).put("soft", l.path("Soft").asLong()));
    if (!rlimits.isEmpty()) p.set("rlimits", rlimits);
    return p;
  }

  static List<String> environment(Container c) {
    List<String> env = new ArrayList<>();
    c.config().path("Env").forEach(e -> env.add(e.asText()));
    if (env.stream().noneMatch(e -> e.startsWith("PATH="))) env.add(0, DEFAULT_PATH);
    env.add("HOSTNAME=" + c.config().path("Hostname").asText(c.shortId()));
    if (c.tty() && env.stream().noneMatch(e -> e.startsWith("TERM="))) env.add("TERM=xterm");
    return env;
  }

  private static Set<String> capabilities(ObjectNode hc, boolean privileged) {
    Set<String> caps = new LinkedHashSet<>(DEFAULT_CAPS);
    if (privileged) caps.addAll(AllCapabilities.NAMES);
    for (JsonNode add : hc.path("CapAdd")) {
      String name = capName(add.asText());
      if (name.equals("CAP_ALL")) caps.addAll(AllCapabilities.NAMES);
      else caps.add(AllCapabilities.check(name));
    }
    for (JsonNode drop : hc.path("CapDrop")) {
      String name = capName(drop.asText());
      if (name.equals("CAP_ALL")) caps.clear();
      else caps.remove(AllCapabilities.check(name));
    }
    return caps;
  }

  private static String capName(String s) {
    String upper = s.toUpperCase(Locale.ROOT);
    return upper.startsWith("CAP_") ? upper : "CAP_" + upper;
  }

  private static ArrayNode namespaces(ObjectNode hc, String networkNamespacePath) {
    ArrayNode ns = JSON.createArrayNode();
    for (String type : List.of("mount", "uts", "ipc")) ns.addObject().put("type", type);
    if (!hc.path("PidMode").asText("").equals("host")) ns.addObject().put("type", "pid");
    String net = hc.path("NetworkMode").asText("");
    if (!net.equals("host")) {
      ObjectNode n = ns.addObject().put("type", "network");
      if (networkNamespacePath != null) n.put("path", networkNamespacePath);
    }
    if (hc.path("CgroupnsMode").asText("").equals("private")) ns.addObject().put("type", "cgroup");
    return ns;
  }

  private static long numericGroup(String g) {
    try {
      return Long.parseLong(g);
    } catch (NumberFormatException e) {
      throw new InvalidArgument("--group-add takes numeric group ids here: " + g);
    }
  }

  /** The value of {@code --security-opt key=value} (or {@code key:value}), or "". */
  static String securityOpt(ObjectNode hc, String key) {
    for (JsonNode o : hc.path("SecurityOpt")) {
      String s = o.asText();
      if (s.equals(key)) return "true";
      if (s.startsWith(key + "=") || s.startsWith(key + ":")) return s.substring(key.length() + 1);
    }
    return "";
  }

}
