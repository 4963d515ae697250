package io.libuid2.conformance;

import java.time.Instant;

/**
 * The canonical JSON of the driver contract (../README.md), with no dependency on any SDK: shared by
 * this conformance driver and tests/interop's driver for the official Java SDK.
 */
public final class Canonical {
    private Canonical() {}

    /** s as canonical JSON: backslash escapes for control and non-ASCII characters (UTF-16 units). */
    public static String str(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                case '\b': b.append("\\b"); break;
                case '\f': b.append("\\f"); break;
                default:
                    if (c < 0x20 || c > 0x7f) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
            }
        }
        return b.append('"').toString();
    }

    /** Epoch milliseconds; 0 for a time the SDK left unset (null or Instant.MIN). */
    public static long ms(Instant t) { return t == null || t.equals(Instant.MIN) ? 0 : t.toEpochMilli(); }

    public static int orZero(Integer i) { return i == null ? 0 : i; }
}
