package dev.berth.runtime.spec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import java.io.IOException;
import java.math.BigInteger;

/**
 * The spec has uint64 fields (rlimits, seccomp argument values) that Go writes up to 2^64-1, e.g.
 * RLIM_INFINITY. Java has no unsigned long: values above Long.MAX_VALUE keep their 64 bits (so
 * 18446744073709551615 reads as -1, the same bits), compared with Long.compareUnsigned where it matters.
 */
final class Uint64Deserializer extends StdDeserializer<Long> {
  static final String OUT_OF_RANGE = "out of range";
  private static final BigInteger MIN = BigInteger.valueOf(Long.MIN_VALUE);

  Uint64Deserializer() {
    super(Long.class);
  }

  @Override
  public Long deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
    if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
      return (Long) ctxt.handleUnexpectedToken(Long.class, p);
    }
    if (p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
      return p.getLongValue();
    }
    BigInteger big = p.getBigIntegerValue();
    if (big.compareTo(MIN) < 0 || big.bitLength() > 64) {
      throw MismatchedInputException.from(p, Long.class, OUT_OF_RANGE + ": " + big + " does not fit in 64 bits");
    }
    return big.longValue();
  }
}
