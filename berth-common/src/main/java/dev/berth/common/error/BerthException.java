package dev.berth.common.error;

/**
 * The one error type that crosses component boundaries. Each subtype is a category a user or client
 * can act on; the Engine API maps them to HTTP status codes and the supervisor to gRPC codes, each in
 * one place. The message is the user-facing text: it names the problem, not the stack.
 */
public sealed abstract class BerthException extends RuntimeException
    permits NotFound, Conflict, InvalidArgument, Unavailable, PermissionDenied, Internal {

  protected BerthException(String message, Throwable cause) {
    super(message, cause);
  }

  /** A short stable name of the category, used in logs and JSON error output. */
  public abstract String kind();
}
