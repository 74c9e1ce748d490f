package dev.berth.runtime.init;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.berth.common.error.InvalidArgument;
import dev.berth.runtime.init.InitStream.Tag;
import org.junit.jupiter.api.Test;

/** The encoder writes exactly the records berth-native/init/stream.h documents. */
class InitStreamTest {
  @Test
  void recordsAreTagLengthPayloadLittleEndian() {
    byte[] bytes = new InitStream().u64(Tag.MODE, InitStream.MODE_CREATE).string(Tag.ARG, "sh")
        .compound(Tag.SYSCTL, new long[0], "a", "b").flag(Tag.TERMINAL).finish();
    assertArrayEquals(new byte[] {
        1, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,         // MODE = 1
        17, 0, 2, 0, 0, 0, 's', 'h',                      // ARG "sh", no NUL
        16, 0, 4, 0, 0, 0, 'a', 0, 'b', 0,                // SYSCTL: each string NUL-terminated
        28, 0, 0, 0, 0, 0,                                // TERMINAL
        0, 0, 0, 0, 0, 0                                  // END
    }, bytes);
  }

  @Test
  void integersPrecedeStringsInCompoundRecords() {
    byte[] bytes = new InitStream().compound(Tag.NS_PATH, new long[] {0x20000000L}, "/p").finish();
    assertArrayEquals(new byte[] {3, 0, 11, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 0, 0, '/', 'p', 0, 0, 0, 0, 0, 0, 0},
        bytes);
  }

  @Test
  void refusesNulBytesInStrings() {
    assertThrows(InvalidArgument.class, () -> new InitStream().string(Tag.ARG, "a\0b"));
  }
}
