package dev.berth.common.signal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.berth.common.error.InvalidArgument;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SignalsTest {
  @ParameterizedTest
  @CsvSource({"KILL, 9", "SIGKILL, 9", "sigterm, 15", "9, 9", "HUP, 1", "WINCH, 28", "RTMIN, 34", "RTMIN+3, 37",
      "RTMAX-1, 63"})
  void namesAndNumbers(String text, int number) {
    assertEquals(number, Signals.parse(text));
  }

  @ParameterizedTest
  @ValueSource(strings = {"SIGNOPE", "0", "65", "RTMIN+x", ""})
  void refusesUnknownSignals(String text) {
    assertThrows(InvalidArgument.class, () -> Signals.parse(text));
  }
}
