package io.libuid2;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Fixtures shared by the tests: key JSON, paths, the local key service, child JVMs. */
final class TestSupport {
    private TestSupport() {}

    static final int CALLER_SITE = 123;
    static final int MASTER_KEYSET = 9999999;
    static final int DEFAULT_KEYSET = 99999;
    static final long ACTIVATES = 1609459200L; // 2021-01-01
    static final long EXPIRES = 4102444800L;   // 2100-01-01
    static final String RAW_UID = "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=";
    static final String API_KEY = "test-api-key";
    static final String SECRET = Base64.getEncoder().encodeToString(bytes(32, 7));

    /** n bytes, deterministic per seed. */
    static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (seed * 37 + i * 11);
        return b;
    }

    /** One key of a key response; the secret is derived from the id. */
    static String key(int id, Integer keysetId, long activates, long expires) {
        return "{\"id\":" + id + (keysetId == null ? "" : ",\"keyset_id\":" + keysetId)
                + ",\"created\":" + activates + ",\"activates\":" + activates + ",\"expires\":" + expires
                + ",\"secret\":\"" + Base64.getEncoder().encodeToString(bytes(32, id)) + "\"}";
    }

    /** A /v2/key/sharing response: master key masterId, site key siteKeyId in the default keyset. */
    static String sharingKeys(int masterId, int siteKeyId) {
        return sharingKeys(key(masterId, MASTER_KEYSET, ACTIVATES, EXPIRES),
                key(siteKeyId, DEFAULT_KEYSET, ACTIVATES, EXPIRES));
    }

    static String sharingKeys(String... keys) {
        return "{\"body\":{\"caller_site_id\":" + CALLER_SITE + ",\"master_keyset_id\":" + MASTER_KEYSET
                + ",\"default_keyset_id\":" + DEFAULT_KEYSET + ",\"token_expiry_seconds\":\"2592000\","
                + "\"identity_scope\":\"UID2\",\"allow_clock_skew_seconds\":1800,\"keys\":["
                + String.join(",", keys) + "]}}";
    }

    /** A /v2/key/bidstream response with the same secrets (no keyset ids) and site_data. */
    static String bidstreamKeys(int... ids) {
        List<String> keys = new ArrayList<>();
        for (int id : ids) keys.add(key(id, null, ACTIVATES, EXPIRES));
        return "{\"body\":{\"identity_scope\":\"UID2\",\"allow_clock_skew_seconds\":1800,"
                + "\"max_bidstream_lifetime_seconds\":2592010,\"keys\":[" + String.join(",", keys) + "],"
                + "\"site_data\":[{\"id\":" + CALLER_SITE + ",\"domain_names\":[\"example.com\"]}]}}";
    }

    static final String KEYS_A = sharingKeys(1, 2);
    static final String KEYS_B = sharingKeys(3, 4);

    static Path repoRoot() {
        String p = System.getProperty("uid2.repoRoot", System.getenv("UID2_REPO_ROOT"));
        if (p != null && !p.isEmpty()) return Paths.get(p).toAbsolutePath().normalize();
        for (Path d = Paths.get("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("capi/uid2.h"))) return d;
        }
        throw new IllegalStateException("cannot find the repository root (set -Duid2.repoRoot)");
    }

    static Path scratch() throws IOException {
        String p = System.getProperty("uid2.scratch", System.getenv("TEST_TMPDIR"));
        Path d = p != null && !p.isEmpty() ? Paths.get(p) : Paths.get(System.getProperty("java.io.tmpdir"), "libuid2-java-tests");
        Files.createDirectories(d);
        return d;
    }

    /** Resident set size of this process, in KiB. */
    static long rssKiB() throws IOException {
        for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        throw new IllegalStateException("no VmRSS");
    }

    // ---- the local key service (uid2 serve, go/cmd/uid2) ---------------------------------------------

    private static Path uid2Binary;

    /** UID2_CLI (the uid2 command), else built once from go/cmd/uid2 with go build. */
    static synchronized Path uid2Binary() throws IOException, InterruptedException {
        if (uid2Binary != null) return uid2Binary;
        String env = System.getenv("UID2_CLI");
        if (env != null && !env.isEmpty()) return uid2Binary = Paths.get(env);
        Path out = scratch().resolve("uid2");
        String go = new File("/usr/local/go/bin/go").canExecute() ? "/usr/local/go/bin/go" : "go";
        ProcessBuilder pb = new ProcessBuilder(go, "build", "-o", out.toString(), "./cmd/uid2")
                .directory(repoRoot().resolve("go").toFile()).redirectErrorStream(true);
        Process p = pb.start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IllegalStateException("go build ./cmd/uid2 failed:\n" + log);
        return uid2Binary = out;
    }

    /** A site of the key service and one API key of it. */
    static final class Participant {
        final int siteId;
        final String apiKey, secret;

        Participant(int siteId, String apiKey, String secret) {
            this.siteId = siteId;
            this.apiKey = apiKey;
            this.secret = secret;
        }
    }

    /**
     * {@code uid2 serve --memory --faults} on a loopback port, driven through its admin API. Its sharing
     * tokens last 72 h, the bidstream's maximum, so that a bidstream client accepts them too.
     */
    static final class KeyService implements AutoCloseable {
        final Process process;
        final String url;
        private final String adminToken = java.util.UUID.randomUUID().toString();

        KeyService() throws IOException, InterruptedException {
            ProcessBuilder pb = new ProcessBuilder(uid2Binary().toString(), "serve", "--memory", "--faults",
                    "--listen", "127.0.0.1:0", "--token-expiry", "72h", "--until-stdin-closes")
                    .redirectError(ProcessBuilder.Redirect.INHERIT);
            // Its stdin (a pipe, by default) closes when this JVM ends, however it ends; the
            // service then ends too.
            pb.environment().put("UID2_ADMIN_TOKEN", adminToken);
            process = pb.start();
            String line = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)).readLine();
            if (line == null || !line.startsWith("http://")) {
                close();
                throw new IllegalStateException("uid2 serve did not print its URL: " + line);
            }
            url = line.trim();
        }

        /** One admin call; the parsed JSON answer, or an exception with the service's error. */
        Object admin(String method, String path, Object body) throws IOException {
            HttpURLConnection c = (HttpURLConnection) new URL(url + "/admin/v1" + path).openConnection();
            c.setRequestMethod(method);
            c.setRequestProperty("Authorization", "Bearer " + adminToken);
            if (body != null) {
                c.setDoOutput(true);
                try (OutputStream o = c.getOutputStream()) {
                    o.write(Json.write(body).getBytes(StandardCharsets.UTF_8));
                }
            }
            int code = c.getResponseCode();
            try (java.io.InputStream in = code / 100 == 2 ? c.getInputStream() : c.getErrorStream()) {
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                if (code / 100 != 2) throw new IOException(method + " " + path + ": HTTP " + code + " " + text);
                return Json.parse(text);
            }
        }

        private Map<?, ?> post(String path, Object body) throws IOException {
            return (Map<?, ?>) admin("POST", path, body);
        }

        Participant participant(String name, List<String> types, List<String> roles, List<String> domains) throws IOException {
            Map<?, ?> site = post("/sites", Map.of("name", name, "types", types, "domain_names", domains));
            long id = (Long) site.get("id");
            Map<?, ?> key = post("/sites/" + id + "/apikeys", Map.of("roles", roles));
            return new Participant((int) id, (String) key.get("api_key"), (String) key.get("secret"));
        }

        void grant(Participant sender, Participant receiver) throws IOException {
            post("/sites/" + sender.siteId + "/grants", Map.of("site", receiver.siteId));
        }

        void revoke(Participant sender, Participant receiver) throws IOException {
            admin("DELETE", "/sites/" + sender.siteId + "/grants/site/" + receiver.siteId, null);
        }

        /** Gives the site a new current key; returns once it is active (it may activate a second later). */
        void rotate(Participant site) throws IOException, InterruptedException {
            long activatesMs = (Long) post("/sites/" + site.siteId + "/keys/rotate", null).get("activates") * 1000;
            Thread.sleep(Math.max(0, activatesMs - System.currentTimeMillis()));
        }

        /** none, 500, garbage, wrong-nonce, wrong-secret or slow. */
        void fault(String mode) throws IOException {
            post("/faults", Map.of("mode", mode));
        }

        SharingClient sharing(Participant p) { return new SharingClient(url, p.apiKey, p.secret); }

        BidstreamClient bidstream(Participant p) { return new BidstreamClient(url, p.apiKey, p.secret); }

        @Override
        public void close() {
            try {
                process.getOutputStream().close();
            } catch (IOException ignored) {
                // the service is stopped below either way
            }
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A key service with a sender that shares with a receiver, and a bidder, for one test. */
    static final class Sharing implements AutoCloseable {
        final KeyService service = new KeyService();
        /** A publisher that generates tokens for the bidstream: the bidder gets its keys too. */
        final Participant sender, receiver, bidder;

        Sharing() throws IOException, InterruptedException {
            try {
                sender = service.participant("sender", List.of("publisher"), List.of("sharer", "generator"), List.of("example.com"));
                receiver = service.participant("receiver", List.of("advertiser"), List.of("sharer"), List.of());
                bidder = service.participant("bidder", List.of("dsp"), List.of("bidder"), List.of());
                service.grant(sender, receiver);
            } catch (IOException | RuntimeException e) {
                service.close();
                throw e;
            }
        }

        /** A token for RAW_UID from the sender's client, its keys refreshed over HTTP. */
        String senderToken() {
            try (SharingClient c = service.sharing(sender)) {
                RefreshResponse r = c.refresh();
                if (!r.isSuccess()) throw new IllegalStateException("sender refresh: " + r.getReason());
                EncryptionDataResponse e = c.encryptRawUidIntoToken(RAW_UID);
                if (!e.isSuccess()) throw new IllegalStateException("sender encrypt: " + e.getStatus());
                return e.getEncryptedData();
            }
        }

        @Override
        public void close() { service.close(); }
    }

    // ---- child JVMs -----------------------------------------------------------------------------------

    static final class Run {
        final int exitCode;
        final String output;

        Run(int exitCode, String output) {
            this.exitCode = exitCode;
            this.output = output;
        }
    }

    /**
     * Runs mainClass in a new JVM with this test class path, the given JVM options and environment additions.
     * A child still running after timeoutSeconds is a hang: it gets SIGQUIT (the JVM prints every thread's
     * stack), then is killed, and the Run has exit code -1 and the dump in its output.
     */
    static Run runJava(List<String> jvmOptions, java.util.Map<String, String> env, long timeoutSeconds,
                       String mainClass, String... args) throws IOException, InterruptedException {
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(cp);
        cmd.add(mainClass);
        for (String a : args) cmd.add(a);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("UID2_LIBRARY_PATH");
        pb.environment().putAll(env);
        Process p = pb.start();
        // Read on a thread of its own, so that a child that hangs with its output open is still caught.
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        Thread reader = new Thread(() -> {
            try {
                p.getInputStream().transferTo(out);
            } catch (IOException ignored) {
                // the child is gone
            }
        });
        reader.setDaemon(true);
        reader.start();
        boolean hung = !p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (hung) {
            new ProcessBuilder("kill", "-QUIT", Long.toString(p.pid())).start().waitFor();
            p.waitFor(5, TimeUnit.SECONDS);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        reader.join(10_000);
        String text;
        synchronized (out) {
            text = out.toString(StandardCharsets.UTF_8);
        }
        if (hung) return new Run(-1, text + "\n(hung: killed after " + timeoutSeconds + " s; thread dump above)");
        return new Run(p.exitValue(), text);
    }

    static Run runJava(List<String> jvmOptions, java.util.Map<String, String> env, String mainClass,
                       String... args) throws IOException, InterruptedException {
        return runJava(jvmOptions, env, 120, mainClass, args);
    }

    /** The JDK's signal-chaining library, for LD_PRELOAD. */
    static Path libjsig() {
        return Paths.get(System.getProperty("java.home"), "lib", "libjsig.so");
    }
}
