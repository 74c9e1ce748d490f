package dev.berth.images.layer;

import dev.berth.common.error.InvalidArgument;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The rules every name in an untrusted layer tar must pass. A leading "/" is stripped, as Docker does
 * ("/etc/passwd" means the layer's etc/passwd); "." components and repeated slashes are dropped. Any
 * ".." component is refused outright, even one that would stay inside ("a/../b"): no legitimate layer
 * writer produces one, and refusing is simpler to trust than resolving.
 */
final class EntryName {
  static final int PATH_MAX = 4096;
  static final int NAME_MAX = 255;

  private EntryName() {}

  /** The entry name as a clean relative path ("" for the layer root). */
  static String clean(String name) {
    return clean(name, name);
  }

  static String clean(String name, String entry) {
    if (name.indexOf('\0') >= 0) {
      throw refused(entry, "the name contains a NUL byte");
    }
    if (name.getBytes(StandardCharsets.UTF_8).length >= PATH_MAX) {
      throw refused(entry, "the name is longer than " + (PATH_MAX - 1) + " bytes");
    }
    List<String> parts = new ArrayList<>();
    for (String part : name.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        throw refused(entry, "the name contains \"..\"");
      }
      if (part.getBytes(StandardCharsets.UTF_8).length > NAME_MAX) {
        throw refused(entry, "a component of the name is longer than " + NAME_MAX + " bytes");
      }
      parts.add(part);
    }
    return String.join("/", parts);
  }

  /** A single path component: what a whiteout may name. */
  static boolean isComponent(String s) {
    return !s.isEmpty() && !s.equals(".") && !s.equals("..") && s.indexOf('/') < 0 && s.indexOf('\0') < 0
        && s.getBytes(StandardCharsets.UTF_8).length <= NAME_MAX;
  }

  static InvalidArgument refused(String entry, String why) {
    return new InvalidArgument("layer entry " + printable(entry) + ": " + why);
  }

  /** The name as a message can show it: control characters (NUL, newline) escaped, length capped. */
  static String printable(String name) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < name.length() && b.length() < 300; i++) {
      char c = name.charAt(i);
      b.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
    }
    return b.length() >= 300 ? b + "…" : b.toString();
  }
}
