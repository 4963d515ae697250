// The binding's own behaviour: bad input gives statuses (never a crash),
// programmer errors give exceptions, long raw UIDs, batches, handles.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;

namespace LibUid2.Tests
{
    internal static class Fixture
    {
        public static VectorFile SharingFile { get { return Vectors.WithSuccesses("sharing"); } }

        public static Dictionary<string, object> SuccessCase
        {
            get { return Vectors.Successes(SharingFile).First(); }
        }

        public static DateTime Now { get { return Vectors.At(Json.Long(SuccessCase["now_ms"])); } }
        public static string Token { get { return (string)SuccessCase["token"]; } }
        public static string Uid { get { return (string)Json.Obj(SuccessCase["expect"])["uid"]; } }

        public static SharingClient Sharing()
        {
            var c = new SharingClient(null, null, null);
            RefreshResponse r = c.RefreshJson(SharingFile.KeysJson);
            Assert.True(r.Success, "RefreshJson: " + r.Reason);
            return c;
        }

        public static string RandomRawUid(Random rng, int bytes)
        {
            var b = new byte[bytes];
            rng.NextBytes(b);
            return Convert.ToBase64String(b);
        }
    }

    internal static class ClientTests
    {
        [Test]
        public static void LibraryLoadsWithAbiMajor1()
        {
            Assert.Equal(1u, Uid2Library.AbiVersion >> 16, "ABI major");
            Assert.True(!string.IsNullOrEmpty(Uid2Library.Version), "version string");
            Assert.True(!string.IsNullOrEmpty(Uid2Library.LibraryPath), "library path");
        }

        [Test]
        public static void RoundTripWithExplicitAndSystemTime()
        {
            using (var c = Fixture.Sharing())
            {
                var d = c.DecryptTokenIntoRawUid(Fixture.Token, Fixture.Now);
                Assert.Equal(DecryptionStatus.Success, d.Status, "decrypt");
                Assert.Equal(Fixture.Uid, d.Uid, "uid");

                var e = c.EncryptRawUidIntoToken(Fixture.Uid, Fixture.Now);
                Assert.Equal(EncryptionStatus.Success, e.Status, "encrypt");
                var back = c.DecryptTokenIntoRawUid(e.EncryptedData, Fixture.Now);
                Assert.Equal(Fixture.Uid, back.Uid, "round trip uid");
                Assert.Equal(4, back.AdvertisingTokenVersion ?? 0, "v4 token");

                // A Local DateTime means the same instant.
                var local = c.DecryptTokenIntoRawUid(e.EncryptedData, Fixture.Now.ToLocalTime());
                Assert.Equal(Fixture.Uid, local.Uid, "local time");
            }
        }

        [Test]
        public static void NotInitializedBeforeKeys()
        {
            using (var s = new SharingClient(null, null, null))
            using (var b = new BidstreamClient(null, null, null))
            {
                Assert.Equal(DecryptionStatus.NotInitialized, s.DecryptTokenIntoRawUid(Fixture.Token).Status, "sharing decrypt");
                Assert.Equal(EncryptionStatus.NotInitialized, s.EncryptRawUidIntoToken(Fixture.Uid).Status, "encrypt");
                Assert.Equal(DecryptionStatus.NotInitialized, b.DecryptTokenIntoRawUid(Fixture.Token, "example.com").Status, "bidstream");
                Assert.True(!s.RefreshState.HasKeys, "no keys");
            }
        }

        private static readonly string[] BadTexts =
        {
            null, "", " ", "A", "\0", "\0\0\0\0", "ü", "日本語トークン", "\ud83d\ude00", "\ud800", "\udfff",
            new string('A', 1 << 20), new string('é', 300000), "AgAAAA" + new string('=', 500),
            Fixture.Token.Substring(0, Fixture.Token.Length / 2), Fixture.Token + "\0", Fixture.Token + "é",
            Fixture.Token.Replace('A', 'ÿ'), new string('\uffff', 1000),
        };

        [Test]
        public static void BadTokensGiveStatusesNeverExceptions()
        {
            using (var s = Fixture.Sharing())
            using (var b = new BidstreamClient(null, null, null))
            {
                b.RefreshJson(Fixture.SharingFile.KeysJson);
                foreach (string t in BadTexts)
                {
                    string what = t == null ? "null" : "len " + t.Length;
                    var r = s.DecryptTokenIntoRawUid(t, Fixture.Now);
                    Assert.True(!r.Success && r.Uid == null, "sharing " + what + ": " + r.Status);
                    foreach (string domain in BadTexts.Take(12))
                    {
                        var rb = b.DecryptTokenIntoRawUid(t, domain, Fixture.Now);
                        Assert.True(!rb.Success, "bidstream " + what);
                    }
                }
                var batch = s.DecryptTokensIntoRawUids(BadTexts.Concat(new[] { Fixture.Token }).ToList(), Fixture.Now);
                Assert.Equal(BadTexts.Length + 1, batch.Length, "batch count");
                Assert.True(batch.Take(BadTexts.Length).All(r => !r.Success), "batch bad tokens fail");
                Assert.Equal(Fixture.Uid, batch[BadTexts.Length].Uid, "good token after bad ones");
                // The client is unharmed.
                Assert.Equal(Fixture.Uid, s.DecryptTokenIntoRawUid(Fixture.Token, Fixture.Now).Uid, "still decrypts");
            }
        }

