using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;

namespace LibUid2.Tests
{
    /// <summary>One file of tests/vectors.</summary>
    internal sealed class VectorFile
    {
        public string Name;
        public string Client;          // "sharing" or "bidstream"
        public string KeysJson;        // null when the file's keys are null
        public List<Dictionary<string, object>> Cases;

        public IEnumerable<Dictionary<string, object>> Decrypts { get { return Cases.Where(c => (string)c["op"] == "decrypt"); } }
        public IEnumerable<Dictionary<string, object>> Encrypts { get { return Cases.Where(c => (string)c["op"] == "encrypt"); } }
    }

    internal static class Vectors
    {
        private static List<VectorFile> _all;

        public static string Dir
        {
            get
            {
                string env = Environment.GetEnvironmentVariable("UID2_VECTORS_DIR");
                if (!string.IsNullOrEmpty(env)) return env;
                foreach (string start in new[] { Environment.CurrentDirectory, AppDomain.CurrentDomain.BaseDirectory })
                {
                    for (var d = new DirectoryInfo(start); d != null; d = d.Parent)
                    {
                        string candidate = Path.Combine(Path.Combine(d.FullName, "tests"), "vectors");
                        if (Directory.Exists(candidate) && Directory.GetFiles(candidate, "*.json").Length > 0) return candidate;
                    }
                }
                throw new AssertionException("tests/vectors/*.json not found (set UID2_VECTORS_DIR)");
            }
        }

        public static List<VectorFile> All
        {
            get
            {
                if (_all != null) return _all;
                var files = new List<VectorFile>();
                foreach (string path in Directory.GetFiles(Dir, "*.json").OrderBy(p => p, StringComparer.Ordinal))
                {
                    var root = Json.Obj(Json.Parse(File.ReadAllText(path, Encoding.UTF8)));
                    files.Add(new VectorFile
                    {
                        Name = Path.GetFileName(path),
                        Client = (string)root["client"],
                        KeysJson = root["keys"] == null ? null : Json.Write(root["keys"]),
                        Cases = Json.Arr(root["cases"]).Select(Json.Obj).ToList(),
                    });
                }
                if (files.Count == 0) throw new AssertionException("no vector files in " + Dir);
                return _all = files;
            }
        }

        /// <summary>A file of the given client type with keys and successful v4 decrypt cases.</summary>
        public static VectorFile WithSuccesses(string client)
        {
            foreach (VectorFile f in All)
            {
                if (f.Client == client && f.KeysJson != null && Successes(f).Any()) return f;
            }
            throw new AssertionException("no " + client + " vector file with successful decrypt cases");
        }

        public static IEnumerable<Dictionary<string, object>> Successes(VectorFile f)
        {
            return f.Decrypts.Where(c => (string)Json.Obj(c["expect"])["status"] == "SUCCESS"
                                        && c["domain"] == null);
        }

        public static DateTime At(long ms)
        {
            return new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(ms * TimeSpan.TicksPerMillisecond);
        }
    }

    /// <summary>A site of the key service and one API key of it.</summary>
    internal sealed class Participant
    {
        public int SiteId;
        public string ApiKey, Secret;
    }

    /// <summary>
    /// <c>uid2 serve --memory --faults</c> (the uid2 command in UID2_CLI) on a loopback port, driven
    /// through its admin API. Its sharing tokens last 72 h, the bidstream's maximum, so that a
    /// bidstream client accepts them too.
    /// </summary>
    internal sealed class KeyService : IDisposable
    {
        private readonly Process _process;
        private readonly string _adminToken = Guid.NewGuid().ToString("N");
        public readonly string Url;

        public KeyService()
        {
            string bin = Environment.GetEnvironmentVariable("UID2_CLI");
            if (string.IsNullOrEmpty(bin)) throw new AssertionException("UID2_CLI (the uid2 command) is not set");
            // Its stdin is a pipe that closes when this process ends, however it ends; the service
            // then ends too.
            var psi = new ProcessStartInfo(bin, "serve --memory --faults --listen 127.0.0.1:0 --token-expiry 72h --until-stdin-closes")
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            psi.EnvironmentVariables["UID2_ADMIN_TOKEN"] = _adminToken;
            _process = Process.Start(psi);
            try
            {
                string line = _process.StandardOutput.ReadLine();
                if (line == null || !line.StartsWith("http://"))
                    throw new AssertionException("uid2 serve did not print its URL (got " + (line ?? "EOF") + ")");
                Url = line.Trim();
                // Keep draining both pipes so the service never blocks on a full one.
                Drain(_process.StandardOutput);
                Drain(_process.StandardError);
            }
            catch (Exception)
            {
                Dispose();
                throw;
            }
        }

        private static void Drain(StreamReader r)
        {
            new System.Threading.Thread(() => { try { r.ReadToEnd(); } catch (Exception) { } }) { IsBackground = true }.Start();
        }

