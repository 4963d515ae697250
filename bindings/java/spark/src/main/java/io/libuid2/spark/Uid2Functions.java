package io.libuid2.spark;

import io.libuid2.DecryptionResponse;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import scala.runtime.AbstractFunction1;

/**
 * The SQL functions {@code uid2_decrypt(token)} (a struct of {@link Uid2Columns#DECRYPT}) and {@code
 * uid2_encrypt(raw_uid)} (a struct of {@link Uid2Columns#ENCRYPT}), one row per call into the library. A
 * null argument gives a null struct; a token or raw UID that fails gives its status, never an error.
 *
 * <pre>
 *   Uid2Functions.register(spark, Uid2Keys.fromJson(spark, keyJson));
 *   spark.sql("SELECT id, uid2_decrypt(token).* FROM tokens");
 * </pre>
 *
 * From PySpark: {@code spark._jvm.io.libuid2.spark.Uid2Functions.register(spark._jsparkSession, keys)}, or
 * with no code at all through {@link Uid2Extensions}. For whole columns {@link Uid2Spark}'s batch path
 * crosses into the library once per 10,000 rows and is faster.
 */
public final class Uid2Functions {
    private Uid2Functions() {}

    /** Registers both functions in the session, reading tokens at the time of each call. */
    public static void register(SparkSession spark, Uid2Keys keys) { register(spark, keys, null); }

    /**
     * Registers both functions working as at {@code now} (null: the clock), e.g. to replay old files. In a session with {@link Uid2Extensions} (whose functions shadow temporary ones) they take
     * these keys from then on.
     */
    public static void register(SparkSession spark, Uid2Keys keys, Instant now) {
        boolean instants = (Boolean) spark.sessionState().conf().datetimeJava8ApiEnabled();
        Decrypt decrypt = new Decrypt(keys, now, instants);
        Encrypt encrypt = new Encrypt(keys, now);
        REGISTERED.put(spark, new Object[] {decrypt, encrypt});
        spark.udf().register("uid2_decrypt", decrypt, Uid2Columns.DECRYPT);
        spark.udf().register("uid2_encrypt", encrypt, Uid2Columns.ENCRYPT);
    }

    private static final Map<SparkSession, Object[]> REGISTERED = Collections.synchronizedMap(new WeakHashMap<>());

    /** The functions {@link #register} made for a session: {decrypt, encrypt}, or null. */
    static Object[] registered(SparkSession spark) { return REGISTERED.get(spark); }

    /** token -> struct (a Scala function too, for {@link Uid2Extensions}). */
    static final class Decrypt extends AbstractFunction1<String, Row> implements UDF1<String, Row> {
        private static final long serialVersionUID = 1L;
        private final Uid2Keys keys;
        private final Instant now;
        private final boolean instants;

        Decrypt(Uid2Keys keys, Instant now, boolean instants) {
            this.keys = keys;
            this.now = now;
            this.instants = instants;
        }

        @Override
        public Row call(String token) { return apply(token); }

        @Override
        public Row apply(String token) {
            if (token == null) return null;
            DecryptionResponse r = now == null ? keys.client().decryptTokenIntoRawUid(token)
                    : keys.client().decryptTokenIntoRawUid(token, now);
            return RowFactory.create(Uid2Columns.values(r, instants));
        }
    }

    /** raw UID -> struct. */
    static final class Encrypt extends AbstractFunction1<String, Row> implements UDF1<String, Row> {
        private static final long serialVersionUID = 1L;
        private final Uid2Keys keys;
        private final Instant now;

        Encrypt(Uid2Keys keys, Instant now) {
            this.keys = keys;
            this.now = now;
        }

        @Override
        public Row call(String rawUid) { return apply(rawUid); }

        @Override
        public Row apply(String rawUid) {
            if (rawUid == null) return null;
            return RowFactory.create(Uid2Columns.values(now == null ? keys.client().encryptRawUidIntoToken(rawUid)
                    : keys.client().encryptRawUidIntoToken(rawUid, now)));
        }
    }
}
