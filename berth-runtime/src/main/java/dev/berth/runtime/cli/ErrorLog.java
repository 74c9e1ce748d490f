package dev.berth.runtime.cli;

import dev.berth.runtime.container.Timestamps;
import dev.berth.runtime.spec.RecordJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The --log file. containerd's runc shim reads the last JSON lines of it to tell the user why a
 * command failed, so the json format matches runc's ({"level","msg","time"}).
 */
final class ErrorLog {
  private final Path file;
  private final boolean json;

  ErrorLog(Path file, String format) {
    this.file = file;
    this.json = "json".equals(format);
  }

  void error(String message) {
    if (file == null) {
      return;
    }
    try {
      String line;
      if (json) {
        Map<String, String> entry = new LinkedHashMap<>();
        entry.put("level", "error");
        entry.put("msg", message);
        entry.put("time", Timestamps.now());
        line = new String(RecordJson.write(entry, false), StandardCharsets.UTF_8);
      } else {
        line = "time=\"" + Timestamps.now() + "\" level=error msg=\"" + message.replace("\"", "\\\"") + "\"";
      }
      Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException ignored) {
      // The error is also on stderr; a broken log must not hide it.
    }
  }
}
