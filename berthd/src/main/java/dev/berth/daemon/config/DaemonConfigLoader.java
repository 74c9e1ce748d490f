package dev.berth.daemon.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.error.InvalidArgument;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Merges berthd's flags with its configuration file as dockerd does: a setting may come from either,
 * not both (naming it twice is an error, so nobody wonders which one won), and a key the file does not
 * know is an error, not a silent no-op.
 */
public final class DaemonConfigLoader {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> KEYS = Set.of("hosts", "data-root", "exec-root", "default-runtime", "log-level",
      "live-restore", "group", "tlsverify", "tlscacert", "tlscert", "tlskey", "supervisor");

  /** The settings given on the command line; null where a flag was not given. */
  public record Flags(List<String> hosts, Path dataRoot, Path execRoot, String defaultRuntime, String logLevel,
      Boolean liveRestore, String group, Boolean tlsVerify, Path tlsCaCert, Path tlsCert, Path tlsKey,
      String supervisor) {
    public Flags(List<String> hosts, Path dataRoot, Path execRoot, String defaultRuntime, String logLevel,
        Boolean liveRestore, String group, Boolean tlsVerify, Path tlsCaCert, Path tlsCert, Path tlsKey) {
      this(hosts, dataRoot, execRoot, defaultRuntime, logLevel, liveRestore, group, tlsVerify, tlsCaCert, tlsCert,
          tlsKey, null);
    }

    Map<String, Object> given() {
      Map<String, Object> m = new LinkedHashMap<>();
      if (hosts != null && !hosts.isEmpty()) m.put("hosts", hosts);
      put(m, "data-root", dataRoot);
      put(m, "exec-root", execRoot);
      put(m, "default-runtime", defaultRuntime);
      put(m, "log-level", logLevel);
      put(m, "live-restore", liveRestore);
      put(m, "group", group);
      put(m, "tlsverify", tlsVerify);
      put(m, "tlscacert", tlsCaCert);
      put(m, "tlscert", tlsCert);
      put(m, "tlskey", tlsKey);
      put(m, "supervisor", supervisor);
      return m;
    }

    private static void put(Map<String, Object> m, String key, Object value) {
      if (value != null) m.put(key, value);
    }
  }

  private DaemonConfigLoader() {}

  /**
   * @param file the configuration file; a missing file is an error only when {@code explicit}
   */
  public static DaemonConfig load(Flags flags, Path file, boolean explicit) {
    Map<String, Object> fromFile = readFile(file, explicit);
    Map<String, Object> fromFlags = flags.given();
    List<String> twice = new ArrayList<>();
    for (String key : fromFlags.keySet()) {
      if (fromFile.containsKey(key)) {
        twice.add(key + ": (from flag: " + fromFlags.get(key) + ", from file: " + fromFile.get(key) + ")");
      }
    }
    if (!twice.isEmpty()) {
      throw new InvalidArgument("the following directives are specified both as a flag and in the configuration file ("
          + file + "): " + String.join(", ", twice));
    }
    Map<String, Object> merged = new LinkedHashMap<>(fromFile);
    merged.putAll(fromFlags);
    return build(merged);
  }

  @SuppressWarnings("unchecked")
  private static DaemonConfig build(Map<String, Object> m) {
    List<String> hosts = (List<String>) m.getOrDefault("hosts", List.of(DaemonConfig.DEFAULT_HOST));
    DaemonConfig.Tls tls = null;
    boolean verify = (Boolean) m.getOrDefault("tlsverify", false);
    Path ca = path(m.get("tlscacert"));
    Path cert = path(m.get("tlscert"));
    Path key = path(m.get("tlskey"));
    if (verify) {
      if (ca == null || cert == null || key == null) {
        throw new InvalidArgument("--tlsverify needs --tlscacert, --tlscert and --tlskey");
      }
      tls = new DaemonConfig.Tls(ca, cert, key);
    } else if (ca != null || cert != null || key != null) {
      throw new InvalidArgument("TLS certificates are given but --tlsverify is not: berthd serves TCP only with"
          + " client certificates");
    }
    return new DaemonConfig(hosts,
        path(m.getOrDefault("data-root", DaemonConfig.DEFAULT_DATA_ROOT)),
        path(m.getOrDefault("exec-root", DaemonConfig.DEFAULT_EXEC_ROOT)),
        (String) m.getOrDefault("default-runtime", "berth"),
        (String) m.getOrDefault("log-level", "info"),
        (Boolean) m.getOrDefault("live-restore", true),
        (String) m.get("group"),
        tls,
        supervisorSocket((String) m.get("supervisor")));
  }

  private static Path supervisorSocket(String address) {
    if (address == null) return null;
    if (!address.startsWith("unix://") || address.length() == "unix://".length()) {
      throw new InvalidArgument("invalid supervisor address " + address + ": use unix:///path");
    }
    return Path.of(address.substring("unix://".length()));
  }

  private static Path path(Object value) {
    return value == null ? null : value instanceof Path p ? p : Path.of((String) value);
  }

  private static Map<String, Object> readFile(Path file, boolean explicit) {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      if (explicit) throw new InvalidArgument("configuration file " + file + " does not exist");
      return Map.of();
    } catch (JsonProcessingException e) {
      throw new InvalidArgument("configuration file " + file + " is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new InvalidArgument("cannot read configuration file " + file + ": " + e.getMessage(), e);
    }
    if (root == null || root.isMissingNode()) return Map.of();
    if (!root.isObject()) throw new InvalidArgument("configuration file " + file + " must hold a JSON object");
    Map<String, Object> m = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = e.getKey();
      if (!KEYS.contains(key)) {
        throw new InvalidArgument("configuration file " + file + ": unknown directive \"" + key + "\" (berthd knows "
            + String.join(", ", KEYS.stream().sorted().toList()) + ")");
      }
      m.put(key, value(file, key, e.getValue()));
    }
    return m;
  }

  private static Object value(Path file, String key, JsonNode v) {
    switch (key) {
      case "hosts" -> {
        if (!v.isArray()) throw wrongType(file, key, "an array of strings");
        List<String> hosts = new ArrayList<>();
        for (JsonNode h : v) {
          if (!h.isTextual()) throw wrongType(file, key, "an array of strings");
          hosts.add(h.asText());
        }
        return hosts;
      }
      case "live-restore", "tlsverify" -> {
        if (!v.isBoolean()) throw wrongType(file, key, "true or false");
        return v.asBoolean();
      }
      default -> {
        if (!v.isTextual()) throw wrongType(file, key, "a string");
        return v.asText();
      }
    }
  }

  private static InvalidArgument wrongType(Path file, String key, String wanted) {
    return new InvalidArgument("configuration file " + file + ": \"" + key + "\" must be " + wanted);
  }
}
