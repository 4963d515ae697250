// Waiting for the first keys, RefreshFailed, the listener thread's life, and Dispose racing
// calls on other threads; and README.md's examples, run as written.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Threading;

#pragma warning disable 618 // the legacy client is deprecated, as in UID2.Client
namespace LibUid2.Tests
{
    internal static class RefreshEventTests
    {
        private const string WrongApiKey = "not-an-api-key-of-this-service";

        [Test]
        public static void WaitForKeysReturnsOnceAutoRefreshLoadedKeys()
        {
            using (var sites = new Sharing())
            using (var c = sites.Service.Bidstream(sites.Bidder))
            {
                string token = sites.SenderToken();
                sites.Service.Fault("slow"); // the first refresh answers after 5 s
                var waited = Stopwatch.StartNew();
                c.StartAutoRefresh(TimeSpan.FromHours(1));
                c.WaitForKeys(TimeSpan.FromSeconds(30));
                Assert.True(waited.Elapsed > TimeSpan.FromSeconds(4), "waited for the slow refresh: " + waited.Elapsed);
                Assert.Equal(Sharing.RawUid, c.DecryptTokenIntoRawUid(token, null).Uid, "the first decrypt after the wait");
                var sw = Stopwatch.StartNew();
                c.WaitForKeys(TimeSpan.Zero);
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(1), "has keys: at once");
            }
        }

        [Test]
        public static void WaitForKeysTimesOutSayingWhy()
        {
            using (var sites = new Sharing())
            using (var c = new SharingClient(sites.Service.Url, WrongApiKey, sites.Receiver.Secret))
            {
                c.StartAutoRefresh(TimeSpan.FromHours(1));
                var sw = Stopwatch.StartNew();
                TimeoutException e = Assert.Throws<TimeoutException>(() => c.WaitForKeys(TimeSpan.FromSeconds(2)), "no keys");
                Assert.True(sw.Elapsed >= TimeSpan.FromSeconds(1.9) && sw.Elapsed < TimeSpan.FromSeconds(10), "waited the timeout: " + sw.Elapsed);
                Assert.True(e.Message.Contains("401") && e.Message.Contains("unknown API key"), "the last failure's reason: " + e.Message);
                Assert.True(!e.Message.Contains(sites.Receiver.Secret) && !e.Message.Contains(WrongApiKey), "no credentials: " + e.Message);
            }
            using (var c = new SharingClient(null, null, null))
            {
                Assert.Throws<TimeoutException>(() => c.WaitForKeys(TimeSpan.Zero), "no keys, no wait");
                Assert.Throws<ArgumentOutOfRangeException>(() => c.WaitForKeys(TimeSpan.FromSeconds(-2)), "negative timeout");
                Assert.True(c.RefreshJson(Fixture.SharingFile.KeysJson).Success, "RefreshJson");
                c.WaitForKeys(TimeSpan.Zero); // keys from JSON count too
            }
        }

        [Test]
        public static void DisposeEndsAWaitForKeys()
        {
            var c = new SharingClient(null, null, null);
            Exception caught = null;
            var t = new Thread(() =>
            {
                try { c.WaitForKeys(Timeout.InfiniteTimeSpan); }
                catch (Exception e) { caught = e; }
            });
            t.Start();
            Thread.Sleep(300);
            c.Dispose();
            Assert.True(t.Join(TimeSpan.FromSeconds(10)), "the wait ended");
            Assert.True(caught is ObjectDisposedException, "ObjectDisposedException, got " + caught);
        }

        private static bool ListenerRunning(ClientBase c)
        {
            object events = typeof(ClientBase).GetField("_events", BindingFlags.NonPublic | BindingFlags.Instance).GetValue(c);
            return (bool)events.GetType().GetProperty("Running", BindingFlags.NonPublic | BindingFlags.Instance).GetValue(events, null);
        }

