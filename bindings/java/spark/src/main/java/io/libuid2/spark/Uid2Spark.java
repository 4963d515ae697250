package io.libuid2.spark;

import io.libuid2.DecryptionResponse;
import io.libuid2.EncryptionDataResponse;
import io.libuid2.SharingClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Decrypts or encrypts a whole column with {@code mapPartitions}: each task takes {@link #BATCH} rows at a
 * time into one call of the library's batch API (one JNI crossing), through its JVM's one client. The result
 * is the input with the {@link Uid2Columns} appended (named with a prefix, {@code uid2_} by default); a row
 * that fails keeps its status, a null input gives null results.
 *
 * <pre>
 *   Dataset&lt;Row&gt; out = Uid2Spark.decryptTokens(spark.read().parquet(in), "token", keys);
 * </pre>
 *
 * From PySpark: {@code DataFrame(spark._jvm.io.libuid2.spark.Uid2Spark.decryptTokens(df._jdf, "token",
 * keys), spark)}.
 */
public final class Uid2Spark {
    private Uid2Spark() {}

    /** Rows per call into the library. */
    public static final int BATCH = 10_000;

    public static Dataset<Row> decryptTokens(Dataset<Row> df, String column, Uid2Keys keys) {
        return decryptTokens(df, column, keys, null, "uid2_");
    }

    /** As {@link #decryptTokens(Dataset, String, Uid2Keys)}, checking tokens as at {@code nowMillis} (null: the clock). */
    public static Dataset<Row> decryptTokens(Dataset<Row> df, String column, Uid2Keys keys, Long nowMillis, String prefix) {
        boolean instants = (Boolean) df.sparkSession().sessionState().conf().datetimeJava8ApiEnabled();
        return apply(df, column, prefix, Uid2Columns.DECRYPT, new Batcher(keys, inputIndex(df, column), true,
                nowMillis == null ? null : Instant.ofEpochMilli(nowMillis), instants));
    }

    public static Dataset<Row> encryptRawUids(Dataset<Row> df, String column, Uid2Keys keys) {
        return encryptRawUids(df, column, keys, null, "uid2_");
    }

    /** As {@link #encryptRawUids(Dataset, String, Uid2Keys)}, encrypting as at {@code nowMillis} (null: the clock). */
    public static Dataset<Row> encryptRawUids(Dataset<Row> df, String column, Uid2Keys keys, Long nowMillis, String prefix) {
        return apply(df, column, prefix, Uid2Columns.ENCRYPT, new Batcher(keys, inputIndex(df, column), false,
                nowMillis == null ? null : Instant.ofEpochMilli(nowMillis), false));
    }

    private static int inputIndex(Dataset<Row> df, String column) {
        StructType schema = df.schema();
        if (!Arrays.asList(schema.fieldNames()).contains(column)) {
            throw new IllegalArgumentException("no column '" + column + "' in the Dataset");
        }
        StructField field = schema.apply(column);
        if (!field.dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException("column '" + column + "' must be a string column, not " + field.dataType());
        }
        return schema.fieldIndex(column);
    }

    private static Dataset<Row> apply(Dataset<Row> df, String column, String prefix, StructType results, Batcher batcher) {
        StructType out = df.schema();
        for (StructField f : results.fields()) {
            String name = prefix + f.name();
            if (Arrays.asList(out.fieldNames()).contains(name)) {
                throw new IllegalArgumentException("the Dataset already has a column '" + name + "': choose another prefix");
            }
            out = out.add(name, f.dataType(), true);
        }
        return df.mapPartitions(batcher, Encoders.row(out));
    }

    /** What each task runs: its rows, BATCH at a time, through one library call per batch. */
    private static final class Batcher implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final Uid2Keys keys;
        private final int index;
        private final boolean decrypt;
        private final Instant now;
        private final boolean instants;

        Batcher(Uid2Keys keys, int index, boolean decrypt, Instant now, boolean instants) {
            this.keys = keys;
            this.index = index;
            this.decrypt = decrypt;
            this.now = now;
            this.instants = instants;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> input) {
            return new Iterator<Row>() {
                private final List<Row> rows = new ArrayList<>(BATCH);
                private final List<Object[]> results = new ArrayList<>(BATCH);
                private int next;

                @Override
                public boolean hasNext() {
                    if (next < rows.size()) return true;
                    if (!input.hasNext()) return false;
                    fill();
                    return true;
                }

                @Override
                public Row next() {
                    if (!hasNext()) throw new NoSuchElementException();
                    Row row = rows.get(next);
                    Object[] result = results.get(next++);
                    Object[] values = new Object[row.length() + result.length];
                    for (int i = 0; i < row.length(); i++) values[i] = row.get(i);
                    System.arraycopy(result, 0, values, row.length(), result.length);
                    return RowFactory.create(values);
                }

                private void fill() {
                    rows.clear();
                    results.clear();
                    next = 0;
                    List<String> values = new ArrayList<>(BATCH);
                    while (rows.size() < BATCH && input.hasNext()) {
                        Row row = input.next();
                        rows.add(row);
                        if (!row.isNullAt(index)) values.add(row.getString(index));
                    }
                    SharingClient client = keys.client();
                    Iterator<Object[]> done = decrypt ? decrypted(client, values) : encrypted(client, values);
                    int width = decrypt ? Uid2Columns.DECRYPT.size() : Uid2Columns.ENCRYPT.size();
                    for (Row row : rows) results.add(row.isNullAt(index) ? new Object[width] : done.next());
                }
            };
        }

        private Iterator<Object[]> decrypted(SharingClient client, List<String> tokens) {
            List<DecryptionResponse> out = tokens.isEmpty() ? List.of()
                    : now == null ? client.decryptTokensIntoRawUids(tokens) : client.decryptTokensIntoRawUids(tokens, now);
            return out.stream().map(r -> Uid2Columns.values(r, instants)).iterator();
        }

        private Iterator<Object[]> encrypted(SharingClient client, List<String> rawUids) {
            List<EncryptionDataResponse> out = rawUids.isEmpty() ? List.of()
                    : now == null ? client.encryptRawUidsIntoTokens(rawUids) : client.encryptRawUidsIntoTokens(rawUids, now);
            return out.stream().map(Uid2Columns::values).iterator();
        }
    }
}
