package io.libuid2.spark;

import io.libuid2.RefreshResponse;
import io.libuid2.SharingClient;
import java.io.Serializable;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * Where the executors' clients get their keys. Made on the driver, it travels with the tasks; on an
 * executor, {@link #client()} gives the one client of that JVM for this key source, made on first use.
 *
 * <ul>
 *   <li>{@link #fromJson}: key JSON (a key service response) broadcast from the driver. {@link #update}
 *       broadcasts newer keys: DataFrames and functions made after it use them, and each executor loads
 *       them into the client it already has.
 *   <li>{@link #fromKeyService}: each executor's client refreshes from the key service when it is made,
 *       then in the background. The URL and credentials are read on the executor from Spark's configuration
 *       ({@code spark.executorEnv.UID2_BASE_URL}, {@code spark.executorEnv.UID2_API_KEY}, {@code
 *       spark.executorEnv.UID2_SECRET_KEY}), else from the environment variables of those names: they never
 *       travel with the tasks.
 * </ul>
 */
public final class Uid2Keys implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The executor settings (and environment variables) {@link #fromKeyService} reads. */
    public static final String ENV_BASE_URL = "UID2_BASE_URL";
    public static final String ENV_API_KEY = "UID2_API_KEY";
    public static final String ENV_SECRET_KEY = "UID2_SECRET_KEY";

    private final transient SparkSession spark;
    private final String id = UUID.randomUUID().toString();
    private Broadcast<String> broadcast;
    private long version; // counts updates: an executor never goes back to older keys
    private final long refreshMillis;

    private Uid2Keys(SparkSession spark, long refreshMillis) {
        this.spark = spark;
        this.refreshMillis = refreshMillis;
    }

    /** Key JSON (a whole key service response or its body), checked here and broadcast to the executors. */
    public static Uid2Keys fromJson(SparkSession spark, String keyJson) {
        Uid2Keys keys = new Uid2Keys(spark, 0);
        keys.update(keyJson);
        return keys;
    }

    /** Each executor refreshes from the key service, then every {@code refreshInterval} in the background. */
    public static Uid2Keys fromKeyService(Duration refreshInterval) {
        if (refreshInterval.isNegative() || refreshInterval.isZero()) {
            throw new IllegalArgumentException("refreshInterval must be positive");
        }
        return new Uid2Keys(null, refreshInterval.toMillis());
    }

    /** {@link #fromKeyService} refreshing every hour. */
    public static Uid2Keys fromKeyService() { return fromKeyService(Duration.ofHours(1)); }

    /** Broadcasts newer key JSON ({@link #fromJson} keys only). */
    public synchronized void update(String keyJson) {
        if (spark == null) {
            throw new IllegalStateException("keys from the key service refresh on the executors; update() is for key JSON");
        }
        try (SharingClient probe = new SharingClient(null, null, null)) { // bad JSON fails here, not in every task
            RefreshResponse response = probe.refreshJson(keyJson);
            if (!response.isSuccess()) {
                throw new IllegalArgumentException("key JSON not accepted: " + response.getReason());
            }
        }
        Broadcast<String> old = broadcast;
        broadcast = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(keyJson);
        version++;
        if (old != null) {
            old.unpersist(); // not destroy(): a DataFrame made earlier may still use it
        }
    }

    // --- on the executors: one client per JVM and key source ---------------------------------------

    private static final Map<String, SharingClient> CLIENTS = new HashMap<>();
    private static final Map<String, Long> LOADED = new HashMap<>();

    /**
     * This JVM's client for these keys, made here on first use. Broadcast keys: one client per {@link
     * Uid2Keys} made on the driver, loaded with newer keys when a task brings an update (a task of an
     * older DataFrame running at the same time then uses the newer keys too).
     */
    SharingClient client() {
        synchronized (CLIENTS) {
            if (broadcast != null) {
                SharingClient client = CLIENTS.computeIfAbsent(id, k -> new SharingClient(null, null, null));
                if (version > LOADED.getOrDefault(id, 0L)) {
                    RefreshResponse response = client.refreshJson(broadcast.value());
                    if (!response.isSuccess()) {
                        throw new IllegalStateException("libuid2: broadcast key JSON not accepted: " + response.getReason());
                    }
                    LOADED.put(id, version);
                }
                return client;
            }
            String url = setting(ENV_BASE_URL), apiKey = setting(ENV_API_KEY), secret = setting(ENV_SECRET_KEY);
            if (url == null || apiKey == null || secret == null) {
                throw new IllegalStateException("libuid2: the executor has no key service credentials: set "
                        + "spark.executorEnv." + ENV_BASE_URL + ", spark.executorEnv." + ENV_API_KEY
                        + " and spark.executorEnv." + ENV_SECRET_KEY);
            }
            String slot = "service\n" + url + "\n" + apiKey;
            SharingClient client = CLIENTS.get(slot);
            if (client == null) {
                client = new SharingClient(url, apiKey, secret);
                RefreshResponse response = client.refresh();
                if (!response.isSuccess()) {
                    client.close();
                    throw new IllegalStateException("libuid2: key refresh from " + url + " failed: " + response.getReason());
                }
                client.startAutoRefresh(Duration.ofMillis(refreshMillis));
                CLIENTS.put(slot, client);
            }
            return client;
        }
    }

    private static String setting(String name) {
        SparkEnv env = SparkEnv.get();
        if (env != null) {
            scala.Option<String> value = env.conf().getOption("spark.executorEnv." + name);
            if (value.isDefined() && !value.get().isEmpty()) return value.get();
        }
        String value = System.getenv(name);
        return value == null || value.isEmpty() ? null : value;
    }
}
