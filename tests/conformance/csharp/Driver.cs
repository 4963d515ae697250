// The C# conformance driver: runs the vectors (and the round trip) through
// the LibUid2 package. See ../README.md.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using LibUid2;
using LibUid2.Testing;

namespace LibUid2.Conformance
{
    internal static class Driver
    {
        // ---- canonical output --------------------------------------------------------------

        // s as canonical JSON: backslash escapes for control and non-ASCII characters (UTF-16 units).
        private static string Str(string s)
        {
            var b = new StringBuilder(s.Length + 2).Append('"');
            foreach (char c in s)
            {
                switch (c)
                {
                    case '"': b.Append("\\\""); break;
                    case '\\': b.Append("\\\\"); break;
                    case '\n': b.Append("\\n"); break;
                    case '\r': b.Append("\\r"); break;
                    case '\t': b.Append("\\t"); break;
                    case '\b': b.Append("\\b"); break;
                    case '\f': b.Append("\\f"); break;
                    default:
                        if (c < 0x20 || c > 0x7f) b.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else b.Append(c);
                        break;
                }
            }
            return b.Append('"').ToString();
        }

        private static readonly DateTime Epoch = new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        private static long Ms(DateTime? t) { return t.HasValue ? (t.Value - Epoch).Ticks / TimeSpan.TicksPerMillisecond : 0; }

        private static DateTime At(long ms) { return new DateTime(Epoch.Ticks + ms * TimeSpan.TicksPerMillisecond, DateTimeKind.Utc); }

        private static readonly Dictionary<DecryptionStatus, string> DecryptionNames = new Dictionary<DecryptionStatus, string>
        {
            { DecryptionStatus.Success, "SUCCESS" },
            { DecryptionStatus.NotAuthorizedForMasterKey, "NOT_AUTHORIZED_FOR_MASTER_KEY" },
            { DecryptionStatus.NotAuthorizedForKey, "NOT_AUTHORIZED_FOR_KEY" },
            { DecryptionStatus.NotInitialized, "NOT_INITIALIZED" },
            { DecryptionStatus.InvalidPayload, "INVALID_PAYLOAD" },
            { DecryptionStatus.ExpiredToken, "EXPIRED_TOKEN" },
            { DecryptionStatus.KeysNotSynced, "KEYS_NOT_SYNCED" },
            { DecryptionStatus.VersionNotSupported, "VERSION_NOT_SUPPORTED" },
            { DecryptionStatus.InvalidPayloadType, "INVALID_PAYLOAD_TYPE" },
            { DecryptionStatus.InvalidIdentityScope, "INVALID_IDENTITY_SCOPE" },
            { DecryptionStatus.UserOptedOut, "USER_OPTED_OUT" },
            { DecryptionStatus.DomainOrAppNameCheckFailed, "DOMAIN_OR_APP_NAME_CHECK_FAILED" },
            { DecryptionStatus.InvalidTokenLifetime, "INVALID_TOKEN_LIFETIME" },
            { DecryptionStatus.InternalError, "INTERNAL_ERROR" },
        };

        private static readonly Dictionary<EncryptionStatus, string> EncryptionNames = new Dictionary<EncryptionStatus, string>
        {
            { EncryptionStatus.Success, "SUCCESS" },
            { EncryptionStatus.NotAuthorizedForKey, "NOT_AUTHORIZED_FOR_KEY" },
            { EncryptionStatus.NotInitialized, "NOT_INITIALIZED" },
            { EncryptionStatus.KeysNotSynced, "KEYS_NOT_SYNCED" },
            { EncryptionStatus.TokenDecryptFailure, "TOKEN_DECRYPT_FAILURE" },
            { EncryptionStatus.KeyInactive, "KEY_INACTIVE" },
            { EncryptionStatus.EncryptionFailure, "ENCRYPTION_FAILURE" },
            { EncryptionStatus.NotAuthorizedForMasterKey, "NOT_AUTHORIZED_FOR_MASTER_KEY" },
            { EncryptionStatus.InternalError, "INTERNAL_ERROR" },
        };

