using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ModelDock.Fuzz.Engine;

/// <summary>
/// Records every log entry at error level or above: a client's input may be logged at debug or information,
/// never as a server fault, so each one the fuzzer provokes is a finding.
/// </summary>
internal sealed class ErrorLogRecorder : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _entries = new();

    public int Count => _entries.Count;

    public IReadOnlyList<string> Drain()
    {
        var drained = new List<string>();
        while (_entries.TryDequeue(out var entry))
        {
            drained.Add(entry);
        }

        return drained;
    }

    public ILogger CreateLogger(string categoryName) => new Recorder(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class Recorder(string category, ConcurrentQueue<string> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                var cause = exception is null ? string.Empty : $" [{exception.GetType().Name}: {exception.Message}]";
                entries.Enqueue($"{logLevel} {category}: {formatter(state, exception)}{cause}");
            }
        }
    }
}
