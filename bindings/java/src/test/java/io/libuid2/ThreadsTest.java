package io.libuid2;

import static io.libuid2.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** 8 threads decrypting and encrypting while keys are refreshed (JSON, or HTTP from the key service). */
class ThreadsTest {
    static final Instant NOW = ApiTest.NOW;
    /** The same keys as KEYS_A plus one more: every refresh installs a new snapshot that still decrypts. */
    static final String KEYS_A_PLUS = sharingKeys(key(1, MASTER_KEYSET, ACTIVATES, EXPIRES),
            key(2, DEFAULT_KEYSET, ACTIVATES, EXPIRES), key(9, 555, ACTIVATES, EXPIRES));

    @Test
    void decryptsStayCorrectDuringJsonRefreshes() throws Exception {
        try (SharingClient c = ApiTest.sharing(KEYS_A)) {
            String token = c.encryptRawUidIntoToken(RAW_UID, NOW).getEncryptedData();
            int refreshes = underLoad(c, token, NOW, i -> assertTrue(c.refreshJson(i % 2 == 0 ? KEYS_A_PLUS : KEYS_A).isSuccess()));
            assertTrue(refreshes > 10, "refreshes=" + refreshes);
        }
    }

    /** The receiver refreshes from the local key service, every third refresh failing. */
    @Test
    void decryptsStayCorrectDuringHttpRefreshes() throws Exception {
        try (Sharing sites = new Sharing(); SharingClient c = sites.service.sharing(sites.receiver)) {
            assertTrue(c.refresh().isSuccess());
            String token = sites.senderToken();
            AtomicLong ok = new AtomicLong(), failed = new AtomicLong();
            underLoad(c, token, Instant.now(), i -> {
                sites.service.fault(i % 3 == 2 ? "500" : "none");
                (c.refresh(Duration.ofSeconds(5)).isSuccess() ? ok : failed).incrementAndGet();
            });
            assertTrue(ok.get() > 2 && failed.get() > 0, "ok=" + ok + " failed=" + failed);
        }
    }

    interface Refresh {
        void run(int i) throws Exception;
    }

    /**
     * 8 threads decrypt token (which must give RAW_UID), encrypt and batch-decrypt for 3 s while this
     * thread calls refresh(0), refresh(1), ... Returns how many refreshes ran.
     */
    private static int underLoad(SharingClient c, String token, Instant now, Refresh refresh) throws Exception {
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
                    DecryptionResponse d = c.decryptTokenIntoRawUid(token, now);
                    if (!RAW_UID.equals(d.getUid())) note(bad, firstBad, d.toString());
                    if (i % 16 == 0) {
                        EncryptionDataResponse e = c.encryptRawUidIntoToken(RAW_UID, now);
                        if (!e.isSuccess() || !RAW_UID.equals(c.decryptTokenIntoRawUid(e.getEncryptedData(), now).getUid())) {
                            note(bad, firstBad, e.toString());
                        }
                    }
                    if (i % 64 == 0) {
                        for (DecryptionResponse x : c.decryptTokensIntoRawUids(batch, now)) {
                            if (!RAW_UID.equals(x.getUid())) note(bad, firstBad, x.toString());
                        }
                    }
                    calls.incrementAndGet();
                }
            }, "decrypt-" + t);
            w.start();
            workers.add(w);
        }
        int refreshes = 0;
        try {
            while (System.nanoTime() < end) refresh.run(refreshes++);
        } finally {
            for (Thread w : workers) w.join();
        }
        assertEquals(0, bad.get(), "wrong results, first: " + firstBad.get());
        assertTrue(calls.get() > 1000, "calls=" + calls.get());
        return refreshes;
    }

    private static void note(AtomicLong bad, AtomicReference<String> first, String what) {
        bad.incrementAndGet();
        first.compareAndSet(null, what);
    }
}
