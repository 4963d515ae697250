package io.libuid2;

import static io.libuid2.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Waiting for the first keys of an automatic refresh, and automatic refreshes reported to the log
 * {@code io.libuid2} (System.Logger, which the JDK routes to java.util.logging by default).
 */
class RefreshEventsTest {
    Sharing sites;
    /** Held here: java.util.logging keeps loggers only weakly. */
    final Logger log = Logger.getLogger("io.libuid2");
    final List<LogRecord> records = new ArrayList<>();
    final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            synchronized (records) {
                records.add(r);
                records.notifyAll();
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeEach
    void start() throws Exception {
        sites = new Sharing();
        log.addHandler(capture);
    }

    @AfterEach
    void stop() {
        log.removeHandler(capture);
        sites.close();
    }

    /** The first record at level whose message contains text, waiting up to 15 s. */
    LogRecord awaitRecord(Level level, String text) throws InterruptedException {
        long deadline = System.nanoTime() + 15_000_000_000L;
        synchronized (records) {
            while (true) {
                for (LogRecord r : records) if (r.getLevel() == level && r.getMessage().contains(text)) return r;
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) fail("no " + level + " record with '" + text + "' in " + messages());
                records.wait(left);
            }
        }
    }

    List<String> messages() {
        List<String> m = new ArrayList<>();
        synchronized (records) {
            for (LogRecord r : records) m.add(r.getLevel() + " " + r.getMessage());
        }
        return m;
    }

    @Test
    void waitForKeysReturnsOnceTheFirstAutomaticRefreshHasLoadedKeys() throws Exception {
        String token = sites.senderToken();
        try (SharingClient c = sites.service.sharing(sites.receiver)) {
            c.startAutoRefresh(Duration.ofHours(1));
            RefreshResponse r = c.waitForKeys(Duration.ofSeconds(10));
            assertTrue(r.isSuccess(), r.toString());
            assertEquals(RAW_UID, c.decryptTokenIntoRawUid(token).getUid());
            assertTrue(c.waitForKeys(Duration.ZERO).isSuccess(), "it has keys: no wait");
        }
    }

    @Test
    void waitForKeysTimesOutWithTheReasonOfTheLastFailure() throws Exception {
        try (SharingClient c = new SharingClient(sites.service.url, "wrong-api-key", sites.receiver.secret)) {
            RefreshResponse none = c.waitForKeys(Duration.ZERO);
            assertFalse(none.isSuccess());
            c.startAutoRefresh(Duration.ofHours(1));
            long t0 = System.nanoTime();
            RefreshResponse r = c.waitForKeys(Duration.ofSeconds(2));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertFalse(r.isSuccess());
            assertTrue(ms >= 1900, "returned after " + ms + " ms");
            assertTrue(r.getReason().contains("401"), r.getReason());
            assertFalse(r.getReason().contains("wrong-api-key") || r.getReason().contains(sites.receiver.secret), r.getReason());
            assertThrows(IllegalArgumentException.class, () -> c.waitForKeys(null));
            assertThrows(IllegalArgumentException.class, () -> c.waitForKeys(Duration.ofMillis(-1)));
        }
    }

    @Test
    void failedAutomaticRefreshesAreLoggedWithoutSecretsAndRecoveryToo() throws Exception {
        sites.service.fault("500");
        try (SharingClient c = sites.service.sharing(sites.receiver)) {
            c.startAutoRefresh(Duration.ofMillis(300), Duration.ofSeconds(5));
            LogRecord failed = awaitRecord(Level.WARNING, "automatic key refresh failed");
            assertTrue(failed.getMessage().contains("500"), failed.getMessage());
            for (String m : messages()) {
                assertFalse(m.contains(sites.receiver.apiKey) || m.contains(sites.receiver.secret), m);
            }
            sites.service.fault("none");
            LogRecord again = awaitRecord(Level.INFO, "succeeded again");
            assertFalse(again.getMessage().contains(sites.receiver.apiKey));
        }
    }

    @Test
    void manualRefreshesAreNotLoggedAndTheListenerEndsOnClose() throws Exception {
        SharingClient c = new SharingClient(sites.service.url, "wrong-api-key", sites.receiver.secret);
        assertFalse(listenerRunning());
        c.startAutoRefresh(Duration.ofHours(1));
        awaitRecord(Level.WARNING, "automatic key refresh failed");
        assertTrue(listenerRunning());
        // The callers of refresh() and refreshJson() have the result: nothing more is logged.
        assertFalse(c.refresh().isSuccess());
        assertFalse(c.refreshJson("{}").isSuccess());
        Thread.sleep(500);
        assertEquals(1, messages().size(), messages().toString());
        c.close();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (listenerRunning() && System.nanoTime() < deadline) Thread.sleep(20);
        assertFalse(listenerRunning(), "the log listener outlived its client");
    }

    /** The sink used where the JDK has no System.Logger (Java 8), exercised directly here on a newer JDK. */
    @Test
    void onJava8TheLogIsJavaUtilLogging() throws Exception {
        RefreshLog.JUL.log(true, "a warning");
        RefreshLog.JUL.log(false, "some info");
        assertEquals("a warning", awaitRecord(Level.WARNING, "a warning").getMessage());
        assertEquals("some info", awaitRecord(Level.INFO, "some info").getMessage());
        assertEquals("io.libuid2", awaitRecord(Level.INFO, "some info").getLoggerName());
    }

    static boolean listenerRunning() {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("libuid2-refresh-log-") && t.isAlive()) return true;
        }
        return false;
    }
}
