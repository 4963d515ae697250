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

    /// <summary>go/cmd/uid2-testserver, started on port 0 for one test.</summary>
    internal sealed class TestServer : IDisposable
    {
        public const string ApiKey = "csharp-test-api-key";
        public static readonly string Secret = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

        private readonly Process _process;
        private readonly string _keysFile;
        public readonly string Url;

        public TestServer(string keysJson)
        {
            _keysFile = Path.GetTempFileName();
            File.WriteAllText(_keysFile, keysJson);
            var psi = new ProcessStartInfo(Binary(),
                "--keys " + _keysFile + " --api-key " + ApiKey + " --secret " + Secret + " --listen 127.0.0.1:0")
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            _process = Process.Start(psi);
            try
            {
                string line = _process.StandardOutput.ReadLine();
                if (line == null || !line.StartsWith("http://"))
                    throw new AssertionException("uid2-testserver did not print its URL (got " + (line ?? "EOF") + ")");
                Url = line.Trim();
                // Keep draining both pipes so the server never blocks on a full one.
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

        private static string Binary()
        {
            string env = Environment.GetEnvironmentVariable("UID2_TESTSERVER");
            if (!string.IsNullOrEmpty(env)) return env;
            throw new AssertionException("UID2_TESTSERVER (the uid2-testserver binary) is not set");
        }

        public void SetFailure(string mode) { Post("/test/fail?mode=" + mode, ""); }

        public void SetKeys(string keysJson) { Post("/test/keys", keysJson); }

        private void Post(string path, string body)
        {
            var req = (HttpWebRequest)WebRequest.Create(Url + path);
            req.Method = "POST";
            req.ContentType = "application/json";
            byte[] b = Encoding.UTF8.GetBytes(body);
            req.ContentLength = b.Length;
            using (Stream s = req.GetRequestStream()) s.Write(b, 0, b.Length);
            using (var resp = (HttpWebResponse)req.GetResponse())
            {
                if ((int)resp.StatusCode / 100 != 2) throw new AssertionException("test server " + path + ": " + resp.StatusCode);
            }
        }

        public void Dispose()
        {
            try
            {
                if (!_process.HasExited) { _process.Kill(); _process.WaitForExit(5000); }
            }
            catch (Exception) { }
            try { File.Delete(_keysFile); } catch (Exception) { }
        }
    }
}
