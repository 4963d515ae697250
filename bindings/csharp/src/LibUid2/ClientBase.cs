using System;

namespace LibUid2
{
    /// <summary>
    /// What SharingClient and BidstreamClient share: the native client, its keys and their
    /// refresh. Thread-safe; decrypt and encrypt never wait for a refresh. Dispose it to free
    /// the native client (a dropped client is freed by its finalizer).
    /// </summary>
    public abstract class ClientBase : IDisposable
    {
        internal readonly ClientCore Core;

        internal ClientBase(int type, string endpoint, string authKey, string secretKey)
        {
            Core = ClientCore.Create(type, endpoint, authKey, secretKey);
        }

        /// <summary>Fetches keys over HTTP (30 s timeout). A failure keeps the previous keys.</summary>
        public RefreshResponse Refresh() { return Core.Refresh(TimeSpan.Zero); }

        /// <summary>Fetches keys over HTTP, waiting at most timeout. A failure keeps the previous keys.</summary>
        public RefreshResponse Refresh(TimeSpan timeout) { return Core.Refresh(timeout); }

        /// <summary>Loads keys from a key response JSON (the whole response or its body); no HTTP.
        /// A failure keeps the previous keys.</summary>
        /// <exception cref="ArgumentNullException">json is null.</exception>
        public RefreshResponse RefreshJson(string json) { return Core.RefreshJson(json); }

        /// <summary>Refreshes over HTTP in the background: now, then every interval (±10 %),
        /// retrying sooner after a failure. Starting again applies the new interval.</summary>
        /// <exception cref="InvalidOperationException">The client has no endpoint or credentials.</exception>
        public void StartAutoRefresh(TimeSpan interval) { Core.StartAutoRefresh(interval, TimeSpan.Zero); }

        public void StartAutoRefresh(TimeSpan interval, TimeSpan timeout) { Core.StartAutoRefresh(interval, timeout); }

        /// <summary>Stops the background refresh, waiting for an attempt in progress.</summary>
        public void StopAutoRefresh() { Core.StopAutoRefresh(); }

        /// <summary>When keys were last loaded, failures since, whether automatic refresh runs.</summary>
        public KeyRefreshState RefreshState { get { return Core.GetRefreshState(); } }

        /// <summary>Frees the native client and stops its automatic refresh. Later calls throw
        /// ObjectDisposedException.</summary>
        public void Dispose() { Core.Dispose(); }
    }
}
