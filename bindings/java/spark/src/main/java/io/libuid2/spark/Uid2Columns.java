package io.libuid2.spark;

import io.libuid2.DecryptionResponse;
import io.libuid2.EncryptionDataResponse;
import io.libuid2.IdentityType;
import java.sql.Timestamp;
import java.time.Instant;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The result columns, the same in every route (and in the Python helpers, libuid2.spark): the status's name
 * and its number in uid2.h; on a decrypt the raw UID (SUCCESS only), site id, established time and identity
 * type (SUCCESS, EXPIRED_TOKEN, INVALID_TOKEN_LIFETIME, USER_OPTED_OUT) and the identity scope.
 */
public final class Uid2Columns {
    private Uid2Columns() {}

    /** The fields of {@code uid2_decrypt}'s struct, and the columns the batch decrypt appends (prefixed). */
    public static final StructType DECRYPT = new StructType(new StructField[] {
        DataTypes.createStructField("status", DataTypes.StringType, true),
        DataTypes.createStructField("status_code", DataTypes.IntegerType, true),
        DataTypes.createStructField("raw_uid", DataTypes.StringType, true),
        DataTypes.createStructField("site_id", DataTypes.IntegerType, true),
        DataTypes.createStructField("established", DataTypes.TimestampType, true),
        DataTypes.createStructField("identity_type", DataTypes.StringType, true),
        DataTypes.createStructField("identity_scope", DataTypes.StringType, true),
    });

    /** The fields of {@code uid2_encrypt}'s struct, and the columns the batch encrypt appends. */
    public static final StructType ENCRYPT = new StructType(new StructField[] {
        DataTypes.createStructField("status", DataTypes.StringType, true),
        DataTypes.createStructField("status_code", DataTypes.IntegerType, true),
        DataTypes.createStructField("token", DataTypes.StringType, true),
    });

    /** A decrypt result as the DECRYPT fields' values; times as Instant or java.sql.Timestamp. */
    static Object[] values(DecryptionResponse r, boolean instants) {
        boolean decoded = r.getSiteId() != null;
        Instant established = decoded ? r.getEstablished() : null;
        IdentityType type = decoded ? r.getIdentityType() : null;
        return new Object[] {
            r.getStatus().name(),
            r.getStatus().getCode(),
            r.getUid(),
            decoded ? r.getSiteId() : null,
            established == null ? null : instants ? established : Timestamp.from(established),
            type == null ? null : type.name().toUpperCase(java.util.Locale.ROOT),
            r.getIdentityScope() == null ? null : r.getIdentityScope().name(),
        };
    }

    static Object[] values(EncryptionDataResponse r) {
        return new Object[] {r.getStatus().name(), r.getStatus().getCode(), r.getEncryptedData()};
    }
}
