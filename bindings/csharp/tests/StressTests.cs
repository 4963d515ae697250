// Threads and the Go runtime inside Mono: 8 threads decrypting while keys are
// refreshed (JSON, and HTTP and automatic from the local key service, where a
// receiver decrypts a sender's token) and clients come and go, with a
// GC.Collect loop and allocation churn forcing Mono stop-the-worlds the whole
// time, under whatever MONO_THREADS_SUSPEND the process runs with. Bounded in
// time (UID2_STRESS_SECONDS); //bindings/csharp:stress_test runs it for 30 s
// under Mono's default suspend with a watchdog. Also the scenarios that need
// a process of their own: loading under each suspend mode, and exiting while
// threads are inside libuid2.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Sockets;
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

            long calls = 0, bad = 0, refreshes = 0, httpRefreshes = 0, collections = 0, lifecycles = 0, fresh = 0;
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
                            if ((n & 3) == 0)
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
                    // Clients come and go: creating, automatic refresh started and stopped, freed by
                    // Dispose or (one in four) left to the finalizer thread.
                    int n = 0;
                    while (!stop.IsSet)
                    {
                        var c = sites.Service.Sharing(sites.Receiver);
                        if (!c.RefreshJson(f.KeysJson).Success) fail("lifecycle refresh");
                        int i = n % tokens.Length;
                        if (c.DecryptTokenIntoRawUid(tokens[i], nows[i]).Uid != uids[i]) fail("lifecycle decrypt " + i);
                        c.StartAutoRefresh(TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(2));
                        c.StopAutoRefresh();
                        if (n++ % 4 != 0) c.Dispose();
                        Interlocked.Increment(ref lifecycles);
                    }
                }) { Name = "lifecycle" });
                threads.Add(new Thread(() =>
                {
                    // Short-lived threads, each making its first call into Go (which binds the thread to
                    // the Go runtime) and ending (which unbinds it), as a thread pool grows and shrinks.
                    int n = 0;
                    while (!stop.IsSet)
                    {
                        int i = n++ % tokens.Length;
                        var t = new Thread(() =>
                        {
                            if (client.DecryptTokenIntoRawUid(tokens[i], nows[i]).Uid != uids[i]) fail("fresh thread " + i);
                        });
                        t.Start();
                        t.Join();
                        Interlocked.Increment(ref fresh);
                    }
                }) { Name = "fresh-threads" });
                threads.Add(new Thread(() =>
                {
                    // Mostly nursery collections, which are cheap, so that Mono stops the world often.
                    for (int n = 0; !stop.IsSet; n++)
                    {
                        GC.Collect(n % 16 == 0 ? GC.MaxGeneration : 0);
                        Interlocked.Increment(ref collections);
                        Thread.Sleep(1);
                    }
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
            Console.WriteLine("    stress: {0} s, suspend {1}, {2} decrypt loops, {3} JSON + {4} HTTP refreshes, {5} client lifecycles, {6} fresh threads, {7} GCs, bad={8}",
                Seconds, Environment.GetEnvironmentVariable("MONO_THREADS_SUSPEND") ?? "default", calls, refreshes,
                httpRefreshes, lifecycles, fresh, collections, bad);
            Assert.Equal(0L, bad, "wrong results (first: " + firstBad + ")");
            Assert.True(calls > 0 && refreshes > 0 && httpRefreshes > 0 && lifecycles > 0 && fresh > 0 && collections > 0,
                "everything ran");
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
                    case "threads":
                        return Threads();
                    case "exit-busy":
                        return ExitBusy();
                    case "lazy":
                        return Lazy();
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

        // Four threads round-tripping tokens for two seconds while another forces collections.
        private static int Threads()
        {
            VectorFile f = Fixture.SharingFile;
            long calls = 0, bad = 0;
            var stop = new ManualResetEventSlim(false);
            using (var c = new SharingClient(null, null, null))
            {
                if (!c.RefreshJson(f.KeysJson).Success) return 5;
                string raw = (string)Json.Obj(Vectors.Successes(f).First()["expect"])["uid"];
                var threads = Enumerable.Range(0, 4).Select(w => new Thread(() =>
                {
                    while (!stop.IsSet)
                    {
                        var e = c.EncryptRawUidIntoToken(raw);
                        if (!e.Success || c.DecryptTokenIntoRawUid(e.EncryptedData).Uid != raw) Interlocked.Increment(ref bad);
                        Interlocked.Increment(ref calls);
                    }
                })).ToList();
                threads.Add(new Thread(() => { while (!stop.IsSet) { GC.Collect(); Thread.Sleep(2); } }));
                threads.ForEach(t => t.Start());
                Thread.Sleep(2000);
                stop.Set();
                threads.ForEach(t => t.Join());
            }
            Console.WriteLine("threads: calls={0} bad={1}", calls, bad);
            return bad == 0 && calls > 0 ? 0 : 1;
        }

        // Runs the static constructors of every type of the binding, then creates a client, and
        // says each time whether libuid2 is mapped into the process.
        private static int Lazy()
        {
            foreach (Type t in typeof(SharingClient).Assembly.GetTypes())
                System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(t.TypeHandle);
            Console.WriteLine("after type initialisation: libuid2 mapped={0}", Mapped());
            using (var c = new SharingClient(null, null, null))
                Console.WriteLine("after the first client: libuid2 mapped={0}", Mapped() && c.RefreshJson(Fixture.SharingFile.KeysJson).Success);
            return 0;
        }

        private static bool Mapped()
        {
            // The native library's file (libuid2.so, libuid2.so.1), not any path with "libuid2" in it.
            return System.IO.File.ReadAllLines("/proc/self/maps").Any(l => l.Contains("/libuid2.so"));
        }

        // Returns from Main while eight background threads are inside decrypts and encrypts and
        // one is inside a refresh from a server that accepts the connection and never answers.
        private static int ExitBusy()
        {
            VectorFile f = Fixture.SharingFile;
            var silent = new TcpListener(IPAddress.Loopback, 0);
            silent.Start();
            string url = "http://127.0.0.1:" + ((IPEndPoint)silent.LocalEndpoint).Port;
            var c = new SharingClient(url, "exit-test-key", Convert.ToBase64String(new byte[32]));
            if (!c.RefreshJson(f.KeysJson).Success) return 5;
            string raw = (string)Json.Obj(Vectors.Successes(f).First()["expect"])["uid"];
            long calls = 0;
            for (int w = 0; w < 8; w++)
            {
                new Thread(() =>
                {
                    for (;;)
                    {
                        c.DecryptTokenIntoRawUid(c.EncryptRawUidIntoToken(raw).EncryptedData);
                        Interlocked.Increment(ref calls);
                    }
                }) { IsBackground = true }.Start();
            }
            new Thread(() => c.Refresh(TimeSpan.FromSeconds(60))) { IsBackground = true }.Start();
            while (Interlocked.Read(ref calls) < 1000) Thread.Sleep(1);
            Thread.Sleep(200);
            Console.WriteLine("exiting with threads inside libuid2 after {0} calls", Interlocked.Read(ref calls));
            return 0;
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
            foreach (var kv in env)
            {
                if (kv.Value == "") psi.EnvironmentVariables.Remove(kv.Key);
                else psi.EnvironmentVariables[kv.Key] = kv.Value;
            }
            using (var p = Process.Start(psi))
            {
                // Both pipes are read on threads of their own, so that a child that hangs with its
                // pipes open is still caught by the deadline below.
                string outText = null, errText = null;
                var readers = new[]
                {
                    new Thread(() => outText = p.StandardOutput.ReadToEnd()),
                    new Thread(() => errText = p.StandardError.ReadToEnd()),
                };
                foreach (var r in readers) { r.IsBackground = true; r.Start(); }
                if (!p.WaitForExit(60000))
                {
                    p.Kill();
                    throw new AssertionException(exe + " " + args + " hung (killed after 60 s)");
                }
                foreach (var r in readers) r.Join();
                output = outText + errText;
                return p.ExitCode;
            }
        }
    }

    internal static class LoadingTests
    {
        [Test]
        public static void PreemptiveSuspendIsRefusedWithAClearMessage()
        {
            string output;
            int rc = Children.Spawn("load", new Dictionary<string, string> { { "MONO_THREADS_SUSPEND", "preemptive" } }, out output);
            Assert.Equal(3, rc, "preemptive exit code (output: " + output + ")");
            foreach (string part in new[] { "preemptive", "deadlock", "hybrid", "coop" })
                Assert.True(output.Contains(part), "the message says " + part + ": " + output);
        }

        [Test]
        public static void DefaultHybridAndCoopSuspendWork()
        {
            // "" removes the variable: this Mono's default (hybrid on Mono 6).
            foreach (string mode in new[] { "", "hybrid", "coop" })
            {
                string output;
                int rc = Children.Spawn("threads", new Dictionary<string, string> { { "MONO_THREADS_SUSPEND", mode } }, out output);
                Assert.Equal(0, rc, "suspend <" + mode + "> (output: " + output + ")");
                Assert.True(output.Contains("bad=0"), "every result right under <" + mode + ">: " + output);
            }
        }

        [Test]
        public static void TypeInitialisationDoesNotLoadTheLibraryTheFirstClientDoes()
        {
            string output;
            int rc = Children.Spawn("lazy", new Dictionary<string, string>(), out output);
            Assert.Equal(0, rc, "exit code (output: " + output + ")");
            Assert.True(output.Contains("after type initialisation: libuid2 mapped=False"), output);
            Assert.True(output.Contains("after the first client: libuid2 mapped=True"), output);
        }

        [Test]
        public static void ExitWhileThreadsAreInsideLibuid2IsPrompt()
        {
            var sw = Stopwatch.StartNew();
            string output;
            int rc = Children.Spawn("exit-busy", new Dictionary<string, string>(), out output);
            Assert.Equal(0, rc, "exit code (output: " + output + ")");
            Assert.True(output.Contains("exiting with threads inside libuid2"), output);
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), "exited in " + sw.Elapsed + ": " + output);
            Console.WriteLine("    exit with 9 threads inside libuid2: {0} ms in all", sw.ElapsedMilliseconds);
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
