package dev.berth.supervisor.service;

import dev.berth.common.error.BerthException;
import dev.berth.common.error.Conflict;
import dev.berth.common.error.Internal;
import dev.berth.common.error.InvalidArgument;
import dev.berth.common.error.NotFound;
import dev.berth.common.error.PermissionDenied;
import dev.berth.common.error.Unavailable;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** The one place where Berth's error kinds become gRPC status codes, and back on the client side. */
public final class GrpcErrors {
  private GrpcErrors() {}

  public static StatusRuntimeException toStatus(Throwable t) {
    Status status = switch (t) {
      case NotFound e -> Status.NOT_FOUND;
      case Conflict e -> Status.FAILED_PRECONDITION;
      case InvalidArgument e -> Status.INVALID_ARGUMENT;
      case Unavailable e -> Status.UNAVAILABLE;
      case PermissionDenied e -> Status.PERMISSION_DENIED;
      case Internal e -> Status.INTERNAL;
      default -> Status.UNKNOWN;
    };
    String message = t.getMessage() == null ? t.toString() : t.getMessage();
    return status.withDescription(message).withCause(t).asRuntimeException();
  }

  public static BerthException fromStatus(StatusRuntimeException e) {
    Status status = e.getStatus();
    String message = status.getDescription() == null ? status.getCode().toString() : status.getDescription();
    return switch (status.getCode()) {
      case NOT_FOUND -> new NotFound(message);
      case FAILED_PRECONDITION, ALREADY_EXISTS, ABORTED -> new Conflict(message);
      case INVALID_ARGUMENT, OUT_OF_RANGE -> new InvalidArgument(message);
      case UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED -> new Unavailable(message, e);
      case PERMISSION_DENIED, UNAUTHENTICATED -> new PermissionDenied(message);
      case UNIMPLEMENTED -> new Unavailable("the supervisor does not implement this yet: " + message, e);
      default -> new Internal(message, e);
    };
  }
}
