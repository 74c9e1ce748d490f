package dev.berth.supervisor.shim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.error.Internal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * How a process ended, as the shim recorded it: the exit code Docker reports (128+n for signal n),
 * the signal (0 if none), and when the shim reaped it.
 *
 * @param pid the process as the host saw it; -1 when only the wait reply is known
 */
public record ExitStatus(long pid, int exitCode, int signal, Instant exitedAt) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Parses exit.json: {"pid":…,"exit_code":…,"signal":…,"exited_at":"RFC 3339"}. */
  public static ExitStatus parse(String json) {
    try {
      JsonNode node = JSON.readTree(json);
      if (node == null || !node.has("exit_code") || !node.has("exited_at")) {
        throw new Internal("malformed exit status: " + json.strip());
      }
      return new ExitStatus(node.path("pid").asLong(-1), node.get("exit_code").asInt(), node.path("signal").asInt(0),
          Instant.parse(node.get("exited_at").asText()));
    } catch (IOException | java.time.DateTimeException e) {
      throw new Internal("malformed exit status: " + json.strip(), e);
    }
  }

  /** The exit file, if the process has exited (the shim writes it atomically, so it is whole or absent). */
  public static Optional<ExitStatus> read(Path file) {
    try {
      return Optional.of(parse(Files.readString(file)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new Internal("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Parses the reply to {@code wait}: "exit <code> <time>". */
  static ExitStatus fromWaitReply(String line) {
    String[] words = line.strip().split(" ");
    if (words.length != 3 || !words[0].equals("exit")) throw new Internal("unexpected reply to wait: " + line);
    try {
      int code = Integer.parseInt(words[1]);
      return new ExitStatus(-1, code, code > 128 ? code - 128 : 0, Instant.parse(words[2]));
    } catch (RuntimeException e) {
      throw new Internal("unexpected reply to wait: " + line, e);
    }
  }
}