        [Test]
        public static void FailedAutomaticRefreshRaisesRefreshFailed()
        {
            using (var sites = new Sharing())
            {
                var c = new SharingClient(sites.Service.Url, WrongApiKey, sites.Receiver.Secret);
                var seen = new List<RefreshFailedEventArgs>();
                var got = new ManualResetEventSlim();
                object sender = null;
                c.RefreshFailed += (s, e) => { throw new InvalidOperationException("a handler's bug"); };
                c.RefreshFailed += (s, e) =>
                {
                    lock (seen) seen.Add(e);
                    sender = s;
                    got.Set();
                };
                Assert.True(!ListenerRunning(c), "no listener before automatic refresh");
                c.StartAutoRefresh(TimeSpan.FromHours(1));
                Assert.True(got.Wait(TimeSpan.FromSeconds(20)), "RefreshFailed raised");
                RefreshFailedEventArgs first;
                lock (seen) first = seen[0];
                Assert.True(ReferenceEquals(sender, c), "the sender is the client");
                Assert.True(first.Reason.Contains("401") && first.Reason.Contains("unknown API key"), "the reason, with the service's message: " + first.Reason);
                Assert.True(!first.Reason.Contains(sites.Receiver.Secret) && !first.Reason.Contains(WrongApiKey), "no credentials: " + first.Reason);
                Assert.True(first.ConsecutiveFailures >= 1, "failures counted");
                Assert.Equal(0, first.KeyCount, "no keys");
                Assert.True(Math.Abs((DateTime.UtcNow - first.Time).TotalMinutes) < 1 && first.Time.Kind == DateTimeKind.Utc, "time " + first.Time);
                Assert.True(ListenerRunning(c), "the listener runs");
                c.Dispose();
                Assert.True(!ListenerRunning(c), "Dispose ended the listener");
            }
        }

