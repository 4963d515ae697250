package io.libuid2;

import static io.libuid2.TestSupport.*;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Run by HostTest in a JVM of its own.
 * <ul>
 *   <li>{@code lazy}: initialises every public class of the binding, checks that libuid2 is not mapped yet,
 *       then creates a client and checks that it is.
 *   <li>{@code return} / {@code exit}: leaves main (or calls System.exit) while eight threads are inside
 *       decrypts and encrypts and one is inside a refresh from a server that accepts and never answers.
 * </ul>
 */
public final class HostMain {
    public static void main(String[] args) throws Exception {
        if (args[0].equals("lazy")) {
            for (Class<?> c : new Class<?>[] {SharingClient.class, BidstreamClient.class, DecryptionResponse.class,
                    DecryptionStatus.class, EncryptionDataResponse.class, EncryptionStatus.class, IdentityScope.class,
                    IdentityType.class, RefreshResponse.class, RefreshState.class, LibUid2.class, InsecureForTests.class}) {
                Class.forName(c.getName(), true, HostMain.class.getClassLoader());
            }
            System.out.println("after class loading: libuid2 mapped=" + mapped());
            try (SharingClient c = new SharingClient(null, null, null)) {
                System.out.println("after the first client: libuid2 mapped=" + mapped()
                        + ", keys load: " + c.refreshJson(KEYS_A).isSuccess());
            }
            return;
        }
        ServerSocket silent = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        SharingClient c = new SharingClient("http://127.0.0.1:" + silent.getLocalPort(), API_KEY, SECRET);
        if (!c.refreshJson(KEYS_A).isSuccess()) throw new AssertionError("refreshJson");
        AtomicLong calls = new AtomicLong();
        for (int t = 0; t < 8; t++) {
            Thread w = new Thread(() -> {
                for (;;) {
                    c.decryptTokenIntoRawUid(c.encryptRawUidIntoToken(RAW_UID).getEncryptedData());
                    calls.incrementAndGet();
                }
            });
            w.setDaemon(true);
            w.start();
        }
        Thread r = new Thread(() -> c.refresh(Duration.ofSeconds(60)));
        r.setDaemon(true);
        r.start();
        while (calls.get() < 1000) Thread.sleep(1);
        Thread.sleep(200);
        System.out.println("leaving with threads inside libuid2 after " + calls.get() + " calls");
        if (args[0].equals("exit")) System.exit(0);
    }

    static boolean mapped() throws Exception {
        // The native library's file (libuid2.so, or libuid2.so.1 extracted from the jar and deleted), not
        // any path with "libuid2" in it.
        return Files.readAllLines(Paths.get("/proc/self/maps")).stream().anyMatch(l -> l.contains("/libuid2.so"));
    }
}
