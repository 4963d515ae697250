package io.libuid2;

import static io.libuid2.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Closing a client while other threads call it: every call either completes correctly or throws the
 * documented IllegalStateException; nothing crashes, hangs or leaks.
 */
class CloseWhileInUseTest {
    static final Instant NOW = ApiTest.NOW;
    static final int THREADS = 8;

    @Test
    void closingAClientThatOtherThreadsUse() throws Exception {
        long base = LibUid2.clientCount();
        for (int round = 0; round < 5; round++) {
            SharingClient c = ApiTest.sharing(KEYS_A);
            String token = c.encryptRawUidIntoToken(RAW_UID, NOW).getEncryptedData();
            List<String> batch = Collections.nCopies(4, token);
            List<String> outcomes = Collections.synchronizedList(new ArrayList<>());
            CyclicBarrier busy = new CyclicBarrier(THREADS + 1);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                Thread w = new Thread(() -> {
                    long calls = 0;
                    try {
                        while (true) { // until the client is closed
                            if (!RAW_UID.equals(c.decryptTokenIntoRawUid(token, NOW).getUid())) {
                                outcomes.add("wrong result");
                                return;
                            }
                            for (DecryptionResponse d : c.decryptTokensIntoRawUids(batch, NOW)) {
                                if (!RAW_UID.equals(d.getUid())) {
                                    outcomes.add("wrong batch result");
                                    return;
                                }
                            }
                            EncryptionDataResponse e = c.encryptRawUidIntoToken(RAW_UID, NOW);
                            if (!e.isSuccess()) {
                                outcomes.add("encrypt failed: " + e.getStatus());
                                return;
                            }
                            if (++calls == 1) busy.await(30, TimeUnit.SECONDS);
                        }
                    } catch (IllegalStateException e) {
                        outcomes.add(e.getMessage().contains("closed") && calls > 0 ? "closed" : e + " after " + calls + " calls");
                    } catch (Exception e) {
                        outcomes.add(e.toString());
                    }
                }, "close-while-in-use-" + t);
                w.start();
                threads.add(w);
            }
            busy.await(30, TimeUnit.SECONDS); // every thread has made calls and is still making them
            c.close();
            for (Thread w : threads) {
                w.join(30_000);
                assertFalse(w.isAlive(), w.getName() + " hangs");
            }
            assertEquals(Collections.nCopies(THREADS, "closed"), outcomes);
            assertThrows(IllegalStateException.class, c::refresh);
            c.close(); // idempotent
        }
        assertEquals(base, LibUid2.clientCount());
    }
}
