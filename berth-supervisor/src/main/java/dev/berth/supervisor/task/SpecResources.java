package dev.berth.supervisor.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.common.error.InvalidArgument;
import java.io.IOException;

/** A spec's linux.resources updated field by field (memory, cpu, pids, blockIO), devices untouched. */
final class SpecResources {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SpecResources() {}

  static byte[] merge(byte[] spec, byte[] resources) {
    try {
      JsonNode update = JSON.readTree(resources);
      if (update == null || !update.isObject()) throw new InvalidArgument("resources must be a JSON object");
      ObjectNode tree = (ObjectNode) JSON.readTree(spec);
      ObjectNode target = tree.withObject("linux").withObject("resources");
      for (String section : new String[] {"memory", "cpu", "pids", "blockIO"}) {
        JsonNode fields = update.get(section);
        if (fields != null && fields.isObject()) target.withObject(section).setAll((ObjectNode) fields);
      }
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(tree);
    } catch (IOException | ClassCastException e) {
      throw new InvalidArgument("cannot update the resources: " + e.getMessage());
    }
  }
}
