package io.libuid2;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every case of every file in tests/vectors (schema: tests/vectors/README.md), byte-exact: each decrypt
 * case through the single call and again inside one batch per file; each encrypt case through the
 * insecure nonce path (the token must match) and through the normal path (same status; the token must
 * decrypt).
 */
class VectorTest {

    /** The .json files of dir (relative to the repository root), sorted; fails if there are none. */
    static List<Path> vectorFiles(String dir) throws IOException {
        try (Stream<Path> s = Files.list(TestSupport.repoRoot().resolve(dir))) {
            List<Path> files = s.filter(p -> p.toString().endsWith(".json")).sorted().collect(Collectors.toList());
            assertFalse(files.isEmpty(), "no vector files in " + dir);
            return files;
        }
    }

    @TestFactory
    List<DynamicNode> vectors() throws IOException {
        List<DynamicNode> nodes = new ArrayList<>();
        for (Path f : vectorFiles("tests/vectors")) nodes.add(fileNode(f));
        return nodes;
    }

    @SuppressWarnings("unchecked")
    static DynamicContainer fileNode(Path file) throws IOException {
        Map<String, Object> doc = (Map<String, Object>) Json.parse(new String(Files.readAllBytes(file), StandardCharsets.UTF_8));
        String clientType = (String) doc.get("client");
        Object keys = doc.get("keys");
        List<Map<String, Object>> cases = (List<Map<String, Object>>) doc.get("cases");
        assertFalse(cases.isEmpty(), file + " has no cases");
        List<DynamicNode> tests = new ArrayList<>();
        for (Map<String, Object> c : cases) {
            String name = (String) c.get("name");
            tests.add(DynamicTest.dynamicTest(name, () -> {
                try (NativeClient client = newClient(clientType, keys)) {
                    runCase(client, c);
                }
            }));
        }
        tests.add(DynamicTest.dynamicTest("(every decrypt case in batches)", () -> {
            try (NativeClient client = newClient(clientType, keys)) {
                runBatches(client, cases);
            }
        }));
        return DynamicContainer.dynamicContainer(file.getFileName().toString(), tests);
    }

    static NativeClient newClient(String type, Object keys) {
        NativeClient c;
        if ("sharing".equals(type)) c = new SharingClient(null, null, null);
        else if ("bidstream".equals(type)) c = new BidstreamClient(null, null, null);
        else throw new AssertionError("unknown client type " + type);
        if (keys != null) {
            RefreshResponse r = c.refreshJson(Json.write(keys));
            assertTrue(r.isSuccess(), "refreshJson: " + r);
        }
        return c;
    }

    static void runCase(NativeClient client, Map<String, Object> c) {
        String op = (String) c.get("op");
        if ("decrypt".equals(op)) {
            String token = (String) c.get("token");
            String domain = (String) c.get("domain");
            Instant now = Instant.ofEpochMilli(num(c.get("now_ms")));
            DecryptionResponse d = client instanceof SharingClient
                    ? ((SharingClient) client).decryptTokenIntoRawUid(token, now)
                    : ((BidstreamClient) client).decryptTokenIntoRawUid(token, domain, now);
            checkDecrypt(expect(c), d, (String) c.get("name"));
        } else if ("encrypt".equals(op)) {
            assertTrue(client instanceof SharingClient, "encrypt case for a " + client.getClass().getSimpleName());
            SharingClient s = (SharingClient) client;
            String raw = (String) c.get("raw_uid");
            Instant now = Instant.ofEpochMilli(num(c.get("now_ms")));
            long keyset = c.get("keyset_id") == null ? 0 : num(c.get("keyset_id"));
            byte[] nonces = hex((String) c.get("nonces"));
            Map<String, Object> ex = expect(c);
            EncryptionDataResponse e = InsecureForTests.encryptWithNoncesInsecureForTests(s, raw, now, keyset, nonces);
            assertEquals(ex.get("status"), e.getStatus().name(), "status");
            String token = (String) ex.get("token");
            assertEquals(token.isEmpty() ? null : token, e.getEncryptedData(), "token");
            EncryptionDataResponse random = s.encryptRawUidIntoToken(raw, now, keyset);
            assertEquals(ex.get("status"), random.getStatus().name(), "status without fixed nonces");
            if (random.isSuccess()) {
                assertNotEquals(token, random.getEncryptedData(), "fresh nonces must give another token");
                assertEquals(s.decryptTokenIntoRawUid(token, now).getUid(),
                        s.decryptTokenIntoRawUid(random.getEncryptedData(), now).getUid());
            }
        } else {
            throw new AssertionError("unknown op " + op);
        }
    }

