package io.libuid2;

import java.nio.charset.StandardCharsets;

/** The loaded native library: versions and live handles. Calling any of these loads it. */
public final class LibUid2 {
    private LibUid2() {}

    /** The native library's release version, e.g. {@code 0.1.0}. */
    public static String version() {
        return new String(Native.version(), StandardCharsets.US_ASCII);
    }

    /** The native library's ABI version, {@code (major << 16) | minor}. */
    public static int abiVersion() { return Native.abiVersion(); }

    /** Live native client handles in this process (closed or cleaned clients are not counted). */
    public static long clientCount() { return Native.clientCount(); }

    /** Where the library and the JNI shim were loaded from. */
    public static String loadedFrom() {
        Native.ensureLoaded();
        return NativeLoader.loadedFrom;
    }
}
