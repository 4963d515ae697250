package io.libuid2;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Single and batch decrypt/encrypt of v4 sharing tokens (44-character raw UIDs), operations per second,
 * one thread; and, in the same run, the official Java SDK (com.uid2:uid2-client) on the same keys and
 * tokens for comparison. Run with {@code mvn -f bindings/java/pom.xml -Pbench -DskipTests verify}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class Uid2Benchmark {
    static final int BATCH = 1000;

    SharingClient client;
    com.uid2.client.SharingClient official;
    String token;
    List<String> tokens = new ArrayList<>();
    List<String> rawUids = new ArrayList<>();

    @Setup
    public void setup() {
        client = new SharingClient(null, null, null);
        check(client.refreshJson(TestSupport.KEYS_A).isSuccess(), "refreshJson");
        token = client.encryptRawUidIntoToken(TestSupport.RAW_UID).getEncryptedData(); // valid now
        for (int i = 0; i < BATCH; i++) {
            String raw = Base64.getEncoder().encodeToString(TestSupport.bytes(32, 5000 + i));
            rawUids.add(raw);
            tokens.add(client.encryptRawUidIntoToken(raw).getEncryptedData());
        }
        official = new com.uid2.client.SharingClient("http://127.0.0.1:1", TestSupport.API_KEY, TestSupport.SECRET);
        check(com.uid2.client.OfficialSdkAccess.refreshJson(official, TestSupport.KEYS_A), "official refreshJson");
        check(TestSupport.RAW_UID.equals(official.decryptTokenIntoRawUid(token).getUid()), "official decrypt");
        check(TestSupport.RAW_UID.equals(client.decryptTokenIntoRawUid(
                official.encryptRawUidIntoToken(TestSupport.RAW_UID).getEncryptedData()).getUid()), "official encrypt");
        check(decryptBatch().get(BATCH - 1).getUid().equals(rawUids.get(BATCH - 1)), "batch");
    }

    @TearDown
    public void tearDown() {
        client.close();
    }

    private static void check(boolean ok, String what) {
        if (!ok) throw new IllegalStateException("benchmark setup: " + what);
    }

    @Benchmark
    public DecryptionResponse decrypt() {
        return client.decryptTokenIntoRawUid(token);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public List<DecryptionResponse> decryptBatch() {
        return client.decryptTokensIntoRawUids(tokens);
    }

    @Benchmark
    public EncryptionDataResponse encrypt() {
        return client.encryptRawUidIntoToken(TestSupport.RAW_UID);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public List<EncryptionDataResponse> encryptBatch() {
        return client.encryptRawUidsIntoTokens(rawUids);
    }

    @Benchmark
    public com.uid2.client.DecryptionResponse officialDecrypt() {
        return official.decryptTokenIntoRawUid(token);
    }

    @Benchmark
    public com.uid2.client.EncryptionDataResponse officialEncrypt() {
        return official.encryptRawUidIntoToken(TestSupport.RAW_UID);
    }
}
