package io.libuid2;

import static io.libuid2.TestSupport.*;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The signal-handling stress, run in its own JVM by SignalStressTest: 8 threads call into Go (single and
 * batch decrypts, encrypts decrypted back) while the JVM does everything it uses SIGSEGV for — implicit null
 * checks in compiled code (NullPointerException), stack-overflow guard pages (StackOverflowError), safepoint
 * polls — under a garbage-making load with explicit GCs, and keys are refreshed all along. Every result is
 * compared with the expected raw UID.
 *
 * <p>Prints one line {@code stress: calls=N bad=N npe=N soe=N gcs=N explicit=N refreshes=N} (gcs: every
 * collection the JVM made; explicit: the System.gc() calls among them) and exits 0 only if
 * every result was right and every JVM mechanism kept working.
 */
public final class StressMain {
    static volatile Object nothing; // always null: its dereference is an implicit null check
    static final AtomicLong calls = new AtomicLong(), bad = new AtomicLong(), npe = new AtomicLong(),
            soe = new AtomicLong(), gcs = new AtomicLong(), refreshes = new AtomicLong();

    public static void main(String[] args) throws Exception {
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 5;
        Instant now = Instant.parse("2030-06-01T12:00:00Z");
        try (SharingClient c = new SharingClient(null, null, null)) {
            if (!c.refreshJson(KEYS_A).isSuccess()) throw new AssertionError("refreshJson");
            String token = c.encryptRawUidIntoToken(RAW_UID, now).getEncryptedData();
            List<String> batch = new ArrayList<>(Collections.nCopies(50, token));
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                threads.add(new Thread(() -> {
                    long i = 0;
                    while (System.nanoTime() < end) {
                        i++;
                        if (!RAW_UID.equals(c.decryptTokenIntoRawUid(token, now).getUid())) bad.incrementAndGet();
                        if (i % 8 == 0) {
                            EncryptionDataResponse e = c.encryptRawUidIntoToken(RAW_UID, now);
                            if (!e.isSuccess() || !RAW_UID.equals(c.decryptTokenIntoRawUid(e.getEncryptedData(), now).getUid())) {
                                bad.incrementAndGet();
                            }
                        }
                        if (i % 64 == 0) {
                            for (DecryptionResponse d : c.decryptTokensIntoRawUids(batch, now)) {
                                if (!RAW_UID.equals(d.getUid())) bad.incrementAndGet();
                            }
                        }
                        if (i % 256 == 0) { // SIGSEGV-based JVM mechanisms on the same threads that call Go
                            try {
                                nothing.hashCode();
                            } catch (NullPointerException e) {
                                npe.incrementAndGet();
                            }
                        }
                        calls.incrementAndGet();
                    }
                }, "stress-" + t));
            }
            threads.add(new Thread(() -> { // stack-overflow guard pages
                while (System.nanoTime() < end) {
                    try {
                        recurse(0);
                    } catch (StackOverflowError e) {
                        soe.incrementAndGet();
                    }
                }
            }, "soe"));
            for (int t = 0; t < 2; t++) { // garbage and GCs
                threads.add(new Thread(() -> {
                    Object[] ring = new Object[1024];
                    long i = 0;
                    while (System.nanoTime() < end) {
                        ring[(int) (i % ring.length)] = new byte[1 + (int) (i * 7919 % 65536)];
                        if (++i % 5_000 == 0) {
                            System.gc();
                            gcs.incrementAndGet();
                        }
                    }
                }, "churn-" + t));
            }
            threads.add(new Thread(() -> {
                int i = 0;
                while (System.nanoTime() < end) {
                    if (!c.refreshJson(i++ % 2 == 0 ? ThreadsTest.KEYS_A_PLUS : KEYS_A).isSuccess()) bad.incrementAndGet();
                    refreshes.incrementAndGet();
                }
            }, "refresh"));
            for (Thread t : threads) t.start();
            for (Thread t : threads) t.join();
        }
        long collections = 0; // every collection, young ones included, not only the explicit System.gc()s
        for (java.lang.management.GarbageCollectorMXBean b : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            collections += Math.max(0, b.getCollectionCount());
        }
        System.out.println("stress: calls=" + calls + " bad=" + bad + " npe=" + npe + " soe=" + soe + " gcs=" + collections
                + " explicit=" + gcs
                + " refreshes=" + refreshes + " handles=" + LibUid2.clientCount());
        boolean ok = bad.get() == 0 && calls.get() > 0 && npe.get() > 0 && soe.get() > 0 && gcs.get() > 0
                && refreshes.get() > 0 && LibUid2.clientCount() == 0;
        System.exit(ok ? 0 : 1);
    }

    static int recurse(int depth) {
        return recurse(depth + 1) + 1;
    }
}
