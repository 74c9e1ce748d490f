package dev.berth.runtime.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.berth.common.error.InvalidArgument;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;

/**
 * Reads config.json and its fragments. Every failure is an {@link InvalidArgument} naming the file, the
 * JSON path and what was wrong, so a user can fix the bundle without reading a stack trace.
 *
 * <p>The spec's records are read and written by {@link RecordJson}, not by Jackson's data binding,
 * whose first use costs a short-lived command more than the container; Jackson's mapper is built only
 * for the documents that are not records (Docker seccomp profiles, the features JSON).
 */
public final class SpecLoader {
  public static final String CONFIG_FILE = "config.json";

  private SpecLoader() {}

  /** Built on first use only. */
  private static final class Jackson {
    static final ObjectMapper MAPPER = newMapper();
  }

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

  /** A Jackson mapper configured for OCI documents, for what is not a record (profiles, trees). */
  public static ObjectMapper mapper() {
    return Jackson.MAPPER;
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

  /** Records (and lists and maps of them) as indented JSON; anything else through Jackson. */
  public static byte[] toJson(Object value) {
    if (value instanceof Record || value instanceof Collection || value instanceof Map) {
      return RecordJson.write(value, true);
    }
    try {
      return Jackson.MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
    }
  }

  private static <T> T read(byte[] json, String sourceName, Class<T> type) {
    try {
      return RecordJson.read(json, type);
    } catch (RecordJson.JsonException e) {
      throw new InvalidArgument(sourceName + ": " + (e.syntax() ? "invalid JSON: " : "") + e.getMessage(), e);
    }
  }
}
