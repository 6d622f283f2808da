using System.Diagnostics;
using System.Net;

namespace ModelDock.Bench.Serving.Servers;

/// <summary>
/// A server under test running in a process of its own on 127.0.0.1, as it would be deployed: started,
/// waited for until it answers, measured from outside, and killed. Its output is read all the time, so
/// a chatty server never blocks on a full pipe, and the last lines are kept for the error message when
/// it fails.
/// </summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private const int TailLines = 40;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Line)> _waiters = [];
    private readonly Action? _cleanup;
    private readonly Task _readers;

    private LoopbackServer(string name, Process process, Action? cleanup)
    {
        Name = name;
        _process = process;
        _cleanup = cleanup;
        _readers = Task.WhenAll(ReadAsync(process.StandardOutput), ReadAsync(process.StandardError));
    }

    public string Name { get; }

    /// <summary>The server's process, for its CPU time and memory.</summary>
    public Process Process => _process;

    /// <summary>The REST endpoint, or the only endpoint of a server that has one.</summary>
    public Uri HttpAddress { get; private set; } = null!;

    /// <summary>The gRPC endpoint; the same as <see cref="HttpAddress"/> for a server with one port.</summary>
    public Uri GrpcAddress { get; private set; } = null!;

    /// <summary>Starts the process and waits until <paramref name="waitUntilReady"/> says where it listens.</summary>
    /// <param name="cleanup">Runs after the process has exited, e.g. to delete its model repository.</param>
    public static async Task<LoopbackServer> StartAsync(
        string name,
        ProcessStartInfo start,
        Func<LoopbackServer, CancellationToken, Task<(Uri Http, Uri Grpc)>> waitUntilReady,
        Action? cleanup = null)
    {
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        // An open stdin that the server may watch: it reads end-of-file when this process goes away.
        start.RedirectStandardInput = true;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        var server = new LoopbackServer(name, process, cleanup);
        try
        {
            using var timeout = new CancellationTokenSource(StartTimeout);
            (server.HttpAddress, server.GrpcAddress) = await waitUntilReady(server, timeout.Token).ConfigureAwait(false);
            return server;
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or HttpRequestException)
        {
            var output = server.Output();
            await server.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"{name} did not become ready: {ex.Message}\n{output}", ex);
        }
    }

    /// <summary>Waits for the first output line that <paramref name="match"/> accepts.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, CancellationToken cancellationToken)
    {
        var line = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_tail)
        {
            if (_tail.FirstOrDefault(match) is { } seen)
            {
                return seen;
            }

            _waiters.Add((match, line));
        }

        var exited = _process.WaitForExitAsync(cancellationToken);
        var first = await Task.WhenAny(line.Task, exited).ConfigureAwait(false);
        if (first != line.Task)
        {
            await exited.ConfigureAwait(false);
            throw new InvalidOperationException($"the process exited with {_process.ExitCode}");
        }

        return await line.Task.ConfigureAwait(false);
    }

    /// <summary>Polls <paramref name="url"/> until it answers with success.</summary>
    public async Task WaitForHttpAsync(Uri url, CancellationToken cancellationToken)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        while (true)
        {
            EnsureRunning();
            try
            {
                using var response = await client.GetAsync(url, cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Throws with the server's last output when its process has exited.</summary>
    public void EnsureRunning()
    {
        if (_process.HasExited)
        {
            throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}:\n{Output()}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It has exited already.
        }

        await _process.WaitForExitAsync().ConfigureAwait(false);
        await _readers.ConfigureAwait(false);
        _process.Dispose();
        _cleanup?.Invoke();
    }

    private string Output()
    {
        lock (_tail)
        {
            return string.Join('\n', _tail);
        }
    }

    private async Task ReadAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            lock (_tail)
            {
                _tail.Enqueue(line);
                if (_tail.Count > TailLines)
                {
                    _tail.Dequeue();
                }

                for (var i = _waiters.Count - 1; i >= 0; i--)
                {
                    if (_waiters[i].Match(line))
                    {
                        _waiters[i].Line.TrySetResult(line);
                        _waiters.RemoveAt(i);
                    }
                }
            }
        }
    }
}