        [Test]
        public static void BadRawUidsGiveStatuses()
        {
            using (var s = Fixture.Sharing())
            {
                foreach (string u in BadTexts.Take(11))
                {
                    var r = s.EncryptRawUidIntoToken(u, Fixture.Now);
                    Assert.True(r.Success || r.Status == EncryptionStatus.EncryptionFailure,
                        "encrypt " + (u == null ? "null" : "len " + u.Length) + ": " + r.Status);
                    Assert.True(r.Success == (r.EncryptedData != null), "EncryptedData only on success");
                }
                var batch = s.EncryptRawUidsIntoTokens(BadTexts.Take(11).Concat(new[] { Fixture.Uid }).ToList(), Fixture.Now);
                Assert.Equal(12, batch.Length, "batch count");
                Assert.True(batch[11].Success, "good raw uid after bad ones: " + batch[11].Status);
                Assert.Equal(Fixture.Uid, s.DecryptTokenIntoRawUid(batch[11].EncryptedData, Fixture.Now).Uid, "batch round trip");
            }
        }

        [Test]
        public static void ProgrammerErrorsThrow()
        {
            using (var s = new SharingClient(null, null, null))
            using (var b = new BidstreamClient(null, null, null))
            {
                Assert.Throws<ArgumentNullException>(() => s.RefreshJson(null), "RefreshJson(null)");
                Assert.Throws<ArgumentNullException>(() => b.RefreshJson(null), "bidstream RefreshJson(null)");
                Assert.Throws<ArgumentNullException>(() => s.DecryptTokensIntoRawUids(null), "batch null");
                Assert.Throws<ArgumentNullException>(() => s.EncryptRawUidsIntoTokens(null), "encrypt batch null");
                Assert.Throws<ArgumentNullException>(() => b.DecryptTokensIntoRawUids(null, "x"), "bidstream batch null");
                // No endpoint/credentials: HTTP refresh is a programmer error.
                Assert.Throws<InvalidOperationException>(() => s.Refresh(), "Refresh without endpoint");
                Assert.Throws<InvalidOperationException>(() => b.StartAutoRefresh(TimeSpan.FromHours(1)), "auto refresh without endpoint");
                Assert.Throws<ArgumentOutOfRangeException>(() => s.Refresh(TimeSpan.FromSeconds(-1)), "negative timeout");
            }
            // An empty secret is no secret (as null): such a client only loads key JSON.
            using (var noSecret = new SharingClient("http://127.0.0.1:1", "key", ""))
            {
                Assert.Throws<InvalidOperationException>(() => noSecret.Refresh(), "Refresh with an empty secret");
            }
            foreach (string secret in new[] { "not base64!", "AAAA", Convert.ToBase64String(new byte[31]), "ü", "\0" })
            {
                Assert.Throws<ArgumentException>(() => new SharingClient("http://127.0.0.1:1", "key", secret).Dispose(), "secret " + secret);
            }
            Assert.Throws<ArgumentException>(() => new BidstreamClient("http://127.0.0.1:1\0x", "key", Convert.ToBase64String(new byte[32])), "NUL in endpoint");
            Assert.Throws<ArgumentException>(() => new BidstreamClient("http://127.0.0.1:1", "k\0ey", Convert.ToBase64String(new byte[32])), "NUL in key");
        }

        [Test]
        public static void BadKeyJsonKeepsOldKeys()
        {
            using (var s = Fixture.Sharing())
            {
                foreach (string json in new[] { "", "{", "null", "[]x", "{\"body\": 5}", "日本", new string('[', 100000), "\0" })
                {
                    RefreshResponse r = s.RefreshJson(json);
                    Assert.True(!r.Success, "RefreshJson(" + json.Substring(0, Math.Min(10, json.Length)) + ") should fail");
                    Assert.True(!string.IsNullOrEmpty(r.Reason), "a reason");
                    Assert.Equal(Fixture.Uid, s.DecryptTokenIntoRawUid(Fixture.Token, Fixture.Now).Uid, "old keys kept");
                }
                Assert.True(s.RefreshState.HasKeys, "has keys");
                Assert.True(s.RefreshState.ConsecutiveFailures > 0, "failures counted");
            }
        }

