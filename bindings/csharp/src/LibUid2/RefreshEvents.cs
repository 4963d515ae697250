// The thread that turns libuid2's refresh events into ClientBase.RefreshFailed: it waits in
// uid2_refresh_event_wait (a long call: libuid2 runs it on a thread Mono does not know, so the
// collector never waits for it) and ends when the client is freed, which ends the wait with
// INVALID_HANDLE. It holds the client weakly, so that a client dropped without Dispose is still
// collected and finalized.
using System;
using System.Runtime.CompilerServices;
using System.Threading;

namespace LibUid2
{
    internal sealed unsafe class RefreshEvents
    {
        private const uint WaitMs = 60000;
        private static readonly TimeSpan JoinLimit = TimeSpan.FromSeconds(10);

        private readonly object _gate = new object();
        private Thread _thread;

        private sealed class State
        {
            internal ulong Handle;
            internal WeakReference<ClientBase> Owner;
        }

        internal void Start(ulong handle, ClientBase owner)
        {
            lock (_gate)
            {
                if (_thread != null) return;
                _thread = new Thread(Run) { IsBackground = true, Name = "libuid2 refresh events" };
                _thread.Start(new State { Handle = handle, Owner = new WeakReference<ClientBase>(owner) });
            }
        }

        /// <summary>Waits for the listener to end (after the client was freed); not from a handler
        /// running on the listener itself.</summary>
        internal void Join()
        {
            Thread t;
            lock (_gate) t = _thread;
            if (t != null && t != Thread.CurrentThread) t.Join(JoinLimit);
        }

        internal bool Running
        {
            get { lock (_gate) return _thread != null && _thread.IsAlive; }
        }

        // The client is held strongly only inside these, never in Run's frame while it waits:
        // Mono scans stacks conservatively, and a stale slot there would keep the client alive.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static bool Raise(WeakReference<ClientBase> weak, RefreshFailedEventArgs args)
        {
            ClientBase owner;
            if (!weak.TryGetTarget(out owner)) return false;
            owner.OnRefreshFailed(args);
            return true;
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static bool IsAlive(WeakReference<ClientBase> weak)
        {
            ClientBase owner;
            return weak.TryGetTarget(out owner);
        }

        private static void Run(object o)
        {
            var s = (State)o;
            ulong after = 0;
            byte[] msg = new byte[1024];
            while (true)
            {
                NativeRefreshEvent ev;
                UIntPtr len;
                int st;
                fixed (byte* m = msg)
                {
                    st = Native.RefreshEventWait(s.Handle, after, WaitMs, &ev, m, (UIntPtr)(uint)msg.Length, &len);
                    if (st == Native.Success && len.ToUInt64() < (ulong)msg.Length)
                    {
                        after = ev.Seq;
                        if (ev.Success != 0 || ev.Automatic == 0) continue;
                        var args = new RefreshFailedEventArgs(Text.Decode(m, (int)len.ToUInt64()), UnixTime.FromMs(ev.TimeMs),
                            ev.ConsecutiveFailures, ev.KeyCount);
                        if (!Raise(s.Owner, args)) return;
                        continue;
                    }
                }
                if (st == Native.Success)
                {
                    // The message did not fit: read the newest event again with room for it.
                    msg = new byte[checked((int)len.ToUInt64() + 1)];
                    after = ev.Seq - 1;
                    continue;
                }
                if (st == Native.TimedOut && IsAlive(s.Owner)) continue;
                return; // INVALID_HANDLE: the client was freed (or an unusable library)
            }
        }
    }
}
