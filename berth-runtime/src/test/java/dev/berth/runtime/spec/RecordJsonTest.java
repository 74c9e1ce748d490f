package dev.berth.runtime.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.runtime.container.ContainerState;
import dev.berth.runtime.container.StateView;
import dev.berth.runtime.defaults.DefaultSpec;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** RecordJson reads what Jackson read and writes what Jackson wrote, byte for byte. */
class RecordJsonTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String s(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  @Test
  void writesTheSpecAsJacksonsPrettyPrinterDid() throws Exception {
    ObjectMapper jackson = SpecLoader.mapper();
    for (Spec spec : List.of(SpecLoader.parse(b(SpecLoaderTest.FULL), "full"), DefaultSpec.spec(false, 0, 0),
        DefaultSpec.spec(true, 1000, 1000))) {
      assertEquals(jackson.writeValueAsString(spec), s(RecordJson.write(spec, true)));
    }
  }

  @Test
  void readsTheSpecAsJacksonDid() throws Exception {
    assertEquals(SpecLoader.mapper().readValue(b(SpecLoaderTest.FULL), Spec.class),
        RecordJson.read(b(SpecLoaderTest.FULL), Spec.class));
  }

  @Test
  void writesTheStateFileAsBefore() throws Exception {
    ObjectMapper before = new ObjectMapper().setSerializationInclusion(JsonInclude.Include.NON_NULL);
    Spec spec = SpecLoader.parse(b(SpecLoaderTest.FULL), "full");
    for (ContainerState st : List.of(
        new ContainerState("c1", "/b", "/b/rootfs", 42, 7, "/c1", "now", "", Map.of("a", "b"), false),
        new ContainerState("c2", "/b", null, 0, 0, null, null, "", null, true, spec.hooks()))) {
      assertEquals(before.writeValueAsString(st), s(RecordJson.write(st, false)));
      assertEquals(st, RecordJson.read(RecordJson.write(st, false), ContainerState.class));
    }
  }

  @Test
  void stateViewLeavesOutEmptyValuesButNotPidAndOwner() {
    StateView v = new StateView("1.3.0", "c1", 0, "stopped", "/b", "", null, null, Map.of());
    assertEquals("{\n  \"ociVersion\" : \"1.3.0\",\n  \"id\" : \"c1\",\n  \"pid\" : 0,\n  \"status\" : \"stopped\",\n"
        + "  \"bundle\" : \"/b\",\n  \"owner\" : null\n}", s(RecordJson.write(v, true)));
    StateView full = new StateView("1.3.0", "c1", 5, "running", "/b", "/b/r", "now", "", Map.of("k", "v"));
    assertEquals("[{\"ociVersion\":\"1.3.0\",\"id\":\"c1\",\"pid\":5,\"status\":\"running\",\"bundle\":\"/b\","
        + "\"rootfs\":\"/b/r\",\"created\":\"now\",\"owner\":\"\",\"annotations\":{\"k\":\"v\"}}]",
        s(RecordJson.write(List.of(full), false)));
  }

  @Test
  void escapesStringsAsJacksonDid() throws Exception {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("quote\"back\\slash", "tab\tnl\ncr\rbs\bff\f\u0001\u001f\u007f é € \uD83D\uDE00 / </script>");
    m.put("empty", List.of());
    m.put("nested", Map.of());
    m.put("numbers", List.of(-1L, 0, Long.MAX_VALUE, true));
    ObjectMapper jackson = new ObjectMapper();
    assertEquals(jackson.writeValueAsString(m), s(RecordJson.write(m, false)));
    assertEquals(SpecLoader.mapper().writeValueAsString(m), s(RecordJson.write(m, true)));
    Hook h = RecordJson.read(RecordJson.write(new Hook((String) m.values().iterator().next(), null, null, null), false),
        Hook.class);
    assertEquals(m.values().iterator().next(), h.path());
  }

  @Test
  void decodesEscapesAndUtf8() throws Exception {
    Hook h = RecordJson.read(b("{\"path\": \"a\\u00e9\\n\\\"\\/\\\\ \u00e9\u20ac\\ud83d\\ude00\"}"), Hook.class);
    assertEquals("a\u00e9\n\"/\\ \u00e9\u20ac\uD83D\uDE00", h.path());
  }

  @Test
  void refusesWhatIsNotJson() {
    for (String bad : List.of("{\"a\": 1,}", "{\"a\" 1}", "[1 2]", "{\"a\": 01}", "{\"a\": 1.}", "{\"a\": .5}",
        "{\"a\": tru}", "{\"a\": nulls}", "{\"a\": \"x}", "{\"a\": \"\\x\"}", "{\"a\": \"\\u12g4\"}", "{a: 1}",
        "{} {}", "{} x", "// c\n{}", "{'a': 1}", "{\"a\": NaN}", "{\"a\": \"tab\there\"}", "{\"a\": -}",
        "{\"a\": 1e}")) {
      var e = assertThrows(RecordJson.JsonException.class, () -> RecordJson.read(b(bad), Hook.class), bad);
      assertTrue(e.syntax(), bad);
    }
    var invalidUtf8 = assertThrows(RecordJson.JsonException.class,
        () -> RecordJson.read(new byte[] {'{', '"', 'p', 'a', 't', 'h', '"', ':', '"', (byte) 0xff, '"', '}'},
            Hook.class));
    assertTrue(invalidUtf8.syntax());
  }

  /**
   * UTF-8 only, as runc: jackson-core's parser (2.18) takes every one of these, a byte order mark,
   * UTF-16, overlong forms (still in 2.21) and encoded surrogates.
   */
  @Test
  void refusesAllButStrictUtf8() {
    List<byte[]> bad = List.of(
        new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf, '{', '}'},
        "{\"path\": \"/x\"}".getBytes(StandardCharsets.UTF_16LE),
        "{\"path\": \"/x\"}".getBytes(StandardCharsets.UTF_16BE),
        new byte[] {'{', '"', 'p', 'a', 't', 'h', '"', ':', '"', '/', (byte) 0xc0, (byte) 0xae, '"', '}'},
        new byte[] {'{', '"', (byte) 0xc0, (byte) 0xae, '"', ':', '1', '}'},
        new byte[] {'{', '"', 'p', 'a', 't', 'h', '"', ':', '"', (byte) 0xe0, (byte) 0x80, (byte) 0xae, '"', '}'},
        new byte[] {'{', '"', 'p', 'a', 't', 'h', '"', ':', '"', (byte) 0xed, (byte) 0xa0, (byte) 0x80, '"', '}'});
    for (byte[] json : bad) {
      var e = assertThrows(RecordJson.JsonException.class, () -> RecordJson.read(json, Hook.class), s(json));
      assertTrue(e.syntax(), e.getMessage());
    }
    var overlong = assertThrows(RecordJson.JsonException.class, () -> RecordJson.read(
        new byte[] {'{', '\r', '\n', '"', 'p', 'a', 't', 'h', '"', ':', '"', (byte) 0xc0, (byte) 0xae, '"', '}'},
        Hook.class));
    assertEquals("invalid UTF-8 in a string (line 2, column 11)", overlong.getMessage());
  }

  @Test
  void syntaxErrorsSayWhatAndWhere() {
    var e = assertThrows(RecordJson.JsonException.class,
        () -> RecordJson.read(b("{\"args\": [\"a\",\n  \"b\"}"), Hook.class));
    assertTrue(e.syntax());
    assertEquals("expected ',' or ']' in an array, found '}' (line 2, column 6)", e.getMessage());
    var after = assertThrows(RecordJson.JsonException.class, () -> RecordJson.read(b("{}\n\n  x"), Hook.class));
    assertEquals("unexpected 'x' after the top-level value (line 3, column 3)", after.getMessage());
  }

  @Test
  void refusesNestingDeeperThanALimitInsteadOfOverflowingTheStack() {
    String deep = "{\"args\": " + "[".repeat(100_000) + "]".repeat(100_000) + "}";
    var e = assertThrows(RecordJson.JsonException.class, () -> RecordJson.read(b(deep), Hook.class));
    assertTrue(e.getMessage().contains("nesting deeper than"), e.getMessage());
  }

  @Test
  void namesLineColumnAndPathOfAMismatch() {
    var e = assertThrows(RecordJson.JsonException.class,
        () -> RecordJson.read(b("{\"hooks\": {\n \"prestart\": [{\"path\": \"/x\"},\r\n  {\"timeout\": 1.5}]}}"),
            Spec.class));
    assertFalse(e.syntax());
    assertEquals("hooks.prestart[1].timeout", e.path());
    assertEquals("hooks.prestart[1].timeout: expected an integer, got a number (line 3, column 15)", e.getMessage());
    var map = assertThrows(RecordJson.JsonException.class,
        () -> RecordJson.read(b("{\"annotations\": {\"a\": true}}"), Spec.class));
    assertEquals("annotations.a: expected a string, got a boolean (line 1, column 23)", map.getMessage());
    var root = assertThrows(RecordJson.JsonException.class, () -> RecordJson.read(b("[]"), Spec.class));
    assertEquals("(document): expected an object, got an array (line 1, column 1)", root.getMessage());
  }

  @Test
  void nullsAndRepeatedFieldsAsJacksonReadThem() throws Exception {
    String json = "{\"args\": [\"a\", null], \"path\": \"first\", \"path\": \"second\", \"env\": null}";
    Hook h = RecordJson.read(b(json), Hook.class);
    assertEquals(SpecLoader.mapper().readValue(json, Hook.class), h);
    assertEquals("second", h.path());
    assertThrows(RecordJson.JsonException.class, () -> RecordJson.read(b("null"), Hook.class));
    assertThrows(RecordJson.JsonException.class, () -> RecordJson.read(b(" \n"), Hook.class));
    var primitive = assertThrows(RecordJson.JsonException.class,
        () -> RecordJson.read(b("{\"id\": \"c\", \"pid\": null}"), ContainerState.class));
    assertEquals("pid: expected an integer, got null (line 1, column 20)", primitive.getMessage());
    ContainerState missing = RecordJson.read(b("{\"id\": \"c\"}"), ContainerState.class);
    assertEquals(0, missing.pid());
    assertFalse(missing.creating());
  }

  @Test
  void integersInRange() throws Exception {
    assertEquals(-5, RecordJson.read(b("{\"timeout\": -5}"), Hook.class).timeout());
    assertEquals(Integer.MIN_VALUE, RecordJson.read(b("{\"timeout\": -2147483648}"), Hook.class).timeout());
    var big = assertThrows(RecordJson.JsonException.class,
        () -> RecordJson.read(b("{\"timeout\": 2147483648}"), Hook.class));
    assertTrue(big.getMessage().startsWith("timeout: out of range"), big.getMessage());
    assertEquals(Long.MIN_VALUE, RecordJson.read(b("{\"limit\": -9223372036854775808}"), LinuxPids.class).limit());
    assertEquals(-2L, RecordJson.read(b("{\"limit\": 18446744073709551614}"), LinuxPids.class).limit());
    assertThrows(RecordJson.JsonException.class,
        () -> RecordJson.read(b("{\"limit\": -9223372036854775809}"), LinuxPids.class));
    assertThrows(RecordJson.JsonException.class, () -> RecordJson.read(b("{\"limit\": 1e3}"), LinuxPids.class));
  }

  /** The few JSON names that differ from the component's name are those Jackson reads from @JsonProperty. */
  @Test
  void jsonNamesMatchTheJacksonAnnotations() throws NoSuchFieldException {
    Deque<Class<?>> todo = new ArrayDeque<>(List.of(Spec.class, ContainerState.class, StateView.class));
    Set<Class<?>> seen = new HashSet<>();
    while (!todo.isEmpty()) {
      Class<?> type = todo.pop();
      if (!seen.add(type)) {
        continue;
      }
      for (RecordComponent c : type.getRecordComponents()) {
        // @JsonProperty does not target record components: javac puts it on the field (among others).
        JsonProperty p = type.getDeclaredField(c.getName()).getAnnotation(JsonProperty.class);
        String expected = p == null ? c.getName() : p.value();
        assertEquals(expected, RecordJson.jsonName(type, c.getName()), type.getSimpleName() + "." + c.getName());
        records(c.getGenericType(), todo);
      }
    }
    assertTrue(seen.size() > 30, "walked " + seen.size() + " records");
  }

  private static void records(Type t, Deque<Class<?>> todo) {
    if (t instanceof Class<?> c && c.isRecord()) {
      todo.add(c);
    } else if (t instanceof ParameterizedType p) {
      for (Type a : p.getActualTypeArguments()) {
        records(a, todo);
      }
    }
  }
}
