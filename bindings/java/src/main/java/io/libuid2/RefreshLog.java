package io.libuid2;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Reports automatic key refreshes to the log named {@code io.libuid2}: a failure as a warning (with its
 * reason, which never holds a secret), the first success after failures as info. Through {@code
 * System.Logger} where the JDK has it (Java 9+, looked up at run time as the jar is Java 8 bytecode), else
 * through {@code java.util.logging}.
 */
final class RefreshLog {
    private RefreshLog() {}

    static final String NAME = "io.libuid2";

    /** How long one wait for an event lasts before the listener waits again (it ends when the client is freed). */
    private static final int WAIT_MS = 60_000;

    /** Writes a message at WARNING or INFO. */
    interface Sink {
        void log(boolean warning, String message);
    }

    /** java.util.logging: where System.Logger is missing (Java 8). */
    static final Sink JUL = (warning, message) ->
            Logger.getLogger(NAME).log(warning ? Level.WARNING : Level.INFO, message);

    static final Sink SINK = systemLogger();

    private static Sink systemLogger() {
        try {
            Class<?> level = Class.forName("java.lang.System$Logger$Level");
            Class<?> loggerClass = Class.forName("java.lang.System$Logger");
            Object logger = System.class.getMethod("getLogger", String.class).invoke(null, NAME);
            Method log = loggerClass.getMethod("log", level, String.class);
            Object warning = level.getField("WARNING").get(null);
            Object info = level.getField("INFO").get(null);
            return (w, message) -> {
                try {
                    log.invoke(logger, w ? warning : info, message);
                } catch (ReflectiveOperationException e) {
                    JUL.log(w, message);
                }
            };
        } catch (ReflectiveOperationException | LinkageError e) {
            return JUL; // Java 8
        }
    }

    /**
     * One daemon thread per client with automatic refresh, waiting for its refresh events. It holds the
     * handle only, not the client, so a forgotten client can still be reaped; it ends when the handle is
     * freed (the wait returns INVALID_HANDLE).
     */
    static final class Listener implements Runnable {
        private final long handle;
        private boolean started;

        Listener(long handle) { this.handle = handle; }

        synchronized void start() {
            if (started) return;
            started = true;
            Thread t = new Thread(this, "libuid2-refresh-log-" + handle);
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void run() {
            long[] ev = new long[7];
            byte[] msg = new byte[1024];
            long seq = 0;
            boolean failing = false;
            while (true) {
                int st = Native.refreshEventWait(handle, seq, WAIT_MS, ev, msg);
                if (st == Native.TIMED_OUT) continue;
                if (st != Native.SUCCESS) return; // freed (INVALID_HANDLE), or the process is a forked child
                seq = ev[0];
                boolean success = ev[2] != 0, automatic = ev[3] != 0;
                int keys = (int) ev[4], failures = (int) ev[5];
                if (!automatic) {
                    failing = !success;
                    continue; // the caller of refresh() or refreshJson() got the result
                }
                if (!success) {
                    String reason = new String(msg, 0, (int) Math.min(ev[6], msg.length), StandardCharsets.UTF_8);
                    SINK.log(true, "libuid2: automatic key refresh failed (" + failures + " in a row; "
                            + keys + " keys kept): " + reason);
                    failing = true;
                } else if (failing) {
                    SINK.log(false, "libuid2: automatic key refresh succeeded again (" + keys + " keys)");
                    failing = false;
                }
            }
        }
    }
}