        [Test]
        public static void LongRawUidsCrossTheInlineBuffer()
        {
            var rng = new Random(7);
            using (var s = Fixture.Sharing())
            {
                foreach (int bytes in new[] { 32, 190, 191, 192, 193, 300, 1000, 100000 })
                {
                    string uid = Fixture.RandomRawUid(rng, bytes);
                    var e = s.EncryptRawUidIntoToken(uid, Fixture.Now);
                    Assert.Equal(EncryptionStatus.Success, e.Status, "encrypt " + bytes + " bytes");
                    var d = s.DecryptTokenIntoRawUid(e.EncryptedData, Fixture.Now);
                    Assert.Equal(DecryptionStatus.Success, d.Status, "decrypt " + bytes + " bytes");
                    Assert.Equal(uid, d.Uid, "uid of " + bytes + " bytes");
                    var batch = s.DecryptTokensIntoRawUids(new[] { Fixture.Token, e.EncryptedData, Fixture.Token }, Fixture.Now);
                    Assert.Equal(uid, batch[1].Uid, "batch uid of " + bytes + " bytes");
                    Assert.Equal(Fixture.Uid, batch[2].Uid, "batch neighbour");
                }
                var uids = Enumerable.Range(0, 50).Select(i => Fixture.RandomRawUid(rng, i * 37 % 2000 + 1)).ToList();
                var tokens = s.EncryptRawUidsIntoTokens(uids, Fixture.Now);
                Assert.True(tokens.All(t => t.Success), "batch encrypt of long raw UIDs");
                var back = s.DecryptTokensIntoRawUids(tokens.Select(t => t.EncryptedData).ToList(), Fixture.Now);
                for (int i = 0; i < uids.Count; i++) Assert.Equal(uids[i], back[i].Uid, "batch round trip " + i);
            }
        }

        [Test]
        public static void BatchesOfManySizes()
        {
            var rng = new Random(11);
            using (var s = Fixture.Sharing())
            {
                foreach (int n in new[] { 0, 1, 2, 100, 5000 })
                {
                    var uids = Enumerable.Range(0, n).Select(i => Fixture.RandomRawUid(rng, 32)).ToList();
                    var enc = s.EncryptRawUidsIntoTokens(uids, Fixture.Now);
                    Assert.Equal(n, enc.Length, "encrypt count");
                    var dec = s.DecryptTokensIntoRawUids(enc.Select(e => e.EncryptedData).ToArray(), Fixture.Now);
                    Assert.Equal(n, dec.Length, "decrypt count");
                    for (int i = 0; i < n; i++) Assert.Equal(uids[i], dec[i].Uid, "item " + i + " of " + n);
                }
            }
        }

        [Test]
        public static void DisposeReleasesTheHandle()
        {
            long before = Uid2Library.LiveClientCount;
            var s = Fixture.Sharing();
            var b = new BidstreamClient(null, null, null);
            Assert.Equal(before + 2, Uid2Library.LiveClientCount, "two live handles");
            s.Dispose();
            b.Dispose();
            Assert.Equal(before, Uid2Library.LiveClientCount, "released on Dispose");
            s.Dispose(); // twice is fine
            Assert.Throws<ObjectDisposedException>(() => s.DecryptTokenIntoRawUid(Fixture.Token), "decrypt after Dispose");
            Assert.Throws<ObjectDisposedException>(() => s.EncryptRawUidIntoToken(Fixture.Uid), "encrypt after Dispose");
            Assert.Throws<ObjectDisposedException>(() => s.DecryptTokensIntoRawUids(new[] { Fixture.Token }), "batch after Dispose");
            Assert.Throws<ObjectDisposedException>(() => s.RefreshJson("{}"), "RefreshJson after Dispose");
            Assert.Throws<ObjectDisposedException>(() => b.DecryptTokenIntoRawUid(Fixture.Token, null), "bidstream after Dispose");
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void Abandon(int n)
        {
            for (int i = 0; i < n; i++)
            {
                var s = new SharingClient(null, null, null);
                s.DecryptTokenIntoRawUid("x");
                new BidstreamClient(null, null, null).DecryptTokenIntoRawUid("x", null);
            }
        }

        [Test]
        public static void FinalizerReleasesAbandonedHandles()
        {
            for (int i = 0; i < 3; i++) { GC.Collect(); GC.WaitForPendingFinalizers(); }
            long before = Uid2Library.LiveClientCount;
            var t = new System.Threading.Thread(() => Abandon(100)); // no stack slot keeps them alive
            t.Start();
            t.Join();
            Assert.True(Uid2Library.LiveClientCount >= before + 1, "abandoned clients are live before GC");
            for (int i = 0; i < 10 && Uid2Library.LiveClientCount > before; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
            Assert.Equal(before, Uid2Library.LiveClientCount, "released by the finalizer");
        }
    }
}
