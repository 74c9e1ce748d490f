package dev.berth.daemon.containers;

import dev.berth.common.error.InvalidArgument;
import dev.berth.supervisor.shim.ContainerLog;
import dev.berth.supervisor.shim.LogQuery;
import dev.berth.supervisor.shim.LogRecord;
import dev.berth.supervisor.shim.StreamFrame;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/** `GET /containers/{id}/logs`: the json-file log as Docker sends it, framed without a TTY, raw with one. */
final class LogStream {
  private LogStream() {}

  /** Docker's since/until; "0" means no bound. */
  static Instant time(String value) {
    return "0".equals(value) ? null : dev.berth.daemon.server.ApiTimes.parse(value);
  }

  static int tail(String value) {
    if (value == null || value.isEmpty() || value.equals("all")) return -1;
    try {
      return Math.max(-1, Integer.parseInt(value));
    } catch (NumberFormatException e) {
      throw new InvalidArgument("invalid value for tail: " + value);
    }
  }

  static void write(ContainerLog log, LogQuery query, boolean tty, boolean timestamps, boolean follow,
      BooleanSupplier finished, OutputStream out) throws IOException {
    try {
      if (follow) {
        log.follow(query, r -> send(r, tty, timestamps, out), finished);
      } else {
        log.read(query, r -> send(r, tty, timestamps, out));
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private static void send(LogRecord r, boolean tty, boolean timestamps, OutputStream out) {
    byte[] text = ((timestamps ? r.time().toString() + " " : "") + r.text()).getBytes(StandardCharsets.UTF_8);
    try {
      if (tty) {
        out.write(text);
        return;
      }
      byte[] frame = new byte[StreamFrame.HEADER_LENGTH + text.length];
      byte[] header = StreamFrame.header(r.stream().equals("stderr") ? StreamFrame.STDERR : StreamFrame.STDOUT,
          text.length);
      System.arraycopy(header, 0, frame, 0, header.length);
      System.arraycopy(text, 0, frame, header.length, text.length);
      out.write(frame);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
