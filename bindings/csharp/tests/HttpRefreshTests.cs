// Key refresh over real HTTP from go/cmd/uid2-testserver: success, each
// failure mode keeping the old keys, key rotation, automatic refresh.
using System;
using System.Diagnostics;
using System.Threading;

namespace LibUid2.Tests
{
    internal static class HttpRefreshTests
    {
        private static readonly string[] FailureModes = { "500", "garbage", "wrong-nonce", "wrong-secret", "slow" };

        [Test]
        public static void SharingRefreshSucceedsAndFailuresKeepOldKeys()
        {
            using (var server = new TestServer(Fixture.SharingFile.KeysJson))
            using (var c = new SharingClient(server.Url, TestServer.ApiKey, TestServer.Secret))
            {
                Assert.Equal(DecryptionStatus.NotInitialized, c.DecryptTokenIntoRawUid(Fixture.Token, Fixture.Now).Status, "before refresh");
                RefreshResponse ok = c.Refresh();
                Assert.True(ok.Success, "refresh: " + ok.Reason);
                Assert.Equal(Fixture.Uid, c.DecryptTokenIntoRawUid(Fixture.Token, Fixture.Now).Uid, "after refresh");
                Assert.True(c.RefreshState.LastSuccess != null, "last success recorded");

                foreach (string mode in FailureModes)
                {
                    server.SetFailure(mode);
                    var sw = Stopwatch.StartNew();
                    RefreshResponse bad = c.Refresh(TimeSpan.FromSeconds(1));
                    Assert.True(!bad.Success, mode + ": refresh should fail");
                    Assert.True(!string.IsNullOrEmpty(bad.Reason), mode + ": a reason");
                    Assert.True(bad.Reason.IndexOf(TestServer.Secret, StringComparison.Ordinal) < 0, mode + ": no secret in the reason");
                    Assert.True(sw.Elapsed < TimeSpan.FromSeconds(4), mode + ": bounded by the timeout (" + sw.Elapsed + ")");
                    Assert.Equal(Fixture.Uid, c.DecryptTokenIntoRawUid(Fixture.Token, Fixture.Now).Uid, mode + ": old keys kept");
                    Assert.True(c.EncryptRawUidIntoToken(Fixture.Uid, Fixture.Now).Success, mode + ": encrypt with old keys");
                    Assert.True(c.RefreshState.ConsecutiveFailures >= 1, mode + ": failure counted");
                }
                server.SetFailure("none");
                Assert.True(c.Refresh().Success, "refresh after recovery");
                Assert.Equal(0, c.RefreshState.ConsecutiveFailures, "failures reset");
            }
        }

        [Test]
        public static void BidstreamRefreshAndRotation()
        {
            VectorFile bid = Vectors.WithSuccesses("bidstream");
            var okCase = Vectors.Successes(bid).GetEnumerator();
            okCase.MoveNext();
            string token = (string)okCase.Current["token"];
            DateTime now = Vectors.At(Json.Long(okCase.Current["now_ms"]));
            string uid = (string)Json.Obj(okCase.Current["expect"])["uid"];

            // Serve keys that cannot decrypt the token, then rotate to the real ones.
            using (var server = new TestServer(Fixture.SharingFile.KeysJson == bid.KeysJson ? "{\"body\":[]}" : Fixture.SharingFile.KeysJson))
            using (var c = new BidstreamClient(server.Url, TestServer.ApiKey, TestServer.Secret))
            {
                RefreshResponse first = c.Refresh();
                var before = c.DecryptTokenIntoRawUid(token, null, now);
                Assert.True(!before.Success, "other keys do not decrypt (" + first.Success + ", " + before.Status + ")");
                server.SetKeys(bid.KeysJson);
                Assert.True(c.Refresh().Success, "refresh after rotation");
                Assert.Equal(uid, c.DecryptTokenIntoRawUid(token, null, now).Uid, "rotated keys decrypt");
            }
        }

        [Test]
        public static void WrongCredentialsFail()
        {
            using (var server = new TestServer(Fixture.SharingFile.KeysJson))
            using (var wrongKey = new SharingClient(server.Url, "not-the-key", TestServer.Secret))
            using (var wrongSecret = new SharingClient(server.Url, TestServer.ApiKey, Convert.ToBase64String(new byte[32])))
            using (var noServer = new SharingClient("http://127.0.0.1:1", TestServer.ApiKey, TestServer.Secret))
            {
                Assert.True(!wrongKey.Refresh(TimeSpan.FromSeconds(5)).Success, "wrong API key");
                Assert.True(!wrongSecret.Refresh(TimeSpan.FromSeconds(5)).Success, "wrong secret");
                Assert.True(!noServer.Refresh(TimeSpan.FromSeconds(5)).Success, "nothing listening");
                Assert.Equal(DecryptionStatus.NotInitialized, wrongKey.DecryptTokenIntoRawUid(Fixture.Token, Fixture.Now).Status, "no keys");
            }
        }

        [Test]
        public static void AutomaticRefresh()
        {
            using (var server = new TestServer(Fixture.SharingFile.KeysJson))
            using (var c = new SharingClient(server.Url, TestServer.ApiKey, TestServer.Secret))
            {
                c.StartAutoRefresh(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(2));
                var sw = Stopwatch.StartNew();
                while (!c.RefreshState.HasKeys && sw.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(20);
                Assert.True(c.RefreshState.HasKeys, "keys arrive in the background");
                Assert.True(c.RefreshState.AutoRefreshRunning, "running");
                Assert.Equal(Fixture.Uid, c.DecryptTokenIntoRawUid(Fixture.Token, Fixture.Now).Uid, "decrypts");
                c.StopAutoRefresh();
                Assert.True(!c.RefreshState.AutoRefreshRunning, "stopped");
            }
        }
    }
}