        /// <summary>One admin call: the parsed JSON answer, or an AssertionException with the service's error.</summary>
        public Dictionary<string, object> Admin(string method, string path, Dictionary<string, object> body = null)
        {
            var req = (HttpWebRequest)WebRequest.Create(Url + "/admin/v1" + path);
            req.Method = method;
            req.Headers["Authorization"] = "Bearer " + _adminToken;
            if (body != null)
            {
                byte[] b = Encoding.UTF8.GetBytes(Json.Write(body));
                req.ContentType = "application/json";
                req.ContentLength = b.Length;
                using (Stream s = req.GetRequestStream()) s.Write(b, 0, b.Length);
            }
            try
            {
                using (var resp = (HttpWebResponse)req.GetResponse())
                using (var r = new StreamReader(resp.GetResponseStream(), Encoding.UTF8))
                    return Json.Obj(Json.Parse(r.ReadToEnd()));
            }
            catch (WebException e)
            {
                string text = e.Response == null ? e.Message : new StreamReader(e.Response.GetResponseStream()).ReadToEnd();
                throw new AssertionException(method + " " + path + ": " + text);
            }
        }

        private static List<object> List(params string[] items) { return items.Cast<object>().ToList(); }

        public Participant Participant(string name, string[] types, string[] roles, params string[] domains)
        {
            var site = Admin("POST", "/sites", new Dictionary<string, object>
                { { "name", name }, { "types", List(types) }, { "domain_names", List(domains) } });
            long id = Json.Long(site["id"]);
            var key = Admin("POST", "/sites/" + id + "/apikeys", new Dictionary<string, object> { { "roles", List(roles) } });
            return new Participant { SiteId = (int)id, ApiKey = (string)key["api_key"], Secret = (string)key["secret"] };
        }

        public void Grant(Participant sender, Participant receiver)
        {
            Admin("POST", "/sites/" + sender.SiteId + "/grants", new Dictionary<string, object> { { "site", receiver.SiteId } });
        }

        public void Revoke(Participant sender, Participant receiver)
        {
            Admin("DELETE", "/sites/" + sender.SiteId + "/grants/site/" + receiver.SiteId);
        }

        /// <summary>Gives the site a new current key; returns once it is active (it may activate a second later).</summary>
        public void Rotate(Participant site)
        {
            DateTime activates = Vectors.At(Json.Long(Admin("POST", "/sites/" + site.SiteId + "/keys/rotate")["activates"]) * 1000);
            TimeSpan wait = activates - DateTime.UtcNow;
            if (wait > TimeSpan.Zero) System.Threading.Thread.Sleep(wait);
        }

        /// <summary>none, 500, garbage, wrong-nonce, wrong-secret or slow.</summary>
        public void Fault(string mode)
        {
            Admin("POST", "/faults", new Dictionary<string, object> { { "mode", mode } });
        }

        public SharingClient Sharing(Participant p) { return new SharingClient(Url, p.ApiKey, p.Secret); }

        public BidstreamClient Bidstream(Participant p) { return new BidstreamClient(Url, p.ApiKey, p.Secret); }

        public void Dispose()
        {
            try
            {
                _process.StandardInput.Close();
                if (!_process.HasExited) { _process.Kill(); _process.WaitForExit(5000); }
            }
            catch (Exception) { }
        }
    }

    /// <summary>A key service with a sender that shares with a receiver, and a bidder, for one test.</summary>
    internal sealed class Sharing : IDisposable
    {
        public const string RawUid = "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=";
        public readonly KeyService Service = new KeyService();
        /// <summary>A publisher that generates tokens for the bidstream: the bidder gets its keys too.</summary>
        public readonly Participant Sender, Receiver, Bidder;

        public Sharing()
        {
            try
            {
                Sender = Service.Participant("sender", new[] { "publisher" }, new[] { "sharer", "generator" }, "example.com");
                Receiver = Service.Participant("receiver", new[] { "advertiser" }, new[] { "sharer" });
                Bidder = Service.Participant("bidder", new[] { "dsp" }, new[] { "bidder" });
                Service.Grant(Sender, Receiver);
            }
            catch (Exception)
            {
                Service.Dispose();
                throw;
            }
        }

        /// <summary>A token for RawUid from the sender's client, its keys refreshed over HTTP.</summary>
        public string SenderToken()
        {
            using (var c = Service.Sharing(Sender))
            {
                RefreshResponse r = c.Refresh();
                Assert.True(r.Success, "sender refresh: " + r.Reason);
                var e = c.EncryptRawUidIntoToken(RawUid);
                Assert.True(e.Success, "sender encrypt: " + e.Status);
                return e.EncryptedData;
            }
        }

        public void Dispose() { Service.Dispose(); }
    }
}
