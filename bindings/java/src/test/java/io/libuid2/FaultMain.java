package io.libuid2;

import static io.libuid2.TestSupport.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Run by FaultTest in a JVM of its own: faults inside libuid2's Go code (through the test-only JNI library
 * given as the first argument) on four threads that also call libuid2 normally and take NullPointerExceptions;
 * then decrypts while another thread sends it SIGPIPE, then SIGXFSZ, again and again. Prints
 * {@code faults: internal=N other=N bad=N npe=N} and exits 0 only if every fault came back as INTERNAL_ERROR
 * and everything else stayed right.
 */
public final class FaultMain {
    static native int decryptAtBadAddress(long client);

    static native int decryptUnderSignal(long client, byte[] token, int signal, int count);

    static final int SIGPIPE = 13, SIGXFSZ = 25;

    static volatile Object nothing; // always null

    public static void main(String[] args) throws Exception {
        int perThread = Integer.parseInt(args[1]);
        AtomicLong internal = new AtomicLong(), other = new AtomicLong(), bad = new AtomicLong(), npe = new AtomicLong();
        try (SharingClient c = new SharingClient(null, null, null)) {
            if (!c.refreshJson(KEYS_A).isSuccess()) throw new AssertionError("refreshJson");
            String token = c.encryptRawUidIntoToken(RAW_UID).getEncryptedData();
            System.load(args[0]); // after the library: it resolves uid2_decrypt from the loaded libuid2.so.1
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                threads.add(new Thread(() -> {
                    for (int i = 0; i < perThread; i++) {
                        (decryptAtBadAddress(c.handle) == Native.INTERNAL_ERROR ? internal : other).incrementAndGet();
                        if (!RAW_UID.equals(c.decryptTokenIntoRawUid(token).getUid())) bad.incrementAndGet();
                        try {
                            nothing.hashCode();
                        } catch (NullPointerException e) {
                            npe.incrementAndGet();
                        }
                    }
                }));
            }
            for (Thread t : threads) t.start();
            for (Thread t : threads) t.join();
            byte[] tokenBytes = token.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            for (int sig : new int[] {SIGPIPE, SIGXFSZ}) {
                int failed = decryptUnderSignal(c.handle, tokenBytes, sig, 5 * perThread);
                if (failed != 0) bad.addAndGet(failed == -1 ? 1 : failed);
            }
        }
        System.out.println("faults: internal=" + internal + " other=" + other + " bad=" + bad + " npe=" + npe);
        System.exit(internal.get() == 4L * perThread && other.get() == 0 && bad.get() == 0 && npe.get() == 4L * perThread ? 0 : 1);
    }
}
