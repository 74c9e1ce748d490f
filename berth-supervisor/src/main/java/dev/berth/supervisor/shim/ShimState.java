package dev.berth.supervisor.shim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.error.Internal;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;

/**
 * A process as its shim sees it now.
 *
 * @param status "created", "running" or "stopped" (OCI's words)
 * @param exit present once stopped
 */
public record ShimState(String id, long pid, String status, Optional<ExitStatus> exit) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public boolean stopped() {
    return status.equals("stopped");
  }

  static ShimState parse(String line) {
    try {
      JsonNode node = JSON.readTree(line);
      long pid = node.path("pid").asLong(-1);
      Optional<ExitStatus> exit = node.has("exit_code")
          ? Optional.of(new ExitStatus(pid, node.get("exit_code").asInt(), node.path("signal").asInt(0),
              Instant.parse(node.get("exited_at").asText())))
          : Optional.empty();
      return new ShimState(node.path("id").asText(), pid, node.path("status").asText(), exit);
    } catch (IOException | RuntimeException e) {
      throw new Internal("unexpected reply to state: " + line, e);
    }
  }
}
