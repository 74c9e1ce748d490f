package dev.berth.runtime.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.InvalidArgument;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessageTest {
  @Test
  void encodesEachFieldFollowedByANul() {
    assertArrayEquals("wait\u00001234\u00001\u0000".getBytes(StandardCharsets.UTF_8),
        Message.of("wait", "1234", "1").encode());
  }

  @Test
  void decodesWhatItEncodesIncludingEmptyFields() {
    Message m = Message.of("spawn", "/bin/berth-init", "", "0", "1", "berth-init", "0", "2", "3", "4");
    assertEquals(m, Message.decode(m.encode()));
    assertEquals("", Message.decode(m.encode()).field(2));
  }

  @Test
  void refusesAMessageWithoutItsLastNul() {
    assertThrows(InvalidArgument.class, () -> Message.decode("exit\u00003".getBytes(StandardCharsets.UTF_8)));
    assertThrows(InvalidArgument.class, () -> Message.decode(new byte[0]));
  }

  @Test
  void namesAMissingOrNonNumericField() {
    Message m = new Message(List.of("status", "x"));
    String message = assertThrows(InvalidArgument.class, () -> m.number(1)).getMessage();
    assertTrue(message.endsWith("\"status\" field 1 is not a number: x"), message);
    assertThrows(InvalidArgument.class, () -> m.field(2));
  }

  @Test
  void refusesToEncodeANulInAField() {
    assertThrows(IllegalArgumentException.class, () -> Message.of("request", "a\u0000b").encode());
  }

  @Test
  void readsTheIdleTimeFromTheEnvironmentsValue() {
    assertEquals(120, RuntimeServer.idleSeconds(null));
    assertEquals(120, RuntimeServer.idleSeconds("soon"));
    assertEquals(5, RuntimeServer.idleSeconds(" 5 "));
    assertEquals(1, RuntimeServer.idleSeconds("0"));
  }
}
