package dev.berth.runtime.container;

import dev.berth.runtime.spec.RecordJson;
import java.util.Map;

/**
 * The state as `state` and `list --format json` print it: the OCI state schema plus runc's fields, in
 * runc's order. Empty strings and empty annotations are left out; pid and owner are always written.
 */
public record StateView(
    String ociVersion,
    String id,
    int pid,
    String status,
    String bundle,
    String rootfs,
    String created,
    String owner,
    Map<String, String> annotations) implements RecordJson.Inclusion {

  @Override
  public boolean includeInJson(String component, Object value) {
    if (component.equals("pid") || component.equals("owner")) {
      return true;
    }
    return value != null && !(value instanceof String s && s.isEmpty()) && !(value instanceof Map<?, ?> m && m.isEmpty());
  }
}
