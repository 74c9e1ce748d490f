package dev.berth.daemon.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a handler answers: a status, headers, and a body held in memory, a file to stream, a body
 * written as it comes (chunked: waits, logs, events), or a hijacked connection (attach).
 */
public record ApiResponse(int status, String contentType, byte[] body, Path file, Map<String, String> headers,
    StreamBody stream, Hijack hijack) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A body produced while the response is open; each write is flushed to the client. */
  @FunctionalInterface
  public interface StreamBody {
    void write(OutputStream out) throws IOException;
  }

  /**
   * A connection taken over after the response head: the client's further bytes come in on
   * {@code in} (end of stream when it half-closes), and {@code out} goes to it raw. The connection
   * closes when this returns.
   */
  @FunctionalInterface
  public interface Hijack {
    void run(InputStream in, OutputStream out) throws IOException;
  }

  public ApiResponse(int status, String contentType, byte[] body, Path file, Map<String, String> headers) {
    this(status, contentType, body, file, headers, null, null);
  }

  public static ApiResponse stream(String contentType, StreamBody body) {
    return new ApiResponse(200, contentType, null, null, Map.of(), body, null);
  }

  public static ApiResponse hijack(String contentType, Hijack hijack) {
    return new ApiResponse(200, contentType, null, null, Map.of(), null, hijack);
  }

  public static ApiResponse json(int status, Object value) {
    try {
      return new ApiResponse(status, "application/json", JSON.writeValueAsBytes(value), null, Map.of());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static ApiResponse json(Object value) {
    return json(200, value);
  }

  public static ApiResponse empty(int status) {
    return new ApiResponse(status, null, new byte[0], null, Map.of());
  }

  public static ApiResponse text(int status, String text) {
    return new ApiResponse(status, "text/plain; charset=utf-8", text.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        null, Map.of());
  }

  /** A file streamed as the body and deleted afterwards (image archives). */
  public static ApiResponse file(String contentType, Path file) {
    return new ApiResponse(200, contentType, null, file, Map.of());
  }
}
