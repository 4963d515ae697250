package io.libuid2;

import static io.libuid2.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Key refresh over real HTTP from the local key service (uid2 serve): the sender encrypts with keys it
 * refreshed, receivers decrypt with theirs; each failure keeps the old keys; rotation, grants and
 * revocations reach a receiver at its next refresh.
 */
class HttpRefreshTest {
    Sharing sites;
    KeyService service;

    @BeforeEach
    void start() throws Exception {
        sites = new Sharing();
        service = sites.service;
    }

    @AfterEach
    void stop() {
        sites.close();
    }

    @Test
    void refreshLoadsKeysAndPicksUpRotatedOnes() throws Exception {
        String token = sites.senderToken();
        try (SharingClient s = service.sharing(sites.receiver); BidstreamClient b = service.bidstream(sites.bidder)) {
            assertEquals(DecryptionStatus.NOT_INITIALIZED, s.decryptTokenIntoRawUid(token).getStatus());
            RefreshResponse r = s.refresh();
            assertTrue(r.isSuccess(), r.toString());
            assertTrue(b.refresh(Duration.ofSeconds(10)).isSuccess());
            DecryptionResponse d = s.decryptTokenIntoRawUid(token);
            assertEquals(RAW_UID, d.getUid());
            assertEquals(Integer.valueOf(sites.sender.siteId), d.getSiteId());
            assertEquals(RAW_UID, b.decryptTokenIntoRawUid(token, null).getUid());

            service.rotate(sites.sender);
            String rotated = sites.senderToken();
            assertEquals(DecryptionStatus.NOT_AUTHORIZED_FOR_KEY, s.decryptTokenIntoRawUid(rotated).getStatus());
            assertTrue(s.refresh().isSuccess());
            assertEquals(RAW_UID, s.decryptTokenIntoRawUid(rotated).getUid());
            assertEquals(RAW_UID, s.decryptTokenIntoRawUid(token).getUid(), "the old key stays until its tokens expire");
            assertNotNull(s.getRefreshState().getLastSuccess());
        }
    }

    @Test
    void everyFailureKeepsTheOldKeys() throws Exception {
        String token = sites.senderToken();
        try (SharingClient s = service.sharing(sites.receiver)) {
            assertTrue(s.refresh().isSuccess());
            service.rotate(sites.sender); // what a failed refresh must not install
            String rotated = sites.senderToken();
            int failures = 0;
            for (String mode : new String[] {"500", "garbage", "wrong-nonce", "wrong-secret", "slow"}) {
                service.fault(mode);
                long t0 = System.nanoTime();
                RefreshResponse r = mode.equals("slow") ? s.refresh(Duration.ofMillis(700)) : s.refresh();
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertFalse(r.isSuccess(), mode);
                assertFalse(r.getReason().isEmpty(), mode);
                assertFalse(r.getReason().contains(sites.receiver.secret) || r.getReason().contains(sites.receiver.apiKey),
                        r.getReason());
                if (mode.equals("slow")) assertTrue(ms < 4000, "the timeout was not honoured: " + ms + " ms");
                failures++;
                assertEquals(RAW_UID, s.decryptTokenIntoRawUid(token).getUid(), mode);
                assertEquals(DecryptionStatus.NOT_AUTHORIZED_FOR_KEY, s.decryptTokenIntoRawUid(rotated).getStatus(), mode);
                assertEquals(failures, s.getRefreshState().getConsecutiveFailures(), mode);
            }
            service.fault("none");
            assertTrue(s.refresh().isSuccess());
            assertEquals(RAW_UID, s.decryptTokenIntoRawUid(rotated).getUid());
        }
    }

    @Test
    void wrongCredentialsOrUrlFailWithAReason() throws Exception {
        String token = sites.senderToken();
        Participant r = sites.receiver;
        try (SharingClient wrongKey = new SharingClient(service.url, "other-key", r.secret);
             SharingClient wrongSecret = new SharingClient(service.url, r.apiKey, java.util.Base64.getEncoder().encodeToString(bytes(32, 1)));
             SharingClient noServer = new SharingClient("http://127.0.0.1:1", r.apiKey, r.secret)) {
            for (SharingClient c : new SharingClient[] {wrongKey, wrongSecret, noServer}) {
                RefreshResponse response = c.refresh(Duration.ofSeconds(5));
                assertFalse(response.isSuccess());
                assertFalse(response.getReason().isEmpty());
                assertEquals(DecryptionStatus.NOT_INITIALIZED, c.decryptTokenIntoRawUid(token).getStatus());
            }
        }
    }

    @Test
    void sharingPermissionFollowsGrantAndRevoke() throws Exception {
        String token = sites.senderToken();
        Participant outsider = service.participant("outsider", List.of("advertiser"), List.of("sharer"), List.of());
        try (SharingClient c = service.sharing(outsider)) {
            assertTrue(c.refresh().isSuccess());
            assertEquals(DecryptionStatus.NOT_AUTHORIZED_FOR_KEY, c.decryptTokenIntoRawUid(token).getStatus());
            service.grant(sites.sender, outsider);
            assertEquals(DecryptionStatus.NOT_AUTHORIZED_FOR_KEY, c.decryptTokenIntoRawUid(token).getStatus(),
                    "a grant reaches the receiver at its next refresh");
            assertTrue(c.refresh().isSuccess());
            DecryptionResponse d = c.decryptTokenIntoRawUid(token);
            assertEquals(RAW_UID, d.getUid());
            assertEquals(Integer.valueOf(sites.sender.siteId), d.getSiteId());
            service.revoke(sites.sender, outsider);
            assertTrue(c.refresh().isSuccess());
            assertEquals(DecryptionStatus.NOT_AUTHORIZED_FOR_KEY, c.decryptTokenIntoRawUid(token).getStatus());
        }
    }

    @Test
    void automaticRefreshLoadsKeysAndStops() throws Exception {
        String token = sites.senderToken();
        try (SharingClient s = service.sharing(sites.receiver)) {
            s.startAutoRefresh(Duration.ofMillis(200), Duration.ofSeconds(5));
            assertTrue(s.getRefreshState().isAutoRefreshRunning());
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!s.decryptTokenIntoRawUid(token).isSuccess() && System.nanoTime() < deadline) Thread.sleep(20);
            assertEquals(RAW_UID, s.decryptTokenIntoRawUid(token).getUid());
            service.rotate(sites.sender);
            String rotated = sites.senderToken();
            while (!s.decryptTokenIntoRawUid(rotated).isSuccess() && System.nanoTime() < deadline) Thread.sleep(20);
            assertEquals(RAW_UID, s.decryptTokenIntoRawUid(rotated).getUid());
            s.stopAutoRefresh();
            assertFalse(s.getRefreshState().isAutoRefreshRunning());
            s.startAutoRefresh(Duration.ofMinutes(30)); // closing must stop it
        }
    }
}
