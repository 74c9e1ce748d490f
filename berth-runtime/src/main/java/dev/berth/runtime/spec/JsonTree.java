package dev.berth.runtime.spec;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A JSON document parsed into nodes that remember where they start, so a binding error can name the
 * line and column of the offending value. Strict RFC 8259: no comments, no trailing commas, no
 * leading zeros, nothing after the top-level value, UTF-8 only. Small on purpose: it runs in every
 * short-lived `berth-runtime` command, where Jackson's data binding costs more than the container.
 *
 * <p>Not jackson-core's streaming parser, though RecordJson writes with its generator: every Jackson
 * parser's base class makes BigDecimal constants in its static initializer, and JDK 25's BigDecimal
 * computes 5^65536 in its own, interpreted in a cold JVM: a `run` took 9-13 ms longer (25-34 ms more CPU)
 * with it (docs/benchmarks.md). Jackson's parser would also take a byte order mark, UTF-16 and overlong
 * UTF-8, which this refuses (RecordJsonTest).
 */
final class JsonTree {
  /** Deeper documents are refused instead of overflowing the stack. */
  static final int MAX_DEPTH = 1000;

  enum Kind { OBJECT, ARRAY, STRING, INTEGER, FLOAT, TRUE, FALSE, NULL }

  /**
   * A value: {@code value} is a {@code Map<String, Node>} (OBJECT), a {@code List<Node>} (ARRAY), the
   * text (STRING), or the literal as written (INTEGER, FLOAT); null otherwise. Line and column are
   * 1-based and count bytes, as Jackson does for byte input.
   */
  record Node(Kind kind, Object value, int line, int column) {
    @SuppressWarnings("unchecked")
    Map<String, Node> fields() {
      return (Map<String, Node>) value;
    }

    @SuppressWarnings("unchecked")
    List<Node> elements() {
      return (List<Node>) value;
    }

    String text() {
      return (String) value;
    }
  }

  /** Malformed JSON, with where it was found. */
  static final class SyntaxException extends Exception {
    final int line;
    final int column;

    SyntaxException(String message, int line, int column) {
      super(message, null, false, false);
      this.line = line;
      this.column = column;
    }
  }

  private final byte[] in;
  private int pos;
  private int line = 1;
  private int lineStart;

  private JsonTree(byte[] in) {
    this.in = in;
  }

  /** The document's top-level value, or null when it holds nothing but whitespace. */
  static Node parse(byte[] json) throws SyntaxException {
    JsonTree p = new JsonTree(json);
    p.skipSpace();
    if (p.pos == json.length) {
      return null;
    }
    Node root = p.value(0);
    p.skipSpace();
    if (p.pos < json.length) {
      throw p.error("unexpected " + p.describeNext() + " after the top-level value");
    }
    return root;
  }

  private Node value(int depth) throws SyntaxException {
    if (depth > MAX_DEPTH) {
      throw error("nesting deeper than " + MAX_DEPTH + " levels");
    }
    int startLine = line;
    int startColumn = pos - lineStart + 1;
    if (pos == in.length) {
      throw error("unexpected end of input");
    }
    return switch (in[pos]) {
      case '{' -> new Node(Kind.OBJECT, object(depth), startLine, startColumn);
      case '[' -> new Node(Kind.ARRAY, array(depth), startLine, startColumn);
      case '"' -> new Node(Kind.STRING, string(), startLine, startColumn);
      case 't' -> literal("true", Kind.TRUE, startLine, startColumn);
      case 'f' -> literal("false", Kind.FALSE, startLine, startColumn);
      case 'n' -> literal("null", Kind.NULL, startLine, startColumn);
      default -> number(startLine, startColumn);
    };
  }

  private Map<String, Node> object(int depth) throws SyntaxException {
    Map<String, Node> fields = new LinkedHashMap<>();
    if (opens('}')) {
      return fields;
    }
    do {
      skipSpace();
      if (peek() != '"') {
        throw error("expected a field name in double quotes, found " + describeNext());
      }
      String name = string();
      skipSpace();
      expect(':');
      skipSpace();
      fields.put(name, value(depth + 1)); // a repeated name keeps its last value, as Jackson does
    } while (!closes('}', "an object"));
    return fields;
  }

  private List<Node> array(int depth) throws SyntaxException {
    List<Node> elements = new ArrayList<>();
    if (opens(']')) {
      return elements;
    }
    do {
      skipSpace();
      elements.add(value(depth + 1));
    } while (!closes(']', "an array"));
    return elements;
  }

  /** Past the opening bracket: true when the container is empty (and then past its closing one too). */
  private boolean opens(char close) {
    pos++;
    skipSpace();
    if (peek() == close) {
      pos++;
      return true;
    }
    return false;
  }

  /** After a member: true past the closing bracket, false past a comma. */
  private boolean closes(char close, String container) throws SyntaxException {
    skipSpace();
    int c = peek();
    if (c != close && c != ',') {
      throw error("expected ',' or '" + close + "' in " + container + ", found " + describeNext());
    }
    pos++;
    return c == close;
  }

