using System;
using System.Threading;

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
        /// <remarks>Returns before the first refresh: call WaitForKeys before the first decrypt.
        /// Failed attempts are raised as RefreshFailed.</remarks>
        public void StartAutoRefresh(TimeSpan interval) { StartAutoRefresh(interval, TimeSpan.Zero); }

        public void StartAutoRefresh(TimeSpan interval, TimeSpan timeout)
        {
            Core.StartAutoRefresh(interval, timeout);
            _events.Start(Core.Handle.Value, this);
        }

        /// <summary>Waits until the client has keys (from any refresh), at most timeout
        /// (Timeout.InfiniteTimeSpan: no limit); returns at once if it has them.</summary>
        /// <exception cref="TimeoutException">No keys in time; the message says why, with the last
        /// refresh failure's reason (e.g. "HTTP 401: unknown API key").</exception>
        /// <exception cref="ObjectDisposedException">The client is or gets disposed.</exception>
        public void WaitForKeys(TimeSpan timeout) { Core.WaitForKeys(timeout); }

        /// <summary>Raised when a refresh made by StartAutoRefresh fails, on a background thread
        /// of this client (one per client, from the first StartAutoRefresh to Dispose). A
        /// listener that falls behind gets the newest failure. An exception thrown by a handler
        /// is dropped so that later failures are still raised.</summary>
        public event EventHandler<RefreshFailedEventArgs> RefreshFailed;

        internal void OnRefreshFailed(RefreshFailedEventArgs e)
        {
            EventHandler<RefreshFailedEventArgs> handler = RefreshFailed;
            if (handler == null) return;
            foreach (EventHandler<RefreshFailedEventArgs> h in handler.GetInvocationList())
            {
                try { h(this, e); }
                catch (Exception) { } // one handler's bug must not end the listener or the process
            }
        }

        private readonly RefreshEvents _events = new RefreshEvents();

        /// <summary>Stops the background refresh, waiting for an attempt in progress.</summary>
        public void StopAutoRefresh() { Core.StopAutoRefresh(); }

        /// <summary>When keys were last loaded, failures since, whether automatic refresh runs.</summary>
        public KeyRefreshState RefreshState { get { return Core.GetRefreshState(); } }

        /// <summary>Frees the native client and stops its automatic refresh. Later calls throw
        /// ObjectDisposedException.</summary>
        public void Dispose()
        {
            Core.Dispose();
            _events.Join(); // the freed client ends the listener's wait
        }
    }
}
