// Throughput of the C# binding on this runtime (Stopwatch harness; BenchmarkDotNet
// is not available here). Run on purpose, not in the test pass:
//   mono LibUid2.Bench.exe [seconds-per-run] [runs]
// Keys are generated here (valid around now), tokens are v4 sharing tokens
// made by the library; each figure is the median of the runs after a warm-up.
// The main figure is items per CPU-second of the whole process (every thread,
// Go's included), which a shared, overloaded machine distorts far less than
// wall-clock time; items per wall-second is shown beside it.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;

namespace LibUid2.Bench
{
    internal static class Bench
    {
        internal static string KeysJson(DateTime now)
        {
            long t0 = (long)(now.AddDays(-1) - new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc)).TotalSeconds;
            long t1 = t0 + 3 * 86400 * 365;
            Func<int, string> secret = seed => Convert.ToBase64String(Enumerable.Range(seed, 32).Select(i => (byte)i).ToArray());
            return "{\"body\":{\"caller_site_id\":42,\"master_keyset_id\":9999999,\"default_keyset_id\":99999," +
                   "\"token_expiry_seconds\":\"2592000\",\"identity_scope\":\"UID2\",\"allow_clock_skew_seconds\":1800," +
                   "\"max_sharing_lifetime_seconds\":2592010,\"keys\":[" +
                   "{\"id\":1,\"keyset_id\":9999999,\"created\":" + t0 + ",\"activates\":" + t0 + ",\"expires\":" + t1 + ",\"secret\":\"" + secret(1) + "\"}," +
                   "{\"id\":2,\"keyset_id\":99999,\"created\":" + t0 + ",\"activates\":" + t0 + ",\"expires\":" + t1 + ",\"secret\":\"" + secret(100) + "\"}]}}";
        }

        private static readonly Process Self = Process.GetCurrentProcess();

        /// <summary>CPU time of the whole process (every thread: Mono's, Go's), in seconds.</summary>
        private static double CpuSeconds()
        {
            Self.Refresh();
            return Self.TotalProcessorTime.TotalSeconds;
        }

        private static void Report(string name, List<double> cpuRates, List<double> wallRates)
        {
            double med = Median(cpuRates);
            Console.WriteLine("| {0} | {1:N0} | {2:N0} | {3:N0}–{4:N0} | {5:N0} |",
                name, med, 1e9 / med, cpuRates.Min(), cpuRates.Max(), Median(wallRates));
        }

        private static double Median(List<double> xs)
        {
            xs.Sort();
            return xs.Count % 2 == 1 ? xs[xs.Count / 2] : (xs[xs.Count / 2 - 1] + xs[xs.Count / 2]) / 2;
        }

        /// <summary>Runs op (which does itemsPerOp items) repeatedly; returns median items/s over runs.</summary>
        private static double Measure(string name, int itemsPerOp, double seconds, int runs, Action op, Func<bool> check)
        {
            var warm = Stopwatch.StartNew();
            while (warm.Elapsed.TotalSeconds < Math.Max(1.0, seconds / 2)) op();
            if (!check()) throw new Exception(name + ": wrong result");
            var cpuRates = new List<double>();
            var wallRates = new List<double>();
            for (int r = 0; r < runs; r++)
            {
                long items = 0;
                double cpu0 = CpuSeconds();
                var sw = Stopwatch.StartNew();
                while (sw.Elapsed.TotalSeconds < seconds)
                {
                    for (int k = 0; k < 64; k++) op();
                    items += 64L * itemsPerOp;
                }
                double wall = sw.Elapsed.TotalSeconds, cpu = CpuSeconds() - cpu0;
                cpuRates.Add(items / cpu);
                wallRates.Add(items / wall);
            }
            Report(name, cpuRates, wallRates);
            return Median(cpuRates);
        }

