// Key refresh over real HTTP from the local key service (uid2 serve): the
// sender encrypts with keys it refreshed, receivers decrypt with theirs;
// success, each failure mode keeping the old keys, rotation, credentials,
// sharing permissions, automatic refresh.
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
            using (var sites = new Sharing())
            using (var c = sites.Service.Sharing(sites.Receiver))
            {
                string token = sites.SenderToken();
                Assert.Equal(DecryptionStatus.NotInitialized, c.DecryptTokenIntoRawUid(token).Status, "before refresh");
                RefreshResponse ok = c.Refresh();
                Assert.True(ok.Success, "refresh: " + ok.Reason);
                var d = c.DecryptTokenIntoRawUid(token);
                Assert.Equal(Sharing.RawUid, d.Uid, "after refresh");
                Assert.Equal((int?)sites.Sender.SiteId, d.SiteId, "the sender's site");
                Assert.True(c.RefreshState.LastSuccess != null, "last success recorded");

                sites.Service.Rotate(sites.Sender); // what a failed refresh must not install
                string rotated = sites.SenderToken();
                foreach (string mode in FailureModes)
                {
                    sites.Service.Fault(mode);
                    var sw = Stopwatch.StartNew();
                    RefreshResponse bad = c.Refresh(TimeSpan.FromSeconds(1));
                    Assert.True(!bad.Success, mode + ": refresh should fail");
                    Assert.True(!string.IsNullOrEmpty(bad.Reason), mode + ": a reason");
                    Assert.True(bad.Reason.IndexOf(sites.Receiver.Secret, StringComparison.Ordinal) < 0, mode + ": no secret in the reason");
                    Assert.True(sw.Elapsed < TimeSpan.FromSeconds(4), mode + ": bounded by the timeout (" + sw.Elapsed + ")");
                    Assert.Equal(Sharing.RawUid, c.DecryptTokenIntoRawUid(token).Uid, mode + ": old keys kept");
                    Assert.Equal(DecryptionStatus.NotAuthorizedForKey, c.DecryptTokenIntoRawUid(rotated).Status, mode + ": nothing installed");
                    Assert.True(c.EncryptRawUidIntoToken(Sharing.RawUid).Success, mode + ": encrypt with old keys");
                    Assert.True(c.RefreshState.ConsecutiveFailures >= 1, mode + ": failure counted");
                }
                sites.Service.Fault("none");
                Assert.True(c.Refresh().Success, "refresh after recovery");
                Assert.Equal(0, c.RefreshState.ConsecutiveFailures, "failures reset");
                Assert.Equal(Sharing.RawUid, c.DecryptTokenIntoRawUid(rotated).Uid, "the rotated key after recovery");
            }
        }

        [Test]
        public static void BidstreamRefreshAndRotation()
        {
            using (var sites = new Sharing())
            using (var c = sites.Service.Bidstream(sites.Bidder))
            {
                string token = sites.SenderToken();
                Assert.True(c.Refresh().Success, "refresh");
                Assert.Equal(Sharing.RawUid, c.DecryptTokenIntoRawUid(token, "example.com").Uid, "decrypts");
                sites.Service.Rotate(sites.Sender);
                string rotated = sites.SenderToken();
                Assert.Equal(DecryptionStatus.NotAuthorizedForKey, c.DecryptTokenIntoRawUid(rotated, null).Status, "the rotated key is not there yet");
                Assert.True(c.Refresh().Success, "refresh after rotation");
                Assert.Equal(Sharing.RawUid, c.DecryptTokenIntoRawUid(rotated, null).Uid, "rotated keys decrypt");
                Assert.Equal(Sharing.RawUid, c.DecryptTokenIntoRawUid(token, null).Uid, "the old key stays until its tokens expire");
            }
        }

        [Test]
        public static void WrongCredentialsFail()
        {
            using (var sites = new Sharing())
            using (var wrongKey = new SharingClient(sites.Service.Url, "not-the-key", sites.Receiver.Secret))
            using (var wrongSecret = new SharingClient(sites.Service.Url, sites.Receiver.ApiKey, Convert.ToBase64String(new byte[32])))
            using (var noServer = new SharingClient("http://127.0.0.1:1", sites.Receiver.ApiKey, sites.Receiver.Secret))
            {
                string token = sites.SenderToken();
                Assert.True(!wrongKey.Refresh(TimeSpan.FromSeconds(5)).Success, "wrong API key");
                Assert.True(!wrongSecret.Refresh(TimeSpan.FromSeconds(5)).Success, "wrong secret");
                Assert.True(!noServer.Refresh(TimeSpan.FromSeconds(5)).Success, "nothing listening");
                Assert.Equal(DecryptionStatus.NotInitialized, wrongKey.DecryptTokenIntoRawUid(token).Status, "no keys");
                Assert.Equal(DecryptionStatus.NotInitialized, wrongSecret.DecryptTokenIntoRawUid(token).Status, "no keys");
            }
        }

        [Test]
        public static void SharingPermissionFollowsGrantAndRevoke()
        {
            using (var sites = new Sharing())
            {
                string token = sites.SenderToken();
                Participant outsider = sites.Service.Participant("outsider", new[] { "advertiser" }, new[] { "sharer" });
                using (var c = sites.Service.Sharing(outsider))
                {
                    Assert.True(c.Refresh().Success, "refresh");
                    Assert.Equal(DecryptionStatus.NotAuthorizedForKey, c.DecryptTokenIntoRawUid(token).Status, "no grant");
                    sites.Service.Grant(sites.Sender, outsider);
                    Assert.Equal(DecryptionStatus.NotAuthorizedForKey, c.DecryptTokenIntoRawUid(token).Status, "granted, not refreshed");
                    Assert.True(c.Refresh().Success, "refresh after the grant");
                    var d = c.DecryptTokenIntoRawUid(token);
                    Assert.Equal(Sharing.RawUid, d.Uid, "granted");
                    Assert.Equal((int?)sites.Sender.SiteId, d.SiteId, "the sender's site");
                    sites.Service.Revoke(sites.Sender, outsider);
                    Assert.True(c.Refresh().Success, "refresh after the revocation");
                    Assert.Equal(DecryptionStatus.NotAuthorizedForKey, c.DecryptTokenIntoRawUid(token).Status, "revoked");
                }
            }
        }

        [Test]
        public static void AutomaticRefresh()
        {
            using (var sites = new Sharing())
            using (var c = sites.Service.Sharing(sites.Receiver))
            {
                string token = sites.SenderToken();
                c.StartAutoRefresh(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(2));
                var sw = Stopwatch.StartNew();
                while (!c.RefreshState.HasKeys && sw.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(20);
                Assert.True(c.RefreshState.HasKeys, "keys arrive in the background");
                Assert.True(c.RefreshState.AutoRefreshRunning, "running");
                Assert.Equal(Sharing.RawUid, c.DecryptTokenIntoRawUid(token).Uid, "decrypts");
                c.StopAutoRefresh();
                Assert.True(!c.RefreshState.AutoRefreshRunning, "stopped");
            }
        }
    }
}
