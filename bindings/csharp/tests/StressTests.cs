// Threads and the Go runtime inside Mono: 8 threads decrypting while keys are
// refreshed (JSON, and HTTP and automatic from the local key service, where a
// receiver decrypts a sender's token), with a GC.Collect loop and allocation
// churn forcing Mono stop-the-worlds the whole time. Bounded in time.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;

namespace LibUid2.Tests
{
    internal static class StressTests
    {
        private static int Seconds
        {
            get
            {
                int s;
                string env = Environment.GetEnvironmentVariable("UID2_STRESS_SECONDS");
                return env != null && int.TryParse(env, out s) ? s : 10;
            }
        }

        [Test]
        public static void EightThreadsDecryptDuringRefreshesAndGCs()
        {
            VectorFile f = Fixture.SharingFile;
            var cases = Vectors.Successes(f).ToList();
            string[] tokens = cases.Select(c => (string)c["token"]).ToArray();
            string[] uids = cases.Select(c => (string)Json.Obj(c["expect"])["uid"]).ToArray();
            DateTime[] nows = cases.Select(c => Vectors.At(Json.Long(c["now_ms"]))).ToArray();
            // The batch call takes one now: batch the tokens of the first case's now.
            int[] sameNow = Enumerable.Range(0, cases.Count).Where(i => nows[i] == nows[0]).ToArray();
            List<string> batchTokens = sameNow.Select(i => tokens[i]).ToList();

            long calls = 0, bad = 0, refreshes = 0, httpRefreshes = 0, collections = 0;
            string firstBad = null;
            var deadline = Stopwatch.StartNew();
            TimeSpan duration = TimeSpan.FromSeconds(Seconds);
            var stop = new ManualResetEventSlim(false);

            using (var sites = new Sharing())
            using (var client = new SharingClient(null, null, null))
            using (var receiver = sites.Service.Sharing(sites.Receiver))
            using (var auto = sites.Service.Bidstream(sites.Bidder))
            {
                Assert.True(client.RefreshJson(f.KeysJson).Success, "initial keys");
                Assert.True(receiver.Refresh().Success, "the receiver's keys");
                string shared = sites.SenderToken();
                auto.StartAutoRefresh(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(2)); // Go goroutines busy too

                Action<string> fail = msg =>
                {
                    Interlocked.Increment(ref bad);
                    Interlocked.CompareExchange(ref firstBad, msg, null);
                };
                var threads = new List<Thread>();
                for (int w = 0; w < 8; w++)
                {
                    int seed = w;
                    threads.Add(new Thread(() =>
                    {
                        var rng = new Random(seed);
                        long n = 0;
                        while (!stop.IsSet)
                        {
                            int i = rng.Next(tokens.Length);
                            var r = client.DecryptTokenIntoRawUid(tokens[i], nows[i]);
                            if (r.Uid != uids[i]) fail("decrypt " + i + ": " + r.Status);
                            if ((n & 15) == 0)
                            {
                                var rs = client.DecryptTokensIntoRawUids(batchTokens, nows[0]);
                                for (int k = 0; k < rs.Length; k++)
                                    if (rs[k].Uid != uids[sameNow[k]]) fail("batch " + k + ": " + rs[k].Status);
                                var e = client.EncryptRawUidIntoToken(uids[i], nows[i]);
                                if (!e.Success || client.DecryptTokenIntoRawUid(e.EncryptedData, nows[i]).Uid != uids[i])
                                    fail("round trip: " + e.Status);
                                var s = receiver.DecryptTokenIntoRawUid(shared);
                                if (s.Uid != Sharing.RawUid) fail("the sender's token: " + s.Status);
                            }
                            n++;
                        }
                        Interlocked.Add(ref calls, n);
                    }) { Name = "decrypt-" + w });
                }
                threads.Add(new Thread(() =>
                {
                    int n = 0;
                    while (!stop.IsSet)
                    {
                        RefreshResponse r = (n++ % 4 == 3) ? receiver.Refresh(TimeSpan.FromSeconds(5)) : client.RefreshJson(f.KeysJson);
                        if (!r.Success) fail("refresh: " + r.Reason);
                        if (n % 4 == 0) Interlocked.Increment(ref httpRefreshes); else Interlocked.Increment(ref refreshes);
                    }
                }) { Name = "refresh" });
                threads.Add(new Thread(() =>
                {
                    while (!stop.IsSet) { GC.Collect(); Interlocked.Increment(ref collections); Thread.Sleep(5); }
                }) { Name = "gc" });
                threads.Add(new Thread(() =>
                {
                    var ring = new object[1024];
                    var rng = new Random(99);
                    int i = 0;
                    while (!stop.IsSet)
                    {
                        ring[i++ & 1023] = (i & 1) == 0 ? (object)new byte[rng.Next(1, 65536)] : new string('x', rng.Next(1, 4096));
                    }
                }) { Name = "churn" });

                foreach (var t in threads) { t.IsBackground = true; t.Start(); }
                while (deadline.Elapsed < duration && Interlocked.Read(ref bad) == 0) Thread.Sleep(100);
                stop.Set();
                foreach (var t in threads)
                {
                    Assert.True(t.Join(TimeSpan.FromSeconds(30)), "thread " + t.Name + " finished (no deadlock)");
                }
                auto.StopAutoRefresh();
                Assert.True(auto.RefreshState.HasKeys, "automatic refresh ran");
            }
            Console.WriteLine("    stress: {0} s, {1} decrypt loops, {2} JSON + {3} HTTP refreshes, {4} GCs, bad={5}",
                Seconds, calls, refreshes, httpRefreshes, collections, bad);
            Assert.Equal(0L, bad, "wrong results (first: " + firstBad + ")");
            Assert.True(calls > 0 && refreshes > 0 && httpRefreshes > 0 && collections > 0, "everything ran");
        }
    }

