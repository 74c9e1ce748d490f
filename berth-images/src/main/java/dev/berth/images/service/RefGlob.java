package dev.berth.images.service;

import dev.berth.common.error.InvalidArgument;
import dev.berth.images.reference.Reference;
import java.util.regex.Pattern;

/**
 * A {@code reference} filter: Go's path.Match over the familiar name ({@code busybox:latest}, then
 * {@code busybox}), as Docker matches it: {@code *} and {@code ?} stop at '/', {@code [^a-z]} classes,
 * backslash escapes. A reversed range ({@code [z-a]}), which Go accepts and never matches, is refused.
 */
record RefGlob(String pattern, Pattern regex) {
  static RefGlob compile(String pattern) {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      switch (c) {
        case '*' -> re.append("[^/]*");
        case '?' -> re.append("[^/]");
        case '\\' -> {
          if (++i >= pattern.length()) throw bad();
          re.append(literal(pattern.charAt(i)));
        }
        case '[' -> i = charClass(pattern, i + 1, re);
        default -> re.append(literal(c));
      }
    }
    return new RefGlob(pattern, Pattern.compile(re.toString()));
  }

  boolean matches(Reference ref) {
    return regex.matcher(ref.familiar()).matches() || regex.matcher(ref.familiarRepository()).matches();
  }

  /** Appends the class that starts at {@code i} (after '['); returns the index of its ']'. */
  private static int charClass(String p, int i, StringBuilder re) {
    re.append('[');
    if (i < p.length() && p.charAt(i) == '^') {
      re.append('^');
      i++;
    }
    boolean any = false;
    while (true) {
      if (i >= p.length()) throw bad();
      char c = p.charAt(i);
      if (c == ']' && any) break;
      char lo = c == '\\' ? escaped(p, ++i) : c;
      if (c == '-' || (c == ']' && !any)) throw bad();
      i++;
      char hi = lo;
      if (i < p.length() && p.charAt(i) == '-') {
        i++;
        if (i >= p.length() || p.charAt(i) == ']') throw bad();
        hi = p.charAt(i) == '\\' ? escaped(p, ++i) : p.charAt(i);
        i++;
      }
      if (hi < lo) throw bad();
      re.append(literal(lo)).append('-').append(literal(hi));
      any = true;
    }
    re.append(']');
    return i;
  }

  private static char escaped(String p, int i) {
    if (i >= p.length()) throw bad();
    return p.charAt(i);
  }

  private static String literal(char c) {
    return "\\x{" + Integer.toHexString(c) + "}";
  }

  private static InvalidArgument bad() {
    return new InvalidArgument("syntax error in pattern");
  }
}
