package io.eventstate.core.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;

import org.junit.jupiter.api.Test;

class TimeFormatTest {

  private static long nanos(String iso) {
    Instant i = Instant.parse(iso);
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }

  @Test
  void talkDecimalSecondsSurviveToTheLastDigit() throws Exception {
    assertEquals(1457741907959400112L, TimeFormat.DECIMAL_SECONDS.toNanos("1457741907.959400112", false));
    assertEquals(1457741907959400112L, TimeFormat.DECIMAL_SECONDS.toNanos("1457741907.959400112", true));
    assertEquals(1457741907959400112L, TimeFormat.EPOCH_SECONDS.toNanos("1457741907.959400112", false));
    assertEquals(1457741907959400112L, TimeFormat.AUTO.toNanos("1457741907.959400112", false));
    assertEquals(1457741907959400112L, TimeFormat.AUTO.toNanos("1457741907.959400112", true));
    // a double would give ...959400192
    assertTrue((long) (Double.parseDouble("1457741907.959400112") * 1e9) != 1457741907959400112L);
  }

  @Test
  void decimalSecondsWithFewerDigitsAndTrailingZeros() throws Exception {
    assertEquals(1457741907_500000000L, TimeFormat.EPOCH_SECONDS.toNanos("1457741907.5", false));
    assertEquals(1457741907_000000001L, TimeFormat.EPOCH_SECONDS.toNanos("1457741907.000000001", false));
    assertEquals(1457741907_000000001L, TimeFormat.EPOCH_SECONDS.toNanos("1457741907.000000001000", false));
    assertEquals(1457741907_000000000L, TimeFormat.EPOCH_SECONDS.toNanos("1457741907", true));
    assertEquals(1457741907_000000000L, TimeFormat.EPOCH_SECONDS.toNanos("+1457741907", false));
    assertEquals(500_000_000L, TimeFormat.EPOCH_SECONDS.toNanos(".5", false));
  }

  @Test
  void integerUnits() throws Exception {
    assertEquals(1640193000_000000000L, TimeFormat.EPOCH_SECONDS.toNanos("1640193000", true));
    assertEquals(1659304800025_000000L, TimeFormat.EPOCH_MILLIS.toNanos("1659304800025", true));
    assertEquals(1659304800025_123000L, TimeFormat.EPOCH_MILLIS.toNanos("1659304800025.123", false));
    assertEquals(1659304800025123_000L, TimeFormat.EPOCH_MICROS.toNanos("1659304800025123", true));
    assertEquals(1659304800025123456L, TimeFormat.EPOCH_NANOS.toNanos("1659304800025123456", true));
    assertEquals(0L, TimeFormat.EPOCH_NANOS.toNanos("0", true));
    assertEquals(Long.MAX_VALUE, TimeFormat.EPOCH_NANOS.toNanos(Long.toString(Long.MAX_VALUE), true));
  }

  @Test
  void autoInfersTheUnitByMagnitude() throws Exception {
    assertEquals(1640193000_000000000L, TimeFormat.AUTO.toNanos("1640193000", true));
    assertEquals(9_000_000_000L * 1_000_000_000L, TimeFormat.AUTO.toNanos("9000000000", true));
    // still seconds, but past 2262: a reason, not a wrong unit
    assertThrows(InvalidTimeException.class, () -> TimeFormat.AUTO.toNanos("99999999999", true));
    // 10^11 is the first value read as milliseconds
    assertEquals(100_000_000_000_000000L, TimeFormat.AUTO.toNanos("100000000000", true));
    assertEquals(1631457565832_000000L, TimeFormat.AUTO.toNanos("1631457565832", true));
    assertEquals(1631457565832123_000L, TimeFormat.AUTO.toNanos("1631457565832123", true));
    assertEquals(1631457565832123456L, TimeFormat.AUTO.toNanos("1631457565832123456", true));
    assertEquals(1631457565832123456L, TimeFormat.AUTO.toNanos("1631457565832123456", false));
    assertEquals(nanos("2019-04-21T19:11:54.660942013Z"), TimeFormat.AUTO.toNanos("2019-04-21T19:11:54.660942013Z", false));
  }