        [Test]
        public static void RefreshFailedIsNotRaisedForSuccessOrManualRefresh()
        {
            using (var sites = new Sharing())
            using (var c = sites.Service.Sharing(sites.Receiver))
            {
                int raised = 0;
                c.RefreshFailed += (s, e) => Interlocked.Increment(ref raised);
                c.StartAutoRefresh(TimeSpan.FromHours(1));
                c.WaitForKeys(TimeSpan.FromSeconds(30));
                sites.Service.Fault("500");
                Assert.True(!c.Refresh().Success, "the manual refresh fails");
                Thread.Sleep(1000);
                Assert.Equal(0, Volatile.Read(ref raised), "events raised");
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void DropAnAutoRefreshingClient(string url, string secret)
        {
            var c = new SharingClient(url, WrongApiKey, secret);
            c.RefreshFailed += (s, e) => { };
            c.StartAutoRefresh(TimeSpan.FromHours(1));
        }

        [Test]
        public static void ADroppedAutoRefreshingClientIsStillCollected()
        {
            using (var sites = new Sharing())
            {
                for (int i = 0; i < 3; i++) { GC.Collect(); GC.WaitForPendingFinalizers(); } // earlier tests' garbage
                long before = Uid2Library.LiveClientCount;
                var t = new Thread(() => DropAnAutoRefreshingClient(sites.Service.Url, sites.Receiver.Secret)); // no stack slot keeps it
                t.Start();
                t.Join();
                Assert.Equal(before + 1, Uid2Library.LiveClientCount, "the client is alive");
                var sw = Stopwatch.StartNew();
                while (Uid2Library.LiveClientCount > before && sw.Elapsed < TimeSpan.FromSeconds(20))
                {
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    Thread.Sleep(50);
                }
                Assert.Equal(before, Uid2Library.LiveClientCount, "the listener does not keep the client alive");
            }
        }

        /// <summary>Threads call a client while it is disposed: each call before gives the right
        /// result, each call after throws ObjectDisposedException; nothing crashes or hangs.</summary>
        [Test]
        public static void DisposeWhileOtherThreadsCall()
        {
            string keys = Fixture.SharingFile.KeysJson, token = Fixture.Token, uid = Fixture.Uid;
            DateTime now = Fixture.Now;
            for (int round = 0; round < 3; round++)
            {
                SharingClient c = Fixture.Sharing();
                RaceDispose(c, new List<Action>
                {
                    () => Assert.Equal(uid, c.DecryptTokenIntoRawUid(token, now).Uid, "decrypt"),
                    () => Assert.True(c.EncryptRawUidIntoToken(uid).Success, "encrypt"),
                    () => Assert.Equal(uid, c.DecryptTokensIntoRawUids(new[] { token, token }, now)[1].Uid, "decrypt batch"),
                    () => Assert.True(c.EncryptRawUidsIntoTokens(new[] { uid, uid })[1].Success, "encrypt batch"),
                    () => Assert.True(c.RefreshJson(keys).Success, "RefreshJson"),
                    () => Assert.True(c.RefreshState.HasKeys, "RefreshState"),
                    () => c.WaitForKeys(TimeSpan.FromSeconds(1)),
                });

                IUID2Client legacy = LegacyKeys.Client();
                string legacyToken = LegacyKeys.Token, legacyUid = legacy.Decrypt(legacyToken, LegacyKeys.Now).Uid;
                DateTime legacyNow = LegacyKeys.Now;
                Assert.True(legacyUid != null, "the legacy token decrypts");
                RaceDispose((ClientBase)legacy, new List<Action>
                {
                    () => Assert.Equal(legacyUid, legacy.Decrypt(legacyToken, legacyNow).Uid, "legacy decrypt"),
                    () => Assert.True(legacy.EncryptData(EncryptionDataRequest.ForData(new byte[] { 1, 2 })
                        .WithAdvertisingToken(legacyToken).WithNow(legacyNow)).Success, "EncryptData"),
                    () => Assert.Equal(DecryptionStatus.KeysNotSynced, legacy.DecryptData("AAAA").Status, "DecryptData (the vector keys have expired)"),
                });

            }
        }

        private static void RaceDispose(ClientBase c, List<Action> calls)
        {
            var outcomes = new string[calls.Count];
            var counts = new int[calls.Count];
            var threads = calls.Select((call, i) => new Thread(() =>
            {
                try
                {
                    while (true) { call(); counts[i]++; }
                }
                catch (ObjectDisposedException) { outcomes[i] = "disposed"; }
                catch (Exception e) { outcomes[i] = e.ToString(); }
            })).ToList();
            threads.ForEach(t => t.Start());
            Thread.Sleep(100);
            c.Dispose();
            foreach (Thread t in threads) Assert.True(t.Join(TimeSpan.FromSeconds(20)), "a call hung after Dispose");
            for (int i = 0; i < calls.Count; i++)
            {
                Assert.Equal("disposed", outcomes[i], "call " + i + " after Dispose");
                Assert.True(counts[i] > 0, "call " + i + " ran before Dispose");
            }
        }

        [Test]
        public static void ReadmeExamplesRunAsWritten()
        {
            using (var sites = new Sharing())
            {
                string token = sites.SenderToken();
                var runs = new List<KeyValuePair<string, Action>>
                {
                    Run("Bidstream", () => ReadmeExamples.Bidstream(sites.Service.Url, sites.Bidder.ApiKey, sites.Bidder.Secret, token, "example.com")),
                    Run("Sharing", () => ReadmeExamples.Sharing(sites.Service.Url, sites.Sender.ApiKey, sites.Sender.Secret, token, null)),
                    Run("AutoRefresh", () =>
                    {
                        // The first refresh answers after 5 s: the example must wait for it.
                        sites.Service.Fault("slow");
                        try { ReadmeExamples.AutoRefresh(sites.Service.Url, sites.Bidder.ApiKey, sites.Bidder.Secret, token, "example.com"); }
                        finally { sites.Service.Fault("none"); }
                    }),
                    Run("Legacy", () => ReadmeExamples.Legacy(sites.Service.Url, sites.Receiver.ApiKey, sites.Receiver.Secret, token, null)),
                };
                TextWriter stdout = Console.Out;
                foreach (var run in runs)
                {
                    var output = new StringWriter();
                    Console.SetOut(output);
                    try { run.Value(); }
                    finally { Console.SetOut(stdout); }
                    Assert.True(output.ToString().Contains("UID2 " + Sharing.RawUid), run.Key + " example printed: " + output);
                }
            }
        }

        private static KeyValuePair<string, Action> Run(string name, Action a) { return new KeyValuePair<string, Action>(name, a); }
    }
}