  private String string() throws SyntaxException {
    pos++;
    int start = pos;
    // The common case: plain ASCII without escapes becomes a String in one copy.
    while (pos < in.length && in[pos] != '"' && in[pos] != '\\' && in[pos] >= 0x20) {
      pos++;
    }
    if (pos < in.length && in[pos] == '"') {
      boolean ascii = true;
      for (int i = start; i < pos && ascii; i++) {
        ascii = in[i] >= 0;
      }
      String s = ascii ? new String(in, start, pos - start, StandardCharsets.ISO_8859_1) : utf8(start, pos);
      pos++;
      return s;
    }
    return escapedString(start);
  }

  private String escapedString(int start) throws SyntaxException {
    StringBuilder sb = new StringBuilder();
    int run = start;
    for (;;) {
      if (pos >= in.length) {
        throw error("unterminated string");
      }
      byte b = in[pos];
      if (b == '"') {
        sb.append(utf8(run, pos));
        pos++;
        return sb.toString();
      }
      if (b >= 0 && b < 0x20) {
        throw error("control character " + (int) b + " in a string must be escaped");
      }
      if (b != '\\') {
        pos++;
        continue;
      }
      sb.append(utf8(run, pos));
      pos++;
      if (pos >= in.length) {
        throw error("unterminated string");
      }
      byte e = in[pos++];
      switch (e) {
        case '"' -> sb.append('"');
        case '\\' -> sb.append('\\');
        case '/' -> sb.append('/');
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        case 't' -> sb.append('\t');
        case 'u' -> sb.append(unicodeEscape());
        default -> {
          pos--;
          throw error("invalid escape '\\" + (char) e + "' in a string");
        }
      }
      run = pos;
    }
  }

  private char unicodeEscape() throws SyntaxException {
    if (pos + 4 > in.length) {
      throw error("unterminated \\u escape");
    }
    int v = 0;
    for (int i = 0; i < 4; i++) {
      int d = Character.digit(in[pos + i], 16);
      if (d < 0) {
        throw error("invalid \\u escape: expected 4 hex digits");
      }
      v = v * 16 + d;
    }
    pos += 4;
    return (char) v;
  }

  private String utf8(int from, int to) throws SyntaxException {
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(in, from, to - from)).toString();
    } catch (CharacterCodingException e) {
      throw error("invalid UTF-8 in a string");
    }
  }

  private Node literal(String word, Kind kind, int startLine, int startColumn) throws SyntaxException {
    for (int i = 0; i < word.length(); i++) {
      if (pos + i >= in.length || in[pos + i] != word.charAt(i)) {
        throw error("unrecognized token: expected '" + word + "'");
      }
    }
    pos += word.length();
    if (pos < in.length && Character.isLetterOrDigit(in[pos])) {
      throw error("unrecognized token: expected '" + word + "'");
    }
    return new Node(kind, null, startLine, startColumn);
  }

  private Node number(int startLine, int startColumn) throws SyntaxException {
    int start = pos;
    if (peek() == '-') {
      pos++;
    }
    if (!digit(peek())) {
      throw error("unexpected " + describeNext() + ": expected a JSON value");
    }
    if (peek() == '0' && digit(peekAt(pos + 1))) {
      throw error("leading zeros are not allowed in numbers");
    }
    digits();
    boolean integer = true;
    if (peek() == '.') {
      integer = false;
      pos++;
      if (!digit(peek())) {
        throw error("expected a digit after the decimal point");
      }
      digits();
    }
    if (peek() == 'e' || peek() == 'E') {
      integer = false;
      pos++;
      if (peek() == '+' || peek() == '-') {
        pos++;
      }
      if (!digit(peek())) {
        throw error("expected a digit in the exponent");
      }
      digits();
    }
    return new Node(integer ? Kind.INTEGER : Kind.FLOAT, new String(in, start, pos - start, StandardCharsets.US_ASCII),
        startLine, startColumn);
  }

  private void digits() {
    while (digit(peek())) {
      pos++;
    }
  }

  private static boolean digit(int c) {
    return c >= '0' && c <= '9';
  }

  private void expect(char c) throws SyntaxException {
    if (peek() != c) {
      throw error("expected '" + c + "', found " + describeNext());
    }
    pos++;
  }

  private int peek() {
    return peekAt(pos);
  }

  private int peekAt(int i) {
    return i < in.length ? in[i] : -1;
  }

  private void skipSpace() {
    while (pos < in.length) {
      byte b = in[pos];
      if (b == '\n') {
        line++;
        lineStart = pos + 1;
      } else if (b == '\r') {
        if (peekAt(pos + 1) != '\n') {
          line++;
          lineStart = pos + 1;
        }
      } else if (b != ' ' && b != '\t') {
        return;
      }
      pos++;
    }
  }

  private String describeNext() {
    if (pos >= in.length) {
      return "end of input";
    }
    int b = in[pos] & 0xff;
    return b >= 0x21 && b < 0x7f ? "'" + (char) b + "'" : "byte 0x" + Integer.toHexString(b);
  }

  private SyntaxException error(String message) {
    return new SyntaxException(message, line, pos - lineStart + 1);
  }
}
