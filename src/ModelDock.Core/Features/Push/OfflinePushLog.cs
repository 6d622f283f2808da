using System.Globalization;
using System.Threading.Channels;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging;
using ModelDock.Errors;
using ModelDock.Features.Offline;

namespace ModelDock.Features.Push;

/// <summary>
/// Group commit for offline pushes. Pushes hand their rows to one writer, which appends everything that arrived while
/// the previous batch was being synced to a write-ahead file in <c>&lt;dataDir&gt;/offline/push-log/</c>, syncs it to disk
/// once and only then acknowledges the whole batch. A write-ahead file is sealed once its first row is
/// <see cref="FeaturePushOptions.OfflineRollInterval"/> old or it holds <see cref="FeaturePushOptions.OfflineRollBytes"/>,
/// and compacted in the background into Parquet files that historical retrieval reads. Write-ahead files found at open
/// were left by a process that stopped before compacting them; they are compacted before the log takes new rows.
/// One process owns a data folder's log at a time (a lock file), as two writers would compact each other's files.
/// </summary>
internal sealed partial class OfflinePushLog : IAsyncDisposable
{
    /// <summary>At most this many bytes of pushes go into one write and sync, so one sync cannot hold up the rest for long.</summary>
    private const int MaxBatchBytes = 8 * 1024 * 1024;

    private readonly string _folder;
    private readonly FileStream _lock;
    private readonly long _rollBytes;
    private readonly TimeSpan _rollInterval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly PushLogCompactor _compactor;
    private readonly Channel<Request> _requests = Channel.CreateUnbounded<Request>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<SealedFile> _sealed = Channel.CreateUnbounded<SealedFile>(new UnboundedChannelOptions { SingleReader = true });
    private readonly MemoryStream _batch = new();
    private readonly Task _compaction;
    private Task _writer = Task.CompletedTask;
    private Task _lastCompaction = Task.CompletedTask;
    private FileStream? _file;
    private long _fileStarted;
    private int _disposed;

    private OfflinePushLog(string folder, FileStream lockFile, OfflineStore offline, FeaturePushOptions options, TimeProvider time, ILogger logger)
    {
        _folder = folder;
        _lock = lockFile;
        _rollBytes = options.OfflineRollBytes;
        _rollInterval = options.OfflineRollInterval;
        _time = time;
        _logger = logger;
        _compactor = new PushLogCompactor(offline);
        _compaction = Task.Run(CompactLoopAsync);
    }

    /// <summary>Takes the data folder's log and compacts what a previous process left in it before returning.</summary>
    public static async Task<OfflinePushLog> OpenAsync(string dataDir, FeaturePushOptions options, TimeProvider time, ILogger logger)
    {
        var folder = Path.Combine(dataDir, "offline", "push-log");
        Directory.CreateDirectory(folder);
        FileStream lockFile;
        try
        {
            lockFile = new FileStream(Path.Combine(folder, "lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            LogLockHeld(logger, folder, e.Message);
            throw ModelDockException.Unavailable(
                "The offline push log of this server's data folder is held by another process; offline pushes are taken by that process.");
        }

        var log = new OfflinePushLog(folder, lockFile, new OfflineStore(dataDir), options, time, logger);
        var left = Directory.GetFiles(folder, "*" + PushLogFile.Extension).Order(StringComparer.Ordinal).ToArray();
        foreach (var file in left)
        {
            log.Enqueue(file);
        }

        if (left.Length > 0)
        {
            LogRecovering(logger, left.Length);

            // A file that cannot be compacted stays for the next start; the log takes new rows meanwhile.
            await log._lastCompaction.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).ConfigureAwait(false);
        }

        log._writer = Task.Run(log.WriteLoopAsync);
        return log;
    }

    /// <summary>Completes once <paramref name="payload"/> (an encoded <see cref="PushLogRecord"/>) is on disk.</summary>
    public Task AppendAsync(byte[] payload)
    {
        var request = new Append(payload);
        return _requests.Writer.TryWrite(request) ? request.Done.Task : throw ShuttingDown();
    }

    /// <summary>Seals the current write-ahead file and completes once every row appended before the call is in Parquet.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var request = new Seal();
        if (!_requests.Writer.TryWrite(request))
        {
            throw ShuttingDown();
        }

        var compaction = await request.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        await compaction.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes what was handed in, compacts every sealed file and releases the folder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _requests.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        _sealed.Writer.TryComplete();
        await _compaction.ConfigureAwait(false);
        await _lock.DisposeAsync().ConfigureAwait(false);
        await _batch.DisposeAsync().ConfigureAwait(false);
    }

    private static ModelDockException ShuttingDown() =>
        ModelDockException.Unavailable("The server is shutting down; the pushed rows were not saved offline.");

    private async Task WriteLoopAsync()
    {
        var batch = new List<Request>();
        try
        {
            while (await WaitAsync().ConfigureAwait(false))
            {
                batch.Clear();
                var bytes = 0L;
                while (bytes < MaxBatchBytes && _requests.Reader.TryRead(out var request))
                {
                    batch.Add(request);
                    bytes += (request as Append)?.Payload.Length ?? 0;
                }

                Write(batch);
                if (_file is not null && (_file.Position >= _rollBytes || _time.GetElapsedTime(_fileStarted) >= _rollInterval))
                {
                    SealFile();
                }

                foreach (var seal in batch.OfType<Seal>())
                {
                    SealFile();
                    seal.Done.TrySetResult(_lastCompaction);
                }
            }
        }
        finally
        {
            foreach (var request in batch)
            {
                Fail(request, ShuttingDown());
            }

            SealFile();
            while (_requests.Reader.TryRead(out var request))
            {
                Fail(request, ShuttingDown());
            }
        }
    }

