package dev.berth.images.layer;

import dev.berth.common.error.InvalidArgument;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** PAX extended header records, {@code "<length> <key>=<value>\n"}, with values kept as raw bytes. */
final class PaxRecords {
  private PaxRecords() {}

  /**
   * Adds the records of {@code body} to {@code into}. An empty value deletes a keyword, as POSIX says
   * (except for xattrs, where an empty value is a value). PAX sparse 0.0 repeats
   * GNU.sparse.offset/numbytes pairs, which a map cannot hold: they go to {@code sparse} in order.
   */
  static void parse(byte[] body, Map<String, byte[]> into, List<Long> sparse, boolean global) {
    int pos = 0;
    while (pos < body.length && body[pos] != 0) {
      int space = indexOf(body, (byte) ' ', pos);
      if (space < 0 || space - pos > 10) {
        throw malformed(global);
      }
      int length;
      try {
        length = Integer.parseInt(new String(body, pos, space - pos, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        throw malformed(global);
      }
      int end = pos + length;
      if (length <= 0 || end > body.length || end <= space || body[end - 1] != '\n') {
        throw malformed(global);
      }
      int eq = indexOf(body, (byte) '=', space);
      if (eq < 0 || eq >= end) {
        throw malformed(global);
      }
      String key = new String(body, space + 1, eq - space - 1, StandardCharsets.UTF_8);
      byte[] value = Arrays.copyOfRange(body, eq + 1, end - 1);
      if (key.equals("GNU.sparse.offset") || key.equals("GNU.sparse.numbytes")) {
        try {
          sparse.add(Long.parseLong(new String(value, StandardCharsets.US_ASCII)));
        } catch (NumberFormatException e) {
          throw malformed(global);
        }
      } else if (value.length == 0 && !key.startsWith("SCHILY.xattr.")) {
        into.remove(key);
      } else {
        into.put(key, value);
      }
      pos = end;
    }
  }

  private static InvalidArgument malformed(boolean global) {
    return new InvalidArgument("malformed PAX " + (global ? "global" : "extended") + " header record in the layer tar");
  }

  private static int indexOf(byte[] b, byte c, int from) {
    for (int i = from; i < b.length; i++) {
      if (b[i] == c) {
        return i;
      }
    }
    return -1;
  }
}
