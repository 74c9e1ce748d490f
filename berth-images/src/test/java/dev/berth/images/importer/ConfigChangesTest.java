package dev.berth.images.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.common.error.InvalidArgument;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigChangesTest {
  private static ObjectNode apply(String... changes) {
    ObjectNode c = new ObjectMapper().createObjectNode();
    ConfigChanges.apply(c, List.of(changes));
    return c;
  }

  @Test
  void execAndShellForms() {
    assertEquals("[\"sh\"]", apply("CMD [\"sh\"]").get("Cmd").toString());
    assertEquals("[\"/bin/sh\",\"-c\",\"echo hi\"]", apply("CMD echo hi").get("Cmd").toString());
    assertEquals("[\"/entry\",\"x\"]", apply("ENTRYPOINT [\"/entry\", \"x\"]").get("Entrypoint").toString());
  }

  @Test
  void envLabelExposeVolumeAndScalars() {
    ObjectNode c = apply("ENV A=1 B=\"two words\"", "ENV A=3", "ENV LEGACY value here", "LABEL k=v",
        "EXPOSE 80 53/udp", "VOLUME /data", "WORKDIR /srv", "USER 1000:1000", "STOPSIGNAL SIGINT");
    assertEquals("[\"B=two words\",\"A=3\",\"LEGACY=value here\"]", c.get("Env").toString());
    assertEquals("{\"k\":\"v\"}", c.get("Labels").toString());
    assertEquals("{\"80/tcp\":{},\"53/udp\":{}}", c.get("ExposedPorts").toString());
    assertEquals("{\"/data\":{}}", c.get("Volumes").toString());
    assertEquals("/srv", c.get("WorkingDir").asText());
    assertEquals("1000:1000", c.get("User").asText());
    assertEquals("SIGINT", c.get("StopSignal").asText());
  }

  @Test
  void refusesWhatDockerRefuses() {
    assertEquals("RUN is not a valid change command",
        assertThrows(InvalidArgument.class, () -> apply("RUN echo")).getMessage());
    assertThrows(InvalidArgument.class, () -> apply("ENV"));
    assertThrows(InvalidArgument.class, () -> apply("ENV A=\"unbalanced"));
  }
}
