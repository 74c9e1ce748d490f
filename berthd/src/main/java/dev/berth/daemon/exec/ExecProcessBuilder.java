package dev.berth.daemon.exec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.common.error.InvalidArgument;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An exec's OCI process: the container's own process (capabilities, rlimits, no_new_privs) with the
 * exec's command, environment, directory and terminal, as containerd's exec does. The user, the
 * exec's or else the container's, is resolved by the supervisor in the container's own files.
 */
public final class ExecProcessBuilder {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ExecProcessBuilder() {}

  static byte[] build(byte[] containerSpec, ExecInstance e, int rows, int cols) {
    try {
      ObjectNode process = ((ObjectNode) JSON.readTree(containerSpec).path("process")).deepCopy();
      process.set("args", JSON.valueToTree(e.cmd()));
      process.put("terminal", e.tty());
      process.remove("consoleSize");
      if (e.tty() && rows > 0 && cols > 0) process.putObject("consoleSize").put("height", rows).put("width", cols);
      process.set("env", env(process.path("env"), e));
      if (e.workingDir() != null && !e.workingDir().isEmpty()) process.put("cwd", e.workingDir());
      if (e.privileged()) {
        JsonNode bounding = process.path("capabilities").path("bounding");
        ObjectNode caps = process.putObject("capabilities");
        for (String set : new String[] {"bounding", "effective", "permitted"}) caps.set(set, bounding.deepCopy());
      }
      return JSON.writeValueAsBytes(process);
    } catch (IOException | ClassCastException ex) {
      throw new InvalidArgument("cannot read the spec of container " + e.containerId() + ": " + ex.getMessage());
    }
  }

  /** A process for {@code cmd} without a terminal: healthcheck probes. */
  public static byte[] forCommand(byte[] containerSpec, String containerId, java.util.List<String> cmd) {
    return build(containerSpec, new ExecInstance("probe", containerId, cmd, false, false, true, true, "", "",
        java.util.List.of(), false, false, 0, null), 0, 0);
  }

  private static ArrayNode env(JsonNode base, ExecInstance e) {
    Map<String, String> merged = new LinkedHashMap<>();
    for (JsonNode n : base) put(merged, n.asText());
    if (e.tty()) merged.putIfAbsent("TERM", "TERM=xterm");
    for (String s : e.env()) put(merged, s);
    ArrayNode out = JSON.createArrayNode();
    merged.values().forEach(out::add);
    return out;
  }

  private static void put(Map<String, String> env, String entry) {
    int eq = entry.indexOf('=');
    env.put(eq < 0 ? entry : entry.substring(0, eq), entry);
  }

}