    /// <summary>Scenarios that need a fresh process (library loading is once per process).</summary>
    internal static class Children
    {
        public static int Run(string name)
        {
            try
            {
                switch (name)
                {
                    case "load":
                        using (var c = new SharingClient(null, null, null)) c.DecryptTokenIntoRawUid("x");
                        Console.WriteLine("loaded " + Uid2Library.LibraryPath);
                        return 0;
                    default:
                        Console.WriteLine("unknown child " + name);
                        return 2;
                }
            }
            catch (Uid2LibraryException e)
            {
                Console.WriteLine("Uid2LibraryException: " + e.Message);
                return 3;
            }
            catch (Exception e)
            {
                Console.WriteLine(e);
                return 4;
            }
        }

        public static int Spawn(string name, IDictionary<string, string> env, out string output)
        {
            return SpawnExe(typeof(Children).Assembly.Location, "--child " + name, env, out output);
        }

        /// <summary>Runs a .exe on this Mono with env added (an empty value removes a variable).</summary>
        public static int SpawnExe(string exe, string args, IDictionary<string, string> env, out string output)
        {
            var psi = new ProcessStartInfo(Process.GetCurrentProcess().MainModule.FileName, "\"" + exe + "\" " + args)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            psi.EnvironmentVariables["MONO_THREADS_SUSPEND"] = "coop"; // unless env says otherwise
            psi.EnvironmentVariables.Remove("UID2_MONO_SUSPEND_CHECK");
            foreach (var kv in env)
            {
                if (kv.Value == "") psi.EnvironmentVariables.Remove(kv.Key);
                else psi.EnvironmentVariables[kv.Key] = kv.Value;
            }
            using (var p = Process.Start(psi))
            {
                string err = null;
                var errReader = new Thread(() => err = p.StandardError.ReadToEnd());
                errReader.Start();
                output = p.StandardOutput.ReadToEnd();
                if (!p.WaitForExit(60000)) { p.Kill(); throw new AssertionException(exe + " " + args + " hung"); }
                errReader.Join();
                output += err;
                return p.ExitCode;
            }
        }
    }

    internal static class LoadingTests
    {
        [Test]
        public static void SignalSuspendModesAreRefusedAtLoad()
        {
            // "" removes the variable: Mono's default, hybrid.
            foreach (string mode in new[] { "preemptive", "hybrid", "" })
            {
                string output;
                int rc = Children.Spawn("load", new Dictionary<string, string> { { "MONO_THREADS_SUSPEND", mode } }, out output);
                Assert.Equal(3, rc, "mode <" + mode + "> exit code (output: " + output + ")");
                Assert.True(output.Contains("MONO_THREADS_SUSPEND=coop"), "clear message: " + output);
            }
        }

        [Test]
        public static void CoopLoadsAndTheCheckCanBeSkipped()
        {
            string output;
            int rc = Children.Spawn("load", new Dictionary<string, string> { { "MONO_THREADS_SUSPEND", "coop" } }, out output);
            Assert.Equal(0, rc, "coop (output: " + output + ")");
            rc = Children.Spawn("load", new Dictionary<string, string> { { "MONO_THREADS_SUSPEND", "" }, { "UID2_MONO_SUSPEND_CHECK", "off" } }, out output);
            Assert.Equal(0, rc, "hybrid with the check off (output: " + output + ")");
        }

        [Test]
        public static void LibraryPathVariableIsHonoured()
        {
            string output;
            int rc = Children.Spawn("load", new Dictionary<string, string> { { "UID2_LIBRARY_PATH", "/nonexistent/libuid2.so" } }, out output);
            Assert.Equal(3, rc, "missing file (output: " + output + ")");
            Assert.True(output.Contains("UID2_LIBRARY_PATH"), "names the variable: " + output);

            string notUid2 = new[] { "/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1", "/lib/x86_64-linux-gnu/libc.so.6" }
                .FirstOrDefault(System.IO.File.Exists);
            if (notUid2 != null)
            {
                rc = Children.Spawn("load", new Dictionary<string, string> { { "UID2_LIBRARY_PATH", notUid2 } }, out output);
                Assert.Equal(3, rc, "not libuid2 (output: " + output + ")");
            }

            rc = Children.Spawn("load", new Dictionary<string, string> { { "UID2_LIBRARY_PATH", Uid2Library.LibraryPath } }, out output);
            Assert.Equal(0, rc, "the real library (output: " + output + ")");
            Assert.True(output.Contains(Uid2Library.LibraryPath), "loaded from the path given: " + output);
        }
    }
}
