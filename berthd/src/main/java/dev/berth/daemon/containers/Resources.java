package dev.berth.daemon.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.common.error.InvalidArgument;

/** HostConfig's resource fields as OCI linux.resources, with Docker's default device rules. */
final class Resources {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Docker's default allow list: the standard character devices and ptys; every other device denied. */
  private static final String[][] DEFAULT_DEVICES = {
      {"c", null, null, "m"}, {"b", null, null, "m"}, {"c", "1", "3", "rwm"}, {"c", "1", "8", "rwm"},
      {"c", "1", "7", "rwm"}, {"c", "5", "0", "rwm"}, {"c", "1", "5", "rwm"}, {"c", "1", "9", "rwm"},
      {"c", "136", null, "rwm"}, {"c", "5", "2", "rwm"}, {"c", "10", "200", "rwm"}};

  private Resources() {}

  static ObjectNode of(JsonNode hc, boolean privileged) {
    ObjectNode r = JSON.createObjectNode();
    ArrayNode devices = r.putArray("devices");
    if (privileged) {
      devices.addObject().put("allow", true).put("access", "rwm");
    } else {
      devices.addObject().put("allow", false).put("access", "rwm");
      for (String[] d : DEFAULT_DEVICES) {
        ObjectNode n = devices.addObject().put("allow", true).put("type", d[0]);
        if (d[1] != null) n.put("major", Long.parseLong(d[1]));
        if (d[2] != null) n.put("minor", Long.parseLong(d[2]));
        n.put("access", d[3]);
      }
    }
    long memory = hc.path("Memory").asLong(0);
    long swap = hc.path("MemorySwap").asLong(0);
    long reservation = hc.path("MemoryReservation").asLong(0);
    if (memory < 0 || reservation < 0) throw new InvalidArgument("memory limits must not be negative");
    if (memory > 0 && memory < 6 * 1024 * 1024) {
      throw new InvalidArgument("Minimum memory limit allowed is 6MB");
    }
    if (memory > 0 || reservation > 0) {
      ObjectNode m = r.putObject("memory");
      if (memory > 0) m.put("limit", memory);
      if (reservation > 0) m.put("reservation", reservation);
      if (memory > 0 && swap != 0) {
        if (swap > 0 && swap < memory) {
          throw new InvalidArgument("Minimum memoryswap limit should be larger than memory limit, see usage");
        }
        m.put("swap", swap);
      }
    }
    ObjectNode cpu = JSON.createObjectNode();
    long shares = hc.path("CpuShares").asLong(0);
    if (shares > 0) cpu.put("shares", shares);
    long nano = hc.path("NanoCpus").asLong(0);
    long period = hc.path("CpuPeriod").asLong(0);
    long quota = hc.path("CpuQuota").asLong(0);
    if (nano > 0) {
      if (period > 0 || quota > 0) {
        throw new InvalidArgument("Conflicting options: Nano CPUs and CPU Period cannot both be set");
      }
      period = 100_000;
      quota = nano * period / 1_000_000_000L;
    }
    if (period > 0) cpu.put("period", period);
    if (quota > 0) cpu.put("quota", quota);
    String cpus = hc.path("CpusetCpus").asText("");
    if (!cpus.isEmpty()) cpu.put("cpus", cpus);
    String mems = hc.path("CpusetMems").asText("");
    if (!mems.isEmpty()) cpu.put("mems", mems);
    if (!cpu.isEmpty()) r.set("cpu", cpu);
    long pids = hc.path("PidsLimit").asLong(0);
    if (pids > 0) r.putObject("pids").put("limit", pids);
    long weight = hc.path("BlkioWeight").asLong(0);
    if (weight > 0) r.putObject("blockIO").put("weight", weight);
    return r;
  }
}
