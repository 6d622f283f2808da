using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ModelDock.Server.Tests.Infrastructure;

/// <summary>Keeps every log line written through it, so tests can assert what an operator would read.</summary>
internal sealed class RecordingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<RecordedLog> _lines = new();

    public IReadOnlyList<RecordedLog> Lines => [.. _lines];

    public IReadOnlyList<RecordedLog> In(string category) => [.. _lines.Where(l => l.Category == category)];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<RecordedLog> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue(new RecordedLog(category, logLevel, formatter(state, exception)));
    }
}

internal sealed record RecordedLog(string Category, LogLevel Level, string Message);
