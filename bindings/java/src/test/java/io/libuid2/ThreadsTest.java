package io.libuid2;

import static io.libuid2.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** 8 threads decrypting and encrypting while keys are refreshed (JSON and HTTP) as fast as possible. */
class ThreadsTest {
    static final Instant NOW = ApiTest.NOW;
    /** The same keys as KEYS_A plus one more: every refresh installs a new snapshot that still decrypts. */
    static final String KEYS_A_PLUS = sharingKeys(key(1, MASTER_KEYSET, ACTIVATES, EXPIRES),
            key(2, DEFAULT_KEYSET, ACTIVATES, EXPIRES), key(9, 555, ACTIVATES, EXPIRES));

    @Test
    void decryptsStayCorrectDuringRefreshes() throws Exception {
        Path bin = testServerBinary();
        TestServer server = bin == null ? null : new TestServer(bin, KEYS_A_PLUS);
        try (SharingClient c = new SharingClient(server == null ? null : server.url, API_KEY, SECRET)) {
            assertTrue(c.refreshJson(KEYS_A).isSuccess());
            String token = c.encryptRawUidIntoToken(RAW_UID, NOW).getEncryptedData();
            List<String> batch = new ArrayList<>(Collections.nCopies(50, token));
            AtomicLong calls = new AtomicLong(), bad = new AtomicLong();
            AtomicReference<String> firstBad = new AtomicReference<>();
            long end = System.nanoTime() + 3_000_000_000L;
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                Thread w = new Thread(() -> {
                    long i = 0;
                    while (System.nanoTime() < end) {
                        i++;
                        DecryptionResponse d = c.decryptTokenIntoRawUid(token, NOW);
                        if (!RAW_UID.equals(d.getUid())) note(bad, firstBad, d.toString());
                        if (i % 16 == 0) {
                            EncryptionDataResponse e = c.encryptRawUidIntoToken(RAW_UID, NOW);
                            if (!e.isSuccess() || !RAW_UID.equals(c.decryptTokenIntoRawUid(e.getEncryptedData(), NOW).getUid())) {
                                note(bad, firstBad, e.toString());
                            }
                        }
                        if (i % 64 == 0) {
                            for (DecryptionResponse x : c.decryptTokensIntoRawUids(batch, NOW)) {
                                if (!RAW_UID.equals(x.getUid())) note(bad, firstBad, x.toString());
                            }
                        }
                        calls.incrementAndGet();
                    }
                }, "decrypt-" + t);
                w.start();
                workers.add(w);
            }
            int jsonRefreshes = 0, httpRefreshes = 0;
            while (System.nanoTime() < end) {
                assertTrue(c.refreshJson(jsonRefreshes % 2 == 0 ? KEYS_A_PLUS : KEYS_A).isSuccess());
                jsonRefreshes++;
                if (server != null && jsonRefreshes % 10 == 0) {
                    assertTrue(c.refresh().isSuccess());
                    httpRefreshes++;
                }
            }
            for (Thread w : workers) w.join();
            assertEquals(0, bad.get(), "wrong results, first: " + firstBad.get());
            assertTrue(calls.get() > 1000, "calls=" + calls.get());
            assertTrue(jsonRefreshes > 10, "jsonRefreshes=" + jsonRefreshes);
            if (server != null) assertTrue(httpRefreshes > 0);
        } finally {
            if (server != null) server.close();
        }
    }

    private static void note(AtomicLong bad, AtomicReference<String> first, String what) {
        bad.incrementAndGet();
        first.compareAndSet(null, what);
    }
}
