package dev.berth.runtime.server;

import dev.berth.common.error.InvalidArgument;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One message between the runtime server and a client (berth-native/client/README.md): its fields,
 * each sent followed by a NUL byte; the first is the verb.
 */
record Message(List<String> fields) {
  static Message of(String... fields) {
    return new Message(List.of(fields));
  }

  String verb() {
    return fields.isEmpty() ? "" : fields.get(0);
  }

  String field(int i) {
    if (i >= fields.size()) {
      throw malformed("\"" + verb() + "\" has no field " + i);
    }
    return fields.get(i);
  }

  int number(int i) {
    try {
      return Integer.parseInt(field(i));
    } catch (NumberFormatException e) {
      throw malformed("\"" + verb() + "\" field " + i + " is not a number: " + field(i));
    }
  }

  byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String f : fields) {
      if (f.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("a message field cannot hold a NUL byte");
      }
      out.writeBytes(f.getBytes(StandardCharsets.UTF_8));
      out.write(0);
    }
    return out.toByteArray();
  }

  static Message decode(byte[] data) {
    if (data.length == 0 || data[data.length - 1] != 0) {
      throw malformed("a message must end with a NUL byte");
    }
    List<String> fields = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < data.length; i++) {
      if (data[i] == 0) {
        fields.add(new String(data, start, i - start, StandardCharsets.UTF_8));
        start = i + 1;
      }
    }
    return new Message(fields);
  }

  /** A message that does not follow the protocol: the conversation ends with it. */
  private static InvalidArgument malformed(String message) {
    return new InvalidArgument("malformed message from the runtime client: " + message);
  }
}
