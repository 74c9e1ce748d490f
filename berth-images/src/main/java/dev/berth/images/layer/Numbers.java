package dev.berth.images.layer;

import dev.berth.common.error.InvalidArgument;

/** Numeric fields of tar headers: octal text, or GNU's base-256 when the top bit is set. */
final class Numbers {
  private Numbers() {}

  static long parse(byte[] b, int off, int len, String entry) {
    if ((b[off] & 0x80) != 0) {
      if ((b[off] & 0x40) != 0) {
        throw new InvalidArgument("layer tar entry " + entry + ": negative number in a header field");
      }
      long v = b[off] & 0x3f;
      for (int i = 1; i < len; i++) {
        if ((v >>> 55) != 0) {
          throw new InvalidArgument("layer tar entry " + entry + ": number in a header field is too large");
        }
        v = (v << 8) | (b[off + i] & 0xff);
      }
      return v;
    }
    long v = 0;
    int i = off;
    int end = off + len;
    while (i < end && (b[i] == ' ' || b[i] == 0)) {
      i++;
    }
    for (; i < end; i++) {
      byte c = b[i];
      if (c == 0 || c == ' ') {
        break;
      }
      if (c < '0' || c > '7') {
        throw new InvalidArgument("layer tar entry " + entry + ": corrupt header (bad number field)");
      }
      v = v * 8 + (c - '0');
    }
    return v;
  }
}