        private static void MeasureThreads(string name, int threads, double seconds, int runs, Action<int> op)
        {
            var cpuRates = new List<double>();
            var wallRates = new List<double>();
            for (int r = -1; r < runs; r++) // run -1 is the warm-up
            {
                long items = 0;
                double cpu0 = CpuSeconds();
                var sw = Stopwatch.StartNew();
                var ts = Enumerable.Range(0, threads).Select(t => new Thread(() =>
                {
                    long n = 0;
                    int k = t * 100;
                    while (sw.Elapsed.TotalSeconds < seconds)
                    {
                        for (int j = 0; j < 64; j++) { op(k); k = (k + 1) % 1000; }
                        n += 64;
                    }
                    Interlocked.Add(ref items, n);
                })).ToList();
                ts.ForEach(t => t.Start());
                ts.ForEach(t => t.Join());
                double wall = sw.Elapsed.TotalSeconds, cpu = CpuSeconds() - cpu0;
                if (r < 0) continue;
                cpuRates.Add(items / cpu);
                wallRates.Add(items / wall);
            }
            Report(name, cpuRates, wallRates);
        }

        public static int Main(string[] args)
        {
            double seconds = args.Length > 0 && args[0] != "--print-keys" ? double.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 2;
            int runs = args.Length > 1 ? int.Parse(args[1]) : 5;
            DateTime now = DateTime.UtcNow;
            if (args.Length == 1 && args[0] == "--print-keys") { Console.Write(KeysJson(now)); return 0; }
            var rng = new Random(1);
            using (var client = new SharingClient(null, null, null))
            {
                RefreshResponse rr = client.RefreshJson(KeysJson(now));
                if (!rr.Success) { Console.Error.WriteLine("RefreshJson: " + rr.Reason); return 1; }
                var uids = Enumerable.Range(0, 1000).Select(n =>
                {
                    var b = new byte[32];
                    rng.NextBytes(b);
                    return Convert.ToBase64String(b);
                }).ToList();
                var tokens = uids.Select(u => client.EncryptRawUidIntoToken(u).EncryptedData).ToList();
                if (tokens.Any(t => t == null)) { Console.Error.WriteLine("encrypt failed"); return 1; }

                Console.WriteLine("libuid2 {0} on Mono {1}; {2} s × {3} runs; token {4} chars; library {5}",
                    Uid2Library.Version, MonoVersion(), seconds, runs, tokens[0].Length, Uid2Library.LibraryPath);
                Console.WriteLine();
                Console.WriteLine("| operation | items per CPU-second (median) | CPU ns/item | min–max | items per wall-second (median) |");
                Console.WriteLine("|---|---|---|---|---|");

                int i = 0;
                DecryptionResponse last = default(DecryptionResponse);
                Measure("decrypt v4, single call", 1, seconds, runs,
                    () => { last = client.DecryptTokenIntoRawUid(tokens[i]); i = (i + 1) % tokens.Count; },
                    () => last.Success);

                // A malformed token: the boundary (marshalling, P/Invoke, cgo entry) with almost no Go work.
                Measure("decrypt of a malformed token (boundary cost)", 1, seconds, runs,
                    () => { last = client.DecryptTokenIntoRawUid("x"); },
                    () => last.Status == DecryptionStatus.InvalidPayload);

                DecryptionResponse[] lastBatch = null;
                Measure("decrypt v4, batch of 1000 (per token)", tokens.Count, seconds, runs,
                    () => { lastBatch = client.DecryptTokensIntoRawUids(tokens); },
                    () => lastBatch.Select((r, k) => r.Uid == uids[k]).All(x => x));

                EncryptionDataResponse lastEnc = default(EncryptionDataResponse);
                Measure("encrypt v4, single call", 1, seconds, runs,
                    () => { lastEnc = client.EncryptRawUidIntoToken(uids[i]); i = (i + 1) % uids.Count; },
                    () => lastEnc.Success);

                EncryptionDataResponse[] lastEncBatch = null;
                Measure("encrypt v4, batch of 1000 (per raw UID)", uids.Count, seconds, runs,
                    () => { lastEncBatch = client.EncryptRawUidsIntoTokens(uids); },
                    () => lastEncBatch.All(r => r.Success));

                // Two threads (this machine has 2 cores): aggregate single-call decrypts.
                MeasureThreads("decrypt v4, single call, 2 threads (aggregate)", 2, seconds, runs, t =>
                {
                    var r = client.DecryptTokenIntoRawUid(tokens[t]);
                    if (!r.Success) throw new Exception("decrypt failed");
                });
            }
            return 0;
        }

        private static string MonoVersion()
        {
            Type mono = Type.GetType("Mono.Runtime");
            if (mono == null) return Environment.Version.ToString();
            var m = mono.GetMethod("GetDisplayName", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static);
            return m == null ? "?" : (string)m.Invoke(null, null);
        }
    }
}
