package io.libuid2.spark;

import java.time.Duration;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import org.apache.spark.sql.catalyst.expressions.ScalaUDF;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.StructType;
import scala.Option;
import scala.Tuple3;
import scala.collection.immutable.List$;
import scala.collection.immutable.Seq;
import scala.runtime.AbstractFunction1;
import scala.runtime.BoxedUnit;

/**
 * {@code uid2_decrypt(token)} and {@code uid2_encrypt(raw_uid)} in every session, with no code: start
 * Spark with {@code --conf spark.sql.extensions=io.libuid2.spark.Uid2Extensions} (and the jars). Their
 * keys come from the key service ({@link Uid2Keys#fromKeyService}: the credentials in {@code
 * spark.executorEnv.UID2_BASE_URL}, {@code ..._API_KEY}, {@code ..._SECRET_KEY}), refreshed every {@code
 * spark.libuid2.refreshIntervalSeconds} (default 3600), until {@link Uid2Functions#register} gives the
 * session other keys (e.g. broadcast key JSON).
 */
public final class Uid2Extensions extends AbstractFunction1<SparkSessionExtensions, BoxedUnit> {
    /** The session setting for the refresh interval of the extension's functions, in seconds. */
    public static final String REFRESH_INTERVAL = "spark.libuid2.refreshIntervalSeconds";

    @Override
    public BoxedUnit apply(SparkSessionExtensions extensions) {
        inject(extensions, "uid2_decrypt", "_FUNC_(token) - the UID2 sharing token decrypted: a struct of "
                + Uid2Columns.DECRYPT.simpleString(), Uid2Columns.DECRYPT, true);
        inject(extensions, "uid2_encrypt", "_FUNC_(raw_uid) - the raw UID encrypted into a UID2 sharing token: a struct of "
                + Uid2Columns.ENCRYPT.simpleString(), Uid2Columns.ENCRYPT, false);
        return BoxedUnit.UNIT;
    }

    private static void inject(SparkSessionExtensions extensions, String name, String usage, StructType type, boolean decrypt) {
        ExpressionInfo info = new ExpressionInfo(Uid2Extensions.class.getName(), null, name, usage, "");
        extensions.injectFunction(new Tuple3<>(FunctionIdentifier.apply(name), info, new AbstractFunction1<Seq<Expression>, Expression>() {
            @Override
            public Expression apply(Seq<Expression> children) {
                if (children.size() != 1) {
                    throw new IllegalArgumentException(name + " takes one argument, not " + children.size());
                }
                Object[] registered = SparkSession.getActiveSession().isDefined()
                        ? Uid2Functions.registered(SparkSession.getActiveSession().get()) : null;
                if (registered != null) {
                    return udf(registered[decrypt ? 0 : 1], name, type, children);
                }
                SQLConf conf = SQLConf.get();
                Uid2Keys keys = Uid2Keys.fromKeyService(Duration.ofSeconds(Long.parseLong(conf.getConfString(REFRESH_INTERVAL, "3600"))));
                Object fn = decrypt ? new Uid2Functions.Decrypt(keys, null, conf.datetimeJava8ApiEnabled()) : new Uid2Functions.Encrypt(keys, null);
                return udf(fn, name, type, children);
            }
        }));
    }

    private static Expression udf(Object fn, String name, StructType type, Seq<Expression> children) {
        return new ScalaUDF(fn, type, children, List$.MODULE$.empty(), Option.empty(), Option.apply(name), true, true);
    }
}
