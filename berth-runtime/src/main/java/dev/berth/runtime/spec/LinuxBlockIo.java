package dev.berth.runtime.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** {@code linux.resources.blockIO}. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LinuxBlockIo(
    Integer weight,
    Integer leafWeight,
    List<LinuxWeightDevice> weightDevice,
    List<LinuxThrottleDevice> throttleReadBpsDevice,
    List<LinuxThrottleDevice> throttleWriteBpsDevice,
    @JsonProperty("throttleReadIOPSDevice") List<LinuxThrottleDevice> throttleReadIOPSDevice,
    @JsonProperty("throttleWriteIOPSDevice") List<LinuxThrottleDevice> throttleWriteIOPSDevice) {}