    /// <summary>True once requests are waiting or the current file is due to be sealed; false once the log is closed and drained.</summary>
    private async Task<bool> WaitAsync()
    {
        if (_requests.Reader.TryPeek(out _))
        {
            return true;
        }

        if (_file is null)
        {
            return await _requests.Reader.WaitToReadAsync().ConfigureAwait(false);
        }

        var due = _rollInterval - _time.GetElapsedTime(_fileStarted);
        if (due <= TimeSpan.Zero)
        {
            return true;
        }

        using var timeout = new CancellationTokenSource(due, _time);
        try
        {
            // Closed and drained: the caller's finally seals the current file.
            return await _requests.Reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    private void Write(List<Request> batch)
    {
        var appends = batch.OfType<Append>().ToList();
        if (appends.Count == 0)
        {
            return;
        }

        _batch.SetLength(0);
        foreach (var append in appends)
        {
            PushLogFile.WriteRecord(_batch, append.Payload);
        }

        try
        {
            var file = _file ??= NewFile();
            file.Write(_batch.GetBuffer(), 0, (int)_batch.Length);
            file.Flush(flushToDisk: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogAppendFailed(_logger, appends.Count, _file?.Name ?? _folder, e.Message);

            // The file may end in part of this batch; readers stop there, so it is sealed and the next batch starts a new one.
            SealFile();
            foreach (var append in appends)
            {
                Fail(append, ModelDockException.Unavailable("The offline store could not save the pushed rows; they were not stored. Try again."));
            }

            return;
        }

        foreach (var append in appends)
        {
            append.Done.TrySetResult();
        }
    }

    private FileStream NewFile()
    {
        // Named by creation time first, so files are compacted (and their Parquet files listed) in push order.
        var name = _time.GetUtcNow().UtcTicks.ToString("D19", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N") + PushLogFile.Extension;
        var file = new FileStream(Path.Combine(_folder, name), FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 0);
        PushLogFile.WriteHeader(file);
        _fileStarted = _time.GetTimestamp();
        return file;
    }

    private void SealFile()
    {
        if (_file is null)
        {
            return;
        }

        var path = _file.Name;
        try
        {
            _file.Dispose();
        }
        catch (IOException e)
        {
            // Every acknowledged record was synced before; a failed close loses nothing acknowledged.
            LogAppendFailed(_logger, 0, path, e.Message);
        }

        _file = null;
        Enqueue(path);
    }

    private void Enqueue(string path)
    {
        var file = new SealedFile(path);
        _sealed.Writer.TryWrite(file);
        _lastCompaction = file.Done.Task;
    }

    private async Task CompactLoopAsync()
    {
        await foreach (var file in _sealed.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                var ignored = _compactor.Compact(file.Path);
                if (ignored > 0)
                {
                    LogPartialRecordIgnored(_logger, ignored, file.Path);
                }

                file.Done.TrySetResult();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or EndOfStreamException or DuckDBException)
            {
                LogCompactionFailed(_logger, file.Path, e.Message);
                file.Done.TrySetException(e);
            }
        }
    }

    private static void Fail(Request request, Exception error)
    {
        switch (request)
        {
            case Append append:
                append.Done.TrySetException(error);
                break;
            case Seal seal:
                seal.Done.TrySetException(error);
                break;
        }
    }

    [LoggerMessage(EventId = 2500, Level = LogLevel.Warning, Message = "Ignored {Bytes} bytes at the end of the offline push log file {File}: a record cut short when a process stopped while writing it, never acknowledged")]
    private static partial void LogPartialRecordIgnored(ILogger logger, long bytes, string file);

    [LoggerMessage(EventId = 2501, Level = LogLevel.Error, Message = "Could not compact the offline push log file {File} into Parquet: {Reason}; the file is kept and compacted again at the next start")]
    private static partial void LogCompactionFailed(ILogger logger, string file, string reason);

    [LoggerMessage(EventId = 2502, Level = LogLevel.Error, Message = "Could not write {Count} offline pushes to the push log {File}: {Reason}; they were refused with 503")]
    private static partial void LogAppendFailed(ILogger logger, int count, string file, string reason);

    [LoggerMessage(EventId = 2503, Level = LogLevel.Information, Message = "Compacting {Count} offline push log files a previous process left")]
    private static partial void LogRecovering(ILogger logger, int count);

    [LoggerMessage(EventId = 2504, Level = LogLevel.Warning, Message = "The offline push log {Folder} is held by another process ({Reason}); offline pushes to this process are refused")]
    private static partial void LogLockHeld(ILogger logger, string folder, string reason);

    private abstract class Request;

    private sealed class Append(byte[] payload) : Request
    {
        public byte[] Payload { get; } = payload;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Completed with the task of the sealed file's compaction.</summary>
    private sealed class Seal : Request
    {
        public TaskCompletionSource<Task> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class SealedFile(string path)
    {
        public string Path { get; } = path;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
