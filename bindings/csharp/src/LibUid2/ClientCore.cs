// The one implementation behind SharingClient and BidstreamClient: marshal
// arguments to bytes, make exactly one native call per operation (one per
// batch), map statuses. No token, key or crypto logic lives here.
using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace LibUid2
{
    internal sealed unsafe class ClientCore : IDisposable
    {
        // Inputs up to this many UTF-8 bytes are encoded on the stack.
        private const int StackBytes = 1024;
        // First output buffer for a token from encrypt (larger ones are retried with the size reported).
        private const int EncryptStackOut = 512;
        private const int ErrorStackBytes = 512;


        internal readonly ClientHandle Handle;

        // Loads the library before the constructor (which calls into it) is compiled: Mono binds a
        // P/Invoke when it compiles the calling method.
        internal static ClientCore Create(int type, string endpoint, string authKey, string secretKey)
        {
            LibraryLoader.EnsureLoaded();
            return new ClientCore(type, endpoint, authKey, secretKey);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private ClientCore(int type, string endpoint, string authKey, string secretKey)
        {
            byte[] url = Text.ToCString(endpoint, "endpoint"), key = Text.ToCString(authKey, "authKey"),
                secret = Text.ToCString(secretKey, "secretKey");
            var handle = new ClientHandle();
            ulong value;
            int st;
            fixed (byte* u = url)
            fixed (byte* k = key)
            fixed (byte* s = secret)
            {
                st = Native.ClientNew(type, u, k, s, out value);
            }
            if (st != Native.Success)
            {
                if (st == Native.InvalidArgument) throw new ArgumentException("cannot create client: " + LastError());
                ThrowForStatus(st);
            }
            handle.Set(value);
            Handle = handle;
        }

        public void Dispose() { Handle.Dispose(); }

        // ---- time ------------------------------------------------------------

        internal static long ToUnixMs(DateTime t) { return UnixTime.ToMs(t); }

        internal static DateTime FromUnixMs(long ms) { return UnixTime.FromMs(ms); }

        private static uint ToMs(TimeSpan t, string name)
        {
            if (t < TimeSpan.Zero) throw new ArgumentOutOfRangeException(name, "must not be negative");
            double ms = Math.Ceiling(t.TotalMilliseconds);
            return ms >= uint.MaxValue ? uint.MaxValue : (uint)ms;
        }

        // ---- keys --------------------------------------------------------------

        internal RefreshResponse Refresh(TimeSpan timeout)
        {
            return RefreshResult(Native.Refresh(Handle, ToMs(timeout, "timeout")));
        }

        internal RefreshResponse RefreshJson(string json)
        {
            if (json == null) throw new ArgumentNullException("json");
            int n = Text.ByteCount(json);
            byte[] bytes = new byte[n + 1]; // never empty: an empty array pins as NULL, and NULL json is refused
            int st;
            fixed (byte* b = bytes)
            {
                Text.Encode(json, b, n);
                st = Native.RefreshJson(Handle, b, (UIntPtr)(uint)n);
            }
            return RefreshResult(st);
        }

        private static RefreshResponse RefreshResult(int st)
        {
            switch (st)
            {
                case Native.Success: return RefreshResponse.MakeSuccess();
                case Native.RefreshFailed:
                case Native.InvalidKeys: return RefreshResponse.MakeError(LastError());
                case Native.InvalidArgument:
                    throw new InvalidOperationException("cannot refresh over HTTP: " + LastError());
                default: ThrowForStatus(st); return default(RefreshResponse);
            }
        }

        internal void StartAutoRefresh(TimeSpan interval, TimeSpan timeout)
        {
            int st = Native.AutoRefreshStart(Handle, ToMs(interval, "interval"), ToMs(timeout, "timeout"));
            if (st == Native.InvalidArgument) throw new InvalidOperationException("cannot refresh over HTTP: " + LastError());
            if (st != Native.Success) ThrowForStatus(st);
        }

        internal void StopAutoRefresh()
        {
            int st = Native.AutoRefreshStop(Handle);
            if (st != Native.Success) ThrowForStatus(st);
        }

        internal KeyRefreshState GetRefreshState()
        {
            NativeRefreshState s;
            byte* err = stackalloc byte[ErrorStackBytes];
            int st = Native.RefreshStateGet(Handle, &s, err, (UIntPtr)ErrorStackBytes);
            if (st != Native.Success) ThrowForStatus(st);
            int n = 0;
            while (n < ErrorStackBytes - 1 && err[n] != 0) n++;
            return new KeyRefreshState(
                s.LastSuccessMs == 0 ? (DateTime?)null : FromUnixMs(s.LastSuccessMs),
                s.LastFailureMs == 0 ? (DateTime?)null : FromUnixMs(s.LastFailureMs),
                s.ConsecutiveFailures, s.AutoRefreshRunning != 0, s.HasKeys != 0, s.KeyCount, Text.Decode(err, n));
        }

        internal void SetDefaultIdentityScope(IdentityScope scope)
        {
            int st = Native.ClientSetDefaultIdentityScope(Handle, (int)scope);
            if (st != Native.Success) ThrowForStatus(st);
        }

        // ---- waiting for keys ------------------------------------------------------

        internal void WaitForKeys(TimeSpan timeout)
        {
            uint ms = timeout == System.Threading.Timeout.InfiniteTimeSpan ? uint.MaxValue : ToMs(timeout, "timeout");
            int st = Native.WaitForKeys(Handle.Value, ms);
            GC.KeepAlive(Handle);
            if (st == Native.Success) return;
            // libuid2's message says how long it waited and why the last refresh failed.
            if (st == Native.TimedOut) throw new TimeoutException(LastError());
            ThrowForStatus(st);
        }

        // ---- decrypt ------------------------------------------------------------

        internal DecryptionResponse Decrypt(string token, string domain, long nowMs)
        {
            // The common case in one pass: ASCII token and domain, encoded on the stack.
            int lT = token == null ? 0 : token.Length, lD = domain == null ? 0 : domain.Length;
            if (lT + lD <= StackBytes)
            {
                byte* ascii = stackalloc byte[lT + lD];
                if (Text.TryEncodeAscii(token, ascii) && Text.TryEncodeAscii(domain, ascii + lT))
                    return DecryptBytes(ascii, lT, domain == null ? null : ascii + lT, lD, nowMs);
            }
            return DecryptUtf8(token, domain, nowMs);
        }

        private DecryptionResponse DecryptUtf8(string token, string domain, long nowMs)
        {
            int nT = Text.ByteCount(token), nD = Text.ByteCount(domain);
            long total = (long)nT + nD;
            if (total <= StackBytes)
            {
                byte* buf = stackalloc byte[(int)total];
                Text.Encode(token, buf, nT);
                Text.Encode(domain, buf + nT, nD);
                return DecryptBytes(buf, nT, domain == null ? null : buf + nT, nD, nowMs);
            }
            byte[] heap = Scratch.Bytes(0, checked((int)total));
            fixed (byte* buf = heap)
            {
                Text.Encode(token, buf, nT);
                Text.Encode(domain, buf + nT, nD);
                return DecryptBytes(buf, nT, domain == null ? null : buf + nT, nD, nowMs);
            }
        }

        private DecryptionResponse DecryptBytes(byte* token, int nT, byte* domain, int nD, long nowMs)
        {
            NativeDecryptionResult r;
            int st = Native.Decrypt(Handle.Value, token, (UIntPtr)(uint)nT, domain, (UIntPtr)(uint)nD, nowMs, &r);
            GC.KeepAlive(Handle); // not finalized during the call
            if (st == Native.BufferTooSmall) return DecryptLongUid(token, nT, domain, nD, nowMs, r.UidLen);
            return ToResponse(&r, null);
        }

        // A raw UID longer than the inline buffer: decrypt again into one of the size reported.
        private DecryptionResponse DecryptLongUid(byte* token, int nT, byte* domain, int nD, long nowMs, int uidLen)
        {
            for (int attempt = 0; attempt < 4; attempt++)
            {
                byte[] uid = new byte[uidLen + 1];
                NativeDecryptionResult r;
                int st;
                fixed (byte* u = uid)
                {
                    st = Native.DecryptToBuffer(Handle.Value, token, (UIntPtr)(uint)nT, domain, (UIntPtr)(uint)nD, nowMs, &r,
                        u, (UIntPtr)(uint)uid.Length);
                    GC.KeepAlive(Handle);
                    if (st != Native.BufferTooSmall)
                        return ToResponse(&r, MapDecryption(r.Status) == DecryptionStatus.Success ? Text.Decode(u, r.UidLen) : null);
                }
                uidLen = r.UidLen;
            }
            throw new InvalidOperationException("libuid2 kept reporting BUFFER_TOO_SMALL for a raw UID");
        }

        internal DecryptionResponse[] DecryptBatch(IList<string> tokens, string domain, long nowMs)
        {
            if (tokens == null) throw new ArgumentNullException("tokens");
            int count = tokens.Count;
            var responses = new DecryptionResponse[count];
            if (count == 0) return responses;

            int[] offsets;
            byte[] bytes;
            Join(tokens, domain, "tokens", out offsets, out bytes);
            int nD = Text.ByteCount(domain);
            NativeDecryptionResult[] results = Scratch.Results(count);

            fixed (byte* b = bytes)
            fixed (int* o = offsets)
            fixed (NativeDecryptionResult* r = results)
            {
                byte* d = domain == null ? null : b + o[count];
                int st = Native.DecryptBatch(Handle, b, o, (UIntPtr)(uint)count, d, (UIntPtr)(uint)nD, nowMs, r);
                if (st != Native.Success) ThrowForStatus(st);
                for (int i = 0; i < count; i++)
                {
                    responses[i] = r[i].Status == Native.BufferTooSmall
                        ? DecryptLongUid(b + o[i], o[i + 1] - o[i], d, nD, nowMs, r[i].UidLen)
                        : ToResponse(r + i, null);
                }
            }
            return responses;
        }

        /// <summary>Joins the items as UTF-8 into scratch bytes (slot 0), extra (may be null) after
        /// them at offsets[count]; offsets (count+1 entries, scratch ints slot 0). One pass when
        /// everything is ASCII, the usual case.</summary>
        private static void Join(IList<string> items, string extra, string name, out int[] offsets, out byte[] bytes)
        {
            int count = items.Count;
            offsets = Scratch.Ints(0, count + 1);
            long end = 0;
            offsets[0] = 0;
            for (int i = 0; i < count; i++)
            {
                string s = items[i];
                end += s == null ? 0 : s.Length;
                if (end > int.MaxValue / 4) throw new ArgumentException("the items of one batch are too large", name);
                offsets[i + 1] = (int)end;
            }
            int nExtra = extra == null ? 0 : extra.Length;
            bytes = Scratch.Bytes(0, (int)end + nExtra);
            fixed (byte* b = bytes)
            {
                bool ascii = Text.TryEncodeAscii(extra, b + end);
                for (int i = 0; ascii && i < count; i++) ascii = Text.TryEncodeAscii(items[i], b + offsets[i]);
                if (ascii) return;
            }
            // Not all ASCII: count UTF-8 bytes, then encode.
            end = 0;
            for (int i = 0; i < count; i++)
            {
                end += Text.ByteCount(items[i]);
                if (end > int.MaxValue / 2) throw new ArgumentException("the items of one batch are too large", name);
                offsets[i + 1] = (int)end;
            }
            nExtra = Text.ByteCount(extra);
            bytes = Scratch.Bytes(0, (int)end + nExtra);
            fixed (byte* b = bytes)
            {
                for (int i = 0; i < count; i++) Text.Encode(items[i], b + offsets[i], offsets[i + 1] - offsets[i]);
                Text.Encode(extra, b + end, nExtra);
            }
        }

        private static DecryptionResponse ToResponse(NativeDecryptionResult* r, string longUid)
        {
            DecryptionStatus status = MapDecryption(r->Status);
            var scope = (IdentityScope)r->IdentityScope;
            // advertising_token_version 0: the token was not decoded, only status and scope mean anything.
            if (r->AdvertisingTokenVersion == 0)
                return new DecryptionResponse(status, null, null, null, null, null, null, null, null, scope);
            string uid = null;
            if (status == DecryptionStatus.Success) uid = longUid ?? Text.Decode(r->Uid, r->UidLen);
            return new DecryptionResponse(status, uid, FromUnixMs(r->EstablishedMs), r->SiteId, r->SiteKeySiteId,
                r->IdentityType >= 0 ? (IdentityType)r->IdentityType : (IdentityType?)null, r->AdvertisingTokenVersion,
                r->IsClientSideGenerated != 0, FromUnixMs(r->ExpiryMs), scope);
        }

        private static readonly DecryptionStatus[] DecryptionStatuses =
        {
            DecryptionStatus.Success,                    // 0
            DecryptionStatus.NotAuthorizedForKey,        // 1
            DecryptionStatus.NotAuthorizedForMasterKey,  // 2
            DecryptionStatus.NotInitialized,             // 3
            DecryptionStatus.InvalidPayload,             // 4
            DecryptionStatus.ExpiredToken,               // 5
            DecryptionStatus.KeysNotSynced,              // 6
            DecryptionStatus.VersionNotSupported,        // 7
            DecryptionStatus.InvalidPayloadType,         // 8
            DecryptionStatus.InvalidIdentityScope,       // 9
            DecryptionStatus.InvalidTokenLifetime,       // 10
            DecryptionStatus.DomainOrAppNameCheckFailed, // 11
            DecryptionStatus.UserOptedOut,               // 12
        };

        internal static DecryptionStatus MapDecryption(int st)
        {
            if ((uint)st < (uint)DecryptionStatuses.Length) return DecryptionStatuses[st];
            if (st == Native.InternalError) return DecryptionStatus.InternalError;
            if (st < 100) return DecryptionStatus.InvalidPayload; // a token status newer than this binding
            ThrowForStatus(st);
            return DecryptionStatus.InternalError;
        }

        // ---- encrypt ------------------------------------------------------------

        internal EncryptionDataResponse Encrypt(string rawUid, long nowMs, long keysetId)
        {
            int l = rawUid == null ? 0 : rawUid.Length;
            if (l <= StackBytes)
            {
                byte* ascii = stackalloc byte[l];
                if (Text.TryEncodeAscii(rawUid, ascii)) return EncryptBytes(ascii, l, nowMs, keysetId);
            }
            int n = Text.ByteCount(rawUid);
            if (n <= StackBytes)
            {
                byte* buf = stackalloc byte[n];
                Text.Encode(rawUid, buf, n);
                return EncryptBytes(buf, n, nowMs, keysetId);
            }
            fixed (byte* buf = Scratch.Bytes(0, n))
            {
                Text.Encode(rawUid, buf, n);
                return EncryptBytes(buf, n, nowMs, keysetId);
            }
        }

        private EncryptionDataResponse EncryptBytes(byte* raw, int n, long nowMs, long keysetId)
        {
            byte* output = stackalloc byte[EncryptStackOut];
            UIntPtr outLen;
            int st = Native.Encrypt(Handle.Value, raw, (UIntPtr)(uint)n, nowMs, keysetId, output, (UIntPtr)EncryptStackOut, out outLen);
            GC.KeepAlive(Handle);
            for (int attempt = 0; st == Native.BufferTooSmall && attempt < 4; attempt++)
            {
                byte[] big = new byte[checked((int)outLen.ToUInt64() + 1)];
                fixed (byte* o = big)
                {
                    st = Native.Encrypt(Handle.Value, raw, (UIntPtr)(uint)n, nowMs, keysetId, o, (UIntPtr)(uint)big.Length, out outLen);
                    GC.KeepAlive(Handle);
                    if (st != Native.BufferTooSmall) return ToEncryption(st, o, (int)outLen.ToUInt64());
                }
            }
            return ToEncryption(st, output, (int)outLen.ToUInt64());
        }

        // INSECURE — FOR TESTS ONLY: reached only from LibUid2.Testing.InsecureForTests.
        internal EncryptionDataResponse EncryptWithNoncesInsecureForTests(string rawUid, long nowMs, long keysetId, byte[] nonces)
        {
            if (nonces == null) throw new ArgumentNullException("nonces");
            if (nonces.Length != 24) throw new ArgumentException("24 bytes: the master-layer then the site-layer nonce", "nonces");
            int n = Text.ByteCount(rawUid);
            byte[] raw = new byte[n];
            byte[] output = new byte[EncryptStackOut];
            UIntPtr outLen;
            int st;
            fixed (byte* r = raw)
            fixed (byte* nn = nonces)
            {
                Text.Encode(rawUid, r, n);
                while (true)
                {
                    fixed (byte* o = output)
                    {
                        st = Native.EncryptWithNoncesInsecureForTests(Handle, r, (UIntPtr)(uint)n, nowMs, keysetId, nn, o,
                            (UIntPtr)(uint)output.Length, out outLen);
                        if (st != Native.BufferTooSmall) return ToEncryption(st, o, (int)outLen.ToUInt64());
                    }
                    output = new byte[checked((int)outLen.ToUInt64() + 1)];
                }
            }
        }

        internal EncryptionDataResponse[] EncryptBatch(IList<string> rawUids, long nowMs, long keysetId)
        {
            if (rawUids == null) throw new ArgumentNullException("rawUids");
            int count = rawUids.Count;
            var responses = new EncryptionDataResponse[count];
            if (count == 0) return responses;

            int[] offsets;
            byte[] input;
            Join(rawUids, null, "rawUids", out offsets, out input);
            long end = offsets[count];
            int[] outOffsets = Scratch.Ints(1, count + 1);
            int[] statuses = Scratch.Ints(2, count);
            // A first guess; the library reports a capacity that suffices when it is too small.
            long guess = Math.Min(int.MaxValue, 256L * count + 2L * end);
            byte[] output = Scratch.Bytes(1, (int)guess);

            fixed (byte* b = input)
            fixed (int* o = offsets)
            fixed (int* oo = outOffsets)
            fixed (int* s = statuses)
            {
                for (int attempt = 0; ; attempt++)
                {
                    UIntPtr needed;
                    int st;
                    fixed (byte* outp = output)
                    {
                        st = Native.EncryptBatch(Handle, b, o, (UIntPtr)(uint)count, nowMs, keysetId, outp,
                            (UIntPtr)(uint)output.Length, oo, s, out needed);
                        if (st == Native.Success)
                        {
                            for (int i = 0; i < count; i++)
                                responses[i] = ToEncryption(s[i], outp + oo[i], oo[i + 1] - oo[i]);
                            return responses;
                        }
                    }
                    if (st != Native.BufferTooSmall || attempt >= 3) ThrowForStatus(st);
                    ulong need = needed.ToUInt64();
                    if (need > int.MaxValue) throw new ArgumentException("the tokens of one batch would exceed 2 GiB", "rawUids");
                    output = Scratch.Bytes(1, (int)need);
                }
            }
        }

        private static EncryptionDataResponse ToEncryption(int st, byte* output, int len)
        {
            switch (st)
            {
                case Native.Success: return EncryptionDataResponse.MakeSuccess(Text.Decode(output, len));
                case Native.NotAuthorizedForKey: return EncryptionDataResponse.MakeError(EncryptionStatus.NotAuthorizedForKey);
                case Native.NotAuthorizedForMasterKey: return EncryptionDataResponse.MakeError(EncryptionStatus.NotAuthorizedForMasterKey);
                case Native.NotInitialized: return EncryptionDataResponse.MakeError(EncryptionStatus.NotInitialized);
                case Native.KeysNotSynced: return EncryptionDataResponse.MakeError(EncryptionStatus.KeysNotSynced);
                case Native.TokenDecryptFailure: return EncryptionDataResponse.MakeError(EncryptionStatus.TokenDecryptFailure);
                case Native.KeyInactive: return EncryptionDataResponse.MakeError(EncryptionStatus.KeyInactive);
                case Native.EncryptionFailure: return EncryptionDataResponse.MakeError(EncryptionStatus.EncryptionFailure);
                case Native.InternalError: return EncryptionDataResponse.MakeError(EncryptionStatus.InternalError);
                default:
                    if (st < 100) return EncryptionDataResponse.MakeError(EncryptionStatus.EncryptionFailure);
                    ThrowForStatus(st);
                    return default(EncryptionDataResponse);
            }
        }

        // ---- legacy encrypted data (deprecated in UID2.Client, kept for drop-in) -----

        internal EncryptionDataResponse EncryptData(byte[] data, int? siteId, string advertisingToken, long keyId, byte[] iv, long nowMs)
        {
            if (data == null) throw new ArgumentNullException("data");
            if (siteId.HasValue && advertisingToken != null)
                throw new ArgumentException("only one of siteId or advertisingToken can be specified");
            int tokenLen = Text.ByteCount(advertisingToken);
            byte[] token = null;
            if (advertisingToken != null)
            {
                token = new byte[tokenLen + 1];
                fixed (byte* t = token) Text.Encode(advertisingToken, t, tokenLen);
            }
            // base64 of the blob: 34 bytes of header, IV and tag around data and 12 bytes of timestamp and site.
            int cap = checked(4 * ((data.Length + 48) / 3 + 1) + 1);
            for (int attempt = 0; ; attempt++)
            {
                byte[] output = new byte[cap];
                UIntPtr outLen;
                int st;
                fixed (byte* d = data)
                fixed (byte* t = token)
                fixed (byte* v = iv)
                fixed (byte* o = output)
                {
                    var req = new NativeEncryptDataRequest
                    {
                        Data = d,
                        DataLen = (UIntPtr)(uint)data.Length,
                        SiteId = siteId ?? 0,
                        AdvertisingToken = t,
                        AdvertisingTokenLen = (UIntPtr)(uint)tokenLen,
                        KeyId = keyId,
                        Iv = v,
                        IvLen = (UIntPtr)(uint)(iv == null ? 0 : iv.Length),
                        NowMs = nowMs,
                    };
                    st = Native.EncryptData(Handle, &req, o, (UIntPtr)(uint)cap, out outLen);
                    if (st == Native.Success) return EncryptionDataResponse.MakeSuccess(Text.Decode(o, (int)outLen.ToUInt64()));
                }
                if (st == Native.BufferTooSmall && attempt < 3)
                {
                    cap = checked((int)outLen.ToUInt64() + 1);
                    continue;
                }
                if (st == Native.InvalidArgument) throw new ArgumentException("libuid2: " + LastError());
                return ToEncryption(st, null, 0);
            }
        }

        internal DecryptionDataResponse DecryptData(string encryptedData)
        {
            int n = Text.ByteCount(encryptedData);
            byte[] input = new byte[n + 1]; // never empty: an empty array pins as NULL
            byte[] output = new byte[n + 1]; // the plaintext is shorter than its base64 text
            fixed (byte* e = input)
            fixed (byte* o = output)
            {
                Text.Encode(encryptedData, e, n);
                UIntPtr outLen;
                long atMs;
                int siteId;
                int st = Native.DecryptData(Handle, e, (UIntPtr)(uint)n, o, (UIntPtr)(uint)output.Length, out outLen, out atMs, out siteId);
                if (st != Native.Success) return DecryptionDataResponse.MakeError(MapDecryption(st));
                byte[] data = new byte[(int)outLen.ToUInt64()];
                Array.Copy(output, data, data.Length);
                return DecryptionDataResponse.MakeSuccess(data, FromUnixMs(atMs));
            }
        }

        // ---- errors -------------------------------------------------------------

        internal static string LastError()
        {
            byte* buf = stackalloc byte[ErrorStackBytes];
            ulong n = Native.LastErrorMessage(buf, (UIntPtr)ErrorStackBytes).ToUInt64();
            if (n < ErrorStackBytes) return Text.Decode(buf, (int)n);
            byte[] big = new byte[n + 1];
            fixed (byte* b = big)
            {
                n = Math.Min(n, Native.LastErrorMessage(b, (UIntPtr)big.Length).ToUInt64());
                return Text.Decode(b, (int)n);
            }
        }

        internal static string StatusName(int st)
        {
            return Text.FromCString(Native.StatusName(st)) ?? st.ToString();
        }

        /// <summary>Throws for a status that is not a result: a programmer error or an unusable library.</summary>
        internal static void ThrowForStatus(int st)
        {
            switch (st)
            {
                case Native.InvalidHandle:
                    throw new ObjectDisposedException("client", "the libuid2 client handle is closed");
                case Native.InvalidArgument:
                    throw new ArgumentException("libuid2: " + LastError());
                case Native.ForkedProcess:
                case Native.UnsupportedHost:
                    // libuid2's message says why and what to do instead.
                    throw new Uid2LibraryException(LastError());
                case Native.WrongClientType:
                    throw new InvalidOperationException("libuid2: this call needs a sharing client");
                default:
                    throw new InvalidOperationException("libuid2 returned " + StatusName(st));
            }
        }
    }

    /// <summary>Per-thread buffers reused across calls, so a call allocates nothing but its
    /// result. Buffers above the retention limits are allocated per call and not kept.</summary>
    internal static class Scratch
    {
        private const int MaxKeptBytes = 1 << 20;
        private const int MaxKeptInts = 1 << 16;
        private const int MaxKeptResults = 1 << 12;

        [ThreadStatic] private static byte[] _bytes0;
        [ThreadStatic] private static byte[] _bytes1;
        [ThreadStatic] private static int[] _ints0;
        [ThreadStatic] private static int[] _ints1;
        [ThreadStatic] private static int[] _ints2;
        [ThreadStatic] private static NativeDecryptionResult[] _results;

        private static int Grow(int n) { int c = 64; while (c < n && c < (1 << 30)) c <<= 1; return Math.Max(c, n); }

        internal static byte[] Bytes(int slot, int n)
        {
            if (n > MaxKeptBytes) return new byte[n];
            byte[] b = slot == 0 ? _bytes0 : _bytes1;
            if (b != null && b.Length >= n) return b;
            b = new byte[Grow(n)];
            if (slot == 0) _bytes0 = b; else _bytes1 = b;
            return b;
        }

        internal static int[] Ints(int slot, int n)
        {
            if (n > MaxKeptInts) return new int[n];
            int[] a = slot == 0 ? _ints0 : slot == 1 ? _ints1 : _ints2;
            if (a != null && a.Length >= n) return a;
            a = new int[Grow(n)];
            if (slot == 0) _ints0 = a; else if (slot == 1) _ints1 = a; else _ints2 = a;
            return a;
        }

        internal static NativeDecryptionResult[] Results(int n)
        {
            if (n > MaxKeptResults) return new NativeDecryptionResult[n];
            NativeDecryptionResult[] r = _results;
            if (r != null && r.Length >= n) return r;
            return _results = new NativeDecryptionResult[Grow(n)];
        }
    }
}
