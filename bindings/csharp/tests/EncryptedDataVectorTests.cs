// Every case of tests/vectors/encrypted-data (the legacy EncryptData/DecryptData), byte-exact,
// through the legacy client.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;

namespace LibUid2.Tests
{
#pragma warning disable 618 // the legacy client is deprecated, as in UID2.Client
    internal static class EncryptedDataVectorTests
    {
        // "NOT_AUTHORIZED_FOR_KEY" -> "NotAuthorizedForKey": the vectors' names, read independently of the binding's tables.
        private static T Status<T>(string name)
        {
            string pascal = string.Concat(name.ToLowerInvariant().Split('_').Select(w => char.ToUpperInvariant(w[0]) + w.Substring(1)));
            return (T)Enum.Parse(typeof(T), pascal);
        }

        private static byte[] Hex(string s)
        {
            var b = new byte[s.Length / 2];
            for (int i = 0; i < b.Length; i++) b[i] = byte.Parse(s.Substring(2 * i, 2), NumberStyles.HexNumber);
            return b;
        }

        private static string Hex(byte[] b) { return string.Concat(b.Select(x => x.ToString("x2"))); }

        // EncryptionDataRequest's key target is internal, as UID2.Client's is.
        private static readonly MethodInfo WithKeyId =
            typeof(EncryptionDataRequest).GetMethod("WithKeyId", BindingFlags.NonPublic | BindingFlags.Instance);

        private static EncryptionDataRequest Request(Dictionary<string, object> c)
        {
            var r = EncryptionDataRequest.ForData(Hex((string)c["data"]))
                .WithInitializationVector(Hex((string)c["iv"]))
                .WithNow(Vectors.At(Json.Long(c["now_ms"])));
            if (c["site_id"] != null) r = r.WithSiteId((int)Json.Long(c["site_id"]));
            if (c["advertising_token"] != null) r = r.WithAdvertisingToken((string)c["advertising_token"]);
            if (c["key_id"] != null) r = (EncryptionDataRequest)WithKeyId.Invoke(r, new object[] { Json.Long(c["key_id"]) });
            return r;
        }

        [Test]
        public static void EveryEncryptedDataCase()
        {
            string dir = Path.Combine(Vectors.Dir, "encrypted-data");
            string[] files = Directory.GetFiles(dir, "*.json").OrderBy(p => p, StringComparer.Ordinal).ToArray();
            Assert.True(files.Length >= 1, "files in " + dir);
            var failures = new List<string>();
            int encrypts = 0, decrypts = 0;
            foreach (string path in files)
            {
                var root = Json.Obj(Json.Parse(File.ReadAllText(path, Encoding.UTF8)));
                IUID2Client client = UID2ClientFactory.Create(null, null, null);
                using ((IDisposable)client)
                {
                    if (root["keys"] != null)
                    {
                        RefreshResponse r = client.RefreshJson(Json.Write(root["keys"]));
                        Assert.True(r.Success, Path.GetFileName(path) + ": keys: " + r.Reason);
                    }
                    foreach (var c in Json.Arr(root["cases"]).Select(Json.Obj))
                    {
                        string name = Path.GetFileName(path) + " " + c["name"];
                        var expect = Json.Obj(c["expect"]);
                        if ((string)c["op"] == "encrypt_data")
                        {
                            encrypts++;
                            EncryptionDataResponse e = client.EncryptData(Request(c));
                            var want = Status<EncryptionStatus>((string)expect["status"]);
                            if (e.Status != want) failures.Add(name + ": status " + e.Status + " != " + want);
                            else if ((e.EncryptedData ?? "") != (string)expect["encrypted"])
                                failures.Add(name + ": <" + e.EncryptedData + "> != <" + expect["encrypted"] + ">");
                        }
                        else
                        {
                            decrypts++;
                            DecryptionDataResponse d = client.DecryptData((string)c["encrypted"]);
                            var want = Status<DecryptionStatus>((string)expect["status"]);
                            if (d.Status != want) failures.Add(name + ": status " + d.Status + " != " + want);
                            else if (d.Success && Hex(d.DecryptedData) != (string)expect["data"]) failures.Add(name + ": data " + Hex(d.DecryptedData));
                            else if (d.Success && (d.EncryptedAt.Value - Vectors.At(0)).Ticks / TimeSpan.TicksPerMillisecond != Json.Long(expect["encrypted_at_ms"]))
                                failures.Add(name + ": encrypted at " + d.EncryptedAt);
                            else if (!d.Success && (d.DecryptedData != null || d.EncryptedAt != null)) failures.Add(name + ": values on failure");
                        }
                    }
                }
            }
            Assert.True(failures.Count == 0, failures.Count + " of " + (encrypts + decrypts) + " cases differ:\n  " + string.Join("\n  ", failures));
            Assert.True(encrypts > 0 && decrypts > 0, "encrypt and decrypt cases ran (" + encrypts + ", " + decrypts + ")");
        }
    }
#pragma warning restore 618
}
