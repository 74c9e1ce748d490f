package dev.berth.daemon.containers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class ContainerCreatorTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ObjectNode merge(String image, String body) throws Exception {
    return ContainerCreator.merge((ObjectNode) JSON.readTree(image), (ObjectNode) JSON.readTree(body));
  }

  @Test
  void requestWinsAndEnvMergesByName() throws Exception {
    ObjectNode c = merge("{\"Env\":[\"PATH=/bin\",\"A=image\"],\"Cmd\":[\"sh\"],\"WorkingDir\":\"/w\",\"User\":\"7\"}",
        "{\"Env\":[\"A=request\",\"B=2\"],\"Image\":\"busybox\"}");
    assertEquals("[\"PATH=/bin\",\"A=request\",\"B=2\"]", c.get("Env").toString());
    assertEquals("[\"sh\"]", c.get("Cmd").toString());
    assertEquals("/w", c.get("WorkingDir").asText());
    assertEquals("7", c.get("User").asText());
    assertEquals("busybox", c.get("Image").asText());
  }

  @Test
  void anEntrypointFromTheRequestDropsTheImagesCmd() throws Exception {
    ObjectNode c = merge("{\"Entrypoint\":[\"/init\"],\"Cmd\":[\"serve\"]}", "{\"Entrypoint\":[\"echo\"]}");
    assertEquals("[\"echo\"]", c.get("Entrypoint").toString());
    assertTrue(c.get("Cmd").isNull());
    ObjectNode kept = merge("{\"Entrypoint\":[\"/init\"],\"Cmd\":[\"serve\"]}", "{\"Cmd\":[\"other\"]}");
    assertEquals("[\"/init\"]", kept.get("Entrypoint").toString());
    assertEquals("[\"other\"]", kept.get("Cmd").toString());
  }

  @Test
  void labelsMergeAndFlagsDefaultToFalse() throws Exception {
    ObjectNode c = merge("{\"Labels\":{\"a\":\"1\",\"b\":\"1\"}}", "{\"Labels\":{\"b\":\"2\"}}");
    assertEquals("{\"a\":\"1\",\"b\":\"2\"}", c.get("Labels").toString());
    assertEquals(false, c.get("Tty").asBoolean());
    assertEquals("", c.get("Hostname").asText());
  }
}
