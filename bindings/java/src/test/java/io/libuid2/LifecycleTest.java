package io.libuid2;

import static io.libuid2.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Handles: open/close cycles without native growth, and the Cleaner freeing forgotten clients. */
class LifecycleTest {
    static final Instant NOW = ApiTest.NOW;

    private static void cycles(int n, String token) {
        for (int i = 0; i < n; i++) {
            try (SharingClient c = new SharingClient(null, null, null)) {
                if (i % 10 == 0) {
                    c.refreshJson(KEYS_A);
                    if (!RAW_UID.equals(c.decryptTokenIntoRawUid(token, NOW).getUid())) fail("cycle " + i);
                }
            }
            if (i % 1000 == 0) {
                try (BidstreamClient b = new BidstreamClient("http://127.0.0.1:1", API_KEY, SECRET)) {
                    b.decryptTokenIntoRawUid(token, null, NOW);
                }
            }
        }
    }

    @Test
    void hundredThousandOpenCloseCyclesDoNotGrowNativeMemory() throws Exception {
        String token;
        try (SharingClient c = ApiTest.sharing(KEYS_A)) {
            token = c.encryptRawUidIntoToken(RAW_UID, NOW).getEncryptedData();
        }
        long handles = LibUid2.clientCount();
        cycles(20_000, token); // warm up: JIT, Go heap, thread-locals
        System.gc();
        long rss0 = rssKiB();
        cycles(100_000, token);
        System.gc();
        long rss1 = rssKiB();
        assertTrue(LibUid2.clientCount() <= handles, "handles leaked: " + LibUid2.clientCount() + " > " + handles);
        // A leak of even 100 bytes per cycle would be 10 MB; allow noise from the Go and Java heaps.
        assertTrue(rss1 - rss0 < 24 * 1024, "RSS grew by " + (rss1 - rss0) + " KiB over 100,000 cycles");
    }

    @Test
    void forgottenClientsAreFreedByTheCleaner() throws Exception {
        long before = LibUid2.clientCount();
        for (int i = 0; i < 1000; i++) {
            SharingClient c = new SharingClient(null, null, null);
            c.refreshJson(KEYS_A);
        }
        assertTrue(LibUid2.clientCount() >= before + 1, "clients were freed too early?");
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (LibUid2.clientCount() > before && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(50);
        }
        assertEquals(before, LibUid2.clientCount(), "the Cleaner did not free forgotten clients");
    }
}
