package io.libuid2;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.function.IntSupplier;

/**
 * The operations of {@link Uid2Benchmark}, measured in CPU time of the whole process per operation
 * (all threads: the caller, the Go workers a batch fans out to, both garbage collectors), after a
 * warm-up. Unlike JMH's wall-clock throughput, this hardly depends on how much of a shared, busy machine
 * the benchmark gets. Prints the median of 7 rounds as ns/op and as ops/s per core.
 */
public final class CpuTimeBench {
    public static void main(String[] args) {
        Uid2Benchmark b = new Uid2Benchmark();
        b.setup();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        int n = Uid2Benchmark.BATCH;
        Object[][] ops = {
            {"decrypt", 1, (IntSupplier) () -> b.decrypt().getUid().length()},
            {"decryptBatch", n, (IntSupplier) () -> b.decryptBatch().size()},
            {"encrypt", 1, (IntSupplier) () -> b.encrypt().getEncryptedData().length()},
            {"encryptBatch", n, (IntSupplier) () -> b.encryptBatch().size()},
            {"officialDecrypt", 1, (IntSupplier) () -> b.officialDecrypt().getUid().length()},
            {"officialEncrypt", 1, (IntSupplier) () -> b.officialEncrypt().getEncryptedData().length()},
        };
        System.out.printf("%-16s %12s %14s%n", "operation", "cpu ns/op", "ops/s per core");
        for (Object[] op : ops) {
            int perCall = (Integer) op[1];
            IntSupplier f = (IntSupplier) op[2];
            int calls = 200_000 / perCall;
            long sink = 0;
            for (int i = 0; i < calls; i++) sink += f.getAsInt(); // warm-up
            double[] rounds = new double[7];
            for (int r = 0; r < rounds.length; r++) {
                long t0 = os.getProcessCpuTime();
                for (int i = 0; i < calls; i++) sink += f.getAsInt();
                rounds[r] = (os.getProcessCpuTime() - t0) / (double) (calls * perCall);
            }
            Arrays.sort(rounds);
            double ns = rounds[rounds.length / 2];
            System.out.printf("%-16s %12.0f %14.0f%s%n", op[0], ns, 1e9 / ns, sink == 42 ? " " : "");
        }
        b.tearDown();
    }

    private CpuTimeBench() {}

}