        private static string Decrypted(DecryptionResponse r)
        {
            IdentityType? type = r.IdentityType;
            return "{\"established_ms\":" + Ms(r.Established) + ",\"expiry_ms\":" + Ms(r.Expiry)
                + ",\"identity_scope\":" + (r.IdentityScope == IdentityScope.EUID ? "\"EUID\"" : "\"UID2\"")
                + ",\"identity_type\":" + (type == null ? "null" : type == IdentityType.Email ? "\"EMAIL\"" : "\"PHONE\"")
                + ",\"is_client_side_generated\":" + (r.IsClientSideGenerated == true ? "true" : "false")
                + ",\"site_id\":" + (r.SiteId ?? 0) + ",\"site_key_site_id\":" + (r.SiteKeySiteId ?? 0)
                + ",\"status\":" + Str(DecryptionNames[r.Status]) + ",\"uid\":" + Str(r.Uid ?? "")
                + ",\"version\":" + (r.AdvertisingTokenVersion ?? 0) + "}";
        }

        private static string Encrypted(EncryptionDataResponse r)
        {
            return "{\"status\":" + Str(EncryptionNames[r.Status]) + ",\"token\":" + Str(r.EncryptedData ?? "") + "}";
        }

        // ---- a minimal JSON reader ----------------------------------------------------------

        // Objects become Dictionary, arrays List, integers long, other numbers double. RawText keeps each object's
        // and array's text, for the key JSON handed to RefreshJson as it is.
        private sealed class Reader
        {
            private readonly string _s;
            private int _i;
            public readonly Dictionary<object, string> RawText = new Dictionary<object, string>();

            public Reader(string s) { _s = s; }

            private void Ws() { while (_i < _s.Length && " \n\r\t".IndexOf(_s[_i]) >= 0) _i++; }

            public object Value()
            {
                Ws();
                int start = _i;
                object v;
                if (_s[_i] == '{' || _s[_i] == '[')
                {
                    bool isObject = _s[_i++] == '{';
                    var m = new Dictionary<string, object>();
                    var a = new List<object>();
                    for (Ws(); _s[_i] != (isObject ? '}' : ']'); Ws())
                    {
                        if (isObject)
                        {
                            string k = String();
                            Ws();
                            _i++; // :
                            m[k] = Value();
                        }
                        else a.Add(Value());
                        Ws();
                        if (_s[_i] == ',') _i++;
                    }
                    _i++;
                    v = isObject ? (object)m : a;
                    RawText[v] = _s.Substring(start, _i - start);
                }
                else if (_s[_i] == '"') v = String();
                else if (string.CompareOrdinal(_s, _i, "null", 0, 4) == 0) { _i += 4; v = null; }
                else if (string.CompareOrdinal(_s, _i, "true", 0, 4) == 0) { _i += 4; v = true; }
                else if (string.CompareOrdinal(_s, _i, "false", 0, 5) == 0) { _i += 5; v = false; }
                else
                {
                    // Key JSON may write integers as 259200.0: such a number is kept as a double.
                    while (_i < _s.Length && "+-0123456789.eE".IndexOf(_s[_i]) >= 0) _i++;
                    string text = _s.Substring(start, _i - start);
                    long whole;
                    if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out whole)) v = whole;
                    else v = double.Parse(text, CultureInfo.InvariantCulture);
                }
                return v;
            }

