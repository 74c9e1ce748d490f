package dev.berth.runtime.spec;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.berth.common.error.InvalidArgument;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads config.json and its fragments. Every failure is an {@link InvalidArgument} naming the file, the
 * JSON path and what was wrong, so a user can fix the bundle without reading a stack trace.
 */
public final class SpecLoader {
  public static final String CONFIG_FILE = "config.json";

  private static final Pattern JAVA_TYPE = Pattern.compile("value of type `([^`]+)`");

  private static final ObjectMapper MAPPER = newMapper();

  private SpecLoader() {}

  /**
   * Strict about types, as Go's encoding/json is for runc: "12" is not a number and 12 is not a string,
   * so a config that runc rejects is not silently accepted here.
   */
  private static ObjectMapper newMapper() {
    ObjectMapper mapper = JsonMapper.builder()
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .enable(SerializationFeature.INDENT_OUTPUT)
        .build();
    mapper.registerModule(new com.fasterxml.jackson.databind.module.SimpleModule("oci-uint64")
        .addDeserializer(Long.class, new Uint64Deserializer()));
    mapper.coercionConfigFor(LogicalType.Textual)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    mapper.coercionConfigFor(LogicalType.Integer)
        .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
    mapper.coercionConfigFor(LogicalType.Boolean)
        .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
    return mapper;
  }

  /** The mapper configured for OCI documents; shared so others write JSON the same way. */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** Reads {@code bundleDir/config.json}. */
  public static Spec load(Path bundleDir) {
    Path config = bundleDir.resolve(CONFIG_FILE);
    byte[] json;
    try {
      json = Files.readAllBytes(config);
    } catch (NoSuchFileException e) {
      throw new InvalidArgument("bundle " + bundleDir + " has no " + CONFIG_FILE + " (" + config + " does not exist)", e);
    } catch (IOException e) {
      throw new InvalidArgument("cannot read " + config + ": " + e.getMessage(), e);
    }
    return parse(json, CONFIG_FILE);
  }

  public static Spec parse(byte[] json, String sourceName) {
    return read(json, sourceName, Spec.class);
  }

  /** The body of `update --resources`. */
  public static LinuxResources parseResources(byte[] json, String sourceName) {
    return read(json, sourceName, LinuxResources.class);
  }

  /** The body of `exec --process`. */
  public static Process parseProcess(byte[] json, String sourceName) {
    return read(json, sourceName, Process.class);
  }

  public static byte[] toJson(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
    }
  }

  private static <T> T read(byte[] json, String sourceName, Class<T> type) {
    T value;
    try {
      value = MAPPER.readValue(json, type);
    } catch (MismatchedInputException e) {
      throw new InvalidArgument(sourceName + ": " + path(e) + ": " + mismatch(e) + at(e.getLocation()), e);
    } catch (JsonMappingException e) {
      throw new InvalidArgument(sourceName + ": " + path(e) + ": " + e.getOriginalMessage() + at(e.getLocation()), e);
    } catch (JsonProcessingException e) {
      throw new InvalidArgument(sourceName + ": invalid JSON: " + e.getOriginalMessage() + at(e.getLocation()), e);
    } catch (IOException e) {
      throw new InvalidArgument(sourceName + ": " + e.getMessage(), e);
    }
    if (value == null) {
      throw new InvalidArgument(sourceName + ": empty document, expected a JSON object");
    }
    return value;
  }

  private static String mismatch(MismatchedInputException e) {
    if (String.valueOf(e.getOriginalMessage()).startsWith(Uint64Deserializer.OUT_OF_RANGE)) {
      return e.getOriginalMessage();
    }
    String expected = expected(e);
    String got = got(e);
    if (expected == null) {
      return e.getOriginalMessage();
    }
    return "expected " + expected + (got == null ? "" : ", got " + got);
  }

  private static String expected(MismatchedInputException e) {
    Matcher m = JAVA_TYPE.matcher(String.valueOf(e.getOriginalMessage()));
    if (m.find()) {
      return describe(m.group(1));
    }
    return e.getTargetType() == null ? null : describe(e.getTargetType().getName());
  }

  /** Java type names, as Jackson reports them, in JSON's words. */
  static String describe(String javaType) {
    int lt = javaType.indexOf('<');
    String raw = lt < 0 ? javaType : javaType.substring(0, lt);
    String arg = lt < 0 ? "" : javaType.substring(lt + 1, javaType.lastIndexOf('>'));
    if (raw.endsWith("List") || raw.endsWith("Set") || raw.endsWith("Collection")) {
      return arg.isEmpty() ? "an array" : "an array of " + plural(describe(arg));
    }
    if (raw.endsWith("Map")) {
      String valueType = arg.contains(",") ? arg.substring(arg.indexOf(',') + 1).trim() : "";
      return valueType.isEmpty() ? "an object" : "an object of " + plural(describe(valueType));
    }
    return switch (raw) {
      case "java.lang.String" -> "a string";
      case "java.lang.Boolean", "boolean" -> "a boolean";
      case "java.lang.Long", "long", "java.lang.Integer", "int", "java.lang.Short", "short" -> "an integer";
      case "java.lang.Double", "double", "java.lang.Float", "float" -> "a number";
      default -> "an object";
    };
  }

  private static String plural(String kind) {
    String noun = kind.replaceFirst("^an? ", "");
    return noun.startsWith("array") ? "arrays" : noun + "s";
  }

  private static String got(MismatchedInputException e) {
    if (!(e.getProcessor() instanceof JsonParser p)) {
      return null;
    }
    JsonToken t = p.currentToken();
    if (t == null) {
      return null;
    }
    return switch (t) {
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_STRING -> "a string";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      case START_ARRAY, END_ARRAY -> "an array";
      case START_OBJECT, END_OBJECT, FIELD_NAME -> "an object";
      default -> null;
    };
  }

  /** The JSON path of the failure, e.g. {@code process.args[0]}. */
  static String path(JsonMappingException e) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        if (!sb.isEmpty()) {
          sb.append('.');
        }
        sb.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        sb.append('[').append(ref.getIndex()).append(']');
      }
    }
    return sb.isEmpty() ? "(document)" : sb.toString();
  }

  private static String at(JsonLocation loc) {
    if (loc == null || loc.getLineNr() < 0) {
      return "";
    }
    return " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
  }
}