  @Test
  void exponentNotationIsExact() throws Exception {
    assertEquals(1457741907959400000L, TimeFormat.AUTO.toNanos("1.4577419079594E9", true));
    assertEquals(1659304800025_000000L, TimeFormat.EPOCH_MILLIS.toNanos("1.659304800025e12", true));
    assertThrows(InvalidTimeException.class, () -> TimeFormat.AUTO.toNanos("1e999999999", true));
    assertThrows(InvalidTimeException.class, () -> TimeFormat.AUTO.toNanos("-1e3", true));
    assertThrows(InvalidTimeException.class, () -> TimeFormat.EPOCH_SECONDS.toNanos("1.0000000001e0", true));
  }

  @Test
  void iso8601WithZoneAndUpToNineDigits() throws Exception {
    assertEquals(nanos("2019-04-21T19:11:54.660942013Z"), TimeFormat.ISO8601.toNanos("2019-04-21T19:11:54.660942013Z", false));
    assertEquals(1555873914660942013L, TimeFormat.ISO8601.toNanos("2019-04-21T19:11:54.660942013Z", false));
    assertEquals(nanos("2019-04-21T19:11:54.596931Z"), TimeFormat.ISO8601.toNanos("2019-04-21T19:11:54.596931Z", false));
    assertEquals(nanos("2020-05-08T05:01:21Z"), TimeFormat.ISO8601.toNanos("2020-05-08T05:01:21Z", false));
    assertEquals(nanos("2020-06-09T21:00:02Z"), TimeFormat.ISO8601.toNanos("2020-06-09T21:00:02.000Z", false));
    assertEquals(nanos("2019-04-21T17:11:54.5Z"), TimeFormat.ISO8601.toNanos("2019-04-21T19:11:54.5+02:00", false));
    assertEquals(nanos("2019-04-21T17:11:54.5Z"), TimeFormat.ISO8601.toNanos("2019-04-21T19:11:54.5+0200", false));
    assertEquals(nanos("2019-04-21T17:11:54.5Z"), TimeFormat.ISO8601.toNanos("2019-04-21T19:11:54.5+02", false));
    assertEquals(nanos("2019-04-21T22:41:54Z"), TimeFormat.ISO8601.toNanos("2019-04-21T19:11:54-03:30", false));
    assertEquals(nanos("2019-04-21T19:11:00Z"), TimeFormat.ISO8601.toNanos("2019-04-21 19:11Z", false));
    assertEquals(nanos("2024-02-29T00:00:00Z"), TimeFormat.ISO8601.toNanos("2024-02-29t00:00:00z", false));
  }

  @Test
  void invalidTimesAreReasonsNotCrashes() {
    String[][] cases = {
        {"epoch_seconds", ""},
        {"epoch_seconds", "-1"},
        {"epoch_seconds", "abc"},
        {"epoch_seconds", "12a"},
        {"epoch_seconds", "1."},
        {"epoch_seconds", "."},
        {"epoch_seconds", "1457741907.9594001121"},
        {"epoch_millis", "1659304800025.0000001"},
        {"epoch_nanos", "1.5"},
        {"epoch_nanos", "99999999999999999999"},
        {"epoch_seconds", "9999999999999"},
        {"epoch_seconds", "9223372036.854775808"},
        {"iso8601", "2019-04-21T19:11:54"},
        {"iso8601", "2019-04-21T19:11:54.Z"},
        {"iso8601", "2019-04-21T19:11:54.1234567890Z"},
        {"iso8601", "2019-02-30T00:00:00Z"},
        {"iso8601", "2019-04-21T24:00:00Z"},
        {"iso8601", "2019-04-21T19:11:60Z"},
        {"iso8601", "1969-12-31T23:59:59Z"},
        {"iso8601", "2262-04-12T00:00:00Z"},
        {"iso8601", "2019-04-21T19:11:54+25:00"},
        {"iso8601", "2019-04-21T19:11:54Zjunk"},
        {"iso8601", "1457741907"},
        {"auto", "yesterday"},
        {"auto", "-"},
    };
    for (String[] c : cases) {
      TimeFormat f = TimeFormat.fromLabel(c[0]);
      InvalidTimeException e = assertThrows(InvalidTimeException.class, () -> f.toNanos(c[1], false), c[0] + " " + c[1]);
      assertTrue(e.getMessage().startsWith("time"), e.getMessage());
    }
    assertThrows(InvalidTimeException.class, () -> TimeFormat.ISO8601.toNanos("1457741907", true));
  }

  @Test
  void hugeValuesAreQuotedShortly() {
    String big = "9".repeat(100_000);
    InvalidTimeException e = assertThrows(InvalidTimeException.class, () -> TimeFormat.AUTO.toNanos(big, true));
    assertTrue(e.getMessage().length() < 200, e.getMessage());
  }
}