    /** All decrypt cases of a file in batches of one (now, domain), checked the same way. */
    static void runBatches(NativeClient client, List<Map<String, Object>> cases) {
        Map<String, List<Map<String, Object>>> groups = new LinkedHashMap<>();
        for (Map<String, Object> c : cases) {
            if (!"decrypt".equals(c.get("op"))) continue;
            groups.computeIfAbsent(num(c.get("now_ms")) + "|" + c.get("domain"), k -> new ArrayList<>()).add(c);
        }
        for (List<Map<String, Object>> g : groups.values()) {
            List<String> tokens = g.stream().map(c -> (String) c.get("token")).collect(Collectors.toList());
            Instant now = Instant.ofEpochMilli(num(g.get(0).get("now_ms")));
            String domain = (String) g.get(0).get("domain");
            List<DecryptionResponse> rs = client instanceof SharingClient
                    ? ((SharingClient) client).decryptTokensIntoRawUids(tokens, now)
                    : ((BidstreamClient) client).decryptTokensIntoRawUids(tokens, domain, now);
            assertEquals(g.size(), rs.size());
            for (int i = 0; i < g.size(); i++) checkDecrypt(expect(g.get(i)), rs.get(i), "batch: " + g.get(i).get("name"));
        }
    }

    static void checkDecrypt(Map<String, Object> ex, DecryptionResponse d, String name) {
        String why = name + ": " + d;
        assertEquals(ex.get("status"), d.getStatus().name(), why);
        assertEquals(d.getStatus() == DecryptionStatus.SUCCESS, d.isSuccess(), why);
        String uid = (String) ex.get("uid");
        assertEquals(uid.isEmpty() ? null : uid, d.getUid(), why);
        int version = (int) num(ex.get("version"));
        assertEquals(version == 0 ? null : version, d.getAdvertisingTokenVersion(), why);
        assertEquals(ex.get("identity_scope"), d.getIdentityScope().name(), why);
        Object type = ex.get("identity_type");
        assertEquals(type, d.getIdentityType() == null ? null : d.getIdentityType().name().toUpperCase(), why);
        assertEquals(ex.get("is_client_side_generated"), d.getIsClientSideGenerated(), why);
        if (version == 0) { // not decoded: the official SDK's placeholders
            for (String k : new String[] {"established_ms", "expiry_ms", "site_id", "site_key_site_id"}) {
                assertEquals(0L, num(ex.get(k)), why + " (" + k + ")");
            }
            assertEquals(Instant.MIN, d.getEstablished(), why);
            assertEquals(Instant.MIN, d.getExpiry(), why);
            assertNull(d.getSiteId(), why);
            assertNull(d.getSiteKeySiteId(), why);
        } else {
            assertEquals(num(ex.get("established_ms")), d.getEstablished().toEpochMilli(), why);
            assertEquals(num(ex.get("expiry_ms")), d.getExpiry().toEpochMilli(), why);
            assertEquals(num(ex.get("site_id")), (long) d.getSiteId(), why);
            assertEquals(num(ex.get("site_key_site_id")), (long) d.getSiteKeySiteId(), why);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> expect(Map<String, Object> c) {
        return (Map<String, Object>) Objects.requireNonNull(c.get("expect"), "expect");
    }

    static long num(Object o) {
        return ((Number) o).longValue();
    }

    static byte[] hex(String s) {
        byte[] b = new byte[s.length() / 2];
        for (int i = 0; i < b.length; i++) b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        return b;
    }
}
