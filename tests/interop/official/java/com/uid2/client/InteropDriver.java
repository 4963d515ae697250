package com.uid2.client;

import static io.libuid2.conformance.Canonical.ms;
import static io.libuid2.conformance.Canonical.orZero;
import static io.libuid2.conformance.Canonical.str;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

/**
 * Interop driver for the official UID2 Java SDK (com.uid2:uid2-client, pinned in ../pom.xml).
 *
 * <p>It speaks the conformance driver contract (tests/conformance/README.md) that
 * tests/interop/interop.py drives, writing only the fields this SDK exposes:
 *
 * <pre>
 *   vectors DIR OUT        decrypt cases of the vector files in DIR, at each case's now_ms
 *   encrypt KEYS IN OUT    a SharingClient with KEYS encrypts each raw UID (real clock)
 *   decrypt KEYS IN OUT    ... decrypts each token (real clock)
 * </pre>
 *
 * <p>KEYS is a key file, or a key service's base URL: the client then refreshes over HTTP (the
 * SDK's own HTTP stack) with the API key and secret in UID2_API_KEY and UID2_SECRET_KEY.
 *
 * <p>It sits in the SDK's package only to reach refreshJson and the decrypt overload that takes
 * the time: the seams the SDK's own tests use. Encrypt, decrypt and refresh are the public calls.
 * Its JSON comes from tests/conformance's Canonical, compiled into the same jar (nothing of libuid2).
 */
public final class InteropDriver {
    private InteropDriver() {}

    private static final String UNUSED_SECRET = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    static String decrypted(Function<String, DecryptionResponse> decrypt, String token) {
        DecryptionResponse r;
        try {
            r = decrypt.apply(token);
        } catch (RuntimeException e) {
            return "{\"status\":" + str("raised " + e.getClass().getSimpleName() + ": " + e.getMessage()) + "}";
        }
        IdentityType type = r.getIdentityType();
        return "{\"established_ms\":" + ms(r.getEstablished())
                + ",\"expiry_ms\":" + ms(r.getExpiry())
                + ",\"identity_type\":" + (type == null ? "null" : str(type.name().toUpperCase()))
                + ",\"is_client_side_generated\":" + r.getIsClientSideGenerated()
                + ",\"site_id\":" + orZero(r.getSiteId())
                + ",\"site_key_site_id\":" + orZero(r.getSiteKeySiteId())
                + ",\"status\":" + str(r.getStatus().name())
                + ",\"uid\":" + str(r.getUid() == null ? "" : r.getUid())
                + ",\"version\":" + orZero(r.getAdvertisingTokenVersion()) + "}";
    }

    static String encrypted(EncryptionDataResponse r) {
        String token = r.getEncryptedData();
        return "{\"status\":" + str(r.getStatus().name()) + ",\"token\":" + str(token == null ? "" : token) + "}";
    }

    static SharingClient clientWith(String keys) {
        SharingClient client = new SharingClient("http://127.0.0.1:9", "unused", UNUSED_SECRET);
        RefreshResponse r = client.refreshJson(keys);
        if (!r.isSuccess()) fail("keys not loaded: " + r.getReason());
        return client;
    }

    static SharingClient sharingClientFor(String keys) throws IOException {
        if (!keys.startsWith("http://") && !keys.startsWith("https://")) {
            return clientWith(Files.readString(Paths.get(keys), StandardCharsets.UTF_8));
        }
        SharingClient client = new SharingClient(keys, System.getenv("UID2_API_KEY"), System.getenv("UID2_SECRET_KEY"));
        RefreshResponse r = client.refresh();
        if (!r.isSuccess()) fail("refresh from " + keys + " failed: " + r.getReason());
        return client;
    }

    static void runVectors(Path dir, Writer out) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.json")) {
            s.forEach(files::add);
        }
        Collections.sort(files, (a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        Gson gson = new Gson();
        for (Path file : files) {
            String name = file.getFileName().toString();
            JsonObject v = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
            if (!"sharing".equals(v.get("client").getAsString())) fail(name + ": only sharing vectors are supported");
            SharingClient client = clientWith(gson.toJson(v.get("keys")));
            for (JsonElement e : v.getAsJsonArray("cases")) {
                JsonObject c = e.getAsJsonObject();
                if (!"decrypt".equals(c.get("op").getAsString())) fail(name + ": only decrypt cases are supported");
                Instant now = Instant.ofEpochMilli(c.get("now_ms").getAsLong());
                String result = decrypted(t -> client.decryptTokenIntoRawUid(t, now), c.get("token").getAsString());
                out.write("{\"case\":" + str(c.get("name").getAsString()) + ",\"file\":" + str(name)
                        + ",\"result\":" + result + "}\n");
            }
        }
    }

    static void fail(String message) {
        System.err.println("official java driver: " + message);
        System.exit(1);
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 3) fail("usage: vectors DIR OUT | encrypt|decrypt KEYS IN OUT");
        String mode = args[0];
        try (Writer out = Files.newBufferedWriter(Paths.get(args[args.length - 1]), StandardCharsets.US_ASCII)) {
            if (mode.equals("vectors")) {
                runVectors(Paths.get(args[1]), out);
                return;
            }
            if (!mode.equals("encrypt") && !mode.equals("decrypt")) fail("unknown mode " + mode);
            SharingClient client = sharingClientFor(args[1]);
            for (String line : Files.readAllLines(Paths.get(args[2]), StandardCharsets.UTF_8)) {
                // the real clock and nonce source
                out.write(mode.equals("encrypt")
                        ? encrypted(client.encryptRawUidIntoToken(line))
                        : decrypted(client::decryptTokenIntoRawUid, line));
                out.write("\n");
            }
        }
    }
}
