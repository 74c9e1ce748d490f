package dev.berth.runtime.spec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import dev.berth.runtime.spec.JsonTree.Kind;
import dev.berth.runtime.spec.JsonTree.Node;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * JSON for the runtime's records (the spec, the container state) by their components: a component's
 * JSON name is its own name, except where that is a Java keyword ({@link #RENAMED}); null components
 * are left out; unknown fields are ignored. Types are strict, as Go's encoding/json is for runc: "12"
 * is not a number and 12 is not a string. Integers named Long are uint64 in the spec: values up to
 * 2^64-1 keep their 64 bits (so 18446744073709551615 reads as -1).
 *
 * <p>Written for start-up time: Jackson's data binding introspects every type through annotations on
 * first use, which costs a short-lived command more than creating the container; this reads no
 * annotations and binds only the types a document contains. It writes through jackson-core's
 * generator, and reads the tree {@link JsonTree} parses.
 */
public final class RecordJson {
  /**
   * JSON names that cannot be component names, per record; they match the records' @JsonProperty
   * annotations (which Jackson still reads elsewhere), as RecordJsonTest checks.
   */
  static final Map<Class<?>, Map<String, String>> RENAMED = Map.of(
      LinuxIOPriority.class, Map.of("ioClass", "class"),
      CPUAffinity.class, Map.of("finalCpus", "final"));

  /** The JSON name of a record's component. */
  static String jsonName(Class<?> record, String component) {
    Map<String, String> renamed = RENAMED.get(record);
    return renamed == null ? component : renamed.getOrDefault(component, component);
  }

  private static final Map<Class<?>, Shape> SHAPES = new ConcurrentHashMap<>();
  private static final BigInteger UINT64_MIN = BigInteger.valueOf(Long.MIN_VALUE);

  private RecordJson() {}

  /** A record that leaves out more than its null components (e.g. empty strings and maps). */
  public interface Inclusion {
    boolean includeInJson(String component, Object value);
  }

  /** Malformed JSON, or JSON that does not fit the record; the message names the path and position. */
  public static final class JsonException extends Exception {
    private final String path;
    private final String reason;
    private final boolean syntax;

    JsonException(String path, String reason, boolean syntax, int line, int column) {
      super((path == null ? "" : path + ": ") + reason + (line > 0 ? " (line " + line + ", column " + column + ")" : ""),
          null, false, false);
      this.path = path;
      this.reason = reason;
      this.syntax = syntax;
    }

    /** True when the document is not JSON at all, rather than JSON of the wrong shape. */
    public boolean syntax() {
      return syntax;
    }

    /** The JSON path of the value that did not fit, e.g. {@code process.args[0]}; null for syntax errors. */
    public String path() {
      return path;
    }

    public String reason() {
      return reason;
    }
  }

  /** Binds a JSON document to {@code type}, a record. An empty document or a top-level null is an error. */
  public static <T> T read(byte[] json, Class<T> type) throws JsonException {
    Node root;
    try {
      root = JsonTree.parse(json);
    } catch (JsonTree.SyntaxException e) {
      throw new JsonException(null, e.getMessage(), true, e.line, e.column);
    }
    if (root == null || root.kind() == Kind.NULL) {
      throw new JsonException(null, "empty document, expected a JSON object", false, 0, 0);
    }
    return type.cast(bind(root, type, null));
  }

  /** The JSON of a record, list, map or scalar; {@code pretty} lays it out as Jackson's default printer does. */
  public static byte[] write(Object value, boolean pretty) {
    // Through characters, as Jackson's writeValueAsString did: the UTF-8 generator escapes both halves of
    // a character beyond the BMP unless told to combine them, and combining (2.18) pairs an unpaired
    // surrogate with whatever follows.
    StringWriter out = new StringWriter(1024);
    try (JsonGenerator g = Generators.FACTORY.createGenerator(out)) {
      if (pretty) {
        g.setPrettyPrinter(new DefaultPrettyPrinter());
      }
      write(g, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a string is written without I/O
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  // ---- binding ----

  /** Where a value sits in the document, kept as a chain and rendered only for an error. */
  private record Where(Where parent, String field, int index) {
    String render() {
      StringBuilder sb = new StringBuilder();
      render(sb);
      return sb.isEmpty() ? "(document)" : sb.toString();
    }

    private void render(StringBuilder sb) {
      if (parent != null) {
        parent.render(sb);
      }
      if (field != null) {
        if (!sb.isEmpty()) {
          sb.append('.');
        }
        sb.append(field);
      } else {
        sb.append('[').append(index).append(']');
      }
    }
  }

  private static Object bind(Node n, Type type, Where where) throws JsonException {
    if (type instanceof Class<?> c) {
      if (c == String.class) {
        return n.kind() == Kind.STRING ? n.text() : orNull(n, type, where);
      }
      if (c == Long.class || c == long.class) {
        return n.kind() == Kind.INTEGER ? uint64(n, where) : orNull(n, type, where);
      }
      if (c == Integer.class || c == int.class) {
        return n.kind() == Kind.INTEGER ? int32(n, where) : orNull(n, type, where);
      }
      if (c == Boolean.class || c == boolean.class) {
        return n.kind() == Kind.TRUE ? Boolean.TRUE : n.kind() == Kind.FALSE ? Boolean.FALSE : orNull(n, type, where);
      }
      if (c.isRecord()) {
        return n.kind() == Kind.OBJECT ? record(n, shape(c), where) : orNull(n, type, where);
      }
    } else if (type instanceof ParameterizedType p) {
      Type raw = p.getRawType();
      if (raw == List.class) {
        if (n.kind() != Kind.ARRAY) {
          return orNull(n, type, where);
        }
        Type element = p.getActualTypeArguments()[0];
        List<Node> nodes = n.elements();
        List<Object> out = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
          out.add(bind(nodes.get(i), element, new Where(where, null, i)));
        }
        return out;
      }
      if (raw == Map.class && p.getActualTypeArguments()[0] == String.class) {
        if (n.kind() != Kind.OBJECT) {
          return orNull(n, type, where);
        }
        Type valueType = p.getActualTypeArguments()[1];
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Node> e : n.fields().entrySet()) {
          out.put(e.getKey(), bind(e.getValue(), valueType, new Where(where, e.getKey(), -1)));
        }
        return out;
      }
    }
    throw new IllegalStateException("no JSON binding for " + type.getTypeName());
  }

  private static Object record(Node n, Shape shape, Where where) throws JsonException {
    Object[] args = new Object[shape.names.length];
    for (int i = 0; i < args.length; i++) {
      Node field = n.fields().get(shape.names[i]);
      if (field != null) {
        args[i] = bind(field, shape.types[i], new Where(where, shape.names[i], -1));
      }
      if (args[i] == null && shape.raw[i].isPrimitive()) {
        args[i] = zero(shape.raw[i]);
      }
    }
    try {
      return shape.constructor.newInstance(args);
    } catch (InvocationTargetException e) {
      throw new JsonException(where == null ? "(document)" : where.render(),
          String.valueOf(e.getCause().getMessage()), false, n.line(), n.column());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot construct " + shape.constructor.getDeclaringClass().getName(), e);
    }
  }

  private static Object zero(Class<?> primitive) {
    return primitive == boolean.class ? Boolean.FALSE : primitive == long.class ? (Object) 0L : (Object) 0;
  }

  /** JSON null for an object type; anything else is a mismatch. */
  private static Object orNull(Node n, Type type, Where where) throws JsonException {
    if (n.kind() == Kind.NULL && !(type instanceof Class<?> c && c.isPrimitive())) {
      return null;
    }
    throw new JsonException(where == null ? "(document)" : where.render(),
        "expected " + describe(type) + ", got " + got(n.kind()), false, n.line(), n.column());
  }

  private static long uint64(Node n, Where where) throws JsonException {
    String text = n.text();
    if (text.length() <= 18) {
      return Long.parseLong(text);
    }
    BigInteger big = new BigInteger(text);
    if (big.compareTo(UINT64_MIN) < 0 || big.bitLength() > 64) {
      throw new JsonException(where.render(), "out of range: " + big + " does not fit in 64 bits", false,
          n.line(), n.column());
    }
    return big.longValue();
  }

  private static int int32(Node n, Where where) throws JsonException {
    String text = n.text();
    if (text.length() <= 9) {
      return Integer.parseInt(text);
    }
    BigInteger big = new BigInteger(text);
    if (big.bitLength() > 31) {
      throw new JsonException(where.render(), "out of range: " + big + " does not fit in a 32-bit integer", false,
          n.line(), n.column());
    }
    return big.intValue();
  }

  /** A Java type in JSON's words: "an array of strings". */
  static String describe(Type type) {
    if (type instanceof ParameterizedType p) {
      Type[] args = p.getActualTypeArguments();
      if (p.getRawType() == List.class) {
        return "an array of " + plural(describe(args[0]));
      }
      if (p.getRawType() == Map.class) {
        return "an object of " + plural(describe(args[1]));
      }
    }
    if (type == String.class) {
      return "a string";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "a boolean";
    }
    if (type == Long.class || type == long.class || type == Integer.class || type == int.class) {
      return "an integer";
    }
    return "an object";
  }

  private static String plural(String kind) {
    String noun = kind.startsWith("an ") ? kind.substring(3) : kind.startsWith("a ") ? kind.substring(2) : kind;
    return noun.startsWith("array") ? "arrays" : noun + "s";
  }

  private static String got(Kind kind) {
    return switch (kind) {
      case INTEGER, FLOAT -> "a number";
      case STRING -> "a string";
      case TRUE, FALSE -> "a boolean";
      case NULL -> "null";
      case ARRAY -> "an array";
      case OBJECT -> "an object";
    };
  }

  // ---- the shape of a record ----

  /** A record's components: JSON names, types, accessors and canonical constructor. */
  private static final class Shape {
    final String[] names;
    final Type[] types;
    final Class<?>[] raw;
    final Method[] accessors;
    final Constructor<?> constructor;

    Shape(Class<?> type) {
      RecordComponent[] components = type.getRecordComponents();
      names = new String[components.length];
      types = new Type[components.length];
      raw = new Class<?>[components.length];
      accessors = new Method[components.length];
      for (int i = 0; i < components.length; i++) {
        names[i] = jsonName(type, components[i].getName());
        types[i] = components[i].getGenericType();
        raw[i] = components[i].getType();
        accessors[i] = components[i].getAccessor();
      }
      try {
        constructor = type.getDeclaredConstructor(raw);
      } catch (NoSuchMethodException e) {
        throw new IllegalStateException("record " + type.getName() + " has no canonical constructor", e);
      }
    }
  }

  private static Shape shape(Class<?> type) {
    Shape s = SHAPES.get(type);
    if (s == null) {
      s = new Shape(type);
      SHAPES.put(type, s);
    }
    return s;
  }

  // ---- writing ----

  /** Built on the first write only: commands that only read never touch jackson-core. */
  private static final class Generators {
    static final JsonFactory FACTORY = new JsonFactory();
  }

  /** Through jackson-core's generator: Jackson's DefaultPrettyPrinter layout when pretty, else compact. */
  private static void write(JsonGenerator g, Object v) throws IOException {
    if (v == null) {
      g.writeNull();
    } else if (v instanceof String s) {
      g.writeString(s);
    } else if (v instanceof Boolean b) {
      g.writeBoolean(b);
    } else if (v instanceof Integer i) {
      g.writeNumber(i);
    } else if (v instanceof Long l) {
      g.writeNumber(l);
    } else if (v instanceof Short s) {
      g.writeNumber(s);
    } else if (v instanceof Record r) {
      writeRecord(g, r);
    } else if (v instanceof Collection<?> c) {
      g.writeStartArray();
      for (Object e : c) {
        write(g, e);
      }
      g.writeEndArray();
    } else if (v instanceof Map<?, ?> m) {
      g.writeStartObject();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        g.writeFieldName(String.valueOf(e.getKey()));
        write(g, e.getValue());
      }
      g.writeEndObject();
    } else {
      throw new IllegalArgumentException("no JSON for " + v.getClass().getName());
    }
  }

  private static void writeRecord(JsonGenerator g, Record r) throws IOException {
    Shape shape = shape(r.getClass());
    g.writeStartObject();
    for (int i = 0; i < shape.names.length; i++) {
      Object v = component(r, shape.accessors[i]);
      if (r instanceof Inclusion inc ? inc.includeInJson(shape.names[i], v) : v != null) {
        g.writeFieldName(shape.names[i]);
        write(g, v);
      }
    }
    g.writeEndObject();
  }

  private static Object component(Record r, Method accessor) {
    try {
      return accessor.invoke(r);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot read " + accessor, e);
    }
  }
}
