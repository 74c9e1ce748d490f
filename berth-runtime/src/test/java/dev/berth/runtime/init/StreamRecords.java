package dev.berth.runtime.init;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reads an instruction stream back into records, as berth-init's decoder does, for tests of the plan. */
record StreamRecords(List<StreamRecords.Record> records) {
  /** One record: its tag and payload. */
  record Record(int tag, byte[] payload) {
    long u64(int index) {
      return ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN).getLong(8 * index);
    }

    /** The payload as one string (a single-string record). */
    String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }

    /** The NUL-terminated strings after {@code integers} u64s (a compound record). */
    List<String> strings(int integers) {
      String rest = new String(payload, 8 * integers, payload.length - 8 * integers, StandardCharsets.UTF_8);
      return Arrays.asList(rest.split("\0", -1)).subList(0, rest.split("\0", -1).length - 1);
    }
  }

  static StreamRecords parse(byte[] stream) {
    ByteBuffer b = ByteBuffer.wrap(stream).order(ByteOrder.LITTLE_ENDIAN);
    List<Record> records = new ArrayList<>();
    while (b.remaining() >= 6) {
      int tag = b.getShort() & 0xffff;
      byte[] payload = new byte[b.getInt()];
      b.get(payload);
      if (tag == InitStream.Tag.END.code) {
        return new StreamRecords(records);
      }
      records.add(new Record(tag, payload));
    }
    throw new AssertionError("stream without an end record");
  }

  List<Record> all(InitStream.Tag tag) {
    return records.stream().filter(r -> r.tag() == tag.code).toList();
  }

  Record one(InitStream.Tag tag) {
    List<Record> found = all(tag);
    if (found.size() != 1) {
      throw new AssertionError("expected one " + tag + " record, found " + found.size());
    }
    return found.get(0);
  }
}
