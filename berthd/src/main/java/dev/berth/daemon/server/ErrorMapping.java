package dev.berth.daemon.server;

import dev.berth.common.error.BerthException;
import dev.berth.common.error.Conflict;
import dev.berth.common.error.Internal;
import dev.berth.common.error.InvalidArgument;
import dev.berth.common.error.NotFound;
import dev.berth.common.error.PermissionDenied;
import dev.berth.common.error.Unavailable;
import java.util.Map;

/** The one place where Berth's error kinds become the Engine API's status codes and error bodies. */
public final class ErrorMapping {
  private ErrorMapping() {}

  public static int status(BerthException e) {
    return switch (e) {
      case NotFound n -> 404;
      case Conflict c -> 409;
      case InvalidArgument i -> 400;
      case Unavailable u -> 503;
      case PermissionDenied p -> 403;
      case Internal i -> 500;
    };
  }

  public static ApiResponse response(BerthException e) {
    return ApiResponse.json(status(e), Map.of("message", e.getMessage()));
  }
}
