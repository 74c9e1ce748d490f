package dev.berth.runtime.hooks;

import dev.berth.runtime.spec.RecordJson;
import java.util.Map;

/**
 * The container's state as a hook reads it on stdin: the OCI state schema's fields only, in one line,
 * as runc writes it. A pid of 0 (a stopped container's, or one berth-init fills in) and a null status
 * are left out, as are empty annotations.
 */
public record HookState(String ociVersion, String id, String status, int pid, String bundle,
    Map<String, String> annotations) implements RecordJson.Inclusion {

  @Override
  public boolean includeInJson(String component, Object value) {
    if (component.equals("pid")) {
      return pid != 0;
    }
    return value != null && !(value instanceof Map<?, ?> m && m.isEmpty());
  }

  public byte[] json() {
    return RecordJson.write(this, false);
  }
}