            private string String()
            {
                var b = new StringBuilder();
                for (_i++; _s[_i] != '"'; _i++)
                {
                    char c = _s[_i];
                    if (c != '\\') { b.Append(c); continue; }
                    char e = _s[++_i];
                    if (e == 'u')
                    {
                        b.Append((char)int.Parse(_s.Substring(_i + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        _i += 4;
                    }
                    else b.Append(e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e == 'b' ? '\b' : e == 'f' ? '\f' : e);
                }
                _i++;
                return b.ToString();
            }
        }

        // ---- modes --------------------------------------------------------------------------

        private static void Load(RefreshResponse r)
        {
            if (!r.Success) throw new InvalidOperationException("keys not loaded: " + r.Reason);
        }

        private static byte[] Hex(string h)
        {
            var b = new byte[h.Length / 2];
            for (int j = 0; j < b.Length; j++) b[j] = byte.Parse(h.Substring(2 * j, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            return b;
        }

        private static void RunVectors(string dir, TextWriter output)
        {
            var files = Directory.GetFiles(dir, "*.json").Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal);
            foreach (string name in files)
            {
                var reader = new Reader(File.ReadAllText(Path.Combine(dir, name), Encoding.UTF8));
                var v = (Dictionary<string, object>)reader.Value();
                bool sharing = (string)v["client"] == "sharing";
                using (var sc = new SharingClient(null, null, null))
                using (var bc = new BidstreamClient(null, null, null))
                {
                    object keys = v["keys"];
                    if (keys != null) Load(sharing ? sc.RefreshJson(reader.RawText[keys]) : bc.RefreshJson(reader.RawText[keys]));
                    foreach (Dictionary<string, object> c in (List<object>)v["cases"])
                    {
                        DateTime now = At((long)c["now_ms"]);
                        string result;
                        if ((string)c["op"] == "encrypt")
                        {
                            object keyset = c["keyset_id"];
                            result = Encrypted(InsecureForTests.EncryptWithNoncesInsecureForTests(sc, (string)c["raw_uid"], now,
                                keyset == null ? 0 : (long)keyset, Hex((string)c["nonces"])));
                        }
                        else if (sharing) result = Decrypted(sc.DecryptTokenIntoRawUid((string)c["token"], now));
                        else result = Decrypted(bc.DecryptTokenIntoRawUid((string)c["token"], (string)c["domain"], now));
                        output.Write("{\"case\":" + Str((string)c["name"]) + ",\"file\":" + Str(name) + ",\"result\":" + result + "}\n");
                    }
                }
            }
        }

        // A client with the keys of a key file, or refreshed over HTTP from a key service's base URL
        // with the API key and secret in UID2_API_KEY and UID2_SECRET_KEY.
        private static SharingClient SharingClientFor(string keys)
        {
            bool url = keys.StartsWith("http://", StringComparison.Ordinal) || keys.StartsWith("https://", StringComparison.Ordinal);
            var client = url
                ? new SharingClient(keys, Environment.GetEnvironmentVariable("UID2_API_KEY"),
                    Environment.GetEnvironmentVariable("UID2_SECRET_KEY"))
                : new SharingClient(null, null, null);
            Load(url ? client.Refresh() : client.RefreshJson(File.ReadAllText(keys, Encoding.UTF8)));
            return client;
        }

        private static int Main(string[] args)
        {
            if (args.Length < 3)
            {
                Console.Error.WriteLine("usage: vectors DIR OUT | encrypt KEYS IN OUT | decrypt KEYS IN OUT | bidstream URL IN OUT");
                return 2;
            }
            using (var output = new StreamWriter(args[args.Length - 1], false, new UTF8Encoding(false)))
            {
                if (args[0] == "vectors")
                {
                    RunVectors(args[1], output);
                    return 0;
                }
                if (args[0] == "bidstream")
                {
                    // A DSP decrypts bid requests' tokens with keys refreshed from a key service's URL
                    // (no domain: tokens generated server-side carry none to check).
                    using (var bidder = new BidstreamClient(args[1], Environment.GetEnvironmentVariable("UID2_API_KEY"),
                        Environment.GetEnvironmentVariable("UID2_SECRET_KEY")))
                    {
                        Load(bidder.Refresh());
                        foreach (string line in File.ReadAllLines(args[2], Encoding.UTF8))
                        {
                            output.Write(Decrypted(bidder.DecryptTokenIntoRawUid(line, null)));
                            output.Write("\n");
                        }
                    }
                    return 0;
                }
                using (var client = SharingClientFor(args[1]))
                {
                    foreach (string line in File.ReadAllLines(args[2], Encoding.UTF8))
                    {
                        // The real clock and, for encrypt, the real nonce source.
                        output.Write(args[0] == "encrypt" ? Encrypted(client.EncryptRawUidIntoToken(line))
                            : Decrypted(client.DecryptTokenIntoRawUid(line)));
                        output.Write("\n");
                    }
                }
            }
            return 0;
        }
    }
}
