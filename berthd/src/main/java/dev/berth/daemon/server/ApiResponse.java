package dev.berth.daemon.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Map;

/** What a handler answers: a status, headers, and a body held in memory or in a file to stream. */
public record ApiResponse(int status, String contentType, byte[] body, Path file, Map<String, String> headers) {
  private static final ObjectMapper JSON = new ObjectMapper();

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
