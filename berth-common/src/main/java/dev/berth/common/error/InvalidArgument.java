package dev.berth.common.error;

/** Raised when the request itself is malformed or names something impossible. */
public final class InvalidArgument extends BerthException {
  public InvalidArgument(String message) {
    super(message, null);
  }

  public InvalidArgument(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public String kind() {
    return "InvalidArgument";
  }
}
