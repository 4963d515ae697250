package io.libuid2;

import static io.libuid2.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Key refresh over real HTTP from go/cmd/uid2-testserver: success, and each failure keeping the old keys. */
class HttpRefreshTest {
    static final Instant NOW = ApiTest.NOW;
    static TestServer server;
    static String tokenA, tokenB;

    @BeforeAll
    static void start() throws Exception {
        Path bin = testServerBinary();
        Assumptions.assumeTrue(bin != null, "go/cmd/uid2-testserver is not in the tree");
        server = new TestServer(bin, KEYS_A);
        try (SharingClient a = ApiTest.sharing(KEYS_A); SharingClient b = ApiTest.sharing(KEYS_B)) {
            tokenA = a.encryptRawUidIntoToken(RAW_UID, NOW).getEncryptedData();
            tokenB = b.encryptRawUidIntoToken(RAW_UID, NOW).getEncryptedData();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) server.close();
    }

    @Test
    void refreshLoadsKeysAndPicksUpNewOnes() throws Exception {
        server.fail("none");
        server.setKeys(KEYS_A);
        try (SharingClient s = new SharingClient(server.url, API_KEY, SECRET);
             BidstreamClient b = new BidstreamClient(server.url, API_KEY, SECRET)) {
            assertEquals(DecryptionStatus.NOT_INITIALIZED, s.decryptTokenIntoRawUid(tokenA, NOW).getStatus());
            RefreshResponse r = s.refresh();
            assertTrue(r.isSuccess(), r.toString());
            assertTrue(b.refresh(Duration.ofSeconds(10)).isSuccess());
            assertEquals(RAW_UID, s.decryptTokenIntoRawUid(tokenA, NOW).getUid());
            assertEquals(RAW_UID, b.decryptTokenIntoRawUid(tokenA, null, NOW).getUid());
            assertEquals(DecryptionStatus.NOT_AUTHORIZED_FOR_MASTER_KEY, s.decryptTokenIntoRawUid(tokenB, NOW).getStatus());

            server.setKeys(KEYS_B);
            assertTrue(s.refresh().isSuccess());
            assertEquals(RAW_UID, s.decryptTokenIntoRawUid(tokenB, NOW).getUid());
            assertEquals(DecryptionStatus.NOT_AUTHORIZED_FOR_MASTER_KEY, s.decryptTokenIntoRawUid(tokenA, NOW).getStatus());
            assertNotNull(s.getRefreshState().getLastSuccess());
        } finally {
            server.setKeys(KEYS_A);
        }
    }

    @Test
    void everyFailureKeepsTheOldKeys() throws Exception {
        server.fail("none");
        server.setKeys(KEYS_A);
        try (SharingClient s = new SharingClient(server.url, API_KEY, SECRET)) {
            assertTrue(s.refresh().isSuccess());
            server.setKeys(KEYS_B); // what a failed refresh must not install
            int failures = 0;
            for (String mode : new String[] {"500", "garbage", "wrong-nonce", "wrong-secret", "slow"}) {
                server.fail(mode);
                long t0 = System.nanoTime();
                RefreshResponse r = mode.equals("slow") ? s.refresh(Duration.ofMillis(700)) : s.refresh();
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertFalse(r.isSuccess(), mode);
                assertFalse(r.getReason().isEmpty(), mode);
                assertFalse(r.getReason().contains(SECRET) || r.getReason().contains(API_KEY), r.getReason());
                if (mode.equals("slow")) assertTrue(ms < 4000, "the timeout was not honoured: " + ms + " ms");
                failures++;
                assertEquals(RAW_UID, s.decryptTokenIntoRawUid(tokenA, NOW).getUid(), mode);
                assertEquals(failures, s.getRefreshState().getConsecutiveFailures(), mode);
            }
            server.fail("none");
            assertTrue(s.refresh().isSuccess());
            assertEquals(RAW_UID, s.decryptTokenIntoRawUid(tokenB, NOW).getUid());
        } finally {
            server.fail("none");
            server.setKeys(KEYS_A);
        }
    }

    @Test
    void wrongCredentialsOrUrlFailWithAReason() throws Exception {
        server.fail("none");
        try (SharingClient wrongKey = new SharingClient(server.url, "other-key", SECRET);
             SharingClient wrongSecret = new SharingClient(server.url, API_KEY, java.util.Base64.getEncoder().encodeToString(bytes(32, 1)));
             SharingClient noServer = new SharingClient("http://127.0.0.1:1", API_KEY, SECRET)) {
            for (SharingClient c : new SharingClient[] {wrongKey, wrongSecret, noServer}) {
                RefreshResponse r = c.refresh(Duration.ofSeconds(5));
                assertFalse(r.isSuccess());
                assertFalse(r.getReason().isEmpty());
                assertEquals(DecryptionStatus.NOT_INITIALIZED, c.decryptTokenIntoRawUid(tokenA, NOW).getStatus());
            }
        }
    }

    @Test
    void automaticRefreshLoadsKeysAndStops() throws Exception {
        server.fail("none");
        server.setKeys(KEYS_A);
        try (SharingClient s = new SharingClient(server.url, API_KEY, SECRET)) {
            s.startAutoRefresh(Duration.ofMillis(200), Duration.ofSeconds(5));
            assertTrue(s.getRefreshState().isAutoRefreshRunning());
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!s.decryptTokenIntoRawUid(tokenA, NOW).isSuccess() && System.nanoTime() < deadline) Thread.sleep(20);
            assertEquals(RAW_UID, s.decryptTokenIntoRawUid(tokenA, NOW).getUid());
            server.setKeys(KEYS_B);
            while (!s.decryptTokenIntoRawUid(tokenB, NOW).isSuccess() && System.nanoTime() < deadline) Thread.sleep(20);
            assertEquals(RAW_UID, s.decryptTokenIntoRawUid(tokenB, NOW).getUid());
            s.stopAutoRefresh();
            assertFalse(s.getRefreshState().isAutoRefreshRunning());
            s.startAutoRefresh(Duration.ofMinutes(30)); // closing must stop it
        } finally {
            server.setKeys(KEYS_A);
        }
    }
}
